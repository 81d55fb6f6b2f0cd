/**
 * A worker that stalls in the middle, for every action, through the pipeline: the first run freezes at its k-th
 * mutating member-account command, for every k, past its lease, while it is still alive. A second worker takes
 * the record over, resumes, and ends exactly as an uninterrupted run: ISOLATED, the same changes made (by
 * command), none made twice, and the first before-state kept. Then the first run wakes up and is fenced: it sends
 * no further change and writes nothing to the record.
 */
import { describe, expect, it } from 'vitest';
import { ACTION_NAMES } from '../../functions/lib/actions/registry.js';
import { createMemberClientFactory } from '../../functions/lib/aws/member-clients.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { runWorker } from '../../functions/lib/pipeline/worker.js';
import { appliedTwice, isMutating } from '../actions/support/action-context.js';
import { MEMBER_ROLE, REGION, isReadOnly } from '../pipeline/support.js';
import { useMoto } from '../support/moto.js';
import { RunFreezer } from './freeze.js';
import { SUBJECTS, containOnce, resilienceWorld, type ResilienceWorld } from './support.js';

const moto = useMoto({ resetEach: false });

/** Successful mutating member-account commands, by name, sorted (a multiset). */
function changes(world: ResilienceWorld): string[] {
  return world.recorder.commands
    .filter(
      (c) => c.outcome === 'ok' && isMutating(c.command) && !['DynamoDB', 'SNS', 'STS'].includes(c.service),
    )
    .map((c) => c.command)
    .sort();
}

describe('Resilience: a worker stalled in the middle of an isolation', () => {
  it.each(ACTION_NAMES)(
    '%s: after a stall at each change, a second worker ends as an uninterrupted run and the first is fenced',
    async (name) => {
      const subject = SUBJECTS[name];
      if (!subject) throw new Error(`no subject for ${name}`);
      const world = await resilienceWorld(moto);
      world.deps.config.leaseSeconds = 60;
      const freezer = new RunFreezer();
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
      const parked = { ...world.deps, startWorker: async () => undefined };

      // Prepare: an uninterrupted run, to compare with
      const clean = await subject.create(world);
      world.recorder.clear();
      const reference = await containOnce(world, clean.event);
      expect(reference.status).toBe('ISOLATED');
      const referenceChanges = changes(world);
      expect(referenceChanges.length).toBeGreaterThan(0);

      for (let k = 1; k <= referenceChanges.length; k++) {
        // Prepare
        const { event } = await subject.create(world);
        world.recorder.clear();
        freezer.freezeAt(k);
        const triaged = await triageEvent(parked, event);
        const id = triaged.findings[0]?.actions[0]?.isolationId ?? '';
        const label = `${name}, stalled at change ${k}`;

        // Act: the first run stalls; a second one comes after its lease lapsed, then the first wakes up
        const first = runWorker(world.deps, { kind: 'apply', id });
        await Promise.race([
          freezer.settled(world.recorder),
          first.then((result) => {
            throw new Error(`${label}: the first run ended before it stalled: ${JSON.stringify(result)}`);
          }),
        ]);
        const stranded = await world.store.require(id);
        world.clock.advance(Date.parse(stranded.leaseExpiresAt ?? '') - world.clock.now().getTime() + 1_000);
        const resumed = await runWorker(world.deps, { kind: 'apply', id });
        const done = await world.store.require(id);
        const mark = world.recorder.commands.length;
        freezer.thaw();
        const fenced = await first;

        // Assess: the stall left the record in progress
        expect(stranded.status, label).toBe('IN_PROGRESS');
        // Assess: the second run resumed and ended as the uninterrupted run did
        expect(resumed.outcome, `${label}: ${resumed.detail ?? ''}`).toBe('isolated');
        const record = resumed.record;
        expect(record?.status, label).toBe('ISOLATED');
        expect(
          record?.steps.map((s) => s.name),
          label,
        ).toEqual(reference.steps.map((s) => s.name));
        expect(
          record?.steps.every((s) => s.status !== 'failed'),
          label,
        ).toBe(true);
        expect(Object.keys(record?.before ?? {}).sort(), label).toEqual(Object.keys(reference.before).sort());
        expect(record?.before, label).toMatchObject(stranded.before);
        // Known gap: isolate-identity-center-user records its provisioned permission sets at the end of the
        // step, so a run stalled between two provisionings has the next run push the first set again.
        // ProvisionPermissionSet is idempotent (it re-pushes the same policy); every other change happens once.
        const repeatable = (command: string): boolean =>
          name === 'isolate-identity-center-user' && command === 'ProvisionPermissionSet';
        expect(
          changes(world).filter((c) => !repeatable(c)),
          label,
        ).toEqual(referenceChanges.filter((c) => !repeatable(c)));
        expect(
          appliedTwice(world.recorder).filter((c) => !repeatable(c.split(' ')[0] ?? '')),
          label,
        ).toEqual([]);
        expect(
          record?.audit.map((a) => a.to),
          label,
        ).toEqual(['APPROVED', 'IN_PROGRESS', 'IN_PROGRESS', 'ISOLATED']);
        // Assess: the first run was fenced: nothing more reached AWS or the record
        expect(fenced.outcome, `${label}: ${fenced.detail ?? ''}`).toBe('lease-lost');
        expect(
          world.recorder.commands.slice(mark).filter((c) => !isReadOnly(c.command) && c.outcome !== 'error'),
          label,
        ).toEqual([]);
        expect(await world.store.require(id), label).toEqual(done);
      }
    },
  );
});
