/** `isolate-ec2-instance` apply, off the critical path: settings, termination, Auto Scaling, targets, profile, sessions, snapshots, tags. */

import { CordonError } from '../../errors.js';
import { sessionRevocationPolicyName } from '../../aws/iam-policies.js';
import { putSessionRevocation, readSessionRevocation, type SessionPrincipal } from '../session-revocation.js';
import { type ActionContext, type BeforeState } from '../contract.js';
import { awsCall, type StageSpec, type StepOutcome } from '../steps.js';
import { ISOLATED_AT_TAG, ISOLATION_ID_TAG, type Ec2Before } from './instance.js';
import {
  instancesUsingProfiles,
  readAutoScaling,
  readProfileAssociation,
  readTargetRegistrations,
  readTerminationSettings,
  type TargetRegistration,
} from './settings.js';
import {
  APPLY_STEPS,
  need,
  settleAll,
  outcome,
  skipped,
  parseBefore,
  profileNameFromArn,
  type Params,
  type ApplyWork,
} from './shared.js';

export function settingsStages(params: Params): StageSpec<ApplyWork>[] {
  return [
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
