/**
 * Leases and fencing tokens in the store and the expire sweep: a write carrying a stale token is refused with
 * LeaseLostError and changes nothing; the sweep resumes a run that died while the resource was exposed in the
 * first sweep after its lease lapsed, before any other work.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../functions/lib/errors.js';
import { expireAndSweep } from '../../functions/lib/pipeline/expire.js';
import type { WorkerJob } from '../../functions/lib/pipeline/deps.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { useMoto } from '../support/moto.js';
import { createWorld, guardDutyEvent, launchInstance, type PipelineWorld } from './support.js';

const moto = useMoto({ resetEach: false });
const LEASE_MS = 60_000;

/** An APPROVED request whose worker never started (the caller claims it by hand). */
async function approvedRequest(world: PipelineWorld): Promise<string> {
  const instance = await launchInstance(world.ec2);
  const parked = { ...world.deps, startWorker: async () => undefined };
  const result = await triageEvent(parked, guardDutyEvent(instance.instanceId, { severity: 8 }));
  const id = result.findings[0]?.actions[0]?.isolationId;
  if (id === undefined) throw new Error(`no isolation was created: ${JSON.stringify(result)}`);
  return id;
}

/** Claim a record as a worker run does: IN_PROGRESS with a fresh token and a lease from now. */
async function claim(world: PipelineWorld, id: string, from: 'APPROVED' | 'IN_PROGRESS'): Promise<string> {
  const leaseId = randomUUID();
  const now = world.clock.now();
  await world.store.transition(id, {
    from: from === 'APPROVED' ? ['APPROVED'] : [],
    to: 'IN_PROGRESS',
    by: { type: 'system', id: 'test-worker', name: 'test worker' },
    set: { leaseId, leaseExpiresAt: new Date(now.getTime() + LEASE_MS).toISOString() },
    ...(from === 'IN_PROGRESS'
      ? { takeOverExpiredLease: { status: 'IN_PROGRESS', now: now.toISOString() } }
      : {}),
    at: now.toISOString(),
  });
  return leaseId;
}

describe('Leases: fencing tokens on record writes', () => {
  it('refuses every write carrying a stale token with LeaseLostError, and the record is unchanged', async () => {
    // Prepare: run A claimed the record, its lease lapsed, run B took it over
    const world = await createWorld(moto);
    const id = await approvedRequest(world);
    const stale = await claim(world, id, 'APPROVED');
    world.clock.advance(LEASE_MS + 1_000);
    const mine = await claim(world, id, 'IN_PROGRESS');
    const before = await world.store.require(id);
    const at = world.clock.now().toISOString();
    const lease = { id: stale, status: 'IN_PROGRESS' as const };

    // Act
    const attempts = await Promise.allSettled([
      world.store.saveProgress(id, 'IN_PROGRESS', { steps: [] }, at, stale),
      world.store.renewLease(id, lease, at),
      world.store.setExposure(id, lease, at),
      world.store.transition(id, {
        from: ['IN_PROGRESS'],
        to: 'ISOLATED',
        by: { type: 'system', id: 'test-worker', name: 'test worker' },
        at,
        lease: stale,
      }),
    ]);

    // Assess: all four refused as a lost lease, with DynamoDB's answer as the cause; nothing was written
    for (const attempt of attempts) {
      expect(attempt.status).toBe('rejected');
      const reason: unknown = attempt.status === 'rejected' ? attempt.reason : undefined;
      expect(reason).toBeInstanceOf(LeaseLostError);
      expect(reason instanceof LeaseLostError ? reason.code : '').toBe('LEASE_LOST');
      expect(reason instanceof Error ? reason.cause : undefined).toBeDefined();
    }
    const after = await world.store.require(id);
    expect(after).toEqual(before);
    expect(after.leaseId).toBe(mine);
    expect(after.exposedAt).toBeUndefined();
    // The holder of the current token still writes.
    await world.store.setExposure(id, { id: mine, status: 'IN_PROGRESS' }, at);
    expect((await world.store.require(id)).exposedAt).toBe(at);
  });
});

describe('Leases: the expire sweep', () => {
  it('resumes an exposed run in the first sweep after its lease lapsed, before a non-exposed one', async () => {
    // Prepare: two runs died; the older one was not exposed, the newer one was (flow cut, not yet isolated)
    const world = await createWorld(moto);
    const plain = await approvedRequest(world);
    const exposed = await approvedRequest(world);
    await claim(world, plain, 'APPROVED');
    const token = await claim(world, exposed, 'APPROVED');
    await world.store.setExposure(
      exposed,
      { id: token, status: 'IN_PROGRESS' },
      world.clock.now().toISOString(),
    );
    const jobs: WorkerJob[] = [];
    const deps = {
      ...world.deps,
      startWorker: async (job: WorkerJob) => void jobs.push(job),
    };

    // Act: one sweep while the leases run, one just after they lapsed
    const early = await expireAndSweep(deps);
    const earlyJobs = jobs.splice(0);
    world.clock.advance(LEASE_MS + 1_000);
    const sweep = await expireAndSweep(deps);

    // Assess
    expect(early.restarted).toEqual([]);
    expect(earlyJobs).toEqual([]);
    expect(sweep.exposed).toEqual([exposed]);
    expect(jobs).toEqual([
      { kind: 'apply', id: exposed },
      { kind: 'apply', id: plain },
    ]);
    expect(sweep.restarted).toEqual([exposed, plain]);
  });
});
