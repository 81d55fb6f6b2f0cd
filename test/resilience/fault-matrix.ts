/**
 * The fault matrix, run through the whole pipeline (triage → store → worker → action) for one action: for every
 * member-account command the action sends and each of throttling, a 500, AccessDenied and a timeout that the SDK
 * cannot retry away, the record ends FAILED naming the step, intact (one call per step: which step sends which call is learnt
 * first, at the action level); a retry then completes it without repeating
 * a finished step. A fault the SDK can retry away ends ISOLATED. One file per action, so the suite spreads over
 * the test workers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getAction, loadAction } from '../../functions/lib/actions/registry.js';
import type { ActionDefinition } from '../../functions/lib/actions/contract.js';
import { retryIsolation } from '../../functions/lib/pipeline/service.js';
import { appliedTwice } from '../actions/support/action-context.js';
import { useMoto } from '../support/moto.js';
import { normaliseFindings } from '../../functions/lib/findings/index.js';
import { evaluatePolicy } from '../../functions/lib/policy/index.js';
import { guardSettings } from '../../functions/lib/pipeline/guard-settings.js';
import { silentLogger } from '../../functions/lib/observability.js';
import {
  RESILIENCE_FAULTS,
  SUBJECTS,
  containOnce,
  memberCommands,
  resilienceWorld,
  type ActionSubject,
  type ResilienceFault,
  type ResilienceWorld,
} from './support.js';

/** The step that sends the `nth` call of `command` when the action runs alone on a fresh resource. */
async function stepSending(
  world: ResilienceWorld,
  subject: ActionSubject,
  target: { command: string; nth: number },
): Promise<string | undefined> {
  const action = await loadAction(subject.action);
  const { event } = await subject.create(world);
  const finding = normaliseFindings(event)[0];
  const planned = finding ? evaluatePolicy(world.deps.policy, finding).actions[0] : undefined;
  if (!planned) throw new Error(`no planned ${subject.action} for the subject's event`);
  world.faults.clear();
  world.faults.plan(target.command, 'access-denied', { nth: target.nth });
  const isolationId = `iso-learn-${target.command}-${target.nth}`;
  const clients = await world.deps.memberClients(
    planned.resource.accountId,
    planned.resource.region,
    isolationId,
  );
  const result = await action.apply(
    {
      isolationId,
      accountId: planned.resource.accountId,
      region: planned.resource.region,
      clients,
      guard: guardSettings(world.deps.policy, world.deps.config),
      logger: silentLogger(),
      now: () => new Date(),
    },
    planned.resource,
    action.params.parse(planned.params),
  );
  world.faults.clear();
  return result.failedStep;
}

const operator = { type: 'user' as const, id: 'sub-resilience', name: 'resilience suite' };

/** What the failed step's detail must say for each fault. */
const DETAIL: Record<ResilienceFault, RegExp> = {
  throttling: /RequestLimitExceeded|Throttling|Rate exceeded/,
  'server-error': /InternalError|ServiceFailure|internal error/,
  'access-denied': /^AccessDenied: [a-z0-9]+:\w+ denied to the member role cordon-member/,
  timeout: /TimeoutError: Connection timed out/,
};

/** Define the fault-matrix suite of one action. */
export function defineFaultMatrix(actionName: string): void {
  const subject = SUBJECTS[actionName];
  if (!subject || !getAction(actionName)) throw new Error(`no resilience subject for ${actionName}`);
  const moto = useMoto({ resetEach: false });

  describe(`Resilience: fault matrix of ${actionName} through the pipeline`, () => {
    let world: ResilienceWorld;
    /** Every member-account call of an uninterrupted isolation: [command, which call]. */
    let targets: { command: string; nth: number }[] = [];

    /** The action's definition (its step names), loaded as the worker loads it. */
    let action: ActionDefinition;

    beforeAll(async () => {
      action = await loadAction(actionName);
      world = await resilienceWorld(moto, { maxAttempts: 1 });
      const { event } = await subject.create(world);
      world.recorder.clear();
      const record = await containOnce(world, event);
      expect(record.status, JSON.stringify(record.steps)).toBe('ISOLATED');
      // Every call of a command that is sent several times (e.g. the two network swaps) is its own candidate.
      const candidates = memberCommands(world).flatMap(({ command, count }) =>
        Array.from({ length: Math.min(count, 2) }, (_, i) => ({ command, nth: i + 1 })),
      );
      // Which step sends each call, learnt cheaply at the action level (an AccessDenied stops the run there);
      // the matrix then faults one call per step, so it stays bounded as actions grow more reads.
      const byStep = new Map<string, { command: string; nth: number }>();
      for (const candidate of candidates) {
        const step = await stepSending(world, subject, candidate);
        if (step !== undefined && !byStep.has(step)) byStep.set(step, candidate);
      }
      targets = [...byStep.values()];
      expect(targets.length).toBeGreaterThan(0);
    });

    it.each(RESILIENCE_FAULTS)(
      'a persistent %s on each call ends FAILED naming the step; a retry completes without repeating work',
      async (kind) => {
        for (const target of targets) {
          // Prepare
          const { event, resourceId } = await subject.create(world);
          world.faults.clear();
          world.faults.plan(target.command, kind, { nth: target.nth });
          world.recorder.clear();
          const label = `${kind} on ${target.command} #${target.nth}`;

          // Act
          const failed = await containOnce(world, event);
          world.faults.clear();
          await retryIsolation(world.deps, failed.id, operator);
          await world.worker.drain();
          const retried = await world.store.get(failed.id);

          // Assess: FAILED, naming a declared step whose record says what happened, the record intact
          expect(failed.status, label).toBe('FAILED');
          const step = failed.failure?.step ?? '';
          expect(action.steps.apply, label).toContain(step);
          const stepRecord = failed.steps.find((s) => s.name === step);
          expect(stepRecord?.status, label).toBe('failed');
          expect(stepRecord?.detail, label).toMatch(DETAIL[kind]);
          if (kind === 'access-denied') expect(stepRecord?.detail, label).toContain(`:${target.command} `);
          expect(failed.resource.id, label).toBe(resourceId);
          expect(
            failed.audit.map((a) => a.to),
            label,
          ).toEqual(['APPROVED', 'IN_PROGRESS', 'FAILED']);
          // Assess: the retry completes, and no change was sent twice with the same input
          expect(retried?.status, `${label}: ${JSON.stringify(retried?.steps)}`).toBe('ISOLATED');
          expect(
            retried?.steps.every((s) => s.status !== 'failed'),
            label,
          ).toBe(true);
          expect(appliedTwice(world.recorder), label).toEqual([]);
          // Earlier before-state captures are kept as they were (the retry may only add to them).
          expect(retried?.before, label).toMatchObject(failed.before);
        }
      },
    );

    it.each(RESILIENCE_FAULTS.filter((k) => k !== 'access-denied'))(
      'a transient %s on the containing call is absorbed by the SDK retry and the resource is contained',
      async (kind) => {
        // Prepare: the SDK may try 3 times; the call that contains (the last member call before the marker) fails once
        const retrying = await resilienceWorld(moto, { maxAttempts: 3 });
        const { event } = await subject.create(retrying);
        const containing = targets.filter((t) => /^(Modify|Put|Update)/.test(t.command)).at(0) ?? targets[0];
        if (!containing) throw new Error('no target');
        retrying.faults.plan(containing.command, kind, { nth: containing.nth, attempts: 1 });

        // Act
        const record = await containOnce(retrying, event);

        // Assess
        expect(retrying.faults.raised).toEqual([`${containing.command}#${containing.nth}:${kind}`]);
        expect(record.status, JSON.stringify(record.steps)).toBe('ISOLATED');
        expect(record.containedAt).toBeDefined();
        expect(appliedTwice(retrying.recorder)).toEqual([]);
      },
    );
  });
}
