/**
 * `isolate-ec2-instance` evidence that survives the instance: crash-consistent snapshots of all its volumes, and
 * `DeleteOnTermination=false` on every attached EBS volume while it is isolated (restored on release).
 */
import { settleAll } from '../../aws/errors.js';
import type { EC2, Tag } from '@aws-sdk/client-ec2';
import { awsCall, type StepSpec, type StepOutcome } from '../steps.js';
import { ISOLATION_ID_TAG, type InstanceFacts } from './instance.js';
import {
  APPLY_STEPS,
  RELEASE_STEPS,
  need,
  doneOrSkipped,
  skipped,
  type ApplyWork,
  type Params,
  type ReleaseWork,
} from './shared.js';

/** Prefix under which the instance's own tags are copied onto its snapshots (volume tags keep their keys). */
export const INSTANCE_TAG_PREFIX = 'cordon:instance-tag:';
/** AWS allows 50 tags per resource; copied volume tags share that budget, so instance tags stay well below. */
const MAX_COPIED_INSTANCE_TAGS = 20;

/** Tags for the snapshots: cordon's, then the instance's under {@link INSTANCE_TAG_PREFIX}. */
export function snapshotTags(instance: InstanceFacts, isolationId: string): Tag[] {
  const own: Tag[] = [
    { Key: ISOLATION_ID_TAG, Value: isolationId },
    { Key: 'cordon:instance-id', Value: instance.id },
  ];
  // Prefixed so that no key collides with a tag copied from the volume; `aws:` keys are reserved by AWS.
  const copied = Object.entries(instance.tags)
    .filter(([key]) => !key.startsWith('aws:') && !key.startsWith('cordon:'))
    .sort(([a], [b]) => a.localeCompare(b))
    .slice(0, MAX_COPIED_INSTANCE_TAGS)
    .map(([key, value]) => ({ Key: `${INSTANCE_TAG_PREFIX}${key}`.slice(0, 128), Value: value }));
  return [...own, ...copied];
}

async function snapshotsOfIsolation(ec2: EC2, isolationId: string): Promise<Record<string, string>> {
  const existing = await awsCall('ec2:DescribeSnapshots', () =>
    ec2.describeSnapshots({
      OwnerIds: ['self'],
      Filters: [{ Name: `tag:${ISOLATION_ID_TAG}`, Values: [isolationId] }],
    }),
  );
  const snapshots: Record<string, string> = {};
  for (const s of existing.Snapshots ?? [])
    if (s.VolumeId && s.SnapshotId) snapshots[s.VolumeId] = s.SnapshotId;
  return snapshots;
}

const list = (snapshots: Record<string, string>): string =>
  Object.entries(snapshots)
    .map(([v, s]) => `${v} → ${s}`)
    .join(', ');

export function snapshotStep(params: Params): StepSpec<ApplyWork> {
  return {
    name: APPLY_STEPS.snapshots,
    offCriticalPath: true,
    async run({ work, ctx }) {
      if (!params.snapshotVolumes) return skipped('disabled (snapshotVolumes=false)');
      const instance = need(work.instance, 'the instance');
      if (instance.volumeIds.length === 0) return skipped('no EBS volumes attached');
      const { ec2 } = ctx.clients;
      // Found by tag, not by the record: a crash between CreateSnapshots and persisting must not duplicate.
      const existing = await snapshotsOfIsolation(ec2, ctx.isolationId);
      if (Object.keys(existing).length > 0) {
        // One crash-consistent set per isolation: a second set would not be consistent with the first.
        const missing = instance.volumeIds.filter((v) => existing[v] === undefined);
        const note =
          missing.length > 0 ? ` (volumes attached since, not in the set: ${missing.join(', ')})` : '';
        return skipped(`the evidence snapshot set exists: ${list(existing)}${note}`, {
          before: { evidenceSnapshots: existing },
        });
      }
      const out = await awsCall('ec2:CreateSnapshots', () =>
        ec2.createSnapshots({
          // One multi-volume, crash-consistent set, boot volume included.
          InstanceSpecification: { InstanceId: instance.id, ExcludeBootVolume: false },
          Description: `cordon evidence for ${instance.id}, isolation ${ctx.isolationId}`,
          CopyTagsFromSource: 'volume',
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: snapshotTags(instance, ctx.isolationId) }],
        }),
      );
      const snapshots: Record<string, string> = {};
      for (const s of out.Snapshots ?? [])
        if (s.VolumeId && s.SnapshotId) snapshots[s.VolumeId] = s.SnapshotId;
      return {
        status: 'done',
        detail: `crash-consistent snapshot set (evidence, kept on release): ${list(snapshots)}`,
        before: { evidenceSnapshots: snapshots },
      };
    },
  };
}

/** What the record step stores about volumes: each device's volume and DeleteOnTermination. */
export function volumesBefore(
  instance: InstanceFacts,
): Record<string, { volumeId: string; deleteOnTermination: boolean }> {
  return Object.fromEntries(
    instance.blockDevices.map((d) => [
      d.deviceName,
      { volumeId: d.volumeId, deleteOnTermination: d.deleteOnTermination },
    ]),
  );
}

function setDeleteOnTermination(
  ec2: EC2,
  instanceId: string,
  deviceName: string,
  value: boolean,
): Promise<unknown> {
  return awsCall('ec2:ModifyInstanceAttribute', () =>
    ec2.modifyInstanceAttribute({
      InstanceId: instanceId,
      BlockDeviceMappings: [{ DeviceName: deviceName, Ebs: { DeleteOnTermination: value } }],
    }),
  );
}

/** Apply: keep every attached EBS volume when the instance terminates. */
export function keepVolumesStep(): StepSpec<ApplyWork> {
  return {
    name: APPLY_STEPS.volumes,
    offCriticalPath: true,
    async run({ work, ctx }) {
      const instance = need(work.instance, 'the instance');
      if (instance.blockDevices.length === 0) return skipped('no EBS volumes attached');
      const toKeep = instance.blockDevices.filter((d) => d.deleteOnTermination);
      // One device per call keeps a failure attributable to its device.
      await settleAll(
        toKeep.map((d) => setDeleteOnTermination(ctx.clients.ec2, instance.id, d.deviceName, false)),
      );
      return doneOrSkipped(
        toKeep.map((d) => `${d.deviceName} (${d.volumeId}) DeleteOnTermination → false`),
        'every attached volume is already kept on termination',
      );
    },
  };
}

/** Release: DeleteOnTermination back to the recorded value, for volumes still attached at the same device. */
export function restoreVolumesStep(
  gone: (work: ReleaseWork) => StepOutcome | undefined,
): StepSpec<ReleaseWork> {
  return {
    name: RELEASE_STEPS.volumes,
    async run({ work, ctx }) {
      const absent = gone(work);
      if (absent) return absent;
      const instance = need(work.instance, 'the instance');
      const recorded = work.before.volumeDeleteOnTermination ?? {};
      if (Object.keys(recorded).length === 0) return skipped('no volume settings were recorded');
      const changes: string[] = [];
      const notes: string[] = [];
      const calls: Promise<unknown>[] = [];
      for (const [deviceName, before] of Object.entries(recorded)) {
        const live = instance.blockDevices.find((d) => d.deviceName === deviceName);
        if (!live || live.volumeId !== before.volumeId) {
          notes.push(`${before.volumeId} is no longer attached at ${deviceName}; left as is`);
          continue;
        }
        if (live.deleteOnTermination === before.deleteOnTermination) continue;
        changes.push(
          `${deviceName} (${live.volumeId}) DeleteOnTermination → ${String(before.deleteOnTermination)}`,
        );
        calls.push(
          setDeleteOnTermination(ctx.clients.ec2, instance.id, deviceName, before.deleteOnTermination),
        );
      }
      await settleAll(calls);
      const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
      return doneOrSkipped(
        changes.map((c, i) => (i === changes.length - 1 ? `${c}${suffix}` : c)),
        `every volume's DeleteOnTermination is as recorded${suffix}`,
      );
    },
  };
}
