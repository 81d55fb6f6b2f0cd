/**
 * The store's invariants under real concurrency. Every other store test runs against moto, which does not isolate
 * a conditional write from concurrent requests, so those tests serialise DynamoDB traffic to one connection and
 * inject conflicts synthetically. Here the store talks to DynamoDB Local (Amazon's implementation, which applies
 * each conditional write and transaction atomically) over a wide connection pool, with no serialisation and no
 * injected conflicts: the races are real. The member account (EC2) is still moto.
 */
import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveIsolation, rejectIsolation } from '../../functions/lib/pipeline/service.js';
import { DOCUMENT_CLIENT_OPTIONS } from '../../functions/lib/pipeline/deps.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { runWorker } from '../../functions/lib/pipeline/worker.js';
import { IsolationStore, newIsolationId } from '../../functions/lib/store/isolations.js';
import { ensureIsolationTable } from '../../functions/lib/store/table.js';
import type { NewIsolation } from '../../functions/lib/store/model.js';
import {
  EC2_TYPE,
  guardDutyEvent,
  importedTwin,
  republished,
  type Subject,
} from '../../bench/lib/scenario.js';
import { launchInstance, unique } from '../pipeline/support.js';
import { resilienceWorld, type ResilienceWorld } from '../resilience/support.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../support/dynamodb-local.js';
import { useMoto } from '../support/moto.js';

const moto = useMoto({ resetEach: false });
const alice = { type: 'user' as const, id: 'sub-alice', name: 'alice' };
const bob = { type: 'user' as const, id: 'sub-bob', name: 'bob' };
const carol = { type: 'user' as const, id: 'sub-carol', name: 'carol' };

/** Counts requests of each command in flight at once, to show the races really overlapped at the database. */
class InFlight {
  readonly #now = new Map<string, number>();
  readonly #max = new Map<string, number>();

  attach(client: DynamoDBClient): DynamoDBClient {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? 'unknown';
        const current = (this.#now.get(name) ?? 0) + 1;
        this.#now.set(name, current);
        this.#max.set(name, Math.max(current, this.#max.get(name) ?? 0));
        try {
          return await next(args);
        } finally {
          this.#now.set(name, (this.#now.get(name) ?? 1) - 1);
        }
      },
      { step: 'finalizeRequest', name: 'countInFlight' },
    );
    return client;
  }

  max(command: string): number {
    return this.#max.get(command) ?? 0;
  }

  reset(): void {
    this.#max.clear();
  }
}

describe('Store races against DynamoDB Local (real concurrent conditional writes and transactions)', () => {
  let dynamoLocal: DynamoDbLocal;
  let dynamo: DynamoDBClient;
  let world: ResilienceWorld;
  const inFlight = new InFlight();

  beforeAll(async () => {
    dynamoLocal = await startDynamoDbLocal();
    dynamo = inFlight.attach(dynamoLocal.client());
    world = await resilienceWorld(moto);
    const tableName = unique('isolations');
    await ensureIsolationTable(dynamo, tableName);
    world.deps.config = { ...world.deps.config, tableName };
    world.deps.store = new IsolationStore(DynamoDBDocument.from(dynamo, DOCUMENT_CLIENT_OPTIONS), tableName);
  });

  afterAll(async () => {
    dynamo.destroy();
    await dynamoLocal.stop();
  });

  async function instance(): Promise<{
    instanceId: string;
    subject: Subject;
    event: Record<string, unknown>;
  }> {
    const { instanceId } = await launchInstance(world.ec2);
    const subject: Subject = { kind: 'instance', instanceId };
    return { instanceId, subject, event: guardDutyEvent(subject, { type: EC2_TYPE }) };
  }

  it('creates exactly one isolation from 20 racing deliveries of one finding and its twins', async () => {
    // Prepare: the same finding re-published 10 times and imported 10 times, all delivered at once
    const { instanceId, subject, event } = await instance();
    const deliveries = [
      ...Array.from({ length: 10 }, () => republished(event)),
      ...Array.from({ length: 10 }, () => importedTwin(event, subject)),
    ];

    // Act
    inFlight.reset();
    const results = await Promise.all(deliveries.map((d) => triageEvent(world.deps, d)));
    const runs = await world.worker.drain();

    // Assess: one request, one run, one record; the resource isolated once
    const outcomes = results.flatMap((r) => r.findings.flatMap((f) => f.actions));
    expect(inFlight.max('TransactWriteItemsCommand')).toBeGreaterThan(1);
    expect(outcomes).toHaveLength(20);
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.isolationId)).size).toBe(1);
    expect(runs.map((r) => r.outcome)).toEqual(['isolated']);
    const page = await world.deps.store.list({ resourceId: instanceId });
    expect(page.items.map((r) => r.status)).toEqual(['ISOLATED']);
  });

  it('never overshoots an hourly limit under 20 racing automatic requests', async () => {
    // Prepare: 20 distinct instances, a per-account limit of 5 (the counters are new for this account)
    const accountId = String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));
    const inputs: NewIsolation[] = Array.from({ length: 20 }, (_, i) => ({
      findingKey: `arn:aws:guardduty:us-east-1:${accountId}:detector/d/finding/limit-${String(i)}`,
      resource: {
        type: 'ec2-instance',
        id: `i-${i.toString(16).padStart(17, '0')}`,
        accountId,
        region: 'us-east-1',
        tags: {},
        networkInterfaces: [],
        securityGroupIds: [],
      },
      action: 'isolate-ec2-instance',
      params: {},
      mode: 'auto',
      rule: 'ec2-backdoor-trojan-high',
      status: 'APPROVED',
      requester: { type: 'policy', id: 'ec2-backdoor-trojan-high', name: 'policy rule' },
      limits: { perAccountPerHour: 5, globalPerHour: 1_000_000 },
    }));
    const now = new Date();

    // Act
    inFlight.reset();
    const results = await Promise.all(
      inputs.map((input) => world.deps.store.create(input, { id: newIsolationId(now), now })),
    );

    // Assess: exactly five went ahead; the rest were parked for approval with the reason
    expect(inFlight.max('TransactWriteItemsCommand')).toBeGreaterThan(1);
    expect(results.every((r) => r.created)).toBe(true);
    const statuses = results.map((r) => r.record.status);
    expect(statuses.filter((s) => s === 'APPROVED')).toHaveLength(5);
    expect(statuses.filter((s) => s === 'PENDING_APPROVAL')).toHaveLength(15);
    const page = await world.deps.store.list({ accountId, limit: 50 });
    expect(page.items).toHaveLength(20);
    expect(page.items.filter((r) => r.status === 'APPROVED')).toHaveLength(5);
  });

  it('never overshoots the sharded global limit under 20 racing automatic requests from 20 accounts', async () => {
    // Prepare: a global limit of 11, split over 8 shards (2+2+2+1+1+1+1+1); an hour no other test counted in
    const hour = Date.UTC(2031, 0, 1) + Math.floor(Math.random() * 8000) * 3_600_000;
    const now = new Date(hour + 60_000);
    const inputs: NewIsolation[] = Array.from({ length: 20 }, (_, i) => {
      const accountId = String(300_000_000_000 + Math.floor(Math.random() * 99_999_999_999));
      return {
        findingKey: `arn:aws:guardduty:us-east-1:${accountId}:detector/d/finding/global-${String(i)}`,
        resource: {
          type: 'ec2-instance',
          id: `i-${(i + 4096).toString(16).padStart(17, '0')}`,
          accountId,
          region: 'us-east-1',
          tags: {},
          networkInterfaces: [],
          securityGroupIds: [],
        },
        action: 'isolate-ec2-instance',
        params: {},
        mode: 'auto',
        rule: 'ec2-backdoor-trojan-high',
        status: 'APPROVED',
        requester: { type: 'policy', id: 'ec2-backdoor-trojan-high', name: 'policy rule' },
        limits: { perAccountPerHour: 5, globalPerHour: 11 },
      };
    });

    // Act
    const results = await Promise.all(
      inputs.map((input) => world.deps.store.create(input, { id: newIsolationId(now), now })),
    );

    // Assess: exactly eleven went ahead, the rest were parked naming the global limit
    const statuses = results.map((r) => r.record.status);
    expect(statuses.filter((s) => s === 'APPROVED')).toHaveLength(11);
    const parked = results.filter((r) => r.record.status === 'PENDING_APPROVAL');
    expect(parked).toHaveLength(9);
    expect(parked.every((r) => /global limit of 11/.test(r.record.approvalReason ?? ''))).toBe(true);
  });

  it('lets exactly one of racing approvals and a rejection decide', async () => {
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
      approveIsolation(world.deps, id, carol),
    ]);
    await world.worker.drain();

    // Assess: one winner, one decision in the audit trail
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    const record = await world.deps.store.get(id);
    expect(record?.audit.filter((a) => a.from === 'PENDING_APPROVAL')).toHaveLength(1);
    expect(['ISOLATED', 'REJECTED']).toContain(record?.status);
  });

  it('lets one of 8 racing workers claim a run', async () => {
    // Prepare: an approved request whose worker is delivered 8 times at once
    const { instanceId, event } = await instance();
    const startWorker = world.deps.startWorker;
    world.deps.startWorker = async () => {};
    const created = await triageEvent(world.deps, event);
    world.deps.startWorker = startWorker;
    const id = created.findings[0]?.actions[0]?.isolationId ?? '';

    // Act
    const results = await Promise.all(
      Array.from({ length: 8 }, () => runWorker(world.deps, { kind: 'apply', id })),
    );

    // Assess: one run isolated it, seven were not claimed, and the instance is isolated
    expect(results.filter((r) => r.outcome === 'isolated')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'not-claimed')).toHaveLength(7);
    const record = await world.deps.store.get(id);
    expect(record?.status).toBe('ISOLATED');
    expect(record?.audit.map((a) => a.to)).toEqual(['APPROVED', 'IN_PROGRESS', 'ISOLATED']);
    expect(record?.resource.id).toBe(instanceId);
  });
});
