/** Permission meta-test scenarios of `isolate-ecs-task`, together covering every optional path. */
import type { Resource } from '../../../functions/lib/findings/model.js';
import { EC2 } from '@aws-sdk/client-ec2';
import { ECS } from '@aws-sdk/client-ecs';
import { ROLE_TAG } from '../../../functions/lib/actions/iam-scopes.js';
import { ecsFindingEvent, seedTask, taskResource } from '../support/ecs-state.js';
import type { ActionSubject } from '../../resilience/subject.js';
import type { Scenario } from './scenario.js';

export const action = 'isolate-ecs-task';

export const scenarios: Scenario[] = [
  {
    label: 'running task, new isolation group (group swap each way)',
    params: {},
    async seed(ctx) {
      return taskResource(await seedTask(ctx.clients.ec2, ctx.clients.ecs, { tags: { team: 'web' } }));
    },
  },
  {
    label: 'task stopped after isolation, in a VPC with a tampered isolation group (rules revoked)',
    params: { stopTask: true },
    async seed(ctx) {
      const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs);
      const tampered = await ctx.clients.ec2.createSecurityGroup({
        GroupName: `cordon-isolation-${task.vpcId}`,
        Description: 'tampered',
        VpcId: task.vpcId,
        TagSpecifications: [
          { ResourceType: 'security-group', Tags: [{ Key: ROLE_TAG, Value: 'isolation' }] },
        ],
      });
      await ctx.clients.ec2.authorizeSecurityGroupIngress({
        GroupId: tampered.GroupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        ],
      });
      return taskResource(task);
    },
  },
];

/** The resilience suite's subject: a running task with its own interface, and the shared ECS finding about it. */
export const subject: ActionSubject = {
  action,
  rule: { type: 'Impact:Runtime/CryptoMinerExecuted', resourceType: 'ecs-task' },
  async create(world) {
    const task = await seedTask(new EC2(world.setupConfig), new ECS(world.setupConfig));
    return { event: ecsFindingEvent(task), resourceId: task.taskId };
  },
};

/** A resource of the action's type, built offline (the runner's refusal tests make no AWS call). */
export const sample: Resource = {
  type: 'ecs-task',
  id: '0123456789abcdef0123456789abcdef',
  accountId: '111122223333',
  region: 'us-east-1',
  tags: {},
  cluster: 'web',
};
