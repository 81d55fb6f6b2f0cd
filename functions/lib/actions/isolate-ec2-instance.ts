/**
 * `isolate-ec2-instance`: cut an EC2 instance off the network, keep its evidence, and make it reversible.
 *
 * Critical path (what the benchmark counts, issue 7), when the VPC already has cordon's groups:
 *   1. DescribeInstances ∥ DescribeSecurityGroups (cordon's groups, all VPCs at once)
 *   2. ModifyNetworkInterfaceAttribute → flow-cut group, every interface in parallel (flows become untracked)
 *   3. ModifyNetworkInterfaceAttribute → isolation group, every interface in parallel  ⇒ contained
 * Everything else (termination protection, Auto Scaling, target groups, instance profile, role sessions,
 * snapshots, tags) runs after containment, in parallel, and is still recorded.
 *
 * Groups are always set per network interface: instance-level `Groups` fails on multi-ENI instances.
 */
import * as z from 'zod';
import type { EC2 } from '@aws-sdk/client-ec2';
import { CordonError } from '../errors.js';
import type { Resource } from '../findings/model.js';
import { sessionRevocationPolicyName } from '../aws/iam-policies.js';
import {
  deleteSessionRevocation,
  putSessionRevocation,
  readSessionRevocation,
  type SessionPrincipal,
} from './session-revocation.js';
import {
  defineAction,
  type ActionContext,
  type ActionResult,
  type ActionState,
  type BeforeState,
} from './contract.js';
import { awsCall, awsErrorName, runSteps, type StageSpec, type StepOutcome } from './steps.js';
import { checkGuards, refusedResult } from './guards.js';
import {
  convergeRules,
  createCordonGroup,
  findCordonGroups,
  groupName,
  type CordonGroup,
} from './ec2/groups.js';
import {
  GONE_STATES,
  INSTANCE_ID,
  ISOLATED_AT_TAG,
  ISOLATION_ID_TAG,
  describeInstance,
  ec2BeforeSchema,
  sameGroups,
  type Ec2Before,
  type InstanceFacts,
} from './ec2/instance.js';
import {
  instancesUsingProfiles,
  readAutoScaling,
  readDesiredCapacity,
  readProfileAssociation,
  readTargetRegistrations,
  readTerminationSettings,
  registrationsIn,
  type AutoScalingMembership,
  type ProfileAssociation,
  type TargetRegistration,
  type TerminationSettings,
} from './ec2/settings.js';

const paramsSchema = z
  .object({
    /** Move interfaces through an allow-all group first so that open flows become untracked and are cut. */
    cutTrackedFlows: z.boolean().default(true),
    /** Keep the Auto Scaling group from terminating the evidence; capacity is never decremented. */
    autoScaling: z.enum(['standby', 'detach', 'none']).default('standby'),
    deregisterTargets: z.boolean().default(true),
    removeInstanceProfile: z.boolean().default(false),
    revokeRoleSessions: z.boolean().default(false),
    snapshotVolumes: z.boolean().default(true),
    /**
     * On release, set the group's desired capacity back to what it was before the instance returned (AWS adds one
     * when an instance leaves Standby or is re-attached); the group then terminates one instance by its own
     * termination policy. Off by default: cordon does not choose to terminate instances unless asked.
     */
    restoreDesiredCapacity: z.boolean().default(false),
  })
  .strict();
type Params = z.output<typeof paramsSchema>;

/** The AWS error names meaning the instance itself is gone. */
const VANISHED = ['InvalidInstanceID.NotFound'] as const;

const APPLY_STEPS = {
  describe: 'describe-instance',
  findGroups: 'find-isolation-groups',
  ensureGroups: 'ensure-isolation-groups',
  cutFlows: 'cut-tracked-flows',
  isolate: 'isolate-network-interfaces',
  record: 'record-instance-settings',
  protect: 'protect-from-termination',
  autoScaling: 'auto-scaling',
  targets: 'deregister-targets',
  profile: 'remove-instance-profile',
  revoke: 'revoke-role-sessions',
  snapshots: 'snapshot-volumes',
  tag: 'tag-instance',
} as const;

const RELEASE_STEPS = {
  read: 'read-current-state',
  network: 'restore-network-interfaces',
  termination: 'restore-termination-settings',
  profile: 'restore-instance-profile',
  revoke: 'remove-session-revocation',
  autoScaling: 'restore-auto-scaling',
  targets: 'restore-target-registrations',
  capacity: 'restore-desired-capacity',
  tags: 'remove-isolation-tags',
} as const;

/** Release before-state key: the group's desired capacity just before the instance returned to it. */
const AUTO_SCALING_RETURN = 'autoScalingReturn';

function autoScalingReturnOf(
  before: Readonly<BeforeState>,
): { groupName: string; desiredBeforeReturn: number } | undefined {
  const value = before[AUTO_SCALING_RETURN];
  if (typeof value !== 'object' || value === null) return undefined;
  const { groupName, desiredBeforeReturn } = value as Record<string, unknown>;
  return typeof groupName === 'string' && typeof desiredBeforeReturn === 'number'
    ? { groupName, desiredBeforeReturn }
    : undefined;
}

interface ApplyWork {
  instanceId: string;
  resource: Resource;
  instance?: InstanceFacts;
  cordonGroups: CordonGroup[];
  groupsByVpc: Map<string, { isolation: string; flowCut?: string }>;
  termination?: TerminationSettings;
  autoScaling?: AutoScalingMembership;
  targets?: TargetRegistration[];
  profile?: ProfileAssociation;
}

interface ReleaseWork {
  instanceId: string;
  /** Undefined when the instance no longer exists. */
  instance?: InstanceFacts;
  before: Ec2Before;
}

/** A value an earlier stage must have produced; missing means a bug in the stage order. */
function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new CordonError(`internal: ${what} is not available at this step`);
  return value;
}

/** Run calls in parallel, let all of them settle, then rethrow the first failure (siblings still finish). */
async function settleAll<T>(calls: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

function outcome(changes: string[], skippedDetail: string, extra: Partial<StepOutcome> = {}): StepOutcome {
  return changes.length > 0
    ? { status: 'done', detail: changes.join('; '), ...extra }
    : { status: 'skipped', detail: skippedDetail, ...extra };
}

function skipped(detail: string, extra: Partial<StepOutcome> = {}): StepOutcome {
  return { status: 'skipped', detail, ...extra };
}

function parseBefore(before: Readonly<BeforeState>): Ec2Before {
  const parsed = ec2BeforeSchema.safeParse(before);
  if (!parsed.success) {
    throw new CordonError(
      `the recorded before-state is malformed: ${parsed.error.issues[0]?.message ?? ''}`,
      {
        code: 'BEFORE_STATE_INVALID',
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}

function modifyEniGroups(ec2: EC2, eniId: string, groups: string[]): Promise<unknown> {
  return awsCall('ec2:ModifyNetworkInterfaceAttribute', () =>
    ec2.modifyNetworkInterfaceAttribute({ NetworkInterfaceId: eniId, Groups: groups }),
  );
}

function profileNameFromArn(arn: string): string {
  return arn.split('/').pop() ?? arn;
}

// ---------------------------------------------------------------------------------------------------------
// apply
// ---------------------------------------------------------------------------------------------------------

function applyStages(params: Params): StageSpec<ApplyWork>[] {
  return [
    {
      steps: [
        {
          name: APPLY_STEPS.describe,
          async run({ work, before, ctx }) {
            const instance = await describeInstance(ctx.clients.ec2, work.instanceId);
            if (!instance || GONE_STATES.has(instance.state)) {
              return skipped(
                `instance ${work.instanceId} no longer exists (${instance?.state ?? 'not found'})`,
                {
                  halt: true,
                },
              );
            }
            const owner = instance.tags[ISOLATION_ID_TAG];
            if (owner !== undefined && owner !== ctx.isolationId) {
              return skipped(`instance is already contained by cordon isolation ${owner}`, { halt: true });
            }
            // Live tags win over the finding's copy: an exemption tag added since the finding still protects.
            const verdict = checkGuards(work.resource, ctx.guard, instance.tags);
            if (!verdict.allowed) return skipped(`refused: ${verdict.reason}`, { halt: true });
            if (instance.enis.length === 0) {
              throw new CordonError(`instance ${instance.id} has no VPC network interface to isolate`);
            }
            work.instance = instance;
            const recorded = (before['networkInterfaces'] ?? {}) as Record<string, unknown>;
            const fresh = instance.enis.filter((eni) => recorded[eni.id] === undefined);
            const captured: BeforeState = {
              instance: { id: instance.id, state: instance.state },
              networkInterfaces: Object.fromEntries(
                instance.enis.map((eni) => [
                  eni.id,
                  { vpcId: eni.vpcId, deviceIndex: eni.deviceIndex, groups: eni.groups },
                ]),
              ),
            };
            const summary = instance.enis.map((eni) => `${eni.id} [${eni.groups.join(', ')}]`).join('; ');
            return fresh.length > 0
              ? { status: 'done', detail: `recorded original groups: ${summary}`, before: captured }
              : skipped(`original groups already recorded; now: ${summary}`, { before: captured });
          },
        },
        {
          name: APPLY_STEPS.findGroups,
          async run({ work, ctx }) {
            work.cordonGroups = await findCordonGroups(ctx.clients.ec2);
            const list = work.cordonGroups.map((g) => `${g.groupId} (${g.role}, ${g.vpcId})`).join(', ');
            return skipped(
              `lookup only: ${work.cordonGroups.length} cordon group(s) in the region${list ? `: ${list}` : ''}`,
            );
          },
        },
      ],
    },
    {
      steps: [
        {
          name: APPLY_STEPS.ensureGroups,
          async run({ work, before, ctx }) {
            const instance = need(work.instance, 'the instance');
            const cordonIds = new Set(work.cordonGroups.map((g) => g.groupId));
            // Never let cordon's own group pass as an "original" group: release would restore the isolation.
            const recorded = parseBefore(before).networkInterfaces ?? {};
            for (const [eniId, eni] of Object.entries(recorded)) {
              const own = eni.groups.filter((g) => cordonIds.has(g));
              if (own.length > 0) {
                throw new CordonError(
                  `interface ${eniId} was already in cordon's group(s) ${own.join(', ')} when its original groups ` +
                    'were recorded, so they are unknown; restore its groups by hand, then re-run',
                  { code: 'ORIGINAL_GROUPS_UNKNOWN' },
                );
              }
            }
            const vpcIds = [...new Set(instance.enis.map((eni) => eni.vpcId))].sort();
            const roles = params.cutTrackedFlows
              ? (['isolation', 'flow-cut'] as const)
              : (['isolation'] as const);
            const changes: string[] = [];
            await settleAll(
              vpcIds.flatMap((vpcId) =>
                roles.map(async (role) => {
                  const wanted = groupName(ctx.guard.cordonResourcePrefix, role, vpcId);
                  const candidates = work.cordonGroups
                    .filter((g) => g.vpcId === vpcId && g.role === role)
                    .sort((a, b) => a.groupId.localeCompare(b.groupId));
                  let group = candidates[0];
                  if (!group) {
                    const created = await createCordonGroup(ctx.clients.ec2, {
                      prefix: ctx.guard.cordonResourcePrefix,
                      role,
                      vpcId,
                    });
                    group = created.group;
                    changes.push(
                      `${created.created ? 'created' : 'found (created concurrently)'} ${role} group ${group.groupId} (${wanted}) in ${vpcId}`,
                    );
                  }
                  const converged = await convergeRules(ctx.clients.ec2, group);
                  if (converged) changes.push(`${role} group ${group.groupId}: ${converged}`);
                  const entry = work.groupsByVpc.get(vpcId) ?? { isolation: '' };
                  if (role === 'isolation') entry.isolation = group.groupId;
                  else entry.flowCut = group.groupId;
                  work.groupsByVpc.set(vpcId, entry);
                }),
              ),
            );
            const isolationGroups = Object.fromEntries(work.groupsByVpc);
            return outcome(
              changes,
              `cordon's groups are in place: ${vpcIds.map((v) => `${v} → ${JSON.stringify(isolationGroups[v])}`).join(', ')}`,
              { before: { isolationGroups } },
            );
          },
        },
      ],
    },
    {
      steps: [
        {
          name: APPLY_STEPS.cutFlows,
          async run({ work, ctx }) {
            if (!params.cutTrackedFlows)
              return skipped('disabled (cutTrackedFlows=false): tracked flows live on');
            const instance = need(work.instance, 'the instance');
            const changes: string[] = [];
            await settleAll(
              instance.enis.map(async (eni) => {
                const groups = need(work.groupsByVpc.get(eni.vpcId), `cordon's groups for ${eni.vpcId}`);
                const flowCut = need(groups.flowCut, 'the flow-cut group');
                // Never step back from isolation to allow-all on a re-run.
                if (sameGroups(eni.groups, [groups.isolation]) || sameGroups(eni.groups, [flowCut])) return;
                await modifyEniGroups(ctx.clients.ec2, eni.id, [flowCut]);
                eni.groups = [flowCut];
                changes.push(`${eni.id} → ${flowCut}`);
              }),
            );
            return outcome(changes, 'every interface is already past the flow cut');
          },
        },
      ],
    },
    {
      containment: true,
      steps: [
        {
          name: APPLY_STEPS.isolate,
          async run({ work, ctx }) {
            const instance = need(work.instance, 'the instance');
            const changes: string[] = [];
            await settleAll(
              instance.enis.map(async (eni) => {
                const { isolation } = need(
                  work.groupsByVpc.get(eni.vpcId),
                  `cordon's groups for ${eni.vpcId}`,
                );
                if (sameGroups(eni.groups, [isolation])) return;
                await modifyEniGroups(ctx.clients.ec2, eni.id, [isolation]);
                eni.groups = [isolation];
                changes.push(`${eni.id} → ${isolation}`);
              }),
            );
            return outcome(changes, 'every interface is already in the isolation group');
          },
        },
      ],
    },
    {
      steps: [
        {
          name: APPLY_STEPS.record,
          offCriticalPath: true,
          async run({ work, before, ctx }) {
            const instance = need(work.instance, 'the instance');
            const wantsProfile = params.removeInstanceProfile || params.revokeRoleSessions;
            // Reads only: if one fails the step fails; the others have no side effect to record.
            const [termination, autoScaling, targets, profile] = await Promise.all([
              readTerminationSettings(ctx.clients.ec2, instance.id),
              params.autoScaling === 'none'
                ? undefined
                : readAutoScaling(ctx.clients.autoScaling, instance.id),
              params.deregisterTargets
                ? readTargetRegistrations(ctx.clients.elbv2, instance.id, [
                    ...new Set(instance.enis.map((e) => e.vpcId)),
                  ])
                : undefined,
              wantsProfile ? readProfileAssociation(ctx.clients.ec2, instance.id) : undefined,
            ]);
            work.termination = termination;
            work.autoScaling = autoScaling;
            work.targets = targets;
            work.profile = profile;
            const captured: BeforeState = {
              terminationProtection: work.termination,
              autoScaling: work.autoScaling,
              targetRegistrations: work.targets,
              instanceProfile: work.profile,
            };
            const fresh = Object.entries(captured).filter(
              ([key, value]) => value !== undefined && before[key] === undefined,
            );
            const describe = (key: string): string => `${key}=${JSON.stringify(captured[key])}`;
            return fresh.length > 0
              ? {
                  status: 'done',
                  detail: `recorded ${fresh.map(([k]) => describe(k)).join(', ')}`,
                  before: captured,
                }
              : skipped('settings already recorded by an earlier run', { before: captured });
          },
        },
      ],
    },
    {
      steps: [
        {
          name: APPLY_STEPS.protect,
          offCriticalPath: true,
          async run({ work, ctx }) {
            const current = need(work.termination, 'the termination settings');
            const { ec2 } = ctx.clients;
            const changes: string[] = [];
            const calls: Promise<unknown>[] = [];
            if (!current.disableApiTermination) {
              changes.push('termination protection on');
              calls.push(
                awsCall('ec2:ModifyInstanceAttribute', () =>
                  ec2.modifyInstanceAttribute({
                    InstanceId: work.instanceId,
                    DisableApiTermination: { Value: true },
                  }),
                ),
              );
            }
            if (current.shutdownBehavior !== 'stop') {
              changes.push(`shutdown behaviour ${current.shutdownBehavior} → stop`);
              calls.push(
                awsCall('ec2:ModifyInstanceAttribute', () =>
                  // The Attribute/Value form is equivalent in AWS; moto 5.2 only honours this form.
                  ec2.modifyInstanceAttribute({
                    InstanceId: work.instanceId,
                    Attribute: 'instanceInitiatedShutdownBehavior',
                    Value: 'stop',
                  }),
                ),
              );
            }
            await settleAll(calls);
            return outcome(changes, 'termination protection already on and shutdown behaviour already stop');
          },
        },
        {
          name: APPLY_STEPS.autoScaling,
          offCriticalPath: true,
          async run({ work, ctx }) {
            if (params.autoScaling === 'none') return skipped('disabled (autoScaling=none)');
            const membership = need(work.autoScaling, 'the Auto Scaling membership');
            if (!membership.member || !membership.groupName) return skipped('not in an Auto Scaling group');
            const group = membership.groupName;
            if (params.autoScaling === 'detach') {
              await awsCall('autoscaling:DetachInstances', () =>
                ctx.clients.autoScaling.detachInstances({
                  AutoScalingGroupName: group,
                  InstanceIds: [work.instanceId],
                  ShouldDecrementDesiredCapacity: false,
                }),
              );
              return {
                status: 'done',
                detail: `detached from ${group} (desired capacity kept: the group launches a replacement)`,
              };
            }
            if (membership.lifecycleState === 'Standby') return skipped(`already in Standby in ${group}`);
            if (membership.lifecycleState !== 'InService') {
              throw new CordonError(
                `instance is ${membership.lifecycleState ?? 'in an unknown state'} in ${group}; it can enter Standby only ` +
                  'from InService. Re-run when it is InService, or use autoScaling=detach',
                { code: 'AUTO_SCALING_STATE' },
              );
            }
            await awsCall('autoscaling:EnterStandby', () =>
              ctx.clients.autoScaling.enterStandby({
                AutoScalingGroupName: group,
                InstanceIds: [work.instanceId],
                ShouldDecrementDesiredCapacity: false,
              }),
            );
            return {
              status: 'done',
              detail: `moved to Standby in ${group} (desired capacity kept: the group launches a replacement)`,
            };
          },
        },
        {
          name: APPLY_STEPS.targets,
          offCriticalPath: true,
          async run({ work, ctx }) {
            if (!params.deregisterTargets) return skipped('disabled (deregisterTargets=false)');
            const registrations = need(work.targets, 'the target registrations');
            if (registrations.length === 0) return skipped('not registered in any target group');
            const byGroup = new Map<string, TargetRegistration[]>();
            for (const r of registrations)
              byGroup.set(r.targetGroupArn, [...(byGroup.get(r.targetGroupArn) ?? []), r]);
            await settleAll(
              [...byGroup].map(([arn, regs]) =>
                awsCall('elasticloadbalancing:DeregisterTargets', () =>
                  ctx.clients.elbv2.deregisterTargets({
                    TargetGroupArn: arn,
                    Targets: regs.map((r) => ({ Id: work.instanceId, Port: r.port })),
                  }),
                ),
              ),
            );
            return {
              status: 'done',
              detail: `deregistered from ${registrations.map((r) => `${r.targetGroupArn}${r.port ? `:${r.port}` : ''}`).join(', ')}`,
            };
          },
        },
        {
          name: APPLY_STEPS.profile,
          offCriticalPath: true,
          async run({ work, ctx }) {
            if (!params.removeInstanceProfile) return skipped('disabled (removeInstanceProfile=false)');
            const profile = need(work.profile, 'the instance-profile association');
            if (!profile.associated || !profile.associationId)
              return skipped('no instance profile is associated');
            const associationId = profile.associationId;
            await awsCall('ec2:DisassociateIamInstanceProfile', () =>
              ctx.clients.ec2.disassociateIamInstanceProfile({ AssociationId: associationId }),
            );
            return {
              status: 'done',
              detail: `removed instance profile ${profile.profileArn ?? ''} (${associationId})`,
            };
          },
        },
        {
          name: APPLY_STEPS.revoke,
          offCriticalPath: true,
          run: ({ work, before, ctx }) => revokeRoleSessionsStep(params, work, parseBefore(before), ctx),
        },
        {
          name: APPLY_STEPS.snapshots,
          offCriticalPath: true,
          async run({ work, ctx }) {
            if (!params.snapshotVolumes) return skipped('disabled (snapshotVolumes=false)');
            const instance = need(work.instance, 'the instance');
            if (instance.volumeIds.length === 0) return skipped('no EBS volumes attached');
            const { ec2 } = ctx.clients;
            // Find by tag, not by the record: a crash between CreateSnapshot and persisting must not duplicate.
            const existing = await awsCall('ec2:DescribeSnapshots', () =>
              ec2.describeSnapshots({
                OwnerIds: ['self'],
                Filters: [{ Name: `tag:${ISOLATION_ID_TAG}`, Values: [ctx.isolationId] }],
              }),
            );
            const snapshots: Record<string, string> = {};
            for (const s of existing.Snapshots ?? [])
              if (s.VolumeId && s.SnapshotId) snapshots[s.VolumeId] = s.SnapshotId;
            const missing = instance.volumeIds.filter((v) => snapshots[v] === undefined);
            await settleAll(
              missing.map(async (volumeId) => {
                const out = await awsCall('ec2:CreateSnapshot', () =>
                  ec2.createSnapshot({
                    VolumeId: volumeId,
                    Description: `cordon evidence for ${instance.id}, isolation ${ctx.isolationId}`,
                    TagSpecifications: [
                      {
                        ResourceType: 'snapshot',
                        Tags: [
                          { Key: ISOLATION_ID_TAG, Value: ctx.isolationId },
                          { Key: 'cordon:instance-id', Value: instance.id },
                          { Key: 'Name', Value: `cordon-evidence-${instance.id}-${volumeId}` },
                        ],
                      },
                    ],
                  }),
                );
                if (out.SnapshotId) snapshots[volumeId] = out.SnapshotId;
              }),
            );
            const list = Object.entries(snapshots)
              .map(([v, s]) => `${v} → ${s}`)
              .join(', ');
            return missing.length > 0
              ? {
                  status: 'done',
                  detail: `snapshots (evidence, kept on release): ${list}`,
                  before: { evidenceSnapshots: snapshots },
                }
              : skipped(`every volume already has an evidence snapshot: ${list}`, {
                  before: { evidenceSnapshots: snapshots },
                });
          },
        },
        {
          name: APPLY_STEPS.tag,
          offCriticalPath: true,
          async run({ work, ctx }) {
            const instance = need(work.instance, 'the instance');
            if (
              instance.tags[ISOLATION_ID_TAG] === ctx.isolationId &&
              instance.tags[ISOLATED_AT_TAG] !== undefined
            ) {
              return skipped(`already tagged ${ISOLATION_ID_TAG}=${ctx.isolationId}`);
            }
            const at = ctx.now().toISOString();
            await awsCall('ec2:CreateTags', () =>
              ctx.clients.ec2.createTags({
                Resources: [instance.id],
                Tags: [
                  { Key: ISOLATION_ID_TAG, Value: ctx.isolationId },
                  { Key: ISOLATED_AT_TAG, Value: at },
                ],
              }),
            );
            return {
              status: 'done',
              detail: `tagged ${ISOLATION_ID_TAG}=${ctx.isolationId}, ${ISOLATED_AT_TAG}=${at}`,
            };
          },
        },
      ],
    },
  ];
}

async function revokeRoleSessionsStep(
  params: Params,
  work: ApplyWork,
  before: Ec2Before,
  ctx: ActionContext,
): Promise<StepOutcome> {
  if (!params.revokeRoleSessions) return skipped('disabled (revokeRoleSessions=false)');
  const profileArn = before.instanceProfile?.profileArn ?? work.profile?.profileArn;
  if (!profileArn) return skipped('no instance profile, so no role sessions to revoke');
  const { iam, ec2 } = ctx.clients;
  const profile = await awsCall('iam:GetInstanceProfile', () =>
    iam.getInstanceProfile({ InstanceProfileName: profileNameFromArn(profileArn) }),
  );
  const role = profile.InstanceProfile?.Roles?.[0];
  if (!role?.RoleName) return skipped(`instance profile ${profileArn} has no role`);
  const roleName = role.RoleName;
  if (role.Path?.startsWith('/aws-service-role/')) {
    return skipped(`role ${roleName} is service-linked; AWS does not allow revoking its sessions`);
  }
  const own = ctx.guard.cordonResourcePrefix.toLowerCase();
  if (roleName === ctx.guard.memberRoleName || (own !== '' && roleName.toLowerCase().startsWith(own))) {
    return skipped(`role ${roleName} belongs to cordon and is never revoked`);
  }
  const policyName = sessionRevocationPolicyName(ctx.isolationId);
  const principal: SessionPrincipal = { kind: 'role', roleName };
  const [existing, profiles] = await Promise.all([
    readSessionRevocation(iam, principal, policyName),
    awsCall('iam:ListInstanceProfilesForRole', () => iam.listInstanceProfilesForRole({ RoleName: roleName })),
  ]);
  const profileArns = (profiles.InstanceProfiles ?? []).flatMap((p) => (p.Arn ? [p.Arn] : []));
  const others = await instancesUsingProfiles(
    ec2,
    profileArns.length > 0 ? profileArns : [profileArn],
    work.instanceId,
  );
  const warnings: string[] = [];
  if (others.length > 0) {
    warnings.push(
      `revoking sessions of role ${roleName} also cuts off ${others.length} other instance(s) using it: ${others.join(', ')} ` +
        '(their SDKs fetch fresh credentials from the metadata service within minutes)',
    );
  }
  if (!params.removeInstanceProfile) {
    warnings.push(
      `instance ${work.instanceId} keeps its instance profile and can obtain fresh credentials for ${roleName}; ` +
        'set removeInstanceProfile=true to stop that',
    );
  }
  if (existing !== undefined) {
    const issued = existing || 'unknown';
    return skipped(`policy ${policyName} is already on role ${roleName}`, {
      before: {
        roleSessionRevocation: { roleName, policyName, tokenIssuedBefore: issued, addedByCordon: true },
      },
    });
  }
  const tokenIssuedBefore = ctx.now().toISOString();
  await putSessionRevocation(iam, principal, policyName, tokenIssuedBefore);
  return {
    status: 'done',
    detail: `denied sessions of role ${roleName} issued before ${tokenIssuedBefore} (inline policy ${policyName})`,
    warnings,
    before: { roleSessionRevocation: { roleName, policyName, tokenIssuedBefore, addedByCordon: true } },
  };
}

// ---------------------------------------------------------------------------------------------------------
// release
// ---------------------------------------------------------------------------------------------------------

function gone(work: ReleaseWork): StepOutcome | undefined {
  return work.instance
    ? undefined
    : skipped(`instance ${work.instanceId} no longer exists; nothing to restore on it`);
}

function releaseStages(params: Params): StageSpec<ReleaseWork>[] {
  return [
    {
      steps: [
        {
          name: RELEASE_STEPS.read,
          async run({ work, ctx }) {
            try {
              const instance = await describeInstance(ctx.clients.ec2, work.instanceId);
              work.instance = instance && !GONE_STATES.has(instance.state) ? instance : undefined;
            } catch (error) {
              // A terminated instance has nothing to restore, but cordon's role policy must still go.
              if (awsErrorName(error) !== 'InvalidInstanceID.NotFound') throw error;
              work.instance = undefined;
            }
            return skipped(
              work.instance
                ? `lookup only: ${work.instanceId} is ${work.instance.state}`
                : `instance ${work.instanceId} no longer exists; only account-level changes are undone`,
            );
          },
        },
      ],
    },
    {
      steps: [
        {
          name: RELEASE_STEPS.network,
          async run({ work, ctx }) {
            const absent = gone(work);
            if (absent) return absent;
            const instance = need(work.instance, 'the instance');
            const recorded = work.before.networkInterfaces ?? {};
            if (Object.keys(recorded).length === 0) return skipped('no original groups were recorded');
            const changes: string[] = [];
            const notes: string[] = [];
            await settleAll(
              Object.entries(recorded).map(async ([eniId, original]) => {
                const eni = instance.enis.find((e) => e.id === eniId);
                if (!eni) {
                  notes.push(`${eniId} is no longer attached`);
                  return;
                }
                if (sameGroups(eni.groups, original.groups)) return;
                await modifyEniGroups(ctx.clients.ec2, eniId, original.groups);
                changes.push(`${eniId} → [${original.groups.join(', ')}]`);
              }),
            );
            const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
            return outcome(
              changes.map((c, i) => (i === changes.length - 1 ? `${c}${suffix}` : c)),
              `every interface already has its original groups${suffix}`,
            );
          },
        },
        {
          name: RELEASE_STEPS.termination,
          async run({ work, ctx }) {
            const absent = gone(work);
            if (absent) return absent;
            const recorded = work.before.terminationProtection;
            if (!recorded) return skipped('no termination settings were recorded');
            const current = await readTerminationSettings(ctx.clients.ec2, work.instanceId);
            const { ec2 } = ctx.clients;
            const changes: string[] = [];
            const calls: Promise<unknown>[] = [];
            if (current.disableApiTermination !== recorded.disableApiTermination) {
              changes.push(`termination protection → ${recorded.disableApiTermination ? 'on' : 'off'}`);
              calls.push(
                awsCall('ec2:ModifyInstanceAttribute', () =>
                  ec2.modifyInstanceAttribute({
                    InstanceId: work.instanceId,
                    DisableApiTermination: { Value: recorded.disableApiTermination },
                  }),
                ),
              );
            }
            if (current.shutdownBehavior !== recorded.shutdownBehavior) {
              changes.push(`shutdown behaviour → ${recorded.shutdownBehavior}`);
              calls.push(
                awsCall('ec2:ModifyInstanceAttribute', () =>
                  ec2.modifyInstanceAttribute({
                    InstanceId: work.instanceId,
                    Attribute: 'instanceInitiatedShutdownBehavior',
                    Value: recorded.shutdownBehavior,
                  }),
                ),
              );
            }
            await settleAll(calls);
            return outcome(changes, 'termination protection and shutdown behaviour already as recorded');
          },
        },
        {
          name: RELEASE_STEPS.profile,
          async run({ work, ctx }) {
            const absent = gone(work);
            if (absent) return absent;
            const recorded = work.before.instanceProfile;
            if (!recorded?.associated || !recorded.profileArn)
              return skipped('no instance profile was recorded');
            const current = await readProfileAssociation(ctx.clients.ec2, work.instanceId);
            if (current.associated) {
              return skipped(
                current.profileArn === recorded.profileArn
                  ? `instance profile ${recorded.profileArn} is associated`
                  : `another instance profile (${current.profileArn ?? '?'}) was associated since; left as is`,
              );
            }
            const arn = recorded.profileArn;
            await awsCall('ec2:AssociateIamInstanceProfile', () =>
              ctx.clients.ec2.associateIamInstanceProfile({
                InstanceId: work.instanceId,
                IamInstanceProfile: { Arn: arn },
              }),
            );
            return { status: 'done', detail: `re-associated instance profile ${arn}` };
          },
        },
        {
          name: RELEASE_STEPS.revoke,
          async run({ work, ctx }) {
            const recorded = work.before.roleSessionRevocation;
            if (!recorded?.addedByCordon) return skipped('cordon added no role policy');
            const role: SessionPrincipal = { kind: 'role', roleName: recorded.roleName };
            if (!(await deleteSessionRevocation(ctx.clients.iam, role, recorded.policyName))) {
              return skipped(`policy ${recorded.policyName} is already gone`);
            }
            return {
              status: 'done',
              detail: `deleted cordon's policy ${recorded.policyName} from role ${recorded.roleName}`,
            };
          },
        },
      ],
    },
    {
      steps: [
        {
          name: RELEASE_STEPS.autoScaling,
          async run({ work, ctx }) {
            const absent = gone(work);
            if (absent) return absent;
            const recorded = work.before.autoScaling;
            if (!recorded?.member || !recorded.groupName) return skipped('was not in an Auto Scaling group');
            const group = recorded.groupName;
            const current = await readAutoScaling(ctx.clients.autoScaling, work.instanceId);
            const capacityNote = params.restoreDesiredCapacity
              ? []
              : [
                  `AWS incremented the desired capacity of ${group} when the instance returned; the replacement ` +
                    'launched during isolation still runs, so scale in (or release with restoreDesiredCapacity) if ' +
                    'you do not want the extra instance',
                ];
            // Read before the instance returns: the next step sets the capacity back to exactly this value.
            const returning = async (): Promise<BeforeState> =>
              params.restoreDesiredCapacity
                ? {
                    [AUTO_SCALING_RETURN]: {
                      groupName: group,
                      desiredBeforeReturn: await readDesiredCapacity(ctx.clients.autoScaling, group),
                    },
                  }
                : {};
            if (!current.member) {
              const recordReturn = await returning();
              await awsCall('autoscaling:AttachInstances', () =>
                ctx.clients.autoScaling.attachInstances({
                  AutoScalingGroupName: group,
                  InstanceIds: [work.instanceId],
                }),
              );
              return {
                status: 'done',
                detail: `re-attached to ${group}`,
                warnings: capacityNote,
                before: recordReturn,
              };
            }
            if (current.groupName !== group)
              return skipped(`now in another group (${current.groupName ?? '?'}); left as is`);
            if (current.lifecycleState === 'Standby' && recorded.lifecycleState !== 'Standby') {
              const recordReturn = await returning();
              await awsCall('autoscaling:ExitStandby', () =>
                ctx.clients.autoScaling.exitStandby({
                  AutoScalingGroupName: group,
                  InstanceIds: [work.instanceId],
                }),
              );
              return {
                status: 'done',
                detail: `moved back to InService in ${group}`,
                warnings: capacityNote,
                before: recordReturn,
              };
            }
            return skipped(`already ${current.lifecycleState ?? 'a member'} in ${group}`);
          },
        },
        {
          name: RELEASE_STEPS.targets,
          async run({ work, ctx }) {
            const absent = gone(work);
            if (absent) return absent;
            const recorded = work.before.targetRegistrations ?? [];
            if (recorded.length === 0) return skipped('was not registered in any target group');
            const byGroup = new Map<string, (number | undefined)[]>();
            for (const r of recorded)
              byGroup.set(r.targetGroupArn, [...(byGroup.get(r.targetGroupArn) ?? []), r.port]);
            const changes: string[] = [];
            await settleAll(
              [...byGroup].map(async ([arn, ports]) => {
                const live = await registrationsIn(ctx.clients.elbv2, arn, work.instanceId);
                const missing = ports.filter(
                  (port) => !live.some((l) => port === undefined || l.port === port),
                );
                if (missing.length === 0) return;
                await awsCall('elasticloadbalancing:RegisterTargets', () =>
                  ctx.clients.elbv2.registerTargets({
                    TargetGroupArn: arn,
                    Targets: missing.map((port) => ({ Id: work.instanceId, Port: port })),
                  }),
                );
                changes.push(`${arn}${missing.map((p) => (p ? `:${p}` : '')).join(',')}`);
              }),
            );
            return outcome(
              changes.length > 0 ? [`re-registered in ${changes.join(', ')}`] : [],
              'already registered in every recorded target group',
            );
          },
        },
      ],
    },
    {
      steps: [
        {
          name: RELEASE_STEPS.capacity,
          async run({ ctx, before }) {
            if (!params.restoreDesiredCapacity) {
              return skipped('not requested (restoreDesiredCapacity is false)');
            }
            const returned = autoScalingReturnOf(before);
            if (!returned)
              return skipped('the instance did not return to an Auto Scaling group in this release');
            const { groupName: group, desiredBeforeReturn: wanted } = returned;
            const desired = await readDesiredCapacity(ctx.clients.autoScaling, group);
            if (desired === wanted)
              return skipped(`desired capacity of ${group} is already ${String(wanted)}`);
            if (desired !== wanted + 1) {
              const message =
                `desired capacity of ${group} is ${String(desired)}, not ${String(wanted + 1)}: it changed while the ` +
                'instance returned (scaling activity or a person), so cordon left it as is';
              return { status: 'skipped', detail: message, warnings: [message] };
            }
            await awsCall('autoscaling:SetDesiredCapacity', () =>
              ctx.clients.autoScaling.setDesiredCapacity({
                AutoScalingGroupName: group,
                DesiredCapacity: wanted,
                HonorCooldown: false,
              }),
            );
            const message =
              `set the desired capacity of ${group} back to ${String(wanted)}; the group terminates one instance ` +
              'by its termination policy (possibly the released one)';
            return { status: 'done', detail: message, warnings: [message] };
          },
        },
        {
          name: RELEASE_STEPS.tags,
          async run({ work, ctx }) {
            const absent = gone(work);
            if (absent) return absent;
            const instance = need(work.instance, 'the instance');
            const owner = instance.tags[ISOLATION_ID_TAG];
            if (owner === undefined) return skipped('no cordon tags on the instance');
            if (owner !== ctx.isolationId)
              return skipped(`tagged by another isolation (${owner}); left as is`);
            await awsCall('ec2:DeleteTags', () =>
              ctx.clients.ec2.deleteTags({
                Resources: [instance.id],
                Tags: [{ Key: ISOLATION_ID_TAG }, { Key: ISOLATED_AT_TAG }],
              }),
            );
            return { status: 'done', detail: `removed ${ISOLATION_ID_TAG} and ${ISOLATED_AT_TAG}` };
          },
        },
      ],
    },
  ];
}

function instanceIdOf(resource: Resource): string {
  if (resource.type !== 'ec2-instance') {
    throw new CordonError(`isolate-ec2-instance applies to ec2-instance resources, not ${resource.type}`, {
      code: 'WRONG_RESOURCE_TYPE',
    });
  }
  if (!INSTANCE_ID.test(resource.id)) {
    throw new CordonError(`"${resource.id}" is not an EC2 instance id`, { code: 'WRONG_RESOURCE_TYPE' });
  }
  return resource.id;
}

const stageNames = <W>(stages: StageSpec<W>[]): string[][] =>
  stages.map((s) => s.steps.map((step) => step.name));
const DEFAULT_PARAMS = paramsSchema.parse({});

/** Step names per stage (steps of one stage run in parallel), for docs, the UI timeline and tests. */
export const APPLY_STAGES: readonly (readonly string[])[] = stageNames(applyStages(DEFAULT_PARAMS));
export const RELEASE_STAGES: readonly (readonly string[])[] = stageNames(releaseStages(DEFAULT_PARAMS));

export const isolateEc2Instance = defineAction({
  name: 'isolate-ec2-instance',
  description:
    "Isolate an EC2 instance's network per interface (cutting tracked flows), keep its evidence, and make it reversible.",
  resourceTypes: ['ec2-instance'],
  params: paramsSchema,
  permissions: [
    'autoscaling:AttachInstances',
    'autoscaling:DescribeAutoScalingInstances',
    'autoscaling:DetachInstances',
    'autoscaling:EnterStandby',
    'autoscaling:ExitStandby',
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:SetDesiredCapacity',
    'ec2:AssociateIamInstanceProfile',
    'ec2:AuthorizeSecurityGroupEgress',
    'ec2:AuthorizeSecurityGroupIngress',
    'ec2:CreateSecurityGroup',
    'ec2:CreateSnapshot',
    'ec2:CreateTags',
    'ec2:DeleteTags',
    'ec2:DescribeIamInstanceProfileAssociations',
    'ec2:DescribeInstanceAttribute',
    'ec2:DescribeInstances',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSnapshots',
    'ec2:DisassociateIamInstanceProfile',
    'ec2:ModifyInstanceAttribute',
    'ec2:ModifyNetworkInterfaceAttribute',
    'ec2:RevokeSecurityGroupEgress',
    'ec2:RevokeSecurityGroupIngress',
    'elasticloadbalancing:DeregisterTargets',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetHealth',
    'elasticloadbalancing:RegisterTargets',
    'iam:DeleteRolePolicy',
    'iam:GetInstanceProfile',
    'iam:GetRolePolicy',
    'iam:ListInstanceProfilesForRole',
    // Not a command of its own: AWS checks it when release calls AssociateIamInstanceProfile.
    'iam:PassRole',
    'iam:PutRolePolicy',
  ],
  steps: { apply: APPLY_STAGES.flat(), release: RELEASE_STAGES.flat() },
  limitations: [
    'Flows on automatically tracked paths are not cut by the security-group swap: through a Network Load Balancer, NAT gateway, Gateway Load Balancer, PrivateLink interface endpoints, transit gateway attachments, egress-only internet gateways, Global Accelerator and Network Firewall endpoints. They end when idle (TCP up to 5 days by default); use a network ACL or stop the instance to cut them at once.',
    'ICMP is always tracked, so an ongoing ICMP exchange may continue until it idles out.',
    'With cutTrackedFlows=false, established TCP/UDP connections allowed by the old groups keep flowing until they time out.',
    'Credentials already taken from the instance (instance-profile role sessions, keys on disk) keep working unless revokeRoleSessions is on; the instance can still fetch fresh role credentials unless removeInstanceProfile is on.',
    'Revoking role sessions denies every session of that role issued before now, including other instances sharing the role (listed as a warning).',
    'Processes on the instance keep running; local activity (disk, CPU) continues. Stop the instance after the evidence is captured if needed.',
    'Auto Scaling: standby and detach keep the desired capacity, so the group launches a replacement; on release AWS increments the desired capacity again, unless restoreDesiredCapacity is set (cordon then sets it back, and the group terminates one instance by its own termination policy).',
    'Snapshots are crash-consistent (taken while the instance runs) and are kept after release as evidence.',
  ],
  async apply(ctx, resource, params, previous?: ActionState): Promise<ActionResult> {
    const instanceId = instanceIdOf(resource);
    const verdict = checkGuards(resource, ctx.guard);
    if (!verdict.allowed) return refusedResult(verdict.reason, previous);
    const work: ApplyWork = { instanceId, resource, cordonGroups: [], groupsByVpc: new Map() };
    return runSteps({
      ctx,
      stages: applyStages(params),
      work,
      previous,
      vanishedErrors: VANISHED,
    });
  },
  async release(ctx, resource, params, state: ActionState): Promise<ActionResult> {
    const instanceId = instanceIdOf(resource);
    const work: ReleaseWork = { instanceId, before: parseBefore(state.before) };
    return runSteps({ ctx, stages: releaseStages(params), work, previous: state, vanishedErrors: VANISHED });
  },
});
