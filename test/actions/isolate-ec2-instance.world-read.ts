/**
 * Read-backs for the isolate-ec2-instance integration tests: the instance, cordon's groups, snapshots, Auto
 * Scaling and target-group membership as moto reports them (split from isolate-ec2-instance.world.ts).
 */
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { MemberClients } from '../../functions/lib/actions/contract.js';

export interface InstanceState {
  enis: { id: string; groups: string[] }[];
  volumes: string[];
  tags: Record<string, string>;
  disableApiTermination: boolean;
  shutdownBehavior: string;
  /** DeleteOnTermination per device name. */
  deleteOnTermination: Record<string, boolean>;
  privateIp: string;
}

export async function readInstance(setup: MemberClients, instanceId: string): Promise<InstanceState> {
  const out = await setup.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const instance = out.Reservations?.[0]?.Instances?.[0];
  const [termination, shutdown] = await Promise.all([
    setup.ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'disableApiTermination' }),
    ),
    setup.ec2.send(
      new DescribeInstanceAttributeCommand({
        InstanceId: instanceId,
        Attribute: 'instanceInitiatedShutdownBehavior',
      }),
    ),
  ]);
  return {
    enis: (instance?.NetworkInterfaces ?? [])
      .sort((a, b) => (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0))
      .map((n) => ({
        id: n.NetworkInterfaceId ?? '',
        groups: (n.Groups ?? []).map((g) => g.GroupId ?? '').sort(),
      })),
    volumes: (instance?.BlockDeviceMappings ?? []).map((m) => m.Ebs?.VolumeId ?? ''),
    tags: Object.fromEntries((instance?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    disableApiTermination: termination.DisableApiTermination?.Value ?? false,
    shutdownBehavior: shutdown.InstanceInitiatedShutdownBehavior?.Value ?? '',
    deleteOnTermination: Object.fromEntries(
      (instance?.BlockDeviceMappings ?? []).map((m) => [
        m.DeviceName ?? '',
        m.Ebs?.DeleteOnTermination ?? false,
      ]),
    ),
    privateIp: instance?.PrivateIpAddress ?? '',
  };
}

export interface CordonGroupState {
  groupId: string;
  vpcId: string;
  role: string;
  ingress: string[];
  egress: string[];
}

/** cordon's groups in moto with their rules flattened to `proto cidr` strings. */
export async function readCordonGroups(setup: MemberClients, vpcId: string): Promise<CordonGroupState[]> {
  const out = await setup.ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
  );
  const flatten = (
    rules: {
      IpProtocol?: string;
      IpRanges?: { CidrIp?: string }[];
      Ipv6Ranges?: { CidrIpv6?: string }[];
    }[] = [],
  ) =>
    rules
      .flatMap((r) => [
        ...(r.IpRanges ?? []).map((x) => `${r.IpProtocol} ${x.CidrIp}`),
        ...(r.Ipv6Ranges ?? []).map((x) => `${r.IpProtocol} ${x.CidrIpv6}`),
      ])
      .sort();
  return (out.SecurityGroups ?? [])
    .filter((g) => g.Tags?.some((t) => t.Key === 'cordon:role'))
    .map((g) => ({
      groupId: g.GroupId ?? '',
      vpcId: g.VpcId ?? '',
      role: g.Tags?.find((t) => t.Key === 'cordon:role')?.Value ?? '',
      ingress: flatten(g.IpPermissions),
      egress: flatten(g.IpPermissionsEgress),
    }))
    .sort((a, b) => `${a.vpcId}${a.role}`.localeCompare(`${b.vpcId}${b.role}`));
}

export async function readSnapshots(
  setup: MemberClients,
  isolationId: string,
): Promise<{ volumeId: string; snapshotId: string }[]> {
  const out = await setup.ec2.send(
    new DescribeSnapshotsCommand({
      OwnerIds: ['self'],
      Filters: [{ Name: 'tag:cordon:isolation-id', Values: [isolationId] }],
    }),
  );
  return (out.Snapshots ?? []).map((s) => ({ volumeId: s.VolumeId ?? '', snapshotId: s.SnapshotId ?? '' }));
}

export async function readAutoScaling(
  setup: MemberClients,
  instanceId: string,
  groupName: string,
): Promise<{ groupName?: string; lifecycleState?: string; desiredCapacity?: number }> {
  const instances = await setup.autoScaling.send(
    new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }),
  );
  const found = instances.AutoScalingInstances?.[0];
  const groups = await setup.autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
  return {
    groupName: found?.AutoScalingGroupName,
    lifecycleState: found?.LifecycleState,
    desiredCapacity: groups.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === groupName)
      ?.DesiredCapacity,
  };
}

export async function readTargets(setup: MemberClients, targetGroupArn: string): Promise<string[]> {
  const out = await setup.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  return (out.TargetHealthDescriptions ?? [])
    .filter((d) => d.TargetHealth?.State !== 'draining')
    .map((d) => `${d.Target?.Id ?? ''}:${d.Target?.Port ?? ''}`)
    .sort();
}
