/**
 * The store refuses a corrupt stored item on every read path with CorruptRecordError (item key, issues, cause)
 * instead of handing on a wrong record, and a refused claim leaves the item as it was.
 */
import { describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { ZodError } from 'zod';
import { useMoto } from '../support/moto.js';
import { CorruptRecordError } from '../../functions/lib/errors.js';
import { IsolationStore, newIsolationId } from '../../functions/lib/store/isolations.js';
import { ensureIsolationTable } from '../../functions/lib/store/table.js';
import { emulatorDynamoHandler } from '../../functions/lib/pipeline/deps.js';
import {
  keys,
  type IsolationRecord,
  type NewIsolation,
  type Principal,
} from '../../functions/lib/store/model.js';
import { ACCOUNT, REGION, unique } from './support.js';

const moto = useMoto({ resetEach: false });

const policy: Principal = { type: 'policy', id: 'rule', name: 'policy rule' };
const worker: Principal = { type: 'system', id: 'worker', name: 'cordon worker' };

async function world(): Promise<{ store: IsolationStore; doc: DynamoDBDocument; tableName: string }> {
  const client = new DynamoDBClient({
    ...moto.clientConfig(REGION),
    requestHandler: emulatorDynamoHandler(),
  });
  const tableName = unique('isolations');
  await ensureIsolationTable(client, tableName);
  const doc = DynamoDBDocument.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { store: new IsolationStore(doc, tableName), doc, tableName };
}

function request(): NewIsolation {
  const id = `i-${Math.random().toString(16).slice(2, 19).padEnd(17, '0')}`;
  return {
    findingKey: `finding-${id}`,
    resource: {
      type: 'ec2-instance',
      id,
      accountId: ACCOUNT,
      region: REGION,
      tags: {},
      networkInterfaces: [],
      securityGroupIds: [],
    },
    action: 'isolate-ec2-instance',
    params: {},
    mode: 'auto',
    rule: 'rule',
    status: 'APPROVED',
    requester: policy,
  };
}

/**
 * A record in every index a read path uses: IN_PROGRESS with a lapsed lease and the exposure marker (by-status,
 * lapsed-exposed), with a report waiting (pending-reports), plus its finding marker and active lock.
 */
async function runningRecord(store: IsolationStore): Promise<IsolationRecord> {
  const now = new Date();
  const { record } = await store.create(request(), { id: newIsolationId(now), now });
  const at = now.toISOString();
  const claimed = await store.transition(record.id, {
    from: ['APPROVED'],
    to: 'IN_PROGRESS',
    by: worker,
    at,
    set: { leaseId: 'lease-1', leaseExpiresAt: '2000-01-01T00:00:00.000Z' },
  });
  await store.setExposure(record.id, { id: 'lease-1', status: 'IN_PROGRESS' }, at);
  await store.saveReports(
    record.id,
    {},
    [{ channel: 'sns', status: 'IN_PROGRESS', attempts: 1, lastError: 'throttled', lastAttemptAt: at }],
    at,
  );
  return claimed;
}

/** Every read path of the store, each expected to refuse the corrupt record. */
function readPaths(store: IsolationStore, record: IsolationRecord): [string, () => Promise<unknown>][] {
  const now = new Date();
  return [
    ['get', () => store.get(record.id)],
    ['require', () => store.require(record.id)],
    ['list (by-time page)', () => store.list()],
    ['list (by-account page)', () => store.list({ accountId: record.accountId })],
    ['list (by-resource page)', () => store.list({ resourceId: record.resourceId })],
    ['findByFindingKey', () => store.findByFindingKey(record.findingKey ?? '')],
    ['findActiveByResource', () => store.findActiveByResource(record.resourceKey)],
    [
      'create (the duplicate it answers)',
      () => store.create(request2(record), { id: newIsolationId(now), now }),
    ],
    [
      'claim (transition with lease takeover)',
      () =>
        store.transition(record.id, {
          from: ['APPROVED'],
          to: 'IN_PROGRESS',
          by: worker,
          at: now.toISOString(),
          takeOverExpiredLease: { status: 'IN_PROGRESS', now: now.toISOString() },
          set: { leaseId: 'lease-2' },
        }),
    ],
  ];
}

/** A new request for the same finding and resource: answered by the stored (corrupt) record. */
function request2(record: IsolationRecord): NewIsolation {
  return { ...request(), findingKey: record.findingKey ?? '', resource: record.resource };
}

async function expectRefused(
  name: string,
  read: () => Promise<unknown>,
  record: IsolationRecord,
  field: string,
): Promise<void> {
  const error: unknown = await read().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, name).toBeInstanceOf(CorruptRecordError);
  if (!(error instanceof CorruptRecordError)) return;
  expect(error.code).toBe('CORRUPT_RECORD');
  expect(error.key).toEqual(keys.isolation(record.id));
  expect(error.issues.map((issue) => issue.path.join('.'))).toContain(field);
  expect(error.cause).toBeInstanceOf(ZodError);
}

describe('Store: corrupt stored items', () => {
  it.each([
    { name: 'a wrong type on a field', field: 'version', expression: 'SET #f = :v', value: 'two' },
    { name: 'an unknown status', field: 'status', expression: 'SET #f = :v', value: 'HALF_DONE' },
    { name: 'a missing status', field: 'status', expression: 'REMOVE #f', value: undefined },
    { name: 'an attribute cordon never writes', field: '', expression: 'SET #f = :v', value: true },
  ])(
    'refuses a record with $name on every read path, and a refused claim writes nothing',
    async (corruption) => {
      // Prepare
      const { store, doc, tableName } = await world();
      const record = await runningRecord(store);
      const attribute = corruption.field === '' ? 'surprise' : corruption.field;
      await doc.update({
        TableName: tableName,
        Key: keys.isolation(record.id),
        UpdateExpression: corruption.expression,
        ExpressionAttributeNames: { '#f': attribute },
        ...(corruption.value === undefined ? {} : { ExpressionAttributeValues: { ':v': corruption.value } }),
      });
      const stored = (await doc.get({ TableName: tableName, Key: keys.isolation(record.id) })).Item;
      const paths = readPaths(store, record);
      paths.push(['listPendingReports (pending-reports page)', () => store.listPendingReports()]);
      // The by-status index holds the record only while its status is a known one.
      if (corruption.field !== 'status') {
        paths.push(['listByStatus (by-status page)', () => store.listByStatus('IN_PROGRESS')]);
        paths.push(['listLapsedExposed', () => store.listLapsedExposed(new Date().toISOString())]);
      }

      // Act + Assess: each path refuses, naming the item and the field (an unknown attribute is the item's issue).
      for (const [name, read] of paths) await expectRefused(name, read, record, corruption.field);
      expect((await doc.get({ TableName: tableName, Key: keys.isolation(record.id) })).Item).toEqual(stored);
    },
  );

  it('refuses an active lock that does not point at an isolation', async () => {
    // Prepare
    const { store, doc, tableName } = await world();
    const record = await runningRecord(store);
    const lock = keys.activeLock(record.resourceKey, record.action);
    await doc.update({
      TableName: tableName,
      Key: lock,
      UpdateExpression: 'SET isolationId = :n',
      ExpressionAttributeValues: { ':n': 42 },
    });

    // Act
    const error: unknown = await store
      .findActiveByResource(record.resourceKey)
      .catch((reason: unknown) => reason);

    // Assess
    expect(error).toBeInstanceOf(CorruptRecordError);
    if (error instanceof CorruptRecordError) {
      expect(error.key).toEqual(lock);
      expect(error.issues.map((issue) => issue.path.join('.'))).toContain('isolationId');
    }
  });
});
