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
import {
  DENY_ALL_POLICY_NAME,
  ISOLATED_AT_TAG,
  ISOLATION_ID_TAG,
  awsDenyAllPolicyArn,
  denyAllPolicy,
  samePolicy,
} from '../../aws/iam-policies.js';
import { IAM_NO_SUCH_ENTITY, settleAll, unlessNotFound, awsErrorName } from '../../aws/errors.js';
import type { ActionContext, GuardSettings } from '../contract.js';
import { isolateIamUserManifest } from './manifest.js';
import { defineRunnableAction } from '../runner.js';
import {
  MANAGED_DENY_ALL_KEY,
  captureStep,
  isolateIamUserBeforeSchema,
  recordedManagedDenyAll,
  recordedUser,
  type ApplyWork,
} from './state.js';
import { releaseStages, type ReleaseWork } from './release.js';
import { awsCall, type StageSpec, type StepSpec } from '../steps.js';
import { resourcePartition } from '../../kernel/arn.js';

export type { IamUserBefore, IncidentItem } from './state.js';

type Params = z.output<typeof isolateIamUserManifest.params>;

/** IAM's answer when a user's inline policies would exceed their 2,048-character quota. */
function isInlineQuotaExceeded(error: unknown): boolean {
  return ['LimitExceeded', 'LimitExceededException'].includes(awsErrorName(error));
}

/**
 * Inline user policies share a 2,048-character quota per user; above this size cordon does not spend it on
 * the protected-ARN exception and writes a plain deny-all after the guard read instead.
 */
const MAX_PARALLEL_POLICY_LENGTH = 1024;

/** The clients and names an apply step works with. */
function userRun(ctx: ActionContext, work: ApplyWork): { iam: IAM; UserName: string; managedArn: string } {
  const { userName, arn, region } = work.user;
  return {
    iam: ctx.clients.iam,
    UserName: userName,
    managedArn: awsDenyAllPolicyArn(resourcePartition(arn, region)),
  };
}

function applyStages(p: Params, guard: GuardSettings): StageSpec<ApplyWork>[] {
  // The deny-all goes out in the same round trip as the state read (containment after one round trip). Its
  // condition spares exempt and protected principals, because the guards only see the live tags and ARN
  // when the read returns. Should the protected-ARN list make it too large, write a plain deny-all after
  // the read instead.
  const conditional = denyAllPolicy({
    exemptionTag: guard.exemptionTag,
    protectedArns: guard.protectedArns,
  });
  const parallel = JSON.stringify(conditional).length <= MAX_PARALLEL_POLICY_LENGTH;
  const document = parallel ? conditional : denyAllPolicy();
  /** The fallback: attach AWSDenyAll, unconditional, so only once the guards allowed the user. */
  const attachManaged = async (
    ctx: ActionContext,
    work: ApplyWork,
  ): Promise<'attached' | 'present' | 'refused'> => {
    const { iam, UserName, managedArn } = userRun(ctx, work);
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
    async run({ work, previous, before, ctx }) {
      const { iam, UserName, managedArn } = userRun(ctx, work);
      type Written = 'inline' | 'inline-present' | 'attached' | 'present' | 'refused';
      const write = async (): Promise<Written> => {
        // An earlier run fell back to the managed policy: the inline quota is still full, go straight there.
        if (recordedManagedDenyAll(before) !== undefined) {
          const managed = await attachManaged(ctx, work);
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
          return attachManaged(ctx, work);
        }
      };
      const written = write();
      // A failed write is this step's failure (awaited below); for the guard cleanup it means "not written".
      work.policyWritten = written.then(
        (w) => w === 'inline',
        () => false,
      );
      const kind = await written;
      switch (kind) {
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
  const capture = captureStep();
  const others: StepSpec<ApplyWork>[] = [
    {
      name: 'deactivate-access-keys',
      async run({ work, ctx }) {
        const { iam, UserName } = userRun(ctx, work);
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
      // Deactivated, not deleted, so that a releaser can bring back one that turns out to be legitimate.
      name: 'deactivate-incident-credentials',
      async run({ work, ctx }) {
        const { iam, UserName } = userRun(ctx, work);
        const ssh = work.incidentSshKeyIds;
        const certs = work.incidentCertificateIds;
        if (ssh.length === 0 && certs.length === 0) {
          return {
            status: 'skipped',
            detail: 'no active SSH public key or signing certificate created during the incident',
          };
        }
        await settleAll([
          ...ssh.map((SSHPublicKeyId) =>
            awsCall('iam:UpdateSSHPublicKey', () =>
              iam.updateSSHPublicKey({ UserName, SSHPublicKeyId, Status: 'Inactive' }),
            ),
          ),
          ...certs.map((CertificateId) =>
            awsCall('iam:UpdateSigningCertificate', () =>
              iam.updateSigningCertificate({ UserName, CertificateId, Status: 'Inactive' }),
            ),
          ),
        ]);
        return {
          status: 'done',
          detail: `deactivated credentials created during the incident: ${[...ssh, ...certs].join(', ')}`,
        };
      },
    },
    {
      name: 'remove-console-password',
      async run({ work, ctx }) {
        const { iam, UserName } = userRun(ctx, work);
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
      async run({ work, ctx }) {
        const { iam, UserName } = userRun(ctx, work);
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

export const isolateIamUser = defineRunnableAction(isolateIamUserManifest, {
  limitations: [
    'Role sessions the user already obtained with sts:AssumeRole stay valid until they expire: the deny-all policy is on the user, not on the roles. Use revoke-role-sessions on those roles.',
    'IAM is eventually consistent: the deny-all policy usually takes effect within seconds, not instantly; calls already in flight complete.',
    'The console password is kept by default (the deny-all blocks every console action). With removeConsoleAccess it is deleted and release cannot restore it.',
    'SSH public keys, signing certificates, MFA devices and service-specific credentials are recorded (except service-specific credentials) but not removed; the deny-all policy governs what they can do. Only SSH keys and signing certificates created during the incident are deactivated.',
    "Credentials created during the incident (from the finding's first activity minus settings.incidentWindowMarginMinutes) stay as they are on release unless the releaser names them; an MFA device or console password created then is only listed and warned about, never removed. An isolation without a finding (started through the API) has no incident window.",
    'Resource-based policies in other accounts that trust the user are still evaluated, but the identity deny-all wins for every request the user signs.',
    "When the user's inline policies fill IAM's 2,048-character quota, cordon attaches AWS's managed AWSDenyAll instead (one more round trip, and only after the live guard check); if the user also has no managed-policy slot left, containment fails with the step named.",
  ],
  before: isolateIamUserBeforeSchema,
  goneErrors: IAM_NO_SUCH_ENTITY,
  apply: {
    stages: applyStages,
    work: ({ resource, previous }): ApplyWork => {
      let settleGuard: (allowed: boolean) => void = () => undefined;
      const guardAllowed = new Promise<boolean>((resolve) => {
        settleGuard = resolve;
      });
      // A resumed run skips the finished state read: an earlier run recorded the user only after its guards passed.
      if (previous && recordedUser(previous.before) !== undefined) settleGuard(true);
      return {
        user: resource,
        tags: {},
        activeKeyIds: [],
        hasPassword: false,
        incidentSshKeyIds: [],
        incidentCertificateIds: [],
        guardAllowed,
        settleGuard,
      };
    },
  },
  release: { stages: releaseStages, work: ({ resource }): ReleaseWork => ({ user: resource }) },
});
