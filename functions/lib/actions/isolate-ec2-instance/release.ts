/** `isolate-ec2-instance` release: put back exactly what the record says cordon changed. */

import { awsErrorName, settleAll } from '../../aws/errors.js';
import { deleteSessionRevocation, type SessionPrincipal } from '../shared/session-revocation.js';
import { awsCall, type StageSpec, type StepOutcome } from '../steps.js';
import { restoreMetadataStep } from './metadata.js';
import {
  GONE_STATES,
  ISOLATED_AT_TAG,
  ISOLATION_ID_TAG,
  describeInstance,
  sameGroups,
  type EniFacts,
} from './instance.js';
import { CordonError } from '../../errors.js';
import { readProfileAssociation, readTerminationSettings } from './settings.js';
import { checkRoomStep, readDesiredCapacity, restoreAutoScalingStep } from './auto-scaling.js';
import { restoreRegistrationsStep } from './load-balancers.js';
import { restoreVolumesStep } from './evidence.js';
import {
  RELEASE_STEPS,
  autoScalingReturnOf,
  need,
  doneOrSkipped,
  skipped,
  modifyEniGroups,
  type Params,
  type ReleaseWork,
} from './shared.js';

function gone(work: ReleaseWork): StepOutcome | undefined {
  return work.instance
    ? undefined
    : skipped(`instance ${work.instanceId} no longer exists; nothing to restore on it`);
}

export function releaseStages(params: Params): StageSpec<ReleaseWork>[] {
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
    // Before any release mutation: a release the group cannot take back is refused, not half-done.
    { steps: [checkRoomStep(gone)] },
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
            const restore = async (enis: readonly EniFacts[]): Promise<void> => {
              await settleAll(
                Object.entries(recorded).map(async ([eniId, original]) => {
                  const eni = enis.find((e) => e.id === eniId);
                  if (!eni || sameGroups(eni.groups, original.groups)) return;
                  await modifyEniGroups(ctx.clients.ec2, eniId, original.groups);
                  changes.push(`${eniId} → [${original.groups.join(', ')}]`);
                }),
              );
            };
            for (const eniId of Object.keys(recorded)) {
              if (!instance.enis.some((e) => e.id === eniId)) notes.push(`${eniId} is no longer attached`);
            }
            await restore(instance.enis);
            // Read back: a run that lost its lease may have changed an interface in flight. Repair once, then
            // refuse to report RELEASED while any interface differs from its recorded original groups.
            const differing = async (): Promise<{ eni: EniFacts; wanted: string[] }[]> => {
              const live = await describeInstance(ctx.clients.ec2, work.instanceId);
              return (live?.enis ?? []).flatMap((eni) => {
                const wanted = recorded[eni.id]?.groups;
                return wanted === undefined || sameGroups(eni.groups, wanted) ? [] : [{ eni, wanted }];
              });
            };
            const first = await differing();
            if (first.length > 0) {
              notes.push(`repaired after read-back: ${first.map((d) => d.eni.id).join(', ')}`);
              await restore(first.map((d) => d.eni));
              const still = await differing();
              if (still.length > 0) {
                throw new CordonError(
                  `after restoring, ${still
                    .map(
                      (d) =>
                        `${d.eni.id} reads back as [${d.eni.groups.join(', ')}], not [${d.wanted.join(', ')}]`,
                    )
                    .join('; ')}: something else is changing the groups; not reporting the release as done`,
                  { code: 'RELEASE_READBACK_MISMATCH' },
                );
              }
            }
            const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
            return doneOrSkipped(
              changes.map((c, i) => (i === changes.length - 1 ? `${c}${suffix}` : c)),
              `every interface already has its original groups${suffix}`,
            );
          },
        },
        restoreMetadataStep(),
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
            return doneOrSkipped(
              changes,
              'termination protection and shutdown behaviour already as recorded',
            );
          },
        },
        restoreVolumesStep(gone),
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
      steps: [restoreAutoScalingStep(params, gone), restoreRegistrationsStep(gone)],
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
