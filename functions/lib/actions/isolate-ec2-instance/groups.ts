/**
 * cordon's two security groups per VPC:
 * - `isolation`: no ingress and no egress rules at all;
 * - `flow-cut`: all traffic both ways from/to 0.0.0.0/0 and ::/0. Moving an interface onto it first makes its
 *   flows *untracked*, so the following move to the isolation group interrupts them immediately instead of
 *   letting tracked connections live on until they time out.
 *
 * Both are found by tag (`cordon:role`), created only when missing, and converged to their required rules on
 * every run (so a tampered group is repaired before it is used). Creation is race-safe: a concurrent creator's
 * `InvalidGroup.Duplicate` is answered by re-reading the group it created.
 */
import { awsErrorName } from '../../aws/errors.js';
import type { EC2, IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { CordonError } from '../../errors.js';
import { awsCall } from '../steps.js';
import { ROLE_TAG } from '../iam-scopes.js';

export type CordonGroupRole = 'isolation' | 'flow-cut';

export { ROLE_TAG };

export interface CordonGroup {
  groupId: string;
  vpcId: string;
  role: CordonGroupRole;
  ingress: IpPermission[];
  egress: IpPermission[];
  /**
   * Created by this run: its rules are the ones AWS gives a new group, not read back (see {@link createdGroup}), so
   * a rule listed in `egress` of an isolation group may be absent.
   */
  fresh?: true;
}

/** The group name cordon gives its group of this role in this VPC. */
export function groupName(prefix: string, role: CordonGroupRole, vpcId: string): string {
  return `${prefix}-${role}-${vpcId}`;
}

function toCordonGroup(group: SecurityGroup): CordonGroup | undefined {
  const role = group.Tags?.find((t) => t.Key === ROLE_TAG)?.Value;
  if (!group.GroupId || !group.VpcId || (role !== 'isolation' && role !== 'flow-cut')) return undefined;
  return {
    groupId: group.GroupId,
    vpcId: group.VpcId,
    role,
    ingress: group.IpPermissions ?? [],
    egress: group.IpPermissionsEgress ?? [],
  };
}

/** Every cordon group in the region (all VPCs at once: one call on the critical path). */
export async function findCordonGroups(ec2: EC2): Promise<CordonGroup[]> {
  const groups: CordonGroup[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall('ec2:DescribeSecurityGroups', () =>
      ec2.describeSecurityGroups({
        Filters: [{ Name: `tag:${ROLE_TAG}`, Values: ['isolation', 'flow-cut'] }],
        NextToken: nextToken,
      }),
    );
    for (const group of page.SecurityGroups ?? []) {
      const found = toCordonGroup(group);
      if (found) groups.push(found);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return groups;
}

const ALL_TRAFFIC: IpPermission[] = [
  { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
  { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
];

function allowsAll(rules: IpPermission[], family: 'v4' | 'v6'): boolean {
  return rules.some(
    (rule) =>
      rule.IpProtocol === '-1' &&
      (family === 'v4'
        ? (rule.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0')
        : (rule.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === '::/0')),
  );
}

/** Only what a revoke call needs (the describe shape carries read-only fields such as rule ids). */
function revocable(rules: IpPermission[]): IpPermission[] {
  return rules.map((rule) => ({
    IpProtocol: rule.IpProtocol,
    FromPort: rule.FromPort,
    ToPort: rule.ToPort,
    IpRanges: rule.IpRanges?.length ? rule.IpRanges.map((r) => ({ CidrIp: r.CidrIp })) : undefined,
    Ipv6Ranges: rule.Ipv6Ranges?.length ? rule.Ipv6Ranges.map((r) => ({ CidrIpv6: r.CidrIpv6 })) : undefined,
    PrefixListIds: rule.PrefixListIds?.length
      ? rule.PrefixListIds.map((p) => ({ PrefixListId: p.PrefixListId }))
      : undefined,
    UserIdGroupPairs: rule.UserIdGroupPairs?.length
      ? rule.UserIdGroupPairs.map((p) => ({ GroupId: p.GroupId, UserId: p.UserId }))
      : undefined,
  }));
}

/** Run a rule change, tolerating the error a concurrent run (or AWS's eventual consistency) would cause. */
async function tolerating(codes: string[], call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!codes.includes(awsErrorName(error))) throw error;
  }
}

/**
 * Make the group's rules what its role requires. Returns a description of what changed ('' when nothing).
 */
export async function convergeRules(ec2: EC2, group: CordonGroup): Promise<string> {
  const changes: string[] = [];
  const calls: Promise<void>[] = [];
  if (group.role === 'isolation') {
    if (group.ingress.length > 0) {
      changes.push(`revoked ${group.ingress.length} ingress rule(s)`);
      calls.push(
        tolerating(['InvalidPermission.NotFound'], () =>
          awsCall('ec2:RevokeSecurityGroupIngress', () =>
            ec2.revokeSecurityGroupIngress({
              GroupId: group.groupId,
              IpPermissions: revocable(group.ingress),
            }),
          ),
        ),
      );
    }
    if (group.egress.length > 0) {
      changes.push(`revoked ${group.egress.length} egress rule(s)`);
      const revoke = (rules: IpPermission[]) =>
        awsCall('ec2:RevokeSecurityGroupEgress', () =>
          ec2.revokeSecurityGroupEgress({ GroupId: group.groupId, IpPermissions: revocable(rules) }),
        );
      calls.push(
        revoke(group.egress).then(
          () => undefined,
          async (error: unknown) => {
            if (awsErrorName(error) !== 'InvalidPermission.NotFound') throw error;
            // A fresh group's rule may be absent; should the revoke have failed as a whole for it, revoke the
            // others one by one, so that none is left in place.
            if (group.fresh) {
              await Promise.all(
                group.egress.map((rule) => tolerating(['InvalidPermission.NotFound'], () => revoke([rule]))),
              );
            }
          },
        ),
      );
    }
  } else {
    const missingIngress = ALL_TRAFFIC.filter((p) => !allowsAll(group.ingress, p.IpRanges ? 'v4' : 'v6'));
    const missingEgress = ALL_TRAFFIC.filter((p) => !allowsAll(group.egress, p.IpRanges ? 'v4' : 'v6'));
    if (missingIngress.length > 0) {
      changes.push(`allowed all ingress (${missingIngress.length} rule(s))`);
      calls.push(
        tolerating(['InvalidPermission.Duplicate'], () =>
          awsCall('ec2:AuthorizeSecurityGroupIngress', () =>
            ec2.authorizeSecurityGroupIngress({
              GroupId: group.groupId,
              IpPermissions: missingIngress,
            }),
          ),
        ),
      );
    }
    if (missingEgress.length > 0) {
      changes.push(`allowed all egress (${missingEgress.length} rule(s))`);
      calls.push(
        tolerating(['InvalidPermission.Duplicate'], () =>
          awsCall('ec2:AuthorizeSecurityGroupEgress', () =>
            ec2.authorizeSecurityGroupEgress({
              GroupId: group.groupId,
              IpPermissions: missingEgress,
            }),
          ),
        ),
      );
    }
  }
  await Promise.all(calls);
  return changes.join(', ');
}

/**
 * A group this run has just created, with the rules AWS gives every new security group: no ingress rule, an egress
 * rule to all IPv4 addresses, and one to all IPv6 addresses when the VPC has an IPv6 CIDR block (Amazon VPC User
 * Guide, "Security group rules"). Where that depends on the VPC, the group is assumed to hold what makes
 * {@link convergeRules} do more: an isolation group both egress rules (revoked together; should AWS refuse the
 * call for an absent one, each is revoked on its own), a flow-cut group only the IPv4 one (the IPv6 one is added,
 * an existing one tolerated).
 */
function createdGroup(groupId: string, vpcId: string, role: CordonGroupRole): CordonGroup {
  const [ipv4] = ALL_TRAFFIC;
  return {
    groupId,
    vpcId,
    role,
    ingress: [],
    egress: role === 'isolation' ? [...ALL_TRAFFIC] : ipv4 === undefined ? [] : [ipv4],
    fresh: true,
  };
}

async function describeGroup(
  ec2: EC2,
  filters: { name: string; values: string[] }[],
): Promise<SecurityGroup> {
  const out = await awsCall('ec2:DescribeSecurityGroups', () =>
    ec2.describeSecurityGroups({
      Filters: filters.map((f) => ({ Name: f.name, Values: f.values })),
    }),
  );
  const group = out.SecurityGroups?.[0];
  if (!group)
    throw new CordonError(`security group matching ${JSON.stringify(filters)} not found after creating it`);
  return group;
}

/**
 * Create cordon's group of this role in this VPC (tagged atomically at creation), or, when a concurrent run
 * created it first, read that one. The returned group still needs {@link convergeRules}.
 */
export async function createCordonGroup(
  ec2: EC2,
  options: { prefix: string; role: CordonGroupRole; vpcId: string },
): Promise<{ group: CordonGroup; created: boolean }> {
  const name = groupName(options.prefix, options.role, options.vpcId);
  let groupId: string | undefined;
  try {
    const out = await awsCall('ec2:CreateSecurityGroup', () =>
      ec2.createSecurityGroup({
        GroupName: name,
        VpcId: options.vpcId,
        Description:
          options.role === 'isolation'
            ? 'cordon isolation: no ingress, no egress. Do not edit; cordon restores the rules.'
            : 'cordon flow cut: all traffic, so tracked flows become untracked before isolation. Do not attach.',
        TagSpecifications: [
          {
            ResourceType: 'security-group',
            Tags: [
              { Key: ROLE_TAG, Value: options.role },
              { Key: 'Name', Value: name },
            ],
          },
        ],
      }),
    );
    groupId = out.GroupId;
  } catch (error) {
    if (awsErrorName(error) !== 'InvalidGroup.Duplicate') throw error;
  }
  // Ours, tagged atomically at creation: its rules are known without reading it back (one round trip less).
  if (groupId !== undefined) {
    return { group: createdGroup(groupId, options.vpcId, options.role), created: true };
  }
  const described = await describeGroup(ec2, [
    { name: 'group-name', values: [name] },
    { name: 'vpc-id', values: [options.vpcId] },
  ]);
  const group = toCordonGroup(described);
  if (!group) {
    // A group with cordon's name but without cordon's tag: someone else's; never attach instances to it.
    throw new CordonError(
      `security group ${described.GroupId ?? name} is named like cordon's ${options.role} group but lacks the ` +
        `${ROLE_TAG}=${options.role} tag; tag it or delete it, then re-run`,
      { code: 'ISOLATION_GROUP_CONFLICT' },
    );
  }
  return { group, created: false };
}
