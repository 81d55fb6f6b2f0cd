import { describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { useMoto } from '../support/moto.js';
import { ConflictError, ValidationError } from '../../functions/lib/errors.js';
import { IsolationStore, newIsolationId } from '../../functions/lib/store/isolations.js';
import { ensureIsolationTable } from '../../functions/lib/store/table.js';
import { globalShardLimits } from '../../functions/lib/store/create.js';
import { emulatorDynamoHandler } from '../../functions/lib/pipeline/deps.js';
import type { NewIsolation, Principal } from '../../functions/lib/store/model.js';
import type { Ec2InstanceResource } from '../../functions/lib/findings/model.js';
import { ACCOUNT, REGION, unique } from './support.js';

const moto = useMoto({ resetEach: false });

const policy: Principal = { type: 'policy', id: 'ec2-backdoor-trojan-high', name: 'policy rule' };
const person: Principal = { type: 'user', id: 'sub-1', name: 'alice' };

async function newStore(): Promise<IsolationStore> {
  const client = new DynamoDBClient({
    ...moto.clientConfig(REGION),
    requestHandler: emulatorDynamoHandler(),
  });
  const tableName = unique('isolations');
  await ensureIsolationTable(client, tableName);
  return new IsolationStore(
    DynamoDBDocument.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  );
}

function instance(
  id = `i-${Math.random().toString(16).slice(2, 19).padEnd(17, '0')}`,
  account = ACCOUNT,
): Ec2InstanceResource {
  return {
    type: 'ec2-instance',
    id,
    accountId: account,
    region: REGION,
    tags: {},
    networkInterfaces: [],
    securityGroupIds: [],
  };
}

function request(resource: Ec2InstanceResource, overrides: Partial<NewIsolation> = {}): NewIsolation {
  return {
    findingKey: `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/d/finding/${resource.id}`,
    resource,
    action: 'isolate-ec2-instance',
    params: {},
    mode: 'auto',
    rule: 'ec2-backdoor-trojan-high',
    status: 'APPROVED',
    requester: policy,
    ...overrides,
  };
}

async function create(store: IsolationStore, input: NewIsolation) {
  const now = new Date();
  return store.create(input, { id: newIsolationId(now), now });
}

describe('Store: isolation records', () => {
  it('creates a record with its audit entry and reads it back by id, finding key and resource', async () => {
    // Prepare
    const store = await newStore();
    const resource = instance();

    // Act
    const result = await create(store, request(resource));

    // Assess
    expect(result.created).toBe(true);
    const record = await store.require(result.record.id);
    expect(record).toMatchObject({
      status: 'APPROVED',
      action: 'isolate-ec2-instance',
      resourceId: resource.id,
      version: 1,
    });
    expect(record.audit).toEqual([expect.objectContaining({ from: null, to: 'APPROVED', by: policy })]);
    expect((await store.findByFindingKey(record.findingKey ?? '')).map((r) => r.id)).toEqual([record.id]);
    expect((await store.findActiveByResource(record.resourceKey)).map((r) => r.id)).toEqual([record.id]);
  });

  it('returns the existing record for a re-published finding and for another finding on the same resource', async () => {
    // Prepare
    const store = await newStore();
    const resource = instance();
    const first = await create(store, request(resource));

    // Act
    const republished = await create(store, request(resource));
    const otherFinding = await create(store, request(resource, { findingKey: 'another-finding' }));

    // Assess
    expect(republished).toMatchObject({
      created: false,
      duplicateOf: 'finding',
      record: { id: first.record.id },
    });
    expect(otherFinding).toMatchObject({
      created: false,
      duplicateOf: 'resource',
      record: { id: first.record.id },
    });
  });

  it('answers a duplicate delivery with consistent reads, without a transaction', async () => {
    // Prepare
    const client = new DynamoDBClient({
      ...moto.clientConfig(REGION),
      requestHandler: emulatorDynamoHandler(),
    });
    const tableName = unique('isolations');
    await ensureIsolationTable(client, tableName);
    const store = new IsolationStore(DynamoDBDocument.from(client), tableName);
    const resource = instance();
    const first = await create(store, request(resource));
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize' },
    );

    // Act
    const duplicate = await create(store, request(resource));

    // Assess
    expect(duplicate).toMatchObject({
      created: false,
      duplicateOf: 'finding',
      record: { id: first.record.id },
    });
    expect(commands).not.toContain('TransactWriteItemsCommand');
    expect(new Set(commands)).toEqual(new Set(['GetItemCommand']));
  });

  it('creates exactly one record from 20 concurrent deliveries', async () => {
    // Prepare
    const store = await newStore();
    const resource = instance();

    // Act
    const results = await Promise.all(Array.from({ length: 20 }, () => create(store, request(resource))));

    // Assess
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.record.id)).size).toBe(1);
    const page = await store.list({ resourceId: resource.id });
    expect(page.items).toHaveLength(1);
  });

  it('refuses a move the state machine does not allow, before writing anything', async () => {
    // Prepare
    const store = await newStore();
    const { record } = await create(store, request(instance(), { status: 'PENDING_APPROVAL' }));
    const at = new Date().toISOString();
    const person = { type: 'user' as const, id: 'u-1', name: 'Ursula' };

    // Act
    const skipApproval = store.transition(record.id, {
      from: ['PENDING_APPROVAL'],
      to: 'ISOLATED',
      by: person,
      at,
    });

    // Assess
    await expect(skipApproval).rejects.toThrow(/PENDING_APPROVAL → ISOLATED is not an isolation transition/);
    expect((await store.get(record.id))?.status).toBe('PENDING_APPROVAL');
  });

  it('parks automatic requests past the per-account hourly limit, saying why', async () => {
    // Prepare
    const store = await newStore();
    const limits = { perAccountPerHour: 2, globalPerHour: 100 };

    // Act
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await create(store, request(instance(), { limits })));

    // Assess
    expect(results.map((r) => r.record.status)).toEqual(['APPROVED', 'APPROVED', 'PENDING_APPROVAL']);
    const third = results[2];
    expect(third?.created && third.downgraded).toMatch(
      /per-account limit of 2 automatic isolations per hour/,
    );
    expect(third?.record.approvalReason).toMatch(/per-account limit/);
  });

  it('applies the global hourly limit across accounts', async () => {
    // Prepare
    const store = await newStore();
    const limits = { perAccountPerHour: 10, globalPerHour: 1 };

    // Act
    const a = await create(store, request(instance(undefined, '111111111111'), { limits }));
    const b = await create(store, request(instance(undefined, '222222222222'), { limits }));

    // Assess
    expect(a.record.status).toBe('APPROVED');
    expect(b.record.status).toBe('PENDING_APPROVAL');
    expect(b.record.approvalReason).toMatch(/global limit of 1/);
  });

  it('splits the global limit exactly over its counter shards, and parks only once every shard is full', async () => {
    // Prepare
    const store = await newStore();
    const limits = { perAccountPerHour: 10, globalPerHour: 10 };
    const accounts = Array.from({ length: 13 }, (_, i) => String(400_000_000_000 + i));

    // Act
    const results = [];
    for (const account of accounts)
      results.push(await create(store, request(instance(undefined, account), { limits })));

    // Assess
    expect(globalShardLimits(10)).toEqual([2, 2, 1, 1, 1, 1, 1, 1]);
    expect(globalShardLimits(3)).toEqual([1, 1, 1]);
    expect(globalShardLimits(0)).toEqual([]);
    expect(results.map((r) => r.record.status)).toEqual([
      ...Array.from({ length: 10 }, () => 'APPROVED'),
      'PENDING_APPROVAL',
      'PENDING_APPROVAL',
      'PENDING_APPROVAL',
    ]);
    expect(results[10]?.record.approvalReason).toMatch(/global limit of 10/);
  });

  it('enforces transitions with a condition on the current status', async () => {
    // Prepare
    const store = await newStore();
    const { record } = await create(store, request(instance(), { status: 'PENDING_APPROVAL' }));
    const at = new Date().toISOString();

    // Act
    const approved = await store.transition(record.id, {
      from: ['PENDING_APPROVAL'],
      to: 'APPROVED',
      by: person,
      at,
    });
    const second = store.transition(record.id, {
      from: ['PENDING_APPROVAL'],
      to: 'REJECTED',
      by: person,
      at,
    });

    // Assess
    expect(approved.status).toBe('APPROVED');
    expect(approved.version).toBe(2);
    await expect(second).rejects.toBeInstanceOf(ConflictError);
    const stored = await store.require(record.id);
    expect(stored.status).toBe('APPROVED');
    expect(stored.audit.map((a) => `${String(a.from)}>${a.to}`)).toEqual([
      'null>PENDING_APPROVAL',
      'PENDING_APPROVAL>APPROVED',
    ]);
  });

  it('lets exactly one of two concurrent transitions win', async () => {
    // Prepare
    const store = await newStore();
    const { record } = await create(store, request(instance(), { status: 'PENDING_APPROVAL' }));
    const at = new Date().toISOString();

    // Act
    const outcomes = await Promise.allSettled([
      store.transition(record.id, { from: ['PENDING_APPROVAL'], to: 'APPROVED', by: person, at }),
      store.transition(record.id, { from: ['PENDING_APPROVAL'], to: 'REJECTED', by: person, at }),
    ]);

    // Assess
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(ConflictError);
    expect((await store.require(record.id)).audit).toHaveLength(2);
  });

  it('frees the active lock when the isolation ends, so the resource can be isolated again', async () => {
    // Prepare
    const store = await newStore();
    const resource = instance();
    const { record } = await create(store, request(resource, { status: 'PENDING_APPROVAL' }));

    // Act
    await store.transition(record.id, {
      from: ['PENDING_APPROVAL'],
      to: 'REJECTED',
      by: person,
      at: new Date().toISOString(),
    });
    const again = await create(store, request(resource, { findingKey: 'a-new-finding' }));

    // Assess
    expect(again.created).toBe(true);
    expect(await store.findActiveByResource(record.resourceKey)).toEqual([
      expect.objectContaining({ id: again.record.id }),
    ]);
  });

  it('refuses progress from a run that no longer owns the record', async () => {
    // Prepare
    const store = await newStore();
    const { record } = await create(store, request(instance()));
    const step = {
      name: 'describe-instance',
      status: 'done' as const,
      detail: 'ok',
      at: new Date().toISOString(),
    };

    // Act
    const saving = store.saveProgress(record.id, 'IN_PROGRESS', { steps: [step] }, new Date().toISOString());

    // Assess
    await expect(saving).rejects.toBeInstanceOf(ConflictError);
    expect((await store.require(record.id)).steps).toEqual([]);
  });

  it('lists by status, account and resource, newest first, with a cursor', async () => {
    // Prepare
    const store = await newStore();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await create(store, request(instance(), { status: 'PENDING_APPROVAL' }))).record.id);
    await create(store, request(instance(undefined, '999999999999')));

    // Act
    const first = await store.list({ status: 'PENDING_APPROVAL', limit: 2 });
    const second = await store.list({ status: 'PENDING_APPROVAL', limit: 2, cursor: first.cursor });
    const byAccount = await store.list({ accountId: '999999999999' });
    const all = await store.list();

    // Assess
    expect([...first.items, ...second.items].map((r) => r.id)).toEqual([...ids].reverse());
    expect(byAccount.items.map((r) => r.accountId)).toEqual(['999999999999']);
    expect(all.items).toHaveLength(4);
    await expect(store.list({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('keeps write-back retries in a sparse index until they are delivered', async () => {
    // Prepare
    const store = await newStore();
    const { record } = await create(store, request(instance()));
    const at = new Date().toISOString();
    const pending = [
      {
        channel: 'sns' as const,
        status: 'APPROVED' as const,
        attempts: 1,
        lastError: 'boom',
        lastAttemptAt: at,
      },
    ];

    // Act
    await store.saveReports(record.id, { sns: { status: 'APPROVED', ok: false, at } }, pending, at);
    const waiting = await store.listPendingReports();
    await store.saveReports(record.id, { sns: { status: 'APPROVED', ok: true, at } }, [], at);
    const after = await store.listPendingReports();

    // Assess
    expect(waiting.map((r) => r.id)).toEqual([record.id]);
    expect(after).toEqual([]);
    expect((await store.require(record.id)).reports.sns).toMatchObject({ ok: true });
  });
});
