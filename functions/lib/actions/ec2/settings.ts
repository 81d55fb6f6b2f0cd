/**
 * Reads of the instance's settings that isolation changes off the critical path: termination protection and
 * shutdown behaviour, Auto Scaling membership, ELBv2 target registrations and the instance-profile
 * association. Each returns the live state; the action records the first capture as before-state.
 */
import type { EC2 } from '@aws-sdk/client-ec2';
import type { AutoScaling } from '@aws-sdk/client-auto-scaling';
import type { ElasticLoadBalancingV2 } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CordonError } from '../../errors.js';
import { awsCall, awsErrorName } from '../steps.js';

export interface TerminationSettings {
  disableApiTermination: boolean;
  shutdownBehavior: string;
}

export interface AutoScalingMembership {
  member: boolean;
  groupName?: string;
  lifecycleState?: string;
}

export interface TargetRegistration {
  targetGroupArn: string;
  port?: number;
}

export interface ProfileAssociation {
  associated: boolean;
  profileArn?: string;
  associationId?: string;
}

/** Both attributes, read in parallel (one attribute per DescribeInstanceAttribute call). */
export async function readTerminationSettings(ec2: EC2, instanceId: string): Promise<TerminationSettings> {
  const [termination, shutdown] = await Promise.all([
    awsCall('ec2:DescribeInstanceAttribute', () =>
      ec2.describeInstanceAttribute({ InstanceId: instanceId, Attribute: 'disableApiTermination' }),
    ),
    awsCall('ec2:DescribeInstanceAttribute', () =>
      ec2.describeInstanceAttribute({
        InstanceId: instanceId,
        Attribute: 'instanceInitiatedShutdownBehavior',
      }),
    ),
  ]);
  return {
    disableApiTermination: termination.DisableApiTermination?.Value ?? false,
    shutdownBehavior: shutdown.InstanceInitiatedShutdownBehavior?.Value ?? 'stop',
  };
}

/** The instance's Auto Scaling group and lifecycle state, or `member: false`. */
export async function readAutoScaling(
  autoScaling: AutoScaling,
  instanceId: string,
): Promise<AutoScalingMembership> {
  const out = await awsCall('autoscaling:DescribeAutoScalingInstances', () =>
    autoScaling.describeAutoScalingInstances({ InstanceIds: [instanceId] }),
  );
  const found = out.AutoScalingInstances?.find((i) => i.InstanceId === instanceId);
  if (!found?.AutoScalingGroupName) return { member: false };
  return { member: true, groupName: found.AutoScalingGroupName, lifecycleState: found.LifecycleState };
}

/**
 * The desired capacity of an Auto Scaling group.
 * @throws CordonError when the group no longer exists
 */
export async function readDesiredCapacity(autoScaling: AutoScaling, groupName: string): Promise<number> {
  const out = await awsCall('autoscaling:DescribeAutoScalingGroups', () =>
    autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: [groupName] }),
  );
  const desired = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === groupName)?.DesiredCapacity;
  if (desired === undefined) throw new CordonError(`Auto Scaling group ${groupName} no longer exists`);
  return desired;
}

/** Target states in which the instance is (being) taken out of a target group already. */
const NOT_SERVING = new Set(['draining', 'unused']);

/** The instance's live registrations (instance-type target groups in its VPCs), draining ones excluded. */
export async function readTargetRegistrations(
  elbv2: ElasticLoadBalancingV2,
  instanceId: string,
  vpcIds: readonly string[],
): Promise<TargetRegistration[]> {
  const arns: string[] = [];
  let marker: string | undefined;
  do {
    const page = await awsCall('elasticloadbalancing:DescribeTargetGroups', () =>
      elbv2.describeTargetGroups({ Marker: marker }),
    );
    for (const group of page.TargetGroups ?? []) {
      if (
        group.TargetGroupArn &&
        group.TargetType === 'instance' &&
        group.VpcId &&
        vpcIds.includes(group.VpcId)
      ) {
        arns.push(group.TargetGroupArn);
      }
    }
    marker = page.NextMarker;
  } while (marker);
  const perGroup = await Promise.all(arns.map((arn) => registrationsIn(elbv2, arn, instanceId)));
  return perGroup.flat();
}

/** Registrations of the instance in one target group; a group deleted meanwhile has none. */
export async function registrationsIn(
  elbv2: ElasticLoadBalancingV2,
  targetGroupArn: string,
  instanceId: string,
): Promise<TargetRegistration[]> {
  try {
    const health = await awsCall('elasticloadbalancing:DescribeTargetHealth', () =>
      elbv2.describeTargetHealth({ TargetGroupArn: targetGroupArn }),
    );
    return (health.TargetHealthDescriptions ?? [])
      .filter((d) => d.Target?.Id === instanceId && !NOT_SERVING.has(d.TargetHealth?.State ?? ''))
      .map((d) => ({ targetGroupArn, port: d.Target?.Port }));
  } catch (error) {
    if (
      awsErrorName(error) === 'TargetGroupNotFound' ||
      awsErrorName(error) === 'TargetGroupNotFoundException'
    ) {
      return [];
    }
    throw error;
  }
}

/** The instance's live instance-profile association (associating or associated), if any. */
export async function readProfileAssociation(ec2: EC2, instanceId: string): Promise<ProfileAssociation> {
  const out = await awsCall('ec2:DescribeIamInstanceProfileAssociations', () =>
    ec2.describeIamInstanceProfileAssociations({
      Filters: [
        { Name: 'instance-id', Values: [instanceId] },
        { Name: 'state', Values: ['associating', 'associated'] },
      ],
    }),
  );
  const association = out.IamInstanceProfileAssociations?.find(
    (a) => a.InstanceId === instanceId && (a.State === 'associated' || a.State === 'associating'),
  );
  if (!association?.IamInstanceProfile?.Arn) return { associated: false };
  return {
    associated: true,
    profileArn: association.IamInstanceProfile.Arn,
    associationId: association.AssociationId,
  };
}

/** Instance ids whose profile is one of `profileArns`, except `exceptInstanceId` (blast radius). */
export async function instancesUsingProfiles(
  ec2: EC2,
  profileArns: readonly string[],
  exceptInstanceId: string,
): Promise<string[]> {
  const ids = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await awsCall('ec2:DescribeIamInstanceProfileAssociations', () =>
      ec2.describeIamInstanceProfileAssociations({ NextToken: nextToken }),
    );
    for (const association of page.IamInstanceProfileAssociations ?? []) {
      const arn = association.IamInstanceProfile?.Arn;
      const state = association.State;
      if (
        association.InstanceId &&
        association.InstanceId !== exceptInstanceId &&
        arn &&
        profileArns.includes(arn) &&
        (state === 'associated' || state === 'associating')
      ) {
        ids.add(association.InstanceId);
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return [...ids].sort();
}
