/**
 * The manifest of `isolate-ecs-task`: contain an ECS task (awsvpc network mode). AWS does not let an account change
 * the ECS-managed (requester-managed) interface of a real task, so containment is stopping it (stopTask); the group
 * swap runs only for an interface that is not requester-managed. Side-effect free: see actions/manifest.ts.
 */
import * as z from 'zod';
import { defineActionManifest } from '../manifest.js';
import { ECS_TASK } from '../../resources/ecs-task.js';
import { ISOLATE_ECS_TASK_SCOPING } from '../iam-scopes.js';

const params = z
  .object({
    /**
     * Stop the task once its description is recorded: the only containment of an ECS-managed interface (without
     * it such a task is refused, unchanged). Irreversible: a stopped task cannot be restarted (its service, if any,
     * starts a new one), and its memory and processes are lost.
     */
    stopTask: z
      .boolean()
      .default(false)
      .describe(
        'Stop the task (its description is recorded first); required for a real ECS task, whose interface AWS does not let accounts change; irreversible: release cannot restart it',
      ),
  })
  .strict();

export const isolateEcsTaskManifest = defineActionManifest({
  name: 'isolate-ecs-task',
  description:
    "Contain an ECS task (awsvpc mode): AWS does not let accounts change a task's ECS-managed interface, so with stopTask the task is stopped after its description is recorded, and without it the action fails unchanged; an interface that is not requester-managed has its groups swapped for an isolation group with no rules.",
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
