/** Permission meta-test scenarios of `isolate-ec2-instance`, together covering every optional path. */
import type { Resource } from '../../../functions/lib/findings/model.js';
import { AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { loadAction } from '../../../functions/lib/actions/registry.js';
import {
  createAutoScalingGroup,
  createClassicLoadBalancer,
  createIpTargetGroup,
  createNetwork,
  createProfile,
  createTargetGroup,
  instanceResource,
  launchInstance,
  readCordonGroups,
  readInstance,
} from '../isolate-ec2-instance.world.js';
import type { Scenario } from './scenario.js';
import { EC2_TYPE, guardDutyEvent } from '../../../bench/lib/scenario.js';
import { launchInstance as launchPipelineInstance } from '../../pipeline/support.js';
import type { ActionSubject } from '../../resilience/subject.js';

export const action = 'isolate-ec2-instance';

export const scenarios: Scenario[] = [
  {
    label: 'two interfaces, instance profile, target group, first isolation in a new VPC',
    params: {
      cutTrackedFlows: true,
      deregisterTargets: true,
      removeInstanceProfile: true,
      revokeRoleSessions: true,
      snapshotVolumes: true,
      disableMetadataService: true,
    },
    async seed(ctx) {
      const network = await createNetwork(ctx.clients);
      const { profileArn } = await createProfile(ctx.clients);
      const { instanceId } = await launchInstance(ctx.clients, network, {
        secondInterface: true,
        profileArn,
      });
      await createTargetGroup(ctx.clients, network, instanceId);
      return instanceResource(instanceId);
    },
  },
  {
    label: 'registered in an IP-type target group and a Classic Load Balancer',
    params: { deregisterTargets: true },
    async seed(ctx) {
      const network = await createNetwork(ctx.clients);
      const { instanceId } = await launchInstance(ctx.clients, network);
      const { privateIp } = await readInstance(ctx.clients, instanceId);
      await createIpTargetGroup(ctx.clients, network, privateIp);
      await createClassicLoadBalancer(ctx.clients, network, instanceId);
      return instanceResource(instanceId);
    },
  },
  {
    label: 'an existing VPC whose isolation group was tampered with (cordon repairs it)',
    params: {},
    async seed(ctx) {
      const network = await createNetwork(ctx.clients);
      const first = await launchInstance(ctx.clients, network);
      const second = await launchInstance(ctx.clients, network);
      const isolateFirst = await loadAction('isolate-ec2-instance');
      await isolateFirst.apply(ctx, instanceResource(first.instanceId), isolateFirst.params.parse({}));
      const isolation = (await readCordonGroups(ctx.clients, network.vpcId)).find(
        (g) => g.role === 'isolation',
      );
      await ctx.clients.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: isolation?.groupId,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          ],
        }),
      );
      return instanceResource(second.instanceId);
    },
  },
  {
    label: 'Auto Scaling instance moved to Standby, desired capacity restored on release',
    params: { autoScaling: 'standby', restoreDesiredCapacity: true },
    async seed(ctx) {
      const network = await createNetwork(ctx.clients);
      return instanceResource((await createAutoScalingGroup(ctx.clients, network)).instanceId);
    },
  },
  {
    label: 'Auto Scaling instance detached',
    params: { autoScaling: 'detach' },
    async seed(ctx) {
      const network = await createNetwork(ctx.clients);
      return instanceResource((await createAutoScalingGroup(ctx.clients, network)).instanceId);
    },
  },
];

/** The resilience suite's subject: an instance and a GuardDuty backdoor finding about it. */
export const subject: ActionSubject = {
  action,
  async create(world) {
    const { instanceId } = await launchPipelineInstance(world.ec2);
    return {
      event: guardDutyEvent({ kind: 'instance', instanceId }, { type: EC2_TYPE }),
      resourceId: instanceId,
    };
  },
};

/** A resource of the action's type, built offline (the runner's refusal tests make no AWS call). */
export const sample: Resource = {
  type: 'ec2-instance',
  id: 'i-0123456789abcdef0',
  networkInterfaces: [],
  securityGroupIds: [],
  accountId: '111122223333',
  region: 'us-east-1',
  tags: {},
};
