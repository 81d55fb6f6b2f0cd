/**
 * Crash in the middle, for every action, through the pipeline: the worker process dies right after persisting
 * step k (nothing more reaches the store), for every k. The record is left IN_PROGRESS under the dead worker's
 * lease; once the lease expires a new invocation takes it over, resumes, and ends exactly as an uninterrupted
 * run: ISOLATED, the same changes made (by command), none made twice, and the first before-state kept.
 */
import { describe, expect, it } from 'vitest';
import { ACTION_NAMES } from '../../functions/lib/actions/registry.js';
import { CordonError } from '../../functions/lib/errors.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { runWorker } from '../../functions/lib/pipeline/worker.js';
import type { IsolationStore } from '../../functions/lib/store/isolations.js';
import { appliedTwice, isMutating } from '../actions/support/action-context.js';
import { useMoto } from '../support/moto.js';
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

/**
 * Kill the worker after the k-th persisted step: that write succeeds, then every later store write fails, as if
 * the Lambda had been killed. Returns a function that brings the store back (a new invocation).
 */
function dieAfterStep(store: IsolationStore, k: number): () => void {
  const saveProgress = store.saveProgress.bind(store);
  const transition = store.transition.bind(store);
  const saveReports = store.saveReports.bind(store);
  let saves = 0;
  let dead = false;
  const killed = () => new CordonError('injected: the worker process was killed', { code: 'KILLED' });
  store.saveProgress = async (...args) => {
    if (dead) throw killed();
    const saved = await saveProgress(...args);
    saves += 1;
    if (saves === k) {
      dead = true;
      throw killed();
    }
    return saved;
  };
  store.transition = async (...args) => {
    if (dead) throw killed();
    return transition(...args);
  };
  store.saveReports = async (...args) => {
    if (dead) throw killed();
    return saveReports(...args);
  };
  return () => {
    store.saveProgress = saveProgress;
    store.transition = transition;
    store.saveReports = saveReports;
  };
}

describe('Resilience: crash in the middle of an isolation', () => {
  it.each(ACTION_NAMES)(
    '%s: a new invocation after a crash after each persisted step ends as an uninterrupted run',
    async (name) => {
      const subject = SUBJECTS[name];
      if (!subject) throw new Error(`no subject for ${name}`);
      const world = await resilienceWorld(moto);

      // Prepare: an uninterrupted run, to compare with
      const clean = await subject.create(world);
      world.recorder.clear();
      const reference = await containOnce(world, clean.event);
      expect(reference.status).toBe('ISOLATED');
      const referenceChanges = changes(world);
      const persistedSteps = reference.steps.length;
      expect(persistedSteps).toBeGreaterThan(1);

      for (let k = 1; k <= persistedSteps; k++) {
        // Prepare
        const { event } = await subject.create(world);
        world.recorder.clear();
        const revive = dieAfterStep(world.store, k);

        // Act: the first invocation dies; a second one comes after the lease expired
        const result = await triageEvent(world.deps, event);
        const crashed = await world.worker.drain();
        revive();
        const id = result.findings[0]?.actions[0]?.isolationId ?? '';
        const stranded = await world.store.get(id);
        world.clock.advance((world.deps.config.leaseSeconds + 60) * 1000);
        const resumed = await runWorker(world.deps, { kind: 'apply', id });

        // Assess: the crash left the record in progress with k steps saved
        const label = `${name}, crash after step ${k}`;
        expect(crashed, label).toEqual([
          expect.objectContaining({ outcome: 'failed', detail: expect.stringMatching(/killed/) }),
        ]);
        expect(stranded?.status, label).toBe('IN_PROGRESS');
        expect(stranded?.steps.length, label).toBeGreaterThanOrEqual(k);
        // Assess: the new invocation resumed and ended as the uninterrupted run did
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
        expect(record?.before, label).toMatchObject(stranded?.before ?? {});
        expect(changes(world), label).toEqual(referenceChanges);
        expect(appliedTwice(world.recorder), label).toEqual([]);
        expect(
          record?.audit.map((a) => a.to),
          label,
        ).toEqual(['APPROVED', 'IN_PROGRESS', 'IN_PROGRESS', 'ISOLATED']);
      }
    },
  );
});
