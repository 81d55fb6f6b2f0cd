/**
 * `isolate-iam-user` release: bring back what apply changed, except credentials created during the incident.
 *
 * Keys first, policy last: the user never holds working keys without the deny-all in place. A key, SSH public
 * key or signing certificate created inside the incident window stays inactive unless the releaser names it
 * (`restoreKeys` on the release request, recorded in the audit trail); it may be the attacker's persistence.
 */
import type { IAM } from '@aws-sdk/client-iam';
import type { IamUserResource } from '../../findings/model.js';
import {
  DENY_ALL_POLICY_NAME,
  ISOLATED_AT_TAG,
  ISOLATION_ID_TAG,
  tagRecord,
} from '../../aws/iam-policies.js';
import { settleAll, unlessNotFound } from '../../aws/errors.js';
import type { ActionContext } from '../contract.js';
import {
  describeIncidentItems,
  recordedManagedDenyAll,
  recordedUser,
  type IamUserBefore,
  type IncidentItem,
} from './state.js';
import { awsCall, type StageSpec, type StepOutcome } from '../steps.js';

/** Incident items split into those the releaser named (brought back) and those left as they are. */
function splitIncident(
  recorded: IamUserBefore,
  restoreKeys: readonly string[],
): { named: IncidentItem[]; kept: IncidentItem[] } {
  const items = recorded.createdDuringIncident ?? [];
  const wanted = new Set(restoreKeys);
  return {
    named: items.filter((i) => wanted.has(i.id)),
    kept: items.filter((i) => !wanted.has(i.id)),
  };
}

function keptWarning(userName: string, kept: readonly IncidentItem[]): string[] {
  if (kept.length === 0) return [];
  return [
    `left as they are on release, because they were created during the incident: ${describeIncidentItems(kept)}. ` +
      `Delete them if they are the attacker's, or release again naming the keys to restore (user ${userName}).`,
  ];
}

/** Per release run: the user. */
export interface ReleaseWork {
  user: IamUserResource;
}

/** The clients and names a release step works with. */
function userRun(
  ctx: ActionContext,
  work: ReleaseWork,
): { iam: IAM; UserName: string; restoreKeys: readonly string[] } {
  return { iam: ctx.clients.iam, UserName: work.user.userName, restoreKeys: ctx.restoreKeys ?? [] };
}

export function releaseStages(): StageSpec<ReleaseWork>[] {
  return [
    {
      steps: [
        {
          name: 'reactivate-access-keys',
          async run({ before, work, ctx }): Promise<StepOutcome> {
            const { iam, UserName, restoreKeys } = userRun(ctx, work);
            const recorded = recordedUser(before);
            if (!recorded) return { status: 'skipped', detail: 'apply recorded no access keys' };
            const { named, kept } = splitIncident(recorded, restoreKeys);
            const keptKeys = new Set(kept.filter((i) => i.kind === 'access-key').map((i) => i.id));
            const namedKeys = named.filter((i) => i.kind === 'access-key').map((i) => i.id);
            const warnings = keptWarning(UserName, kept);
            const unknown = restoreKeys.filter((id) => !named.some((i) => i.id === id));
            const notes = [
              ...(keptKeys.size > 0
                ? [`kept inactive (created during the incident): ${[...keptKeys].join(', ')}`]
                : []),
              ...(namedKeys.length > 0 ? [`restored as named by the releaser: ${namedKeys.join(', ')}`] : []),
              ...(unknown.length > 0
                ? [
                    `named but not created during the incident (restored only if active before): ${unknown.join(', ')}`,
                  ]
                : []),
            ];
            const wanted = recorded.accessKeys
              .filter((k) => k.status === 'Active' && !keptKeys.has(k.accessKeyId))
              .map((k) => k.accessKeyId);
            const suffix = notes.length > 0 ? `; ${notes.join('; ')}` : '';
            if (wanted.length === 0) {
              const none =
                keptKeys.size > 0
                  ? 'no other access key to reactivate'
                  : 'no access key was active before isolation';
              return { status: 'skipped', detail: `${none}${suffix}`, warnings };
            }
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
            const deleted = gone.length > 0 ? `; deleted since isolation: ${gone.join(', ')}` : '';
            if (toReactivate.length === 0) {
              return { status: 'skipped', detail: `access keys already active${deleted}${suffix}`, warnings };
            }
            return {
              status: 'done',
              detail: `reactivated access key(s) ${toReactivate.join(', ')}${deleted}${suffix}`,
              warnings,
            };
          },
        },
        {
          name: 'restore-named-credentials',
          async run({ before, work, ctx }): Promise<StepOutcome> {
            const { iam, UserName, restoreKeys } = userRun(ctx, work);
            const recorded = recordedUser(before);
            if (!recorded) return { status: 'skipped', detail: 'apply recorded no user state' };
            // Apply deactivated only the incident's SSH keys and certificates that were active: those are
            // the only ones release may bring back, and only when named.
            const { named } = splitIncident(recorded, restoreKeys);
            const wasActive = (list: readonly { id: string; status: string }[], id: string): boolean =>
              list.some((c) => c.id === id && c.status === 'Active');
            const ssh = named
              .filter((i) => i.kind === 'ssh-public-key' && wasActive(recorded.sshPublicKeys, i.id))
              .map((i) => i.id);
            const certs = named
              .filter(
                (i) => i.kind === 'signing-certificate' && wasActive(recorded.signingCertificates, i.id),
              )
              .map((i) => i.id);
            if (ssh.length === 0 && certs.length === 0) {
              return { status: 'skipped', detail: 'no SSH key or signing certificate named for restore' };
            }
            await settleAll([
              ...ssh.map((SSHPublicKeyId) =>
                awsCall('iam:UpdateSSHPublicKey', () =>
                  iam.updateSSHPublicKey({ UserName, SSHPublicKeyId, Status: 'Active' }),
                ),
              ),
              ...certs.map((CertificateId) =>
                awsCall('iam:UpdateSigningCertificate', () =>
                  iam.updateSigningCertificate({ UserName, CertificateId, Status: 'Active' }),
                ),
              ),
            ]);
            return {
              status: 'done',
              detail: `reactivated as named by the releaser: ${[...ssh, ...certs].join(', ')}`,
            };
          },
        },
      ],
    },
    {
      steps: [
        {
          name: 'remove-deny-all-policy',
          async run({ before, work, ctx }) {
            const { iam, UserName } = userRun(ctx, work);
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
          async run({ work, ctx }) {
            const { iam, UserName } = userRun(ctx, work);
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
