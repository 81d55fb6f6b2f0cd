/**
 * `disable-access-key`: deactivate the one access key named in the finding; optionally deny the owner's
 * temporary credentials issued before now (`aws:TokenIssueTime`), since sessions minted from the key with
 * GetSessionToken/GetFederationToken may outlive its deactivation.
 *
 * An `ASIA…` key of an IAM user is a temporary credential (console session, GetSessionToken,
 * GetFederationToken): STS cannot deactivate it, and it is not in ListAccessKeys. The user's own policies
 * still govern it, so it is contained by the same deny on sessions issued before now, put whatever
 * `denyOlderSessions` says. (An `ASIA…` key of an assumed role never reaches this action: the finding's
 * principal maps it to the role, which `revoke-role-sessions` contains.)
 */
import type { IAM } from '@aws-sdk/client-iam';
import * as z from 'zod';
import type { IamAccessKeyResource } from '../../findings/model.js';
import { IAM_NO_SUCH_ENTITY } from '../../aws/errors.js';
import { sessionRevocationPolicyName, tagRecord } from '../../aws/iam-policies.js';
import type { ActionContext } from '../contract.js';
import { checkGuards } from '../guards.js';
import { disableAccessKeyManifest } from './manifest.js';
import { defineRunnableAction } from '../runner.js';
import {
  deleteSessionRevocation,
  putSessionRevocation,
  readSessionRevocation,
  type SessionPrincipal,
} from '../shared/session-revocation.js';
import { awsCall, type StageSpec, type StepOutcome } from '../steps.js';
import { accessKeyBeforeSchema, recordedKey, type AccessKeyBefore } from './before.js';

export type { AccessKeyBefore } from './before.js';

type Params = z.output<typeof disableAccessKeyManifest.params>;

interface ApplyWork {
  key: IamAccessKeyResource;
  liveStatus?: string;
  /** Cut-off of a cordon deny-older-sessions policy already on the user, if any. */
  existingIssuedBefore?: string;
}

/** `ASIA…`: a temporary STS credential; `AKIA…` is a long-term key (see containment facts). */
export function isTemporaryKeyId(accessKeyId: string): boolean {
  return accessKeyId.startsWith('ASIA');
}

/** Per run: the key, and the per-isolation policy name (another isolation of the owner keeps its own cut-off). */
function keyRun(
  ctx: ActionContext,
  key: IamAccessKeyResource,
): {
  iam: IAM;
  policyName: string;
  UserName: string;
  AccessKeyId: string;
  owner: SessionPrincipal;
  temporary: boolean;
} {
  const { userName: UserName, accessKeyId: AccessKeyId } = key;
  const owner: SessionPrincipal = { kind: 'user', userName: UserName };
  return {
    iam: ctx.clients.iam,
    policyName: sessionRevocationPolicyName(ctx.isolationId),
    UserName,
    AccessKeyId,
    owner,
    temporary: isTemporaryKeyId(AccessKeyId),
  };
}

function applyStages(p: Params): StageSpec<ApplyWork>[] {
  // A temporary key can only be contained by the session deny: it is put whatever the parameter says.
  const denySessions = (temporary: boolean): boolean => p.denyOlderSessions || temporary;
  return [
    {
      steps: [
        {
          name: 'capture-key-state',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            const resource = work.key;
            const { iam, policyName, UserName, AccessKeyId, owner, temporary } = keyRun(ctx, resource);
            const [user, keys, existingIssuedBefore] = await Promise.all([
              awsCall('iam:GetUser', () => iam.getUser({ UserName })),
              temporary
                ? Promise.resolve(undefined)
                : awsCall('iam:ListAccessKeys', () => iam.listAccessKeys({ UserName })),
              denySessions(temporary)
                ? readSessionRevocation(iam, owner, policyName)
                : Promise.resolve(undefined),
            ]);
            const arn = user.User?.Arn;
            const verdict = checkGuards(
              arn ? { ...resource, arn } : resource,
              ctx.guard,
              tagRecord(user.User?.Tags),
            );
            if (!verdict.allowed)
              return { status: 'skipped', detail: `refused: ${verdict.reason}`, halt: true };
            work.existingIssuedBefore = existingIssuedBefore;
            if (temporary) {
              // Not listed by IAM and not deactivatable: there is no key state, only the user, to record.
              work.liveStatus = 'Temporary';
              if (recordedKey(before) !== undefined) {
                return { status: 'skipped', detail: 'state already recorded by an earlier run' };
              }
              const recorded: AccessKeyBefore = {
                accessKeyId: AccessKeyId,
                userName: UserName,
                status: 'Temporary',
                temporary: true,
              };
              return {
                status: 'done',
                detail: `${AccessKeyId} is a temporary credential of IAM user ${UserName} (ASIA…): it cannot be deactivated, so the user's sessions issued before now will be denied`,
                before: { accessKey: recorded },
              };
            }
            const key = (keys?.AccessKeyMetadata ?? []).find((k) => k.AccessKeyId === AccessKeyId);
            if (!key) {
              return {
                status: 'skipped',
                detail: `access key ${AccessKeyId} of ${UserName} no longer exists`,
                halt: true,
              };
            }
            work.liveStatus = key.Status ?? 'Unknown';
            if (recordedKey(before) !== undefined) {
              return {
                status: 'skipped',
                detail: `state already recorded by an earlier run; live: ${work.liveStatus}`,
              };
            }
            const recorded: AccessKeyBefore = {
              accessKeyId: AccessKeyId,
              userName: UserName,
              status: work.liveStatus,
            };
            return {
              status: 'done',
              detail: `recorded access key ${AccessKeyId} of ${UserName}: ${work.liveStatus}`,
              before: { accessKey: recorded },
            };
          },
        },
      ],
    },
    {
      containment: true,
      steps: [
        {
          name: 'deactivate-access-key',
          async run({ work, ctx }) {
            const { iam, UserName, AccessKeyId, temporary } = keyRun(ctx, work.key);
            if (temporary) {
              return {
                status: 'skipped',
                detail: `${AccessKeyId} is a temporary credential: STS cannot deactivate it (contained by deny-older-sessions)`,
              };
            }
            if (work.liveStatus !== 'Active') {
              return {
                status: 'skipped',
                detail: `access key ${AccessKeyId} is already ${work.liveStatus ?? 'inactive'}`,
              };
            }
            await awsCall('iam:UpdateAccessKey', () =>
              iam.updateAccessKey({ UserName, AccessKeyId, Status: 'Inactive' }),
            );
            return { status: 'done', detail: `deactivated access key ${AccessKeyId} of ${UserName}` };
          },
        },
        {
          name: 'deny-older-sessions',
          async run({ work, before, ctx }) {
            const { iam, policyName, UserName, AccessKeyId, owner, temporary } = keyRun(ctx, work.key);
            if (!denySessions(temporary))
              return { status: 'skipped', detail: 'not requested (denyOlderSessions is false)' };
            const recorded = recordedKey(before)?.denyOlderSessionsIssuedBefore;
            if (work.existingIssuedBefore !== undefined && work.existingIssuedBefore === recorded) {
              return {
                status: 'skipped',
                detail: `${policyName} already denies sessions issued before ${recorded}`,
              };
            }
            // Keep the cut-off of an earlier run of this isolation, so a resumed run denies the same sessions.
            const issuedBefore = recorded ?? ctx.now().toISOString();
            await putSessionRevocation(iam, owner, policyName, issuedBefore);
            return {
              status: 'done',
              detail: `denied sessions issued before ${issuedBefore}: inline policy ${policyName} on ${UserName}`,
              before: { accessKey: { denyOlderSessionsIssuedBefore: issuedBefore } },
              ...(temporary
                ? {
                    warnings: [
                      `${AccessKeyId} is a temporary credential of ${UserName}: every session of the user issued before ${issuedBefore} is denied, including legitimate console sessions (the user must sign in again)`,
                    ],
                  }
                : {}),
            };
          },
        },
      ],
    },
  ];
}

/** Per release run: the key. */
interface ReleaseWork {
  key: IamAccessKeyResource;
}

function releaseStages(): StageSpec<ReleaseWork>[] {
  return [
    {
      steps: [
        {
          name: 'reactivate-access-key',
          async run({ before, work, ctx }) {
            const { iam, UserName, AccessKeyId } = keyRun(ctx, work.key);
            const recorded = recordedKey(before);
            if (!recorded) return { status: 'skipped', detail: 'apply recorded no key state' };
            if (recorded.temporary === true) {
              return {
                status: 'skipped',
                detail: `${AccessKeyId} is a temporary credential: nothing to reactivate`,
              };
            }
            if (recorded.status !== 'Active') {
              return {
                status: 'skipped',
                detail: `access key ${AccessKeyId} was ${recorded.status} before isolation`,
              };
            }
            const keys = await awsCall('iam:ListAccessKeys', () => iam.listAccessKeys({ UserName }));
            const key = (keys.AccessKeyMetadata ?? []).find((k) => k.AccessKeyId === AccessKeyId);
            if (!key) return { status: 'skipped', detail: `access key ${AccessKeyId} no longer exists` };
            if (key.Status === 'Active')
              return { status: 'skipped', detail: `access key ${AccessKeyId} is already active` };
            await awsCall('iam:UpdateAccessKey', () =>
              iam.updateAccessKey({ UserName, AccessKeyId, Status: 'Active' }),
            );
            return { status: 'done', detail: `reactivated access key ${AccessKeyId} of ${UserName}` };
          },
        },
        {
          name: 'remove-deny-older-sessions',
          async run({ before, work, ctx }) {
            const { iam, policyName, owner } = keyRun(ctx, work.key);
            if (recordedKey(before)?.denyOlderSessionsIssuedBefore === undefined) {
              return { status: 'skipped', detail: 'apply did not add a deny-older-sessions policy' };
            }
            if (!(await deleteSessionRevocation(iam, owner, policyName)))
              return { status: 'skipped', detail: `${policyName} is not present` };
            return { status: 'done', detail: `removed inline policy ${policyName}` };
          },
        },
      ],
    },
  ];
}

export const disableAccessKey = defineRunnableAction(disableAccessKeyManifest, {
  limitations: [
    "Only this key: the user's other keys, console password and permissions are untouched (use isolate-iam-user to cut them all).",
    "Temporary credentials already minted from the key (GetSessionToken, GetFederationToken) are not documented to die with it; set denyOlderSessions to deny them. That policy denies ALL of the user's sessions issued before now, not only this key's.",
    "An IAM user's temporary ASIA key (console session, GetSessionToken, GetFederationToken) cannot be deactivated: it is contained by denying ALL of the user's sessions issued before now. The user's long-term keys and new sign-ins keep working; isolate the user with isolate-iam-user to cut them too.",
    'Role sessions obtained with the key (sts:AssumeRole) stay valid until they expire; use revoke-role-sessions on those roles.',
    'IAM is eventually consistent: deactivation usually takes effect within seconds; calls already in flight complete.',
  ],
  before: accessKeyBeforeSchema,
  goneErrors: IAM_NO_SUCH_ENTITY,
  apply: { stages: applyStages, work: ({ resource }): ApplyWork => ({ key: resource }) },
  release: { stages: releaseStages, work: ({ resource }): ReleaseWork => ({ key: resource }) },
});
