/**
 * `isolate-ec2-instance` and Auto Scaling: keep the group from terminating or replacing the evidence while it is
 * contained, and put back exactly what was changed on release.
 *
 * Apply: scale-in protection on (it covers the moment before the instance leaves service), then Standby; if
 * EnterStandby fails, DetachInstances instead. Neither decrements the desired capacity. The group does not
 * health-check instances in Standby and cannot replace a detached one, so cordon never suspends the group-wide
 * `ReplaceUnhealthy` process, which would stop every unhealthy instance of the group from being replaced.
 *
 * Release: before anything else is restored, a pre-check refuses the release when the group has no room for
 * the instance to return (AWS adds one to the desired capacity when an instance is re-attached or leaves
 * Standby, and refuses an attach that would exceed the maximum). Raising the maximum for the return cannot be
 * undone without lowering the desired capacity, that is without terminating an instance, so cordon refuses
 * rather than half-release.
 */
import type { AutoScaling } from '@aws-sdk/client-auto-scaling';
import { CordonError, errorMessage } from '../../errors.js';
import { awsCall, type StepSpec, type StepOutcome } from '../steps.js';
import type { BeforeState } from '../contract.js';
import {
  APPLY_STEPS,
  RELEASE_STEPS,
  AUTO_SCALING_RETURN,
  need,
  skipped,
  type ApplyWork,
  type Params,
  type ReleaseWork,
} from './shared.js';

export interface AutoScalingMembership {
  member: boolean;
  groupName?: string;
  lifecycleState?: string;
  protectedFromScaleIn?: boolean;
}

/** Auto Scaling would not take the instance back, or refused both ways out of service. */
export class AutoScalingContainmentError extends CordonError {
  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options);
  }
}

/** The instance's Auto Scaling group, lifecycle state and scale-in protection, or `member: false`. */
export async function readAutoScaling(
  autoScaling: AutoScaling,
  instanceId: string,
): Promise<AutoScalingMembership> {
  const out = await awsCall('autoscaling:DescribeAutoScalingInstances', () =>
    autoScaling.describeAutoScalingInstances({ InstanceIds: [instanceId] }),
  );
  const found = out.AutoScalingInstances?.find((i) => i.InstanceId === instanceId);
  if (!found?.AutoScalingGroupName) return { member: false };
  return {
    member: true,
    groupName: found.AutoScalingGroupName,
    lifecycleState: found.LifecycleState,
    protectedFromScaleIn: found.ProtectedFromScaleIn ?? false,
  };
}

/** Desired capacity and maximum size of a group; undefined when the group no longer exists. */
export async function readGroupSize(
  autoScaling: AutoScaling,
  groupName: string,
): Promise<{ desired: number; max: number } | undefined> {
  const out = await awsCall('autoscaling:DescribeAutoScalingGroups', () =>
    autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: [groupName] }),
  );
  const group = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === groupName);
  if (group?.DesiredCapacity === undefined || group.MaxSize === undefined) return undefined;
  return { desired: group.DesiredCapacity, max: group.MaxSize };
}

/**
 * The desired capacity of an Auto Scaling group.
 * @throws CordonError when the group no longer exists
 */
export async function readDesiredCapacity(autoScaling: AutoScaling, groupName: string): Promise<number> {
  const size = await readGroupSize(autoScaling, groupName);
  if (size === undefined) throw new CordonError(`Auto Scaling group ${groupName} no longer exists`);
  return size.desired;
}

function setProtection(
  autoScaling: AutoScaling,
  group: string,
  instanceId: string,
  on: boolean,
): Promise<unknown> {
  return awsCall('autoscaling:SetInstanceProtection', () =>
    autoScaling.setInstanceProtection({
      AutoScalingGroupName: group,
      InstanceIds: [instanceId],
      ProtectedFromScaleIn: on,
    }),
  );
}

function detach(autoScaling: AutoScaling, group: string, instanceId: string): Promise<unknown> {
  return awsCall('autoscaling:DetachInstances', () =>
    autoScaling.detachInstances({
      AutoScalingGroupName: group,
      InstanceIds: [instanceId],
      ShouldDecrementDesiredCapacity: false,
    }),
  );
}

const KEPT = '(desired capacity kept: the group launches a replacement)';

/** What the record step stores about the group: the scale-in protection to restore. */
export function autoScalingBefore(membership: AutoScalingMembership | undefined): BeforeState {
  if (!membership?.member || !membership.groupName) return {};
  return {
    scaleInProtection: {
      groupName: membership.groupName,
      protectedBefore: membership.protectedFromScaleIn ?? false,
    },
  };
}

export function autoScalingStep(params: Params): StepSpec<ApplyWork> {
  return {
    name: APPLY_STEPS.autoScaling,
    offCriticalPath: true,
    async run({ work, ctx }) {
      if (params.autoScaling === 'none') return skipped('disabled (autoScaling=none)');
      const membership = need(work.autoScaling, 'the Auto Scaling membership');
      if (!membership.member || !membership.groupName) return skipped('not in an Auto Scaling group');
      const group = membership.groupName;
      const state = membership.lifecycleState;
      const { autoScaling } = ctx.clients;
      if (params.autoScaling === 'standby' && state !== 'InService' && state !== 'Standby') {
        throw new AutoScalingContainmentError(
          `instance is ${state ?? 'in an unknown state'} in ${group}; it can enter Standby only ` +
            'from InService. Re-run when it is InService, or use autoScaling=detach',
          { code: 'AUTO_SCALING_STATE' },
        );
      }
      const changes: string[] = [];
      // AWS accepts scale-in protection only for instances in service or in Standby.
      if (!membership.protectedFromScaleIn && (state === 'InService' || state === 'Standby')) {
        await setProtection(autoScaling, group, work.instanceId, true);
        changes.push(`scale-in protection on in ${group}`);
      }
      if (params.autoScaling === 'detach') {
        await detach(autoScaling, group, work.instanceId);
        changes.push(`detached from ${group} ${KEPT}`);
        return { status: 'done', detail: changes.join('; ') };
      }
      if (state === 'Standby') {
        changes.push(`already in Standby in ${group}`);
        return { status: changes.length > 1 ? 'done' : 'skipped', detail: changes.join('; ') };
      }
      try {
        await awsCall('autoscaling:EnterStandby', () =>
          autoScaling.enterStandby({
            AutoScalingGroupName: group,
            InstanceIds: [work.instanceId],
            ShouldDecrementDesiredCapacity: false,
          }),
        );
      } catch (standbyError) {
        return fallBackToDetach(autoScaling, group, work.instanceId, standbyError, changes);
      }
      changes.push(`moved to Standby in ${group} ${KEPT}`);
      return { status: 'done', detail: changes.join('; ') };
    },
  };
}

/** EnterStandby failed: detach instead, so the group neither replaces nor terminates the evidence. */
async function fallBackToDetach(
  autoScaling: AutoScaling,
  group: string,
  instanceId: string,
  standbyError: unknown,
  changes: string[],
): Promise<StepOutcome> {
  const why = `EnterStandby failed (${errorMessage(standbyError)})`;
  try {
    await detach(autoScaling, group, instanceId);
  } catch (detachError) {
    throw new AutoScalingContainmentError(
      `${why}, and the fallback DetachInstances failed too (${errorMessage(detachError)}); the instance is ` +
        `still in service in ${group}${changes.length > 0 ? ' (scale-in protection is on)' : ''}`,
      { code: 'AUTO_SCALING_CONTAINMENT', cause: detachError },
    );
  }
  changes.push(`${why}; detached from ${group} instead ${KEPT}`);
  return {
    status: 'done',
    detail: changes.join('; '),
    warnings: [`${why}; the instance was detached from ${group} instead`],
  };
}

/** True when release will put the instance back into `group` (re-attach, or leave Standby). */
function returnsTo(
  group: string,
  recordedState: string | undefined,
  current: AutoScalingMembership,
): boolean {
  if (!current.member) return true;
  return current.groupName === group && current.lifecycleState === 'Standby' && recordedState !== 'Standby';
}

/** Release pre-check, before any release mutation: the group must have room for the instance. */
export function checkRoomStep(gone: (work: ReleaseWork) => StepOutcome | undefined): StepSpec<ReleaseWork> {
  return {
    name: RELEASE_STEPS.room,
    async run({ work, ctx }) {
      const absent = gone(work);
      if (absent) return absent;
      const recorded = work.before.autoScaling;
      if (!recorded?.member || !recorded.groupName) return skipped('was not in an Auto Scaling group');
      const group = recorded.groupName;
      const current = await readAutoScaling(ctx.clients.autoScaling, work.instanceId);
      if (!returnsTo(group, recorded.lifecycleState, current)) {
        return skipped(`lookup only: the instance does not return to ${group} in this release`);
      }
      const size = await readGroupSize(ctx.clients.autoScaling, group);
      if (size === undefined) return skipped(`lookup only: Auto Scaling group ${group} no longer exists`);
      if (size.desired + 1 > size.max) {
        throw new AutoScalingContainmentError(
          `release refused before any change: Auto Scaling group ${group} is at its maximum size ` +
            `(desired ${String(size.desired)}, max ${String(size.max)}), and returning the instance adds one to ` +
            'its desired capacity, which AWS refuses above the maximum. Raise the maximum size of the group by ' +
            'one (or scale it in by one), then release again; the instance stays isolated meanwhile',
          { code: 'AUTO_SCALING_AT_MAX_SIZE' },
        );
      }
      return skipped(
        `lookup only: ${group} has room for the instance (desired ${String(size.desired)}, max ${String(size.max)})`,
      );
    },
  };
}

export function restoreAutoScalingStep(
  params: Params,
  gone: (work: ReleaseWork) => StepOutcome | undefined,
): StepSpec<ReleaseWork> {
  return {
    name: RELEASE_STEPS.autoScaling,
    async run({ work, ctx }) {
      const absent = gone(work);
      if (absent) return absent;
      const recorded = work.before.autoScaling;
      if (!recorded?.member || !recorded.groupName) return skipped('was not in an Auto Scaling group');
      const group = recorded.groupName;
      const { autoScaling } = ctx.clients;
      const current = await readAutoScaling(autoScaling, work.instanceId);
      if (current.member && current.groupName !== group) {
        return skipped(`now in another group (${current.groupName ?? '?'}); left as is`);
      }
      const changes: string[] = [];
      const warnings: string[] = [];
      let returnRecord: BeforeState = {};
      if (returnsTo(group, recorded.lifecycleState, current)) {
        // Read before the instance returns: restore-desired-capacity sets the capacity back to exactly this.
        if (params.restoreDesiredCapacity) {
          returnRecord = {
            [AUTO_SCALING_RETURN]: {
              groupName: group,
              desiredBeforeReturn: await readDesiredCapacity(autoScaling, group),
            },
          };
        }
        if (current.member) {
          await awsCall('autoscaling:ExitStandby', () =>
            autoScaling.exitStandby({ AutoScalingGroupName: group, InstanceIds: [work.instanceId] }),
          );
          changes.push(`moved back to InService in ${group}`);
        } else {
          await awsCall('autoscaling:AttachInstances', () =>
            autoScaling.attachInstances({ AutoScalingGroupName: group, InstanceIds: [work.instanceId] }),
          );
          changes.push(`re-attached to ${group}`);
        }
        if (!params.restoreDesiredCapacity) {
          warnings.push(
            `AWS incremented the desired capacity of ${group} when the instance returned; the replacement ` +
              'launched during isolation still runs, so scale in (or release with restoreDesiredCapacity) if ' +
              'you do not want the extra instance',
          );
        }
      }
      const protection = work.before.scaleInProtection;
      if (protection?.groupName === group && !protection.protectedBefore) {
        const now = changes.length > 0 ? await readAutoScaling(autoScaling, work.instanceId) : current;
        if (now.member && now.groupName === group && now.protectedFromScaleIn) {
          await setProtection(autoScaling, group, work.instanceId, false);
          changes.push('scale-in protection off, as before isolation');
        }
      }
      if (changes.length === 0) {
        return skipped(`already ${current.lifecycleState ?? 'a member'} in ${group}`, {
          before: returnRecord,
        });
      }
      return { status: 'done', detail: changes.join('; '), warnings, before: returnRecord };
    },
  };
}
