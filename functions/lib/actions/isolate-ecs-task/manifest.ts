/**
 * The manifest of `isolate-ecs-task`: cut an ECS task (awsvpc network mode) off the network by swapping its
 * network interface's security groups for cordon's isolation group, and optionally stop it. Side-effect free:
 * see actions/manifest.ts.
 */
import * as z from 'zod';
import { defineActionManifest } from '../manifest.js';
import { ECS_TASK } from '../../resources/ecs-task.js';
import { ISOLATE_ECS_TASK_SCOPING } from '../iam-scopes.js';

const params = z
  .object({
    /**
     * Stop the task after its network is isolated and its description recorded. Irreversible: a stopped task
     * cannot be restarted (its service, if any, starts a new one), and its memory and processes are lost.
     */
    stopTask: z
      .boolean()
      .default(false)
      .describe(
        'Stop the task after isolating it (its description is recorded first); irreversible: release cannot restart it',
      ),
  })
  .strict();

export const isolateEcsTaskManifest = defineActionManifest({
  name: 'isolate-ecs-task',
  description:
    "Swap the security groups of an ECS task's network interface (awsvpc mode) for an isolation group with no rules, optionally stopping the task; release restores the exact groups of a task still running.",
  resourceType: ECS_TASK,
  params,
  irreversibleParams: ['stopTask'],
  permissions: [
    'ecs:DescribeTasks',
    'ecs:StopTask',
    'ec2:DescribeNetworkInterfaces',
    'ec2:ModifyNetworkInterfaceAttribute',
    'ec2:DescribeSecurityGroups',
    'ec2:CreateSecurityGroup',
    'ec2:CreateTags',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:RevokeSecurityGroupEgress',
  ],
  scoping: ISOLATE_ECS_TASK_SCOPING,
});
