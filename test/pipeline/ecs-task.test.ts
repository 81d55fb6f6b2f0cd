/**
 * A GuardDuty Runtime Monitoring finding on an ECS task on Fargate end to end, against moto: the shared sample
 * event (test/events) names a task running in the emulator (its interface made in moto's EC2: see
 * test/actions/support/ecs-state.ts for the glue moto needs). In AWS the task's interface is requester-managed and
 * cannot be changed by the account; moto's is a plain one, so every EC2 client here sees `RequesterManaged: true`
 * (markAllRequesterManaged, an SDK-level rewrite of DescribeNetworkInterfaces answers). The shipped policy asks
 * for approval to stop the task (the only containment AWS allows, irreversible); once approved the worker records
 * the task and stops it without touching its interface, and a release says it cannot be restarted.
 */
import { EC2 } from '@aws-sdk/client-ec2';
import { ECS } from '@aws-sdk/client-ecs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReplay, type ReplayLine } from '../../cli/commands/replay.js';
import { approveIsolation, getIsolation, releaseIsolation } from '../../functions/lib/pipeline/service.js';
import type { Principal } from '../../functions/lib/store/model.js';
import { useMoto } from '../support/moto.js';
import {
  eniGroups,
  ecsFindingEvent,
  markAllRequesterManaged,
  seedTask,
  taskStatus,
} from '../actions/support/ecs-state.js';
import { REGION, createWorld } from './support.js';

const moto = useMoto({ resetEach: false });
const carol: Principal = { type: 'user', id: 'e5f6a7b8-carol-subject', name: 'carol' };
let undo: (() => void) | undefined;
beforeAll(() => {
  undo = markAllRequesterManaged();
});
afterAll(() => undo?.());

describe('Pipeline: a GuardDuty Runtime Monitoring finding on an ECS task', () => {
  it('waits for approval, stops the task without touching its interface, and release says it cannot restart', async () => {
    // Prepare
    const world = await createWorld(moto);
    const config = moto.clientConfig(REGION);
    const ec2 = new EC2(config);
    const ecs = new ECS(config);
    const task = await seedTask(ec2, ecs);
    const original = await eniGroups(ec2, task.eniId);

    // Act
    const dispatched = await world.dispatch(ecsFindingEvent(task));
    const delivery = dispatched.deliveries[0];
    const outcome = delivery?.target === 'triage' ? delivery.result.findings[0] : undefined;
    const id = outcome?.actions[0]?.isolationId ?? '';
    await world.worker.drain();
    const pending = await getIsolation(world.deps, id);
    const statusWhilePending = await taskStatus(ecs, task);
    await approveIsolation(world.deps, id, carol);
    await world.worker.drain();
    const isolated = await getIsolation(world.deps, id);
    const groupsAfter = await eniGroups(ec2, task.eniId);
    const statusAfter = await taskStatus(ecs, task);
    await releaseIsolation(world.deps, id, carol, 'image rebuilt, task replaced');
    await world.worker.drain();
    const released = await getIsolation(world.deps, id);

    // Assess
    expect(outcome).toMatchObject({
      rule: 'runtime-crypto-mining-or-backdoor-in-ecs-task',
      mode: 'approval',
    });
    expect(pending.status).toBe('PENDING_APPROVAL');
    expect(statusWhilePending).toBe('RUNNING');
    expect(isolated.status).toBe('ISOLATED');
    expect(isolated.resource).toMatchObject({ type: 'ecs-task', id: task.taskId, cluster: task.cluster });
    expect(JSON.stringify(isolated)).toMatch(/contained by stopping it: its interface was not changed/);
    expect(groupsAfter).toEqual(original);
    expect(statusAfter).toBe('STOPPED');
    expect(released.status).toBe('RELEASED');
    expect(JSON.stringify(released)).toMatch(
      /cannot be restarted; its service, if any, starts a replacement/,
    );
    expect(await eniGroups(ec2, task.eniId)).toEqual(original);
  });

  it('cordon replay of the event asks for approval and changes nothing', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-ecs-'));
    const config = moto.clientConfig(REGION);
    const ec2 = new EC2(config);
    const ecs = new ECS(config);
    const task = await seedTask(ec2, ecs);
    const original = await eniGroups(ec2, task.eniId);
    const file = join(dir, 'event.json');
    writeFileSync(file, JSON.stringify(ecsFindingEvent(task)));
    const out: string[] = [];
    const err: string[] = [];

    // Act
    const code = await runReplay(
      [file],
      {
        endpoint: moto.endpoint,
        region: REGION,
        rules: 'rules',
        table: `replay-${Math.random().toString(16).slice(2)}`,
        memberRole: 'cordon-member',
        outbox: join(dir, 'outbox.jsonl'),
        json: true,
      },
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );

    // Assess
    expect(code).toBe(0);
    const line = JSON.parse(out[0] ?? '{}') as ReplayLine;
    expect(line).toMatchObject({
      reached: true,
      decision: { rule: 'runtime-crypto-mining-or-backdoor-in-ecs-task', mode: 'approval' },
    });
    expect(await eniGroups(ec2, task.eniId)).toEqual(original);
    expect(await taskStatus(ecs, task)).toBe('RUNNING');
  });
});
