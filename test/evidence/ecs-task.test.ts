/**
 * The evidence collector of the ECS task kind against moto: the task's description now and its task definition,
 * exactly the declared member-role reads, and a task ECS has forgotten, whose definition comes from the record.
 */
import { describe, expect, it } from 'vitest';
import { KIND_EVIDENCE } from '../../functions/lib/evidence/kinds.js';
import { useMoto } from '../support/moto.js';
import { testMemberClients } from '../support/member-clients.js';
import { motoActionContext } from '../actions/support/action-context.js';
import { seedTask, taskResource } from '../actions/support/ecs-state.js';
import { collect, containedRecord } from './support.js';

const moto = useMoto({ resetEach: false });

describe('Evidence: ECS task collector', () => {
  it('stores the task description and its task definition, through the declared reads only', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const seed = testMemberClients(moto.clientConfig('us-east-1'));
    const task = await seedTask(seed.ec2, seed.ecs, { tags: { team: 'web' } });
    const record = containedRecord(taskResource(task));

    // Act
    const { manifest, read } = await collect(test, record);

    // Assess
    expect([...test.recorder.iamActions()].sort()).toEqual(
      [...(KIND_EVIDENCE.find((k) => k.type === 'ecs-task')?.permissions ?? [])].sort(),
    );
    expect(manifest.artifacts.map((a) => [a.name, a.status])).toEqual([
      ['finding.json', 'collected'],
      ['decision.json', 'collected'],
      ['ecs/task.json', 'collected'],
      ['ecs/task-definition.json', 'collected'],
    ]);
    expect(read('ecs/task.json')).toMatchObject({
      tasks: [{ taskArn: task.taskArn, tags: [{ key: 'team', value: 'web' }] }],
    });
    expect(read('ecs/task-definition.json')).toMatchObject({
      taskDefinition: { family: task.cluster, containerDefinitions: [{ name: 'app' }] },
    });
  });

  it('a task ECS no longer lists: its definition is read from the recorded description', async () => {
    // Prepare: a task id ECS never ran, and the description isolate-ecs-task would have recorded.
    const test = motoActionContext(moto);
    const seed = testMemberClients(moto.clientConfig('us-east-1'));
    const task = await seedTask(seed.ec2, seed.ecs);
    const described = await seed.ecs.describeTasks({ cluster: task.cluster, tasks: [task.taskArn] });
    const definition = described.tasks?.[0]?.taskDefinitionArn ?? '';
    const forgotten = { cluster: task.cluster, taskId: 'fedcba9876543210fedcba9876543210' };
    const record = containedRecord(taskResource(forgotten), {
      before: {
        taskDescription: {
          taskArn: 'arn:forgotten',
          taskDefinitionArn: definition,
          containers: [],
          attachments: [],
        },
      },
    });

    // Act
    const { read } = await collect(test, record);

    // Assess
    expect(read('ecs/task.json')).toMatchObject({ tasks: [] });
    expect(read('ecs/task-definition.json')).toMatchObject({
      taskDefinition: { taskDefinitionArn: definition },
    });
  });
});
