/**
 * `isolate-iam-user`: deny everything to an IAM user, deactivate its access keys, tag it; reversibly.
 *
 * Critical path (after the AssumeRole): one parallel read of the user's state (live tags for the guards,
 * keys, password, existing cordon policy), then the deny-all policy, key deactivation and tags in parallel.
 * The live-tag read comes first on purpose: an exempt-tagged user must never be denied, even for a moment.
 *
 * When the user's inline policies already fill IAM's 2,048-character quota, PutUserPolicy fails with
 * LimitExceeded; containment then falls back to attaching AWS's managed `AWSDenyAll` (unconditional, so only
 * after the guards passed), and release detaches it only if cordon attached it.
 */
import type { IAM } from '@aws-sdk/client-iam';
import * as z from 'zod';
import { ValidationError } from '../errors.js';
import type { IamUserResource, Resource } from '../findings/model.js';
import {
  DENY_ALL_POLICY_NAME,
  ISOLATED_AT_TAG,
  ISOLATION_ID_TAG,
  awsDenyAllPolicyArn,
  denyAllPolicy,
  partitionOf,
  samePolicy,
  tagRecord,
} from '../aws/iam-policies.js';
import { IAM_NO_SUCH_ENTITY, settleAll, unlessNotFound } from '../aws/errors.js';
import { defineAction, type ActionContext, type ActionState } from './contract.js';
import { checkGuards, refusedResult } from './guards.js';
import { awsCall, awsErrorName, runSteps, type StageSpec, type StepOutcome, type StepSpec } from './steps.js';

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

/** Before-state key of the managed-policy fallback: set only when cordon attached `AWSDenyAll` itself. */
const MANAGED_DENY_ALL_KEY = 'managedDenyAll';

interface ApplyWork {
  userName: string;
  tags: Record<string, string>;
  activeKeyIds: string[];
  hasPassword: boolean;
  /** Settles when this run's deny-all write settles: true when this run wrote the policy. */
  policyWritten?: Promise<boolean>;
  /** Resolves with the live guard verdict (true: allowed) once the state read has checked it. */
  guardAllowed: Promise<boolean>;
  settleGuard: (allowed: boolean) => void;
}

/** IAM's answer when a user's inline policies would exceed their 2,048-character quota. */
function isInlineQuotaExceeded(error: unknown): boolean {
  return ['LimitExceeded', 'LimitExceededException'].includes(awsErrorName(error));
}

function recordedManagedDenyAll(before: Readonly<Record<string, unknown>>): string | undefined {
  const value = before[MANAGED_DENY_ALL_KEY];
  return typeof value === 'object' &&
    value !== null &&
    'policyArn' in value &&
    typeof value.policyArn === 'string'
    ? value.policyArn
    : undefined;
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
  const managedArn = awsDenyAllPolicyArn(partitionOf(resource.arn));
  /** The fallback: attach AWSDenyAll, unconditional, so only once the guards allowed the user. */
  const attachManaged = async (work: ApplyWork): Promise<'attached' | 'present' | 'refused'> => {
    if (!(await work.guardAllowed)) return 'refused';
    const attached = await awsCall('iam:ListAttachedUserPolicies', () =>
      iam.listAttachedUserPolicies({ UserName }),
    );
    // Attached before cordon came (or by an earlier run): the user is denied; release must not detach it.
    if ((attached.AttachedPolicies ?? []).some((a) => a.PolicyArn === managedArn)) return 'present';
    await awsCall('iam:AttachUserPolicy', () => iam.attachUserPolicy({ UserName, PolicyArn: managedArn }));
    return 'attached';
  };
  const attach: StepSpec<ApplyWork> = {
    name: 'attach-deny-all-policy',
    async run({ work, previous, before }) {
      type Written = 'inline' | 'inline-present' | 'attached' | 'present' | 'refused';
      const write = async (): Promise<Written> => {
        // An earlier run fell back to the managed policy: the inline quota is still full, go straight there.
        if (recordedManagedDenyAll(before) !== undefined) {
          const managed = await attachManaged(work);
          return managed === 'attached' ? 'attached' : 'present';
        }
        // Re-runs read first, so a resumed or repeated apply is a no-op; a first run writes at once.
        if (previous) {
          const existing = await awsCall('iam:GetUserPolicy', () =>
            unlessNotFound(iam.getUserPolicy({ UserName, PolicyName: DENY_ALL_POLICY_NAME })),
          );
          if (samePolicy(existing?.PolicyDocument, document)) return 'inline-present';
        }
        try {
          await awsCall('iam:PutUserPolicy', () =>
            iam.putUserPolicy({
              UserName,
              PolicyName: DENY_ALL_POLICY_NAME,
              PolicyDocument: JSON.stringify(document),
            }),
          );
          return 'inline';
        } catch (error) {
          if (!isInlineQuotaExceeded(error)) throw error;
          ctx.logger.warn('inline policy quota full; falling back to AWSDenyAll', { userName: UserName });
          return attachManaged(work);
        }
      };
      const written = write();
      // A failed write is this step's failure (awaited below); for the guard cleanup it means "not written".
      work.policyWritten = written.then(
        (w) => w === 'inline',
        () => false,
      );
      const outcome = await written;
      switch (outcome) {
        case 'inline-present':
          return {
            status: 'skipped',
            detail: `inline policy ${DENY_ALL_POLICY_NAME} already denies everything`,
          };
        case 'inline': {
          const spared = parallel ? ' except exempt-tagged or protected principals' : '';
          return {
            status: 'done',
            detail: `attached inline policy ${DENY_ALL_POLICY_NAME} (Deny * on *${spared})`,
          };
        }
        case 'attached': {
          const message =
            `the user's inline policies fill IAM's 2,048-character quota, so cordon attached the managed ` +
            `policy ${managedArn} instead of ${DENY_ALL_POLICY_NAME}; release detaches it`;
          return {
            status: 'done',
            detail: message,
            before: { [MANAGED_DENY_ALL_KEY]: { policyArn: managedArn } },
            warnings: [message],
          };
        }
        case 'present':
          return { status: 'skipped', detail: `managed policy ${managedArn} is already attached` };
        default:
          return {
            status: 'skipped',
            detail: 'AWSDenyAll not attached: the live guard check refused the user or could not run',
          };
      }
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
      ]).catch((error: unknown) => {
        // No verdict without the read: the managed-policy fallback must not wait forever, nor attach.
        work.settleGuard(false);
        throw error;
      });
      const tags = tagRecord(user.User?.Tags);
      const arn = user.User?.Arn ?? resource.arn;
      const verdict = checkGuards({ ...resource, ...(arn ? { arn } : {}) }, ctx.guard, tags);
      // Before awaiting the parallel write: its managed-policy fallback waits for this verdict.
      work.settleGuard(verdict.allowed);
      if (!verdict.allowed) {
        // The deny-all sent alongside this read spares exempt and protected principals by its own
        // condition, so it never denied them anything; remove it so the refused user is left untouched.
        const written = await (work.policyWritten ?? Promise.resolve(false));
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
            const managedArn = recordedManagedDenyAll(before);
            if (managedArn !== undefined) {
              // Only cordon's own attachment is recorded; not-found means a concurrent release detached it.
              const detached = await awsCall('iam:DetachUserPolicy', () =>
                unlessNotFound(iam.detachUserPolicy({ UserName, PolicyArn: managedArn })),
              );
              if (detached === undefined) {
                return {
                  status: 'skipped',
                  detail: `managed policy ${managedArn} is not attached`,
                  warnings,
                };
              }
              return { status: 'done', detail: `detached managed policy ${managedArn}`, warnings };
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
  // A deleted console password cannot be put back by release.
  irreversibleParams: ['removeConsoleAccess'],
  permissions: [
    'iam:GetUser',
    'iam:ListAccessKeys',
    'iam:GetLoginProfile',
    'iam:ListSSHPublicKeys',
    'iam:ListSigningCertificates',
    'iam:ListMFADevices',
    'iam:GetUserPolicy',
    'iam:PutUserPolicy',
    'iam:ListAttachedUserPolicies',
    'iam:AttachUserPolicy',
    'iam:UpdateAccessKey',
    'iam:DeleteLoginProfile',
    'iam:TagUser',
    'iam:DeleteUserPolicy',
    'iam:DetachUserPolicy',
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
    "When the user's inline policies fill IAM's 2,048-character quota, cordon attaches AWS's managed AWSDenyAll instead (one more round trip, and only after the live guard check); if the user also has no managed-policy slot left, containment fails with the step named.",
  ],
  async apply(ctx, resource, p, previous?: ActionState) {
    const user = userOf(resource);
    // Cheap first check with the finding's data, before any AWS call; live tags are checked again in step 1.
    const verdict = checkGuards(user, ctx.guard);
    if (!verdict.allowed) return refusedResult(verdict.reason, previous);
    let settleGuard: (allowed: boolean) => void = () => undefined;
    const guardAllowed = new Promise<boolean>((resolve) => {
      settleGuard = resolve;
    });
    // A resumed run skips the finished state read: an earlier run recorded the user only after its guards passed.
    if (previous && recordedUser(previous.before) !== undefined) settleGuard(true);
    return runSteps<ApplyWork>({
      ctx,
      stages: applyStages(ctx, user, p),
      work: {
        userName: user.userName,
        tags: {},
        activeKeyIds: [],
        hasPassword: false,
        guardAllowed,
        settleGuard,
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
