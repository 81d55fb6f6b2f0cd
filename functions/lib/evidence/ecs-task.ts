/**
 * Evidence of an ECS task: its description now (DescribeTasks with its tags: containers with their image digests
 * and runtime ids, attachments, status, stop reason) and its task definition (DescribeTaskDefinition: images,
 * command, environment, task and execution roles). Read after containment through the member role; the task's
 * description before any change is in the before-state (`decision.json`), so it is kept even when the task was
 * stopped (stopTask) and ECS has forgotten it.
 */
import { ECS_TASK } from '../resources/ecs-task.js';
import type { EcsTaskResource } from '../findings/model.js';
import { ECS_TASKS } from '../actions/iam-scopes.js';
import { recordedEcs } from '../actions/isolate-ecs-task/before.js';
import { defineKindEvidence, withoutMetadata } from './collector.js';

export const ecsTaskEvidence = defineKindEvidence<EcsTaskResource>({
  type: ECS_TASK,
  permissions: ['ecs:DescribeTasks', 'ecs:DescribeTaskDefinition'],
  scoping: {
    'ecs:DescribeTasks': [ECS_TASKS],
    'ecs:DescribeTaskDefinition': [
      {
        sid: 'ReadEcsTaskDefinitions',
        resources: ['*'],
        why: 'ecs:DescribeTaskDefinition has no resource type, so IAM accepts only "*"; evidence reads the definition of the contained task.',
      },
    ],
  },
  steps: [
    {
      name: 'ecs/task.json',
      collect: async (ctx, task) =>
        withoutMetadata(
          await ctx.call('ecs:DescribeTasks', () =>
            ctx.clients.ecs.describeTasks({ cluster: task.cluster, tasks: [task.id], include: ['TAGS'] }),
          ),
        ),
    },
    {
      name: 'ecs/task-definition.json',
      // The definition the task runs: ECS's answer now, else the recorded description's, else the finding's. A
      // task ECS has forgotten, with none recorded, has none: the artifact says so and makes no call.
      collect: async (ctx, task) => {
        const described = await ctx.call('ecs:DescribeTasks', () =>
          ctx.clients.ecs.describeTasks({ cluster: task.cluster, tasks: [task.id] }),
        );
        const definition =
          described.tasks?.[0]?.taskDefinitionArn ??
          recordedEcs(ctx.before).taskDescription?.taskDefinitionArn ??
          task.taskDefinitionArn;
        if (definition === undefined) return { taskDefinitionArn: null };
        return withoutMetadata(
          await ctx.call('ecs:DescribeTaskDefinition', () =>
            ctx.clients.ecs.describeTaskDefinition({ taskDefinition: definition }),
          ),
        );
      },
    },
  ],
});
