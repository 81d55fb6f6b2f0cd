/**
 * The store's update-expression builder against the emulated DynamoDB: every clause it builds is accepted and does
 * what it says, and the record conditions (status, lease takeover, lease fence, existence) hold or refuse.
 */
import { describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { useMoto } from '../support/moto.js';
import { ensureIsolationTable } from '../../functions/lib/store/table.js';
import { emulatorDynamoHandler } from '../../functions/lib/pipeline/deps.js';
import {
  UpdateBuilder,
  fence,
  recordUpdate,
  type RecordCondition,
} from '../../functions/lib/store/update.js';
import { REGION, unique } from './support.js';

const moto = useMoto({ resetEach: false });

async function table(): Promise<{ doc: DynamoDBDocument; tableName: string }> {
  const client = new DynamoDBClient({
    ...moto.clientConfig(REGION),
    requestHandler: emulatorDynamoHandler(),
  });
  const tableName = unique('updates');
  await ensureIsolationTable(client, tableName);
  return { doc: DynamoDBDocument.from(client), tableName };
}

const key = { pk: 'ITEM#1', sk: 'ITEM' };

describe('Store: update expressions', () => {
  it('sets, keeps the first value, appends, increments, sets nested and odd names, and removes', async () => {
    // Prepare
    const { doc, tableName } = await table();
    await doc.put({
      TableName: tableName,
      Item: {
        ...key,
        status: 'IN_PROGRESS',
        version: 1,
        audit: ['a'],
        reports: {},
        exposedAt: 'first',
        gone: 1,
      },
    });
    const update = recordUpdate('2026-01-01T00:00:00.000Z')
      .set('status', 'ISOLATED')
      .set('skipped', undefined)
      .append('audit', ['b'])
      .setIfAbsent('exposedAt', 'second')
      .setIfAbsent('firstSeen', 'now')
      .increment('count', 2, 10)
      .set(['reports', 'sns'], { ok: true })
      .set('odd-name.with dots', 'x')
      .remove('gone');

    // Act
    await doc.update({ TableName: tableName, Key: key, ...update.build(fence(update, { exists: true })) });

    // Assess
    const item = (await doc.get({ TableName: tableName, Key: key, ConsistentRead: true })).Item;
    expect(item).toEqual({
      ...key,
      status: 'ISOLATED',
      updatedAt: '2026-01-01T00:00:00.000Z',
      version: 2,
      audit: ['a', 'b'],
      exposedAt: 'first',
      firstSeen: 'now',
      count: 12,
      reports: { sns: { ok: true } },
      'odd-name.with dots': 'x',
    });
  });

  it.each<{ name: string; condition: RecordCondition; passes: boolean }>([
    { name: 'in one of the statuses', condition: { status: ['APPROVED', 'IN_PROGRESS'] }, passes: true },
    { name: 'in another status', condition: { status: 'APPROVED' }, passes: false },
    { name: 'carrying the lease', condition: { status: 'IN_PROGRESS', lease: 'lease-1' }, passes: true },
    { name: 'carrying another lease', condition: { status: 'IN_PROGRESS', lease: 'lease-2' }, passes: false },
    {
      name: 'taken over after its lease lapsed',
      condition: { status: 'APPROVED', takeover: { status: 'IN_PROGRESS', now: '2030-01-01T00:00:00.000Z' } },
      passes: true,
    },
    {
      name: 'taken over before its lease lapsed',
      condition: { status: 'APPROVED', takeover: { status: 'IN_PROGRESS', now: '2020-01-01T00:00:00.000Z' } },
      passes: false,
    },
    {
      name: 'taken over by a run fenced on the lease',
      condition: { takeover: { status: 'IN_PROGRESS', now: '2030-01-01T00:00:00.000Z' }, lease: 'lease-1' },
      passes: true,
    },
  ])('writes a record $name: $passes', async ({ condition, passes }) => {
    // Prepare
    const { doc, tableName } = await table();
    const before = {
      ...key,
      status: 'IN_PROGRESS',
      leaseId: 'lease-1',
      leaseExpiresAt: '2025-01-01T00:00:00.000Z',
    };
    await doc.put({ TableName: tableName, Item: { ...before, version: 1 } });
    const update = new UpdateBuilder().increment('version').remove('leaseExpiresAt');

    // Act
    const outcome = await doc
      .update({ TableName: tableName, Key: key, ...update.build(fence(update, condition)) })
      .then(
        () => 'written',
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      );

    // Assess
    const item = (await doc.get({ TableName: tableName, Key: key, ConsistentRead: true })).Item;
    if (passes) {
      expect(outcome).toBe('written');
      expect(item).toEqual({ ...key, status: 'IN_PROGRESS', leaseId: 'lease-1', version: 2 });
    } else {
      expect(outcome).toBe('ConditionalCheckFailedException');
      expect(item).toEqual({ ...before, version: 1 });
    }
  });

  it('refuses a write to an item that does not exist', async () => {
    const { doc, tableName } = await table();
    const update = recordUpdate('2026-01-01T00:00:00.000Z');
    await expect(
      doc.update({ TableName: tableName, Key: key, ...update.build(fence(update, { exists: true })) }),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((await doc.get({ TableName: tableName, Key: key, ConsistentRead: true })).Item).toBeUndefined();
  });
});
