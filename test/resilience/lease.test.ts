/**
 * Lease fencing with a live second worker: the first run of an EC2 isolation stalls right after the flow cut
 * (interfaces in the allow-all flow-cut group), past its lease. The expire sweep finds the exposed record and a
 * second worker resumes, isolates, and a release restores the instance. Then the first run wakes up: it must be
 * fenced, sending no further AWS mutation and writing nothing to the record.
 */
import { describe, expect, it } from 'vitest';
import { createMemberClientFactory } from '../../functions/lib/aws/member-clients.js';
import { expireAndSweep } from '../../functions/lib/pipeline/expire.js';
import { releaseIsolation } from '../../functions/lib/pipeline/service.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { runWorker } from '../../functions/lib/pipeline/worker.js';
import {
  MEMBER_ROLE,
  REGION,
  createWorld,
  guardDutyEvent,
  interfaceGroups,
  isReadOnly,
  launchInstance,
} from '../pipeline/support.js';
import { useMoto } from '../support/moto.js';
import { RunFreezer } from './freeze.js';

const moto = useMoto({ resetEach: false });
const operator = { type: 'user' as const, id: 'sub-op', name: 'operator' };

describe('Resilience: a worker that outlived its lease', () => {
  it('is fenced after a newer run isolated and released: no AWS change, no record write', async () => {
    // Prepare: a 60-second lease, and member clients that can freeze a run
    const world = await createWorld(moto);
    world.deps.config.leaseSeconds = 60;
    const freezer = new RunFreezer().freezeAt(2, 'ModifyNetworkInterfaceAttribute');
    world.deps.memberClients = createMemberClientFactory({
      memberRoleName: MEMBER_ROLE,
      endpoint: moto.endpoint,
      securityCredentials: moto.clientConfig(REGION).credentials,
      maxAttempts: 1,
      instrument: (client) => {
        world.recorder.attach(client);
        freezer.attach(client);
      },
    });
    const instance = await launchInstance(world.ec2);
    const original = await interfaceGroups(world.ec2, instance.instanceId);
    const parked = { ...world.deps, startWorker: async () => undefined };
    const triaged = await triageEvent(parked, guardDutyEvent(instance.instanceId, { severity: 8 }));
    const id = triaged.findings[0]?.actions[0]?.isolationId ?? '';

    // Act: the first run stalls at its isolation swap, after the flow cut
    const first = runWorker(world.deps, { kind: 'apply', id });
    await Promise.race([
      freezer.settled(world.recorder),
      first.then((result) => {
        throw new Error(`the first run ended before it stalled: ${JSON.stringify(result)}`);
      }),
    ]);
    const stalled = await world.store.require(id);
    const exposed = await interfaceGroups(world.ec2, instance.instanceId);
    // Act: its lease lapses; the sweep hands the exposed record to a second worker, which isolates; then release
    world.clock.advance(Date.parse(stalled.leaseExpiresAt ?? '') - world.clock.now().getTime() + 1_000);
    const sweep = await expireAndSweep(world.deps);
    const resumed = await world.worker.drain();
    await releaseIsolation(world.deps, id, operator, 'false positive');
    const released = await world.worker.drain();
    const groupsAfterRelease = await interfaceGroups(world.ec2, instance.instanceId);
    const recordAfterRelease = await world.store.require(id);
    const mark = world.recorder.commands.length;
    const waiting = world.recorder.commands.filter((c) => c.outcome === 'pending');
    // Act: the first run wakes up
    freezer.thaw();
    const fenced = await first;

    // Assess: the first run had exposed the instance, and the record said so
    expect(stalled.status).toBe('IN_PROGRESS');
    expect(stalled.exposedAt).toBeDefined();
    expect(exposed).not.toEqual(original);
    // Assess: the sweep resumed it first; the second run isolated it, and the release restored it
    expect(sweep.exposed).toEqual([id]);
    expect(resumed).toEqual([expect.objectContaining({ outcome: 'isolated' })]);
    expect(released).toEqual([expect.objectContaining({ outcome: 'released' })]);
    expect(groupsAfterRelease).toEqual(original);
    expect(recordAfterRelease.status).toBe('RELEASED');
    expect(recordAfterRelease.exposedAt).toBeUndefined();
    // Assess: the first run was fenced; its swap was refused, and nothing else was sent or written
    expect(fenced.outcome, fenced.detail).toBe('lease-lost');
    expect(waiting).toEqual([
      expect.objectContaining({
        command: 'ModifyNetworkInterfaceAttribute',
        outcome: 'error',
        errorName: 'LeaseLostError',
      }),
    ]);
    const after = world.recorder.commands.slice(mark);
    expect(after.filter((c) => !isReadOnly(c.command) && c.outcome !== 'error')).toEqual([]);
    expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual(original);
    expect(await world.store.require(id)).toEqual(recordAfterRelease);
  });
});
