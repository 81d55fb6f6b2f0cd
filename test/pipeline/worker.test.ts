import { describe, expect, it } from 'vitest';
import { useMoto } from '../support/moto.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { expireAndSweep } from '../../functions/lib/pipeline/expire.js';
import { getIsolation, releaseIsolation, retryIsolation } from '../../functions/lib/pipeline/service.js';
import { runWorker } from '../../functions/lib/pipeline/worker.js';
import { CordonError } from '../../functions/lib/errors.js';
import { createWorld, guardDutyEvent, interfaceGroups, launchInstance } from './support.js';

const moto = useMoto({ resetEach: false });
const operator = { type: 'user' as const, id: 'sub-op', name: 'operator' };

describe('Pipeline: the isolation worker', () => {
  it('ends FAILED with the cause when progress cannot be saved, and a retry completes the isolation', async () => {
    // Prepare: progress writes fail from the second on, as if the table became unreachable mid-run (a write made in
    // the background is retried by the next change: that one fails too)
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const save = world.store.saveRunProgress.bind(world.store);
    let saves = 0;
    let unreachable = true;
    world.store.saveRunProgress = async (...args) => {
      saves += 1;
      if (saves >= 2 && unreachable)
        throw new CordonError('injected: table unreachable', { code: 'INJECTED' });
      return save(...args);
    };

    // Act
    const result = await triageEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));
    await world.worker.drain();
    const id = result.findings[0]?.actions[0]?.isolationId ?? '';
    const failed = await getIsolation(world.deps, id);
    unreachable = false;
    await retryIsolation(world.deps, id, operator);
    const runs = await world.worker.drain();

    // Assess
    expect(failed.status).toBe('FAILED');
    // The change that waited for the write was not sent: its step fails with the write's error.
    expect(failed.failure).toMatchObject({ message: /table unreachable/ });
    expect(runs).toEqual([expect.objectContaining({ outcome: 'isolated' })]);
    const record = await getIsolation(world.deps, id);
    expect(record.status).toBe('ISOLATED');
    expect(record.failure).toBeUndefined();
    expect(record.audit.map((a) => a.to)).toEqual([
      'APPROVED',
      'IN_PROGRESS',
      'FAILED',
      'IN_PROGRESS',
      'ISOLATED',
    ]);
    expect(record.audit[3]?.note).toBe('retry');
    expect(await interfaceGroups(world.ec2, instance.instanceId)).not.toContain(instance.groupId);
  });

  it('does not run a record another worker holds, and the sweep takes it over once the lease expires', async () => {
    // Prepare: a worker claimed the record and died (its lease is still running)
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const dead = { ...world.deps, startWorker: async () => undefined };
    const result = await triageEvent(dead, guardDutyEvent(instance.instanceId, { severity: 8 }));
    const id = result.findings[0]?.actions[0]?.isolationId ?? '';
    const leaseExpiresAt = new Date(world.clock.now().getTime() + 900_000).toISOString();
    await world.store.transition(id, {
      from: ['APPROVED'],
      to: 'IN_PROGRESS',
      by: { type: 'system', id: 'dead-worker', name: 'dead worker' },
      set: { leaseExpiresAt },
      at: world.clock.now().toISOString(),
    });

    // Act
    const early = await runWorker(world.deps, { kind: 'apply', id });
    const sweepEarly = await expireAndSweep(world.deps);
    world.clock.advance(16 * 60_000);
    const sweepLate = await expireAndSweep(world.deps);
    const runs = await world.worker.drain();

    // Assess
    expect(early.outcome).toBe('not-claimed');
    expect(sweepEarly.restarted).toEqual([]);
    expect(sweepLate.restarted).toEqual([id]);
    expect(runs).toEqual([expect.objectContaining({ outcome: 'isolated' })]);
    const record = await getIsolation(world.deps, id);
    expect(record.status).toBe('ISOLATED');
    expect(record.audit.map((a) => a.note)).toContain('resumed after an expired lease');
  });

  it('restarts an approved request whose worker never started', async () => {
    // Prepare: the async invoke was lost
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const lost = { ...world.deps, startWorker: async () => undefined };
    const result = await triageEvent(lost, guardDutyEvent(instance.instanceId, { severity: 8 }));
    const id = result.findings[0]?.actions[0]?.isolationId ?? '';

    // Act
    world.clock.advance(6 * 60_000);
    const sweep = await expireAndSweep(world.deps);
    await world.worker.drain();

    // Assess
    expect(sweep.restarted).toEqual([id]);
    expect((await getIsolation(world.deps, id)).status).toBe('ISOLATED');
  });

  it('ignores a second delivery of the same worker job', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const result = await triageEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));
    await world.worker.drain();
    const id = result.findings[0]?.actions[0]?.isolationId ?? '';

    // Act
    const again = await runWorker(world.deps, { kind: 'apply', id });

    // Assess
    expect(again.outcome).toBe('not-claimed');
    expect((await getIsolation(world.deps, id)).audit.map((a) => a.to)).toEqual([
      'APPROVED',
      'IN_PROGRESS',
      'ISOLATED',
    ]);
  });

  it('a failed release is RELEASE_FAILED, keeps the lock, and can be released again', async () => {
    // Prepare: isolate, then lose access to the member account for the first release
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const result = await triageEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));
    await world.worker.drain();
    const id = result.findings[0]?.actions[0]?.isolationId ?? '';
    const memberClients = world.deps.memberClients;
    let denied = true;
    world.deps.memberClients = async (...args) => {
      if (denied) throw new CordonError('AssumeRole denied', { code: 'ASSUME_ROLE_DENIED' });
      return memberClients(...args);
    };

    // Act
    await releaseIsolation(world.deps, id, operator, 'owner confirmed the instance is clean');
    await world.worker.drain();
    const failed = await getIsolation(world.deps, id);
    const locksWhileFailed = await world.store.findActiveByResource(failed.resourceKey);
    denied = false;
    await releaseIsolation(world.deps, id, operator, 'second attempt after fixing the role');
    await world.worker.drain();

    // Assess
    expect(failed.status).toBe('RELEASE_FAILED');
    expect(failed.failure).toMatchObject({ code: 'ASSUME_ROLE_DENIED' });
    expect(locksWhileFailed).toEqual([expect.objectContaining({ id })]);
    const released = await getIsolation(world.deps, id);
    expect(released.status).toBe('RELEASED');
    expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual([instance.groupId]);
    expect((await world.notifications()).map((n) => n.attributes['status'])).toEqual([
      'ISOLATED',
      'RELEASE_FAILED',
      'RELEASED',
    ]);
  });
});
