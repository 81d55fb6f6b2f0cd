/**
 * Evidence of an EC2 instance: its full description, its network interfaces, the security groups it had and has
 * (with their rules), its volumes, the latest console output and the snapshots the isolation took. Read through
 * the member role after containment: the interfaces show the isolation group, the groups artifact also lists the
 * groups the finding saw (the before-state).
 */
import * as z from 'zod';
import type { Ec2InstanceResource } from '../findings/model.js';
import { ISOLATION_ID_TAG } from '../aws/iam-policies.js';
import { defineKindEvidence, withoutMetadata } from './collector.js';
import { MANAGED_POLICY_SCOPING, ROLE_READS, roleReads } from './iam-reads.js';

/**
 * What the EC2 containment recorded that evidence reads back: the interfaces' groups before the swap and the
 * snapshot per volume (isolate-ec2-instance's before-state; other actions leave these absent).
 */
const RecordedEc2Schema = z.object({
  networkInterfaces: z.record(z.string(), z.object({ groups: z.array(z.string()) })).optional(),
  evidenceSnapshots: z.record(z.string(), z.string()).optional(),
});

function recorded(before: Readonly<Record<string, unknown>>): z.infer<typeof RecordedEc2Schema> {
  const parsed = RecordedEc2Schema.safeParse(before);
  return parsed.success ? parsed.data : {};
}

export const ec2InstanceEvidence = defineKindEvidence<Ec2InstanceResource>({
  type: 'ec2-instance',
  permissions: [
    'ec2:DescribeInstances',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeVolumes',
    'ec2:GetConsoleOutput',
    'ec2:DescribeSnapshots',
    'ec2:GetConsoleScreenshot',
    'ec2:DescribeFlowLogs',
    'iam:GetInstanceProfile',
    ...ROLE_READS,
  ],
  scoping: MANAGED_POLICY_SCOPING,
  steps: [
    {
      name: 'ec2/instance.json',
      collect: async (ctx, instance) =>
        withoutMetadata(
          await ctx.call('ec2:DescribeInstances', () =>
            ctx.clients.ec2.describeInstances({ InstanceIds: [instance.id] }),
          ),
        ),
    },
    {
      name: 'ec2/network-interfaces.json',
      collect: async (ctx, instance) =>
        withoutMetadata(
          await ctx.call('ec2:DescribeNetworkInterfaces', () =>
            ctx.clients.ec2.describeNetworkInterfaces({
              Filters: [{ Name: 'attachment.instance-id', Values: [instance.id] }],
            }),
          ),
        ),
    },
    {
      name: 'ec2/security-groups.json',
      collect: async (ctx, instance) => {
        // The groups the interfaces have now (the isolation group), those they had before containment (the
        // ones the attacker's traffic went through) and those the finding saw. A filter, not GroupIds: a deleted
        // group must not fail the others.
        const interfaces = await ctx.call('ec2:DescribeNetworkInterfaces', () =>
          ctx.clients.ec2.describeNetworkInterfaces({
            Filters: [{ Name: 'attachment.instance-id', Values: [instance.id] }],
          }),
        );
        const current = (interfaces.NetworkInterfaces ?? []).flatMap((eni) =>
          (eni.Groups ?? []).flatMap((g) => (g.GroupId === undefined ? [] : [g.GroupId])),
        );
        const before = Object.values(recorded(ctx.before).networkInterfaces ?? {}).flatMap((n) => n.groups);
        const seen = [
          ...before,
          ...instance.securityGroupIds,
          ...instance.networkInterfaces.flatMap((n) => n.securityGroupIds),
        ];
        const ids = [...new Set([...current, ...seen])].sort();
        if (ids.length === 0) return { SecurityGroups: [] };
        return withoutMetadata(
          await ctx.call('ec2:DescribeSecurityGroups', () =>
            ctx.clients.ec2.describeSecurityGroups({ Filters: [{ Name: 'group-id', Values: ids }] }),
          ),
        );
      },
    },
    {
      name: 'ec2/volumes.json',
      collect: async (ctx, instance) =>
        withoutMetadata(
          await ctx.call('ec2:DescribeVolumes', () =>
            ctx.clients.ec2.describeVolumes({
              Filters: [{ Name: 'attachment.instance-id', Values: [instance.id] }],
            }),
          ),
        ),
    },
    {
      name: 'ec2/console-output.json',
      collect: async (ctx, instance) =>
        withoutMetadata(
          await ctx.call('ec2:GetConsoleOutput', () =>
            ctx.clients.ec2.getConsoleOutput({ InstanceId: instance.id, Latest: true }),
          ),
        ),
    },
    {
      name: 'ec2/snapshots.json',
      // The snapshots the action recorded (volume → snapshot), and what EC2 says of the snapshots tagged with
      // this isolation (their state and progress at collection time).
      collect: async (ctx) => ({
        recorded: recorded(ctx.before).evidenceSnapshots ?? {},
        ...withoutMetadata(
          await ctx.call('ec2:DescribeSnapshots', () =>
            ctx.clients.ec2.describeSnapshots({
              OwnerIds: ['self'],
              Filters: [{ Name: `tag:${ISOLATION_ID_TAG}`, Values: [ctx.isolationId] }],
            }),
          ),
        ),
      }),
    },
    {
      name: 'ec2/console-screenshot.json',
      // EC2 answers UnsupportedOperation for instance types without a screenshot (bare metal, some Graviton):
      // the manifest then lists this step as failed with that error, which is the fact.
      collect: async (ctx, instance) =>
        withoutMetadata(
          await ctx.call('ec2:GetConsoleScreenshot', () =>
            ctx.clients.ec2.getConsoleScreenshot({ InstanceId: instance.id, WakeUp: false }),
          ),
        ),
    },
    {
      name: 'ec2/flow-logs.json',
      // Flow logs can be on the VPC, the subnet or the interface: all three, for the interfaces attached now.
      collect: async (ctx, instance) => {
        const interfaces = await ctx.call('ec2:DescribeNetworkInterfaces', () =>
          ctx.clients.ec2.describeNetworkInterfaces({
            Filters: [{ Name: 'attachment.instance-id', Values: [instance.id] }],
          }),
        );
        const resourceIds = new Set<string>();
        for (const eni of interfaces.NetworkInterfaces ?? []) {
          for (const id of [eni.NetworkInterfaceId, eni.SubnetId, eni.VpcId]) if (id) resourceIds.add(id);
        }
        if (resourceIds.size === 0) return { resourceIds: [], FlowLogs: [] };
        const ids = [...resourceIds].sort();
        const flowLogs = await ctx.call('ec2:DescribeFlowLogs', () =>
          ctx.clients.ec2.describeFlowLogs({ Filter: [{ Name: 'resource-id', Values: ids }] }),
        );
        return { resourceIds: ids, FlowLogs: flowLogs.FlowLogs ?? [] };
      },
    },
    {
      name: 'iam/instance-profile.json',
      // The instance's credentials: the profile attached now (read live: it may differ from the finding's) and
      // each of its roles with their policies.
      collect: async (ctx, instance) => {
        const described = await ctx.call('ec2:DescribeInstances', () =>
          ctx.clients.ec2.describeInstances({ InstanceIds: [instance.id] }),
        );
        const arn =
          described.Reservations?.[0]?.Instances?.[0]?.IamInstanceProfile?.Arn ?? instance.instanceProfileArn;
        const InstanceProfileName = arn?.split('/').pop();
        if (arn === undefined || InstanceProfileName === undefined)
          return { InstanceProfile: null, Roles: [] };
        const profile = await ctx.call('iam:GetInstanceProfile', () =>
          ctx.clients.iam.getInstanceProfile({ InstanceProfileName }),
        );
        const roles = [];
        for (const role of profile.InstanceProfile?.Roles ?? []) {
          if (role.RoleName !== undefined) roles.push(await roleReads(ctx, role.RoleName));
        }
        return { InstanceProfile: profile.InstanceProfile ?? null, Roles: roles };
      },
    },
  ],
});
