/**
 * `isolate-iam-user`: deny everything to an IAM user, deactivate its access keys, tag it; reversibly.
 *
 * Critical path (after the AssumeRole): one parallel read of the user's state (live tags for the guards,
 * keys, password, existing cordon policy), then the deny-all policy, key deactivation and tags in parallel.
 * The live-tag read comes first on purpose: an exempt-tagged user must never be denied, even for a moment.
 */
import type { IAM } from '@aws-sdk/client-iam';
import * as z from 'zod';
import { ValidationError } from '../errors.js';
import type { IamUserResource, Resource } from '../findings/model.js';
import {
  DENY_ALL_POLICY_NAME,
  ISOLATED_AT_TAG,
  ISOLATION_ID_TAG,
  denyAllPolicy,
  samePolicy,
  tagRecord,
} from '../aws/iam-policies.js';
import { IAM_NO_SUCH_ENTITY, settleAll, unlessNotFound } from '../aws/errors.js';
import { defineAction, type ActionContext, type ActionState } from './contract.js';
import { checkGuards, refusedResult } from './guards.js';
import { awsCall, runSteps, type StageSpec, type StepOutcome, type StepSpec } from './steps.js';

const params = z
  .object({
    /**
     * Also delete the console password. Off by default: the deny-all policy already blocks every console
     * action, and a deleted password cannot be restored by release.
     */
    removeConsoleAccess: z
      .boolean()
      .default(false)
      .describe(
        'Also delete the console password (release cannot restore it); the deny-all policy already blocks the console',
      ),
  })
  .strict();
type Params = z.output<typeof params>;

/** What apply records about the user before changing it; release reads it. */
export interface IamUserBefore {
  userName: string;
  arn?: string;
  accessKeys: { accessKeyId: string; status: string }[];
  consolePassword: boolean;
  sshPublicKeys: { id: string; status: string }[];
  signingCertificates: { id: string; status: string }[];
  mfaDevices: string[];
  /** Set when apply deleted the console password (`removeConsoleAccess`): release cannot restore it. */
  consolePasswordDeletedAt?: string;
}

interface ApplyWork {
  userName: string;
  tags: Record<string, string>;
  activeKeyIds: string[];
  hasPassword: boolean;
  /** Settles when this run's deny-all write settles: true when this run wrote the policy. */
  policyWritten?: Promise<boolean>;
}

/**
 * Inline user policies share a 2,048-character quota per user; above this size cordon does not spend it on
 * the protected-ARN exception and writes a plain deny-all after the guard read instead.
 */
const MAX_PARALLEL_POLICY_LENGTH = 1024;

function userOf(resource: Resource): IamUserResource {
  if (resource.type !== 'iam-user') {
    throw new ValidationError(`isolate-iam-user applies to iam-user resources, not ${resource.type}`);
  }
  return resource;
}

function recordedUser(before: Readonly<Record<string, unknown>>): IamUserBefore | undefined {
  const value = before['iamUser'];
  return typeof value === 'object' && value !== null ? (value as IamUserBefore) : undefined;
}

function applyStages(ctx: ActionContext, resource: IamUserResource, p: Params): StageSpec<ApplyWork>[] {
  const iam: IAM = ctx.clients.iam;
  const UserName = resource.userName;
  // The deny-all goes out in the same round trip as the state read (containment after one round trip). Its
  // condition spares exempt and protected principals, because the guards only see the live tags and ARN
  // when the read returns. Should the protected-ARN list make it too large, write a plain deny-all after
  // the read instead.
  const conditional = denyAllPolicy({
    exemptionTag: ctx.guard.exemptionTag,
    protectedArns: ctx.guard.protectedArns,
  });
  const parallel = JSON.stringify(conditional).length <= MAX_PARALLEL_POLICY_LENGTH;
  const document = parallel ? conditional : denyAllPolicy();
  const attach: StepSpec<ApplyWork> = {
    name: 'attach-deny-all-policy',
    async run({ work, previous }) {
      const write = async (): Promise<boolean> => {
        // Re-runs read first, so a resumed or repeated apply is a no-op; a first run writes at once.
        if (previous) {
          const existing = await awsCall('iam:GetUserPolicy', () =>
            unlessNotFound(iam.getUserPolicy({ UserName, PolicyName: DENY_ALL_POLICY_NAME })),
          );
          if (samePolicy(existing?.PolicyDocument, document)) return false;
        }
        await awsCall('iam:PutUserPolicy', () =>
          iam.putUserPolicy({
            UserName,
            PolicyName: DENY_ALL_POLICY_NAME,
            PolicyDocument: JSON.stringify(document),
          }),
        );
        return true;
      };
      const written = write();
      work.policyWritten = written;
      if (!(await written)) {
        return {
          status: 'skipped',
          detail: `inline policy ${DENY_ALL_POLICY_NAME} already denies everything`,
        };
      }
      const spared = parallel ? ' except exempt-tagged or protected principals' : '';
      return {
        status: 'done',
        detail: `attached inline policy ${DENY_ALL_POLICY_NAME} (Deny * on *${spared})`,
      };
    },
  };
  const capture: StepSpec<ApplyWork> = {
    name: 'capture-user-state',
    async run({ work, before: earlier }): Promise<StepOutcome> {
      const [user, keys, login, ssh, certs, mfa] = await Promise.all([
        awsCall('iam:GetUser', () => iam.getUser({ UserName })),
        awsCall('iam:ListAccessKeys', () => iam.listAccessKeys({ UserName })),
        awsCall('iam:GetLoginProfile', () => unlessNotFound(iam.getLoginProfile({ UserName }))),
        awsCall('iam:ListSSHPublicKeys', () => iam.listSSHPublicKeys({ UserName })),
        awsCall('iam:ListSigningCertificates', () => iam.listSigningCertificates({ UserName })),
        awsCall('iam:ListMFADevices', () => iam.listMFADevices({ UserName })),
      ]);
      const tags = tagRecord(user.User?.Tags);
      const arn = user.User?.Arn ?? resource.arn;
      const verdict = checkGuards({ ...resource, ...(arn ? { arn } : {}) }, ctx.guard, tags);
      if (!verdict.allowed) {
        // The deny-all sent alongside this read spares exempt and protected principals by its own
        // condition, so it never denied them anything; remove it so the refused user is left untouched.
        const written = await (work.policyWritten ?? Promise.resolve(false)).catch(() => false);
        if (written) {
          await awsCall('iam:DeleteUserPolicy', () =>
            unlessNotFound(iam.deleteUserPolicy({ UserName, PolicyName: DENY_ALL_POLICY_NAME })),
          );
        }
        const cleanup = written ? ` (removed the conditional ${DENY_ALL_POLICY_NAME} sent in parallel)` : '';
        return { status: 'skipped', detail: `refused: ${verdict.reason}${cleanup}`, halt: true };
      }

      const accessKeys = (keys.AccessKeyMetadata ?? []).map((k) => ({
        accessKeyId: k.AccessKeyId ?? '',
        status: k.Status ?? 'Unknown',
      }));
      work.tags = tags;
      work.activeKeyIds = accessKeys.filter((k) => k.status === 'Active').map((k) => k.accessKeyId);
      work.hasPassword = login !== undefined;
      const before: IamUserBefore = {
        userName: UserName,
        ...(arn ? { arn } : {}),
        accessKeys,
        consolePassword: work.hasPassword,
        sshPublicKeys: (ssh.SSHPublicKeys ?? []).map((k) => ({
          id: k.SSHPublicKeyId ?? '',
          status: k.Status ?? 'Unknown',
        })),
        signingCertificates: (certs.Certificates ?? []).map((c) => ({
          id: c.CertificateId ?? '',
          status: c.Status ?? 'Unknown',
        })),
        mfaDevices: (mfa.MFADevices ?? []).map((d) => d.SerialNumber ?? ''),
      };
      const summary =
        `${accessKeys.length} access key(s) (${work.activeKeyIds.length} active), ` +
        `console password ${work.hasPassword ? 'set' : 'not set'}, ${before.sshPublicKeys.length} SSH key(s), ` +
        `${before.signingCertificates.length} signing certificate(s), ${before.mfaDevices.length} MFA device(s)`;
      // A re-run keeps the first capture (the step runner never overwrites before-state): the keys it saw
      // as Active are the ones release must bring back, even though they are Inactive by now.
      if (recordedUser(earlier) !== undefined) {
        return {
          status: 'skipped',
          detail: `state already recorded by an earlier run; live: ${summary}`,
        };
      }
      return {
        status: 'done',
        detail: `recorded ${UserName}: ${summary}`,
        before: { iamUser: before },
      };
    },
  };
  const others: StepSpec<ApplyWork>[] = [
    {
      name: 'deactivate-access-keys',
      async run({ work }) {
        if (work.activeKeyIds.length === 0) return { status: 'skipped', detail: 'no active access keys' };
        await settleAll(
          work.activeKeyIds.map((AccessKeyId) =>
            awsCall('iam:UpdateAccessKey', () =>
              iam.updateAccessKey({ UserName, AccessKeyId, Status: 'Inactive' }),
            ),
          ),
        );
        return { status: 'done', detail: `deactivated access key(s) ${work.activeKeyIds.join(', ')}` };
      },
    },
    {
      name: 'remove-console-password',
      async run({ work }) {
        if (!p.removeConsoleAccess) {
          return {
            status: 'skipped',
            detail:
              'console password kept (removeConsoleAccess is false); the deny-all policy blocks console actions',
          };
        }
        if (!work.hasPassword) return { status: 'skipped', detail: 'the user has no console password' };
        const deleted = await awsCall('iam:DeleteLoginProfile', () =>
          unlessNotFound(iam.deleteLoginProfile({ UserName })),
        );
        if (deleted === undefined)
          return { status: 'skipped', detail: 'the console password was already gone' };
        const message = 'deleted the console password; release cannot restore it (set a new one by hand)';
        return {
          status: 'done',
          detail: message,
          before: { iamUser: { consolePasswordDeletedAt: ctx.now().toISOString() } },
          warnings: [message],
        };
      },
    },
    {
      name: 'tag-user',
      offCriticalPath: true,
      async run({ work }) {
        if (work.tags[ISOLATION_ID_TAG] === ctx.isolationId) {
          return { status: 'skipped', detail: `already tagged ${ISOLATION_ID_TAG}=${ctx.isolationId}` };
        }
        await awsCall('iam:TagUser', () =>
          iam.tagUser({
            UserName,
            Tags: [
              { Key: ISOLATION_ID_TAG, Value: ctx.isolationId },
              { Key: ISOLATED_AT_TAG, Value: ctx.now().toISOString() },
            ],
          }),
        );
        return { status: 'done', detail: `tagged ${ISOLATION_ID_TAG}=${ctx.isolationId}` };
      },
    },
  ];
  if (parallel) {
    return [{ containment: true, steps: [attach, capture] }, { steps: others }];
  }
  return [{ steps: [capture] }, { containment: true, steps: [attach, ...others] }];
}

function releaseStages(ctx: ActionContext, resource: IamUserResource): StageSpec<Record<string, never>>[] {
  const iam: IAM = ctx.clients.iam;
  const UserName = resource.userName;
  return [
    {
      steps: [
        {
          // Keys first, policy last: the user never holds working keys without the deny-all in place.
          name: 'reactivate-access-keys',
          async run({ before }) {
            const recorded = recordedUser(before);
            if (!recorded) return { status: 'skipped', detail: 'apply recorded no access keys' };
            const wanted = recorded.accessKeys.filter((k) => k.status === 'Active').map((k) => k.accessKeyId);
            if (wanted.length === 0)
              return { status: 'skipped', detail: 'no access key was active before isolation' };
            const live = await awsCall('iam:ListAccessKeys', () => iam.listAccessKeys({ UserName }));
            const statuses = new Map((live.AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId, k.Status]));
            const gone = wanted.filter((id) => !statuses.has(id));
            const toReactivate = wanted.filter((id) => statuses.get(id) === 'Inactive');
            await settleAll(
              toReactivate.map((AccessKeyId) =>
                awsCall('iam:UpdateAccessKey', () =>
                  iam.updateAccessKey({ UserName, AccessKeyId, Status: 'Active' }),
                ),
              ),
            );
            const notes = gone.length > 0 ? `; deleted since isolation: ${gone.join(', ')}` : '';
            if (toReactivate.length === 0) {
              return { status: 'skipped', detail: `access keys already active${notes}` };
            }
            return { status: 'done', detail: `reactivated access key(s) ${toReactivate.join(', ')}${notes}` };
          },
        },
      ],
    },
    {
      steps: [
        {
          name: 'remove-deny-all-policy',
          async run({ before }) {
            const warnings: string[] = [];
            if (recordedUser(before)?.consolePasswordDeletedAt !== undefined) {
              warnings.push(
                `the console password of ${UserName} was deleted during isolation and cannot be restored; set a new one if the user needs the console`,
              );
            }
            const present = await awsCall('iam:GetUserPolicy', () =>
              unlessNotFound(iam.getUserPolicy({ UserName, PolicyName: DENY_ALL_POLICY_NAME })),
            );
            // Deleting a policy that a concurrent release already removed is fine: not-found means done.
            const deleted =
              present &&
              (await awsCall('iam:DeleteUserPolicy', () =>
                unlessNotFound(iam.deleteUserPolicy({ UserName, PolicyName: DENY_ALL_POLICY_NAME })),
              ));
            if (!deleted) {
              return {
                status: 'skipped',
                detail: `inline policy ${DENY_ALL_POLICY_NAME} is not present`,
                warnings,
              };
            }
            return { status: 'done', detail: `removed inline policy ${DENY_ALL_POLICY_NAME}`, warnings };
          },
        },
        {
          name: 'untag-user',
          async run() {
            const user = await awsCall('iam:GetUser', () => iam.getUser({ UserName }));
            const tags = tagRecord(user.User?.Tags);
            const owner = tags[ISOLATION_ID_TAG];
            if (owner === undefined && tags[ISOLATED_AT_TAG] === undefined) {
              return { status: 'skipped', detail: 'no cordon tags on the user' };
            }
            if (owner !== undefined && owner !== ctx.isolationId) {
              return {
                status: 'skipped',
                detail: `tags belong to another isolation (${owner}); left in place`,
              };
            }
            await awsCall('iam:UntagUser', () =>
              iam.untagUser({ UserName, TagKeys: [ISOLATION_ID_TAG, ISOLATED_AT_TAG] }),
            );
            return { status: 'done', detail: `removed tags ${ISOLATION_ID_TAG}, ${ISOLATED_AT_TAG}` };
          },
        },
      ],
    },
  ];
}

export const isolateIamUser = defineAction({
  name: 'isolate-iam-user',
  description:
    'Deny everything to an IAM user with an inline deny-all policy, deactivate its active access keys and tag it; release puts the keys, policies and tags back.',
  resourceTypes: ['iam-user'],
  params,
  permissions: [
    'iam:GetUser',
    'iam:ListAccessKeys',
    'iam:GetLoginProfile',
    'iam:ListSSHPublicKeys',
    'iam:ListSigningCertificates',
    'iam:ListMFADevices',
    'iam:GetUserPolicy',
    'iam:PutUserPolicy',
    'iam:UpdateAccessKey',
    'iam:DeleteLoginProfile',
    'iam:TagUser',
    'iam:DeleteUserPolicy',
    'iam:UntagUser',
  ],
  steps: {
    apply: [
      'attach-deny-all-policy',
      'capture-user-state',
      'deactivate-access-keys',
      'remove-console-password',
      'tag-user',
    ],
    release: ['reactivate-access-keys', 'remove-deny-all-policy', 'untag-user'],
  },
  limitations: [
    'Role sessions the user already obtained with sts:AssumeRole stay valid until they expire: the deny-all policy is on the user, not on the roles. Use revoke-role-sessions on those roles.',
    'IAM is eventually consistent: the deny-all policy usually takes effect within seconds, not instantly; calls already in flight complete.',
    'The console password is kept by default (the deny-all blocks every console action). With removeConsoleAccess it is deleted and release cannot restore it.',
    'SSH public keys, signing certificates, MFA devices and service-specific credentials are recorded (except service-specific credentials) but not removed; the deny-all policy governs what they can do.',
    'Resource-based policies in other accounts that trust the user are still evaluated, but the identity deny-all wins for every request the user signs.',
  ],
  async apply(ctx, resource, p, previous?: ActionState) {
    const user = userOf(resource);
    // Cheap first check with the finding's data, before any AWS call; live tags are checked again in step 1.
    const verdict = checkGuards(user, ctx.guard);
    if (!verdict.allowed) return refusedResult(verdict.reason, previous);
    return runSteps<ApplyWork>({
      ctx,
      stages: applyStages(ctx, user, p),
      work: {
        userName: user.userName,
        tags: {},
        activeKeyIds: [],
        hasPassword: false,
      },
      ...(previous ? { previous } : {}),
      vanishedErrors: IAM_NO_SUCH_ENTITY,
    });
  },
  async release(ctx, resource, _p, state) {
    const user = userOf(resource);
    return runSteps({
      ctx,
      stages: releaseStages(ctx, user),
      work: {},
      previous: state,
      vanishedErrors: IAM_NO_SUCH_ENTITY,
    });
  },
});
