/**
 * `isolate-identity-center-user`: contain a person who signed in through IAM Identity Center. Their sessions run
 * on `AWSReservedSSO_*` roles, which AWS does not let anyone modify, so the deny goes where AWS documents it: a
 * Deny-all statement keyed on the user's `identitystore:userId` in the inline policy of every permission set that
 * reaches the user, re-provisioned to every account the set is provisioned in. It runs in the account that
 * administers Identity Center (the action's `target`), whatever account the finding came from.
 *
 * Apply records each permission set's inline policy before touching it; release removes cordon's statement and,
 * when nobody else changed the policy meanwhile, puts back the recorded text exactly (or deletes the inline policy
 * when there was none), then re-provisions.
 */
import { awsErrorName } from '../../aws/errors.js';
import type { SSOAdmin } from '@aws-sdk/client-sso-admin';
import * as z from 'zod';
import type { IdentityCenterUserResource } from '../../findings/model.js';
import type { ActionContext, BeforeState } from '../contract.js';
import { isolateIdentityCenterUserManifest } from './manifest.js';
import { defineRunnableAction } from '../runner.js';
import {
  IdentityCenterError,
  assignedPermissionSets,
  denySid,
  denyStatement,
  findUserId,
  hasStatement,
  permissionSetByName,
  permissionSetName,
  readInlinePolicy,
  resolveInstance,
  samePolicy,
  withStatement,
  withoutStatement,
} from './identity-center.js';
import { PartialStepError, awsCall, type StageSpec, type StepOutcome } from '../steps.js';

/** A permission set gone since apply (deleted by an administrator): nothing left to deny or restore there. */
const NOT_FOUND = 'ResourceNotFoundException';

const RecordedSetSchema = z.object({
  name: z.string(),
  /** The inline policy before cordon touched it; `''` for none. */
  inlinePolicy: z.string(),
  /** Accounts where the set is assigned to the user (directly or through a group); informational. */
  accounts: z.array(z.string()),
});
const RecordedSchema = z.object({
  identityCenter: z.object({
    instanceArn: z.string(),
    identityStoreId: z.string(),
    userId: z.string(),
    userName: z.string(),
  }),
  permissionSets: z.record(z.string(), RecordedSetSchema).default({}),
});
type Recorded = z.output<typeof RecordedSchema>;

/** The before-state as release reads it: nothing is recorded until the first step found the user. */
const BeforeSchema = z.object({
  identityCenter: RecordedSchema.shape.identityCenter.optional(),
  permissionSets: z.record(z.string(), RecordedSetSchema).optional(),
});

/** What apply recorded, parsed (never cast) from the stored before-state; undefined before the first capture. */
function recorded(before: Readonly<Record<string, unknown>>): Recorded | undefined {
  if (before['identityCenter'] === undefined) return undefined;
  const parsed = RecordedSchema.safeParse(before);
  if (!parsed.success) {
    throw new IdentityCenterError('the recorded Identity Center state is unreadable', {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/**
 * Run `each` on every permission set, all of them even when some fail, so that one refused set does not leave the
 * others open; then rethrow the first failure (the step fails and names it). With `progress`, what took effect on
 * the sets that succeeded is kept on the record (see {@link PartialStepError}), so a retry does not repeat it.
 */
async function everySet(
  ctx: ActionContext,
  arns: readonly string[],
  each: (arn: string) => Promise<string>,
  progress?: (done: string[]) => BeforeState,
): Promise<string[]> {
  const settled = await Promise.allSettled(arns.map((arn) => each(arn)));
  const details: string[] = [];
  const done: string[] = [];
  let failure: unknown;
  settled.forEach((result, index) => {
    const arn = arns[index] ?? '';
    if (result.status === 'fulfilled') {
      details.push(result.value);
      done.push(arn);
    } else {
      failure ??= result.reason;
      ctx.logger.error('permission set step failed', {
        isolationId: ctx.isolationId,
        permissionSetArn: arn,
        error: awsErrorName(result.reason),
      });
    }
  });
  if (failure !== undefined) {
    throw progress && done.length > 0 ? new PartialStepError(failure, progress(done)) : failure;
  }
  return details;
}

const MarksSchema = z.record(z.string(), z.boolean());

/** Permission sets already provisioned (after apply's deny, or after release's restore), from the record. */
function marks(before: Readonly<Record<string, unknown>>, key: ProvisionKey): Set<string> {
  const parsed = MarksSchema.safeParse(before[key] ?? {});
  return new Set(parsed.success ? Object.keys(parsed.data) : []);
}

type ProvisionKey = 'provisioned' | 'releaseProvisioned';

function marked(key: ProvisionKey, arns: readonly string[]): BeforeState {
  return { [key]: Object.fromEntries(arns.map((arn) => [arn, true])) };
}

/**
 * Provision the recorded sets not yet provisioned in an earlier run, plus those this run changed; records each
 * set provisioned under `key`, so that a retry or a resumed run never provisions a set twice.
 */
async function provisionSets(
  ctx: ActionContext,
  state: Recorded,
  before: Readonly<Record<string, unknown>>,
  changed: ReadonlySet<string>,
  key: ProvisionKey,
): Promise<{ details: string[]; todo: string[] }> {
  const { instanceArn } = state.identityCenter;
  const already = marks(before, key);
  const todo = Object.keys(state.permissionSets).filter((arn) => !already.has(arn) || changed.has(arn));
  const details = await everySet(
    ctx,
    todo,
    async (arn) => {
      const name = state.permissionSets[arn]?.name ?? arn;
      try {
        return await provision(ctx.clients.ssoAdmin, instanceArn, arn, name);
      } catch (error) {
        if (awsErrorName(error) === NOT_FOUND) return `${name}: deleted meanwhile`;
        throw error;
      }
    },
    (done) => marked(key, done),
  );
  return { details, todo };
}

/** Push the permission set's current definition to every account it is provisioned in. */
async function provision(
  ssoAdmin: SSOAdmin,
  instanceArn: string,
  arn: string,
  name: string,
): Promise<string> {
  const output = await awsCall('sso:ProvisionPermissionSet', () =>
    ssoAdmin.provisionPermissionSet({
      InstanceArn: instanceArn,
      PermissionSetArn: arn,
      TargetType: 'ALL_PROVISIONED_ACCOUNTS',
    }),
  );
  const status = output.PermissionSetProvisioningStatus;
  if (status?.Status === 'FAILED') {
    throw new IdentityCenterError(
      `provisioning permission set ${name} failed: ${status.FailureReason ?? 'no reason given'}`,
    );
  }
  return `${name}: provisioning ${status?.Status ?? 'requested'} (request ${status?.RequestId ?? 'unknown'})`;
}

/** Per run: the user, and the permission sets whose inline policy this run changed (provisioned again). */
interface Work {
  user: IdentityCenterUserResource;
  changed: Set<string>;
}

function applyStages(): StageSpec<Work>[] {
  return [
    {
      steps: [
        {
          name: 'capture-permission-sets',
          async run({ before, work, ctx }): Promise<StepOutcome> {
            const { ssoAdmin, identityStore } = ctx.clients;
            const sid = denySid(ctx.isolationId);
            const resource = work.user;
            const earlier = recorded(before);
            const instance = earlier?.identityCenter ?? (await resolveInstance(ssoAdmin, ctx.identityCenter));
            const userId =
              earlier?.identityCenter.userId ??
              (await findUserId(identityStore, instance.identityStoreId, resource.userName));
            if (userId === undefined) {
              return {
                status: 'skipped',
                detail: `no Identity Center user has the user name or email ${resource.userName} in ${instance.identityStoreId}`,
                halt: true,
              };
            }
            const assigned = await assignedPermissionSets(ssoAdmin, identityStore, instance, userId);
            const names = new Map<string, string>();
            for (const arn of assigned.keys()) {
              names.set(arn, await permissionSetName(ssoAdmin, instance.instanceArn, arn));
            }
            // The set the session was seen on, even if it is no longer assigned: the session lives on until it ends.
            const seen = await permissionSetByName(
              ssoAdmin,
              instance.instanceArn,
              resource.permissionSetName,
              names,
            );
            if (seen !== undefined && !names.has(seen)) names.set(seen, resource.permissionSetName);
            const sets: Record<string, z.input<typeof RecordedSetSchema>> = {};
            for (const [arn, name] of names) {
              if (earlier?.permissionSets[arn] !== undefined) continue;
              const live = await readInlinePolicy(ssoAdmin, instance.instanceArn, arn);
              // Never record cordon's own deny as the customer's policy (a set captured after a concurrent put).
              const prior = hasStatement(live, sid, arn) ? withoutStatement(live, sid, arn) : undefined;
              sets[arn] = {
                name,
                inlinePolicy: prior === undefined ? live : prior.empty ? '' : prior.text,
                accounts: [...(assigned.get(arn) ?? [])].sort(),
              };
            }
            const total = Object.keys({ ...(earlier?.permissionSets ?? {}), ...sets }).length;
            if (total === 0) {
              return {
                status: 'skipped',
                detail: `no permission set reaches Identity Center user ${resource.userName} (${userId}) and none is named ${resource.permissionSetName}; nothing to deny`,
                halt: true,
              };
            }
            const captured = Object.values(sets).map((s) => s.name);
            return {
              status: captured.length > 0 ? 'done' : 'skipped',
              detail: `user ${resource.userName} is ${userId}; recorded the inline policy of ${captured.length} permission set(s) (${captured.join(', ')}), ${total} in all`,
              before: {
                identityCenter: { ...instance, userId, userName: resource.userName },
                permissionSets: sets,
              },
            };
          },
        },
      ],
    },
    {
      steps: [
        {
          name: 'deny-in-permission-sets',
          async run({ before, work, ctx }): Promise<StepOutcome> {
            const { ssoAdmin } = ctx.clients;
            const sid = denySid(ctx.isolationId);
            const state = recorded(before);
            if (!state) throw new IdentityCenterError('no recorded permission sets to deny in');
            const { instanceArn, userId } = state.identityCenter;
            const statement = denyStatement(sid, userId);
            let changed = 0;
            const details = await everySet(ctx, Object.keys(state.permissionSets), async (arn) => {
              const name = state.permissionSets[arn]?.name ?? arn;
              let live: string;
              try {
                live = await readInlinePolicy(ssoAdmin, instanceArn, arn);
              } catch (error) {
                if (awsErrorName(error) === NOT_FOUND) return `${name}: deleted meanwhile`;
                throw error;
              }
              if (hasStatement(live, sid, arn)) return `${name}: already denies ${userId}`;
              const InlinePolicy = withStatement(live, statement, arn);
              await awsCall('sso:PutInlinePolicyToPermissionSet', () =>
                ssoAdmin.putInlinePolicyToPermissionSet({
                  InstanceArn: instanceArn,
                  PermissionSetArn: arn,
                  InlinePolicy,
                }),
              );
              changed += 1;
              work.changed.add(arn);
              return `${name}: deny added`;
            });
            return {
              status: changed > 0 ? 'done' : 'skipped',
              detail: `statement ${sid} denies identitystore:userId ${userId}: ${details.join('; ')}`,
            };
          },
        },
      ],
    },
    {
      containment: true,
      steps: [
        {
          name: 'provision-permission-sets',
          async run({ before, work, ctx }): Promise<StepOutcome> {
            const state = recorded(before);
            if (!state) throw new IdentityCenterError('no recorded permission sets to provision');
            const { details, todo } = await provisionSets(ctx, state, before, work.changed, 'provisioned');
            if (todo.length === 0) {
              return {
                status: 'skipped',
                detail: 'every permission set was provisioned with the deny in an earlier run',
              };
            }
            const accounts = new Set(Object.values(state.permissionSets).flatMap((s) => s.accounts));
            return {
              status: 'done',
              detail: details.join('; '),
              before: marked('provisioned', todo),
              warnings: [
                `the deny applies to ${state.identityCenter.userName} in every account these permission sets are provisioned in (assigned to the user in ${accounts.size} account(s)); other users of the sets are not affected`,
              ],
            };
          },
        },
      ],
    },
  ];
}

function releaseStages(): StageSpec<Work>[] {
  return [
    {
      steps: [
        {
          name: 'restore-permission-set-policies',
          async run({ before, work, ctx }): Promise<StepOutcome> {
            const { ssoAdmin } = ctx.clients;
            const sid = denySid(ctx.isolationId);
            const state = recorded(before);
            if (!state) return { status: 'skipped', detail: 'apply recorded no permission set' };
            const { instanceArn } = state.identityCenter;
            const warnings: string[] = [];
            const details = await everySet(ctx, Object.keys(state.permissionSets), async (arn) => {
              const set = state.permissionSets[arn];
              const name = set?.name ?? arn;
              let live: string;
              try {
                live = await readInlinePolicy(ssoAdmin, instanceArn, arn);
              } catch (error) {
                if (awsErrorName(error) === NOT_FOUND) return `${name}: deleted meanwhile`;
                throw error;
              }
              if (!hasStatement(live, sid, arn)) return `${name}: no deny of this isolation`;
              const without = withoutStatement(live, sid, arn);
              const prior = set?.inlinePolicy ?? '';
              work.changed.add(arn);
              if (samePolicy(without.text, prior, arn)) {
                // Nobody else changed the policy: restore the recorded text exactly.
                if (prior === '') {
                  await awsCall('sso:DeleteInlinePolicyFromPermissionSet', () =>
                    ssoAdmin.deleteInlinePolicyFromPermissionSet({
                      InstanceArn: instanceArn,
                      PermissionSetArn: arn,
                    }),
                  );
                  return `${name}: inline policy deleted (there was none)`;
                }
                await awsCall('sso:PutInlinePolicyToPermissionSet', () =>
                  ssoAdmin.putInlinePolicyToPermissionSet({
                    InstanceArn: instanceArn,
                    PermissionSetArn: arn,
                    InlinePolicy: prior,
                  }),
                );
                return `${name}: inline policy restored as recorded`;
              }
              // Someone changed the policy since apply: keep their change, remove only cordon's statement.
              warnings.push(
                `the inline policy of ${name} changed since the isolation; only cordon's statement ${sid} was removed`,
              );
              if (without.empty) {
                await awsCall('sso:DeleteInlinePolicyFromPermissionSet', () =>
                  ssoAdmin.deleteInlinePolicyFromPermissionSet({
                    InstanceArn: instanceArn,
                    PermissionSetArn: arn,
                  }),
                );
              } else {
                await awsCall('sso:PutInlinePolicyToPermissionSet', () =>
                  ssoAdmin.putInlinePolicyToPermissionSet({
                    InstanceArn: instanceArn,
                    PermissionSetArn: arn,
                    InlinePolicy: without.text,
                  }),
                );
              }
              return `${name}: statement ${sid} removed, later changes kept`;
            });
            return { status: 'done', detail: details.join('; '), warnings };
          },
        },
      ],
    },
    {
      steps: [
        {
          name: 'provision-permission-sets',
          async run({ before, work, ctx }): Promise<StepOutcome> {
            const state = recorded(before);
            if (!state) return { status: 'skipped', detail: 'apply recorded no permission set' };
            const { details, todo } = await provisionSets(
              ctx,
              state,
              before,
              work.changed,
              'releaseProvisioned',
            );
            if (todo.length === 0) {
              return {
                status: 'skipped',
                detail: 'every permission set was provisioned in an earlier release run',
              };
            }
            return { status: 'done', detail: details.join('; '), before: marked('releaseProvisioned', todo) };
          },
        },
      ],
    },
  ];
}

export const isolateIdentityCenterUser = defineRunnableAction(isolateIdentityCenterUserManifest, {
  limitations: [
    'The user can still sign in to the AWS access portal and start new sessions, which the deny also covers; to stop sign-ins, disable the user in the identity source or in Identity Center.',
    'Provisioning is asynchronous: the record holds the provisioning request ids; the deny reaches each account when its provisioning completes (usually seconds).',
    'Provisioning pushes the whole permission set, including changes an administrator made and had not provisioned yet.',
    "Sessions of roles the user assumed from a permission set session (role chaining) are other principals: revoke those roles' sessions separately.",
    "A permission set's inline policy has a size quota; a set whose policy cannot take the statement fails the step (the others are still denied). An SCP keyed on identitystore:userId is the alternative.",
  ],
  before: BeforeSchema,
  apply: { stages: applyStages, work: ({ resource }): Work => ({ user: resource, changed: new Set() }) },
  release: { stages: releaseStages, work: ({ resource }): Work => ({ user: resource, changed: new Set() }) },
});
