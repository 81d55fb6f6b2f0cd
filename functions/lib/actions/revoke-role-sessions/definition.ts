/**
 * `revoke-role-sessions`: AWS's "revoke active sessions" for a role, done by cordon. An inline role policy
 * denies everything to sessions whose `aws:TokenIssueTime` is before now; sessions assumed afterwards work.
 * cordon uses its own policy name, so release deletes only what cordon added and never AWS's
 * `AWSRevokeOlderSessions` (from the console button) or the customer's policies.
 */
import type { IAM } from '@aws-sdk/client-iam';
import type { IamRoleResource } from '../../findings/model.js';
import { IAM_NO_SUCH_ENTITY } from '../../aws/errors.js';
import { sessionRevocationPolicyName, tagRecord } from '../../aws/iam-policies.js';
import type { ActionContext } from '../contract.js';
import { checkGuards } from '../guards.js';
import { revokeRoleSessionsManifest } from './manifest.js';
import { defineRunnableAction } from '../runner.js';
import {
  deleteSessionRevocation,
  putSessionRevocation,
  readSessionRevocation,
  type SessionPrincipal,
} from '../shared/session-revocation.js';
import { awsCall, type StageSpec, type StepOutcome } from '../steps.js';
import { recordedRole, roleBeforeSchema, type RoleBefore } from './before.js';

export type { RoleBefore } from './before.js';

interface ApplyWork {
  role: IamRoleResource;
  /** Cut-off of cordon's policy already on the role, if any. */
  existingIssuedBefore?: string;
}

/** Per release run: the role. */
interface ReleaseWork {
  role: IamRoleResource;
}

/** Per run: the clients, the role and cordon's per-isolation policy name (another isolation keeps its own). */
function roleRun(
  ctx: ActionContext,
  role: IamRoleResource,
): { iam: IAM; policyName: string; RoleName: string; principal: SessionPrincipal } {
  return {
    iam: ctx.clients.iam,
    policyName: sessionRevocationPolicyName(ctx.isolationId),
    RoleName: role.roleName,
    principal: { kind: 'role', roleName: role.roleName },
  };
}

function applyStages(): StageSpec<ApplyWork>[] {
  return [
    {
      steps: [
        {
          name: 'capture-role-state',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            const resource = work.role;
            const { iam, policyName, RoleName, principal } = roleRun(ctx, resource);
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
          async run({ work, before, ctx }) {
            const { iam, policyName, RoleName, principal } = roleRun(ctx, work.role);
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

function releaseStages(): StageSpec<ReleaseWork>[] {
  return [
    {
      steps: [
        {
          name: 'remove-deny-older-sessions',
          async run({ work, ctx }) {
            const { iam, policyName, RoleName, principal } = roleRun(ctx, work.role);
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

export const revokeRoleSessions = defineRunnableAction(revokeRoleSessionsManifest, {
  limitations: [
    'Sessions issued after the cut-off are not affected: whoever can still assume the role (or holds an instance profile) gets working credentials again. Contain the principal that assumes it too.',
    'Every older session of the role is denied, including legitimate ones on other instances, functions or people sharing the role (blast radius).',
    'Long-term credentials are not affected (they carry no aws:TokenIssueTime); service-linked roles are refused, because AWS does not allow changing their policies.',
    'IAM is eventually consistent: the deny may take a few minutes to reach every region.',
  ],
  before: roleBeforeSchema,
  goneErrors: IAM_NO_SUCH_ENTITY,
  apply: { stages: applyStages, work: ({ resource }): ApplyWork => ({ role: resource }) },
  release: { stages: releaseStages, work: ({ resource }): ReleaseWork => ({ role: resource }) },
});
