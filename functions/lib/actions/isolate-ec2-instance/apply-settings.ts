/** `isolate-ec2-instance` apply, off the critical path: settings, termination, Auto Scaling, targets, profile, sessions, snapshots, tags. */

import { settleAll } from '../../aws/errors.js';
import { sessionRevocationPolicyName } from '../../aws/iam-policies.js';
import {
  putSessionRevocation,
  readSessionRevocation,
  type SessionPrincipal,
} from '../shared/session-revocation.js';
import { type ActionContext, type BeforeState } from '../contract.js';
import { awsCall, type StageSpec, type StepOutcome } from '../steps.js';
import { ISOLATED_AT_TAG, ISOLATION_ID_TAG, type Ec2Before } from './instance.js';
import { instancesUsingProfiles, readProfileAssociation, readTerminationSettings } from './settings.js';
import { autoScalingBefore, autoScalingStep, readAutoScaling } from './auto-scaling.js';
import {
  deregisterStep,
  identityOf,
  readClassicLoadBalancers,
  readTargetRegistrations,
} from './load-balancers.js';
import { keepVolumesStep, snapshotStep, volumesBefore } from './evidence.js';
import {
  APPLY_STEPS,
  need,
  doneOrSkipped,
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
            const [termination, autoScaling, targets, classic, profile] = await Promise.all([
              readTerminationSettings(ctx.clients.ec2, instance.id),
              params.autoScaling === 'none'
                ? undefined
                : readAutoScaling(ctx.clients.autoScaling, instance.id),
              params.deregisterTargets
                ? readTargetRegistrations(ctx.clients.elbv2, identityOf(instance))
                : undefined,
              params.deregisterTargets ? readClassicLoadBalancers(ctx.clients.elb, instance.id) : undefined,
              wantsProfile ? readProfileAssociation(ctx.clients.ec2, instance.id) : undefined,
            ]);
            work.termination = termination;
            work.autoScaling = autoScaling;
            work.targets = targets;
            work.classicLoadBalancers = classic;
            work.profile = profile;
            const captured: BeforeState = {
              terminationProtection: work.termination,
              autoScaling: work.autoScaling && {
                member: work.autoScaling.member,
                groupName: work.autoScaling.groupName,
                lifecycleState: work.autoScaling.lifecycleState,
              },
              targetRegistrations: work.targets,
              classicLoadBalancers: work.classicLoadBalancers,
              instanceProfile: work.profile,
              volumeDeleteOnTermination: volumesBefore(instance),
              ...autoScalingBefore(work.autoScaling),
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
            const spot = need(work.instance, 'the instance').lifecycle === 'spot';
            const { ec2 } = ctx.clients;
            const changes: string[] = [];
            const calls: Promise<unknown>[] = [];
            // AWS refuses termination protection on Spot Instances; the snapshots and the kept volumes are the
            // evidence if AWS interrupts (or someone terminates) the instance.
            const spotNote =
              spot && !current.disableApiTermination
                ? 'termination protection skipped: AWS does not allow it on Spot Instances'
                : undefined;
            if (!current.disableApiTermination && !spotNote) {
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
            if (spotNote) {
              return changes.length > 0
                ? { status: 'done', detail: [...changes, spotNote].join('; ') }
                : skipped(`${spotNote}; shutdown behaviour already stop`);
            }
            return doneOrSkipped(
              changes,
              'termination protection already on and shutdown behaviour already stop',
            );
          },
        },
        keepVolumesStep(),
        autoScalingStep(params),
        deregisterStep(params),
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
        snapshotStep(params),
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
