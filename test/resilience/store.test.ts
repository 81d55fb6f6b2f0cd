/**
 * Store conflicts through the pipeline: DynamoDB transaction cancellations (TransactionConflict) injected into
 * the store's own client, racing deliveries, racing decisions and racing workers. Conflicts are retried or
 * resolved to exactly one winner, and no update is lost: one record per resource, one decision per request,
 * one claim per run, every transition in the audit trail.
 */
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { emulatorDynamoHandler } from '../../functions/lib/pipeline/deps.js';
import { approveIsolation, rejectIsolation } from '../../functions/lib/pipeline/service.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { runWorker } from '../../functions/lib/pipeline/worker.js';
import { IsolationStore } from '../../functions/lib/store/isolations.js';
import {
  EC2_TYPE,
  guardDutyEvent,
  importedTwin,
  republished,
  type Subject,
} from '../../bench/lib/scenario.js';
import { launchInstance } from '../pipeline/support.js';
import { useMoto } from '../support/moto.js';
import { resilienceWorld, type ResilienceWorld } from './support.js';

const moto = useMoto({ resetEach: false });
const alice = { type: 'user' as const, id: 'sub-alice', name: 'alice' };
const bob = { type: 'user' as const, id: 'sub-bob', name: 'bob' };

/**
 * Cancels the first TransactWriteItems attempt of every distinct transaction with a TransactionConflict, as
 * DynamoDB does under contention. Deterministic on purpose: every racing delivery meets a conflict once and must
 * retry, whatever order a loaded machine runs them in (a global "every n-th call" pattern could cancel one
 * delivery's every attempt and fail the test by chance).
 */
class TransactionConflicts {
  active = false;
  cancelled = 0;
  readonly #seen = new Set<string>();

  start(): void {
    this.active = true;
    this.cancelled = 0;
    this.#seen.clear();
  }

  attach(client: DynamoDBClient): DynamoDBClient {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && this.active) {
          const items = (args.input as { TransactItems?: unknown[] }).TransactItems ?? [];
          // The first item is the new record's Put: its key names the attempt's transaction across retries.
          const transaction = JSON.stringify(items[0] ?? null);
          if (!this.#seen.has(transaction)) {
            this.#seen.add(transaction);
            this.cancelled += 1;
            throw new TransactionCanceledException({
              message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
              $metadata: { httpStatusCode: 400 },
              CancellationReasons: items.map((_, i) =>
                i === 0
                  ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
                  : { Code: 'None' },
              ),
            });
          }
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'resilienceTransactionConflicts' },
    );
    return client;
  }
}

describe('Resilience: store conflicts', () => {
  let world: ResilienceWorld;
  const conflicts = new TransactionConflicts();

  beforeAll(async () => {
    world = await resilienceWorld(moto);
    // The pipeline's store, on a client that cancels transactions when told to.
    const client = conflicts.attach(
      world.recorder.attach(
        new DynamoDBClient({ ...moto.clientConfig(), requestHandler: emulatorDynamoHandler() }),
      ),
    );
    world.deps.store = new IsolationStore(
      DynamoDBDocument.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      world.deps.config.tableName,
    );
  });

  async function instance(): Promise<{ subject: Subject; event: Record<string, unknown> }> {
    const { instanceId } = await launchInstance(world.ec2);
    const subject: Subject = { kind: 'instance', instanceId };
    return { subject, event: guardDutyEvent(subject, { type: EC2_TYPE }) };
  }

  it('retries cancelled transactions and creates exactly one request from 20 racing deliveries', async () => {
    // Prepare: every delivery's first transaction is cancelled by a conflict
    const { subject, event } = await instance();
    const deliveries = [
      ...Array.from({ length: 10 }, () => republished(event)),
      ...Array.from({ length: 10 }, () => importedTwin(event, subject)),
    ];
    conflicts.start();

    // Act
    const results = await Promise.all(deliveries.map((d) => triageEvent(world.deps, d)));
    const runs = await world.worker.drain();
    conflicts.active = false;

    // Assess
    const outcomes = results.flatMap((r) => r.findings.flatMap((f) => f.actions));
    expect(conflicts.cancelled).toBeGreaterThanOrEqual(20);
    expect(outcomes).toHaveLength(20);
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.isolationId)).size).toBe(1);
    expect(runs.map((r) => r.outcome)).toEqual(['isolated']);
    const page = await world.deps.store.list({
      resourceId: subject.kind === 'instance' ? subject.instanceId : '',
    });
    expect(page.items.map((r) => r.status)).toEqual(['ISOLATED']);
  });

  it('lets exactly one of a racing approval and rejection decide, and records only that decision', async () => {
    // Prepare: a request waiting for approval
    const { subject } = await instance();
    const parked = await triageEvent(world.deps, guardDutyEvent(subject, { type: 'Trojan:EC2/DropPoint' }));
    const id = parked.findings[0]?.actions[0]?.isolationId;
    if (id === undefined) throw new Error('no parked request');
    expect(parked.findings[0]?.actions[0]?.status).toBe('PENDING_APPROVAL');

    // Act
    const settled = await Promise.allSettled([
      approveIsolation(world.deps, id, alice),
      rejectIsolation(world.deps, id, bob, 'false positive'),
      approveIsolation(world.deps, id, bob),
    ]);
    await world.worker.drain();

    // Assess: one winner; the others were told it changed under them; the audit has one decision
    const record = await world.deps.store.get(id);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    for (const lost of settled.filter((s) => s.status === 'rejected')) {
      expect((lost as PromiseRejectedResult).reason).toMatchObject({
        name: expect.stringMatching(/Conflict|Validation|Forbidden/),
      });
    }
    const decisions = record?.audit.filter((a) => a.from === 'PENDING_APPROVAL') ?? [];
    expect(decisions).toHaveLength(1);
    expect(['ISOLATED', 'REJECTED']).toContain(record?.status);
  });

  it('lets one of 8 racing workers claim a job; the record keeps every step and transition', async () => {
    // Prepare: an approved request whose worker is delivered 8 times at once
    const { event } = await instance();
    world.deps.startWorker = async () => {};
    const created = await triageEvent(world.deps, event);
    world.deps.startWorker = world.worker.startWorker;
    const id = created.findings[0]?.actions[0]?.isolationId ?? '';

    // Act
    const results = await Promise.all(
      Array.from({ length: 8 }, () => runWorker(world.deps, { kind: 'apply', id })),
    );

    // Assess
    expect(results.filter((r) => r.outcome === 'isolated')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'not-claimed')).toHaveLength(7);
    const record = await world.deps.store.get(id);
    expect(record?.status).toBe('ISOLATED');
    expect(record?.audit.map((a) => a.to)).toEqual(['APPROVED', 'IN_PROGRESS', 'ISOLATED']);
    expect(record?.steps.length).toBeGreaterThan(3);
    expect(record?.steps.every((s) => s.status !== 'failed')).toBe(true);
  });
});
