/**
 * The manifest of `isolate-ec2-instance`: cut an EC2 instance off the network, keep its evidence, reversibly. Side-effect free: see actions/manifest.ts.
 */
import * as z from 'zod';
import { defineActionManifest } from '../manifest.js';
import { EC2_INSTANCE } from '../../resources/ec2-instance.js';
import { ISOLATE_EC2_INSTANCE_SCOPING } from '../iam-scopes.js';

export const paramsSchema = z
  .object({
    /**
     * Move interfaces through an allow-all group first so that open flows become untracked and are interrupted by
     * the swap to isolation (AWS never interrupts tracked flows on a group change; always-tracked paths stay).
     */
    cutTrackedFlows: z
      .boolean()
      .default(true)
      .describe('Pass the interfaces through an allow-all group first so that open connections are cut'),
    /** Keep the Auto Scaling group from terminating the evidence; capacity is never decremented. */
    autoScaling: z
      .enum(['standby', 'detach', 'none'])
      .default('standby')
      .describe('Keep the Auto Scaling group from replacing or terminating the instance (capacity is kept)'),
    deregisterTargets: z
      .boolean()
      .default(true)
      .describe('Take the instance out of its load balancers (restored on release)'),
    removeInstanceProfile: z
      .boolean()
      .default(false)
      .describe('Detach the instance profile (restored on release)'),
    revokeRoleSessions: z
      .boolean()
      .default(false)
      .describe(
        "Deny every session of the instance's role issued before now: other users of the role lose theirs too",
      ),
    snapshotVolumes: z.boolean().default(true).describe('Snapshot the EBS volumes as evidence'),
    /**
     * On release, set the group's desired capacity back to what it was before the instance returned (AWS adds one
     * when an instance leaves Standby or is re-attached); the group then terminates one instance by its own
     * termination policy. Off by default: cordon does not choose to terminate instances unless asked.
     */
    restoreDesiredCapacity: z
      .boolean()
      .default(false)
      .describe('On release, set the group’s desired capacity back (the group then terminates one instance)'),
    /**
     * Turn the instance metadata endpoint off (`HttpEndpoint=disabled`), restored on release. Security groups
     * never filter 169.254.169.254, so without this the instance can still fetch role credentials.
     */
    disableMetadataService: z
      .boolean()
      .default(false)
      .describe('Turn the instance metadata endpoint off (restored on release)'),
  })
  .strict();
export type Params = z.output<typeof paramsSchema>;

export const isolateEc2InstanceManifest = defineActionManifest({
  name: 'isolate-ec2-instance',
  description:
    "Isolate an EC2 instance's network per interface (interrupting open flows where AWS allows it), keep its evidence, and make it reversible.",
  resourceType: EC2_INSTANCE,
  params: paramsSchema,
  permissions: [
    'autoscaling:AttachInstances',
    'autoscaling:DescribeAutoScalingInstances',
    'autoscaling:DetachInstances',
    'autoscaling:EnterStandby',
    'autoscaling:ExitStandby',
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:SetDesiredCapacity',
    'autoscaling:SetInstanceProtection',
    'ec2:AssociateIamInstanceProfile',
    'ec2:AuthorizeSecurityGroupEgress',
    'ec2:AuthorizeSecurityGroupIngress',
    'ec2:CreateSecurityGroup',
    'ec2:CreateSnapshots',
    'ec2:CreateTags',
    'ec2:DeleteTags',
    'ec2:DescribeIamInstanceProfileAssociations',
    'ec2:DescribeInstanceAttribute',
    'ec2:DescribeInstances',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSnapshots',
    'ec2:DisassociateIamInstanceProfile',
    'ec2:ModifyInstanceAttribute',
    'ec2:ModifyInstanceMetadataOptions',
    'ec2:ModifyNetworkInterfaceAttribute',
    'ec2:RevokeSecurityGroupEgress',
    'ec2:RevokeSecurityGroupIngress',
    'elasticloadbalancing:DeregisterInstancesFromLoadBalancer',
    'elasticloadbalancing:DeregisterTargets',
    'elasticloadbalancing:DescribeLoadBalancers',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetHealth',
    'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
    'elasticloadbalancing:RegisterTargets',
    'iam:DeleteRolePolicy',
    'iam:GetInstanceProfile',
    'iam:GetRolePolicy',
    'iam:ListInstanceProfilesForRole',
    // Not a command of its own: AWS checks it when release calls AssociateIamInstanceProfile.
    'iam:PassRole',
    'iam:PutRolePolicy',
  ],
  scoping: ISOLATE_EC2_INSTANCE_SCOPING,
});
