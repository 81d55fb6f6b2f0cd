/**
 * `revoke-role-sessions`: AWS's "revoke active sessions" for a role, done by cordon. An inline role policy
 * denies everything to sessions whose `aws:TokenIssueTime` is before now; sessions assumed afterwards work.
 * cordon uses its own policy name, so release deletes only what cordon added and never AWS's
 * `AWSRevokeOlderSessions` (from the console button) or the customer's policies.
 */
import type { IAM } from '@aws-sdk/client-iam';
import * as z from 'zod';
import { ValidationError } from '../../errors.js';
import type { IamRoleResource, Resource } from '../../findings/model.js';
import { IAM_NO_SUCH_ENTITY } from '../../aws/errors.js';
import { sessionRevocationPolicyName, tagRecord } from '../../aws/iam-policies.js';
import { defineAction, type ActionContext, type ActionState } from '../contract.js';
import { checkGuards, refusedResult } from '../guards.js';
import { REVOKE_ROLE_SESSIONS_SCOPING } from '../iam-scopes.js';
import {
  deleteSessionRevocation,
  putSessionRevocation,
  readSessionRevocation,
  type SessionPrincipal,
} from '../shared/session-revocation.js';
import { awsCall, runSteps, type StageSpec, type StepOutcome } from '../steps.js';

const params = z.object({}).strict();

/** What apply records; release reads it. */
export interface RoleBefore {
  roleName: string;
  arn?: string;
  /** Cut-off written into cordon's policy: sessions issued before it are denied. */
  issuedBefore?: string;
}

interface ApplyWork {
  /** Cut-off of cordon's policy already on the role, if any. */
  existingIssuedBefore?: string;
}

function roleOf(resource: Resource): IamRoleResource {
  if (resource.type !== 'iam-role') {
    throw new ValidationError(`revoke-role-sessions applies to iam-role resources, not ${resource.type}`);
  }
  return resource;
}

function recordedRole(before: Readonly<Record<string, unknown>>): RoleBefore | undefined {
  const value = before['iamRole'];
  return typeof value === 'object' && value !== null ? (value as RoleBefore) : undefined;
}

function applyStages(ctx: ActionContext, resource: IamRoleResource): StageSpec<ApplyWork>[] {
  const iam: IAM = ctx.clients.iam;
  // Per isolation: another isolation of the same principal keeps its own cut-off (see sessionRevocationPolicyName).
  const policyName = sessionRevocationPolicyName(ctx.isolationId);
  const RoleName = resource.roleName;
  const principal: SessionPrincipal = { kind: 'role', roleName: RoleName };
  return [
    {
      steps: [
        {
          name: 'capture-role-state',
          async run({ work, before }): Promise<StepOutcome> {
            const [role, existingIssuedBefore] = await Promise.all([
              awsCall('iam:GetRole', () => iam.getRole({ RoleName })),
              readSessionRevocation(iam, principal, policyName),
            ]);
            // The live ARN carries the path, which is how service-linked roles are recognised.
            const arn = role.Role?.Arn;
            const verdict = checkGuards(
              arn ? { ...resource, arn } : resource,
              ctx.guard,
              tagRecord(role.Role?.Tags),
            );
            if (!verdict.allowed)
              return { status: 'skipped', detail: `refused: ${verdict.reason}`, halt: true };
            work.existingIssuedBefore = existingIssuedBefore;
            if (recordedRole(before) !== undefined) {
              return { status: 'skipped', detail: 'state already recorded by an earlier run' };
            }
            const recorded: RoleBefore = { roleName: RoleName, ...(arn ? { arn } : {}) };
            return {
              status: 'done',
              detail: `recorded role ${arn ?? RoleName}`,
              before: { iamRole: recorded },
            };
          },
        },
      ],
    },
    {
      containment: true,
      steps: [
        {
          name: 'deny-older-sessions',
          async run({ work, before }) {
            const recorded = recordedRole(before)?.issuedBefore;
            if (recorded !== undefined && work.existingIssuedBefore === recorded) {
              return {
                status: 'skipped',
                detail: `${policyName} already denies sessions issued before ${recorded}`,
              };
            }
            // A resumed run keeps the first cut-off: the sessions to deny are those alive at first containment.
            const issuedBefore = recorded ?? ctx.now().toISOString();
            await putSessionRevocation(iam, principal, policyName, issuedBefore);
            return {
              status: 'done',
              detail: `inline policy ${policyName} denies sessions of ${RoleName} issued before ${issuedBefore}`,
              before: { iamRole: { issuedBefore } },
              warnings: [
                `every session of role ${RoleName} issued before ${issuedBefore} is denied, including legitimate ones (instances, functions and people sharing the role must obtain new credentials)`,
              ],
            };
          },
        },
      ],
    },
  ];
}

function releaseStages(ctx: ActionContext, resource: IamRoleResource): StageSpec<Record<string, never>>[] {
  const iam: IAM = ctx.clients.iam;
  // Per isolation: another isolation of the same principal keeps its own cut-off (see sessionRevocationPolicyName).
  const policyName = sessionRevocationPolicyName(ctx.isolationId);
  const RoleName = resource.roleName;
  const principal: SessionPrincipal = { kind: 'role', roleName: RoleName };
  return [
    {
      steps: [
        {
          name: 'remove-deny-older-sessions',
          async run() {
            if (!(await deleteSessionRevocation(iam, principal, policyName))) {
              // Tell a deleted role (the run ends skipped: nothing to release) from a policy already removed.
              await awsCall('iam:GetRole', () => iam.getRole({ RoleName }));
              return {
                status: 'skipped',
                detail: `${policyName} is not on role ${RoleName}`,
              };
            }
            return {
              status: 'done',
              detail: `removed inline policy ${policyName} from ${RoleName}`,
            };
          },
        },
      ],
    },
  ];
}

export const revokeRoleSessions = defineAction({
  name: 'revoke-role-sessions',
  description:
    'Deny every session of a role issued before now with an inline aws:TokenIssueTime policy (AWS\'s "revoke active sessions"); release deletes only that policy.',
  resourceTypes: ['iam-role'],
  params,
  permissions: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
  scoping: REVOKE_ROLE_SESSIONS_SCOPING,
  steps: {
    apply: ['capture-role-state', 'deny-older-sessions'],
    release: ['remove-deny-older-sessions'],
  },
  limitations: [
    'Sessions issued after the cut-off are not affected: whoever can still assume the role (or holds an instance profile) gets working credentials again. Contain the principal that assumes it too.',
    'Every older session of the role is denied, including legitimate ones on other instances, functions or people sharing the role (blast radius).',
    'Long-term credentials are not affected (they carry no aws:TokenIssueTime); service-linked roles are refused, because AWS does not allow changing their policies.',
    'IAM is eventually consistent: the deny may take a few minutes to reach every region.',
  ],
  async apply(ctx, resource, _p, previous?: ActionState) {
    const role = roleOf(resource);
    const verdict = checkGuards(role, ctx.guard);
    if (!verdict.allowed) return refusedResult(verdict.reason, previous);
    return runSteps<ApplyWork>({
      ctx,
      stages: applyStages(ctx, role),
      work: {},
      ...(previous ? { previous } : {}),
      vanishedErrors: IAM_NO_SUCH_ENTITY,
    });
  },
  async release(ctx, resource, _p, state) {
    const role = roleOf(resource);
    return runSteps({
      ctx,
      stages: releaseStages(ctx, role),
      work: {},
      previous: state,
      vanishedErrors: IAM_NO_SUCH_ENTITY,
    });
  },
});
