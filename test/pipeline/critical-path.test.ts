/**
 * The worker's short critical path (issue 15) keeps its invariants: triage hands the worker the request, the worker
 * claims it while its first reads are in flight, and progress is written when a change needs it. Proven here
 * against moto: the before-state and the exposure marker are on the record before the first change is sent; a run
 * that dies right there is resumed by the next one; two deliveries of one job make each change once; a write with a
 * stale token changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { currentLease, isReadOnlyCommand } from '../../functions/lib/aws/lease-guard.js';
import type { InstrumentableClient } from '../../functions/lib/aws/command-recorder.js';
import { createMemberClientFactory } from '../../functions/lib/aws/member-clients.js';
import { LeaseLostError } from '../../functions/lib/errors.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { runWorker } from '../../functions/lib/pipeline/worker.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import { useMoto } from '../support/moto.js';
import {
  MEMBER_ROLE,
  REGION,
  createWorld,
  guardDutyEvent,
  interfaceGroups,
  launchInstance,
  type PipelineWorld,
} from './support.js';

const moto = useMoto({ resetEach: false });

/**
 * Member clients whose first mutating command never returns, as if the worker died as it sent it. The hook sits
 * after the lease guard (the `deserialize` step), so it sees the command only once the guard let it go, and it
 * reads the record at that moment.
 */
function dieAtFlowCut(world: PipelineWorld): {
  firstChange: Promise<IsolationRecord>;
  flowCut: Promise<IsolationRecord>;
} {
  let first: (record: IsolationRecord) => void = () => undefined;
  let cut: (record: IsolationRecord) => void = () => undefined;
  const firstChange = new Promise<IsolationRecord>((resolve) => (first = resolve));
  const flowCut = new Promise<IsolationRecord>((resolve) => (cut = resolve));
  let changes = 0;
  const hook = (client: InstrumentableClient): void => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const lease = currentLease();
        const command = context.commandName ?? '';
        if (changes < 0 || lease === undefined || isReadOnlyCommand(command)) return next(args);
        changes += 1;
        if (changes === 1) first(await world.store.require(lease.isolationId));
        if (command !== 'ModifyNetworkInterfaceAttributeCommand') return next(args);
        changes = -1;
        cut(await world.store.require(lease.isolationId));
        return new Promise<never>(() => undefined);
      },
      { step: 'deserialize', priority: 'high', name: 'testDieAtFirstChange' },
    );
  };
  world.deps.memberClients = createMemberClientFactory({
    memberRoleName: MEMBER_ROLE,
    endpoint: moto.endpoint,
    securityCredentials: moto.clientConfig(REGION).credentials,
    maxAttempts: 1,
    instrument: (client) => {
      world.recorder.attach(client);
      hook(client);
    },
  });
  return { firstChange, flowCut };
}

describe('Pipeline: the critical path keeps its invariants', () => {
  it('records the before-state and the exposure marker before the first change, and resumes a run that died there', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const died = dieAtFlowCut(world);

    // Act: triage starts the worker with the request; its run dies as it sends the first change
    const triaged = await triageEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));
    const id = triaged.findings[0]?.actions[0]?.isolationId ?? '';
    const first = await died.firstChange;
    const stored = await died.flowCut;

    // Assess: the claim held and the original groups were durable before the first change (cordon's groups)
    expect(first.status).toBe('IN_PROGRESS');
    expect(first.leaseId).toEqual(expect.any(String));
    const recorded = Object.values(first.before['networkInterfaces'] ?? {});
    expect(recorded).toEqual([expect.objectContaining({ groups: [instance.groupId] })]);
    // Assess: cordon's groups and the exposure marker were durable before the flow cut
    expect(stored.exposedAt).toEqual(expect.any(String));
    expect(stored.before['isolationGroups']).toBeDefined();
    expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual([instance.groupId]);

    // Act: the lease lapses and the next run takes over
    world.clock.advance(Date.parse(stored.leaseExpiresAt ?? '') - world.clock.now().getTime() + 1_000);
    const resumed = await runWorker(world.deps, { kind: 'apply', id });

    // Assess: contained, with the original groups kept as the before-state
    expect(resumed.outcome, resumed.detail).toBe('isolated');
    const record = await world.store.require(id);
    expect(record.status).toBe('ISOLATED');
    expect(record.exposedAt).toBeUndefined();
    expect(record.before['networkInterfaces']).toEqual(stored.before['networkInterfaces']);
    expect(await interfaceGroups(world.ec2, instance.instanceId)).not.toContain(instance.groupId);
  });

  it('runs two deliveries of the job triage started once, each change made once', async () => {
    // Prepare: the request as triage creates it, its worker not started yet
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const jobs: Parameters<typeof runWorker>[1][] = [];
    const parked = { ...world.deps, startWorker: async (job: (typeof jobs)[number]) => void jobs.push(job) };
    await triageEvent(parked, guardDutyEvent(instance.instanceId, { severity: 8 }));
    const job = jobs[0];
    if (job?.record === undefined) throw new Error('triage did not hand the worker the request');
    world.recorder.clear();

    // Act: the asynchronous invoke delivers the job twice, at once
    const results = await Promise.all([runWorker(world.deps, job), runWorker(world.deps, job)]);

    // Assess
    expect(results.map((r) => r.outcome).sort()).toEqual(['isolated', 'not-claimed']);
    const swaps = world.recorder.commands.filter(
      (c) => c.command === 'ModifyNetworkInterfaceAttribute' && c.outcome === 'ok',
    );
    expect(swaps).toHaveLength(2); // the flow cut and the isolation, once each
    expect((await world.store.require(job.id)).status).toBe('ISOLATED');
    expect(await interfaceGroups(world.ec2, instance.instanceId)).not.toContain(instance.groupId);
  });

  it('acts on the stored request, not on a job copy that differs from it', async () => {
    // Prepare: a job whose copy names another instance than the stored request
    const world = await createWorld(moto);
    const target = await launchInstance(world.ec2);
    const bystander = await launchInstance(world.ec2);
    const jobs: Parameters<typeof runWorker>[1][] = [];
    const parked = { ...world.deps, startWorker: async (job: (typeof jobs)[number]) => void jobs.push(job) };
    await triageEvent(parked, guardDutyEvent(target.instanceId, { severity: 8 }));
    const job = jobs[0];
    if (job?.record === undefined) throw new Error('triage did not hand the worker the request');
    const forged = {
      ...job,
      record: { ...job.record, resource: { ...job.record.resource, id: bystander.instanceId } },
    };

    // Act
    const result = await runWorker(world.deps, forged);

    // Assess: the stored request was contained; the instance of the copy was left as it was
    expect(result.outcome, result.detail).toBe('isolated');
    expect(await interfaceGroups(world.ec2, target.instanceId)).not.toContain(target.groupId);
    expect(await interfaceGroups(world.ec2, bystander.instanceId)).toEqual([bystander.groupId]);
  });

  it('refuses a progress write with a stale token and leaves the record unchanged', async () => {
    // Prepare: a request claimed by a run
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const parked = { ...world.deps, startWorker: async () => undefined };
    const triaged = await triageEvent(parked, guardDutyEvent(instance.instanceId, { severity: 8 }));
    const id = triaged.findings[0]?.actions[0]?.isolationId ?? '';
    const now = world.clock.now();
    await world.store.transition(id, {
      from: ['APPROVED'],
      to: 'IN_PROGRESS',
      by: { type: 'system', id: 'test', name: 'test' },
      set: { leaseId: 'current-token', leaseExpiresAt: new Date(now.getTime() + 60_000).toISOString() },
      at: now.toISOString(),
    });
    const before = await world.store.require(id);

    // Act
    const write = world.store.saveRunProgress(
      id,
      { id: 'stale-token', status: 'IN_PROGRESS' },
      { steps: [], before: { networkInterfaces: {} } },
      { set: now.toISOString() },
      now.toISOString(),
    );

    // Assess
    await expect(write).rejects.toBeInstanceOf(LeaseLostError);
    expect(await world.store.require(id)).toEqual(before);
  });
});
