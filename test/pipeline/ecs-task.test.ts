/**
 * A GuardDuty Runtime Monitoring finding on an ECS task on Fargate end to end, against moto: the shared sample
 * event (test/events) names a task running in the emulator (its interface made in moto's EC2: see
 * test/actions/support/ecs-state.ts for the one piece of glue moto needs). The shipped policy contains a
 * crypto-miner at High automatically; the worker swaps the interface's groups for the isolation group, and a
 * release puts back exactly the groups it had. `cordon replay` does the same from the event file.
 */
import { EC2 } from '@aws-sdk/client-ec2';
import { ECS } from '@aws-sdk/client-ecs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReplay, type ReplayLine } from '../../cli/commands/replay.js';
import { getIsolation, releaseIsolation } from '../../functions/lib/pipeline/service.js';
import type { Principal } from '../../functions/lib/store/model.js';
import { useMoto } from '../support/moto.js';
import { eniGroups, ecsFindingEvent, seedTask, taskStatus } from '../actions/support/ecs-state.js';
import { groupRules } from '../actions/support/rds-state.js';
import { REGION, createWorld } from './support.js';

const moto = useMoto({ resetEach: false });
const carol: Principal = { type: 'user', id: 'e5f6a7b8-carol-subject', name: 'carol' };

describe('Pipeline: a GuardDuty Runtime Monitoring finding on an ECS task', () => {
  it('isolates the task interface automatically, and release restores its exact groups', async () => {
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
    const isolated = await getIsolation(world.deps, id);
    const contained = await eniGroups(ec2, task.eniId);
    const isolationRules = await groupRules(ec2, contained?.[0] ?? '');
    await releaseIsolation(world.deps, id, carol, 'image rebuilt, task replaced');
    await world.worker.drain();
    const released = await getIsolation(world.deps, id);
    const restored = await eniGroups(ec2, task.eniId);

    // Assess
    expect(outcome).toMatchObject({ rule: 'runtime-crypto-mining-or-backdoor-in-ecs-task', mode: 'auto' });
    expect(isolated.status).toBe('ISOLATED');
    expect(isolated.resource).toMatchObject({ type: 'ecs-task', id: task.taskId, cluster: task.cluster });
    expect(contained).toHaveLength(1);
    expect(task.groupIds).not.toContain(contained?.[0]);
    expect(isolationRules).toEqual({ ingress: 0, egress: 0 });
    expect(await taskStatus(ecs, task)).toBe('RUNNING');
    expect(released.status).toBe('RELEASED');
    expect(restored).toEqual(original);
  });

  it('cordon replay of the event ends ISOLATED', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-replay-ecs-'));
    const config = moto.clientConfig(REGION);
    const ec2 = new EC2(config);
    const task = await seedTask(ec2, new ECS(config));
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
      decision: { rule: 'runtime-crypto-mining-or-backdoor-in-ecs-task', mode: 'auto' },
      isolation: { status: 'ISOLATED' },
    });
    expect(line.isolation?.steps).toContainEqual({ name: 'isolate-interfaces', status: 'done' });
    const groups = await eniGroups(ec2, task.eniId);
    expect(groups).toHaveLength(1);
    expect(task.groupIds).not.toContain(groups?.[0]);
  });
});
