/**
 * Creating isolation requests, and the `notify` markers of findings told once.
 *
 * Invariants enforced by DynamoDB itself, never by read-then-write:
 * - a record is created together with its finding marker and its active lock in one TransactWriteItems, each with
 *   a condition (`attribute_not_exists`, or the renewal's, see renewal.ts), so duplicate and concurrent deliveries
 *   create one request;
 * - automatic requests increment per-account and global hourly counters in that same transaction, each with a
 *   `count < limit` condition, so concurrent triage runs cannot overshoot a limit.
 *
 * The global counter is sharded: every automatic isolation of the organisation would otherwise update one item,
 * and concurrent transactions on one item cancel each other (TransactionConflict). The limit is split exactly
 * over the shards ({@link globalShardLimits}); a request starts at a random shard and moves to the next when its
 * shard is full, and is parked for approval only when every shard is full, so the limit stays exact.
 */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors.js';
import { itemFromRecord, notifiedItem, pointerItem } from './codec.js';
import { hourBucket, isConditionalCheckFailed, isTransactionCanceled, newRecord } from './items.js';
import {
  TABLE_TTL_ATTRIBUTE,
  keys,
  resourceKeyOf,
  type IsolationRecord,
  type NewIsolation,
} from './model.js';
import { getRecord, pointedRecord, pointerId, type StoreTable } from './queries.js';
import { findingMarkerCondition, renewalOf, stampTrigger } from './renewal.js';
import { UpdateBuilder } from './update.js';

/** Result of {@link createIsolation}. */
export type CreateIsolationResult =
  | {
      created: true;
      record: IsolationRecord;
      /** Why an automatic request was parked (a limit). */ downgraded?: string;
    }
  | { created: false; record: IsolationRecord; duplicateOf: 'finding' | 'resource' };

const MAX_CREATE_ATTEMPTS = 6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const COUNT_ATTRIBUTE = 'count';

/** Shards of the global hour counter: enough to spread a storm's transactions, few enough to scan in one hour. */
export const GLOBAL_COUNTER_SHARDS = 8;

/**
 * The global limit split over its shards: `min(GLOBAL_COUNTER_SHARDS, limit)` shards whose limits add up to
 * exactly `limit` (the first `limit mod n` shards take one more). No shard for a limit below 1.
 */
export function globalShardLimits(limit: number): number[] {
  const total = Math.max(0, Math.floor(limit));
  const shards = Math.min(GLOBAL_COUNTER_SHARDS, total);
  return Array.from({ length: shards }, (_, i) => Math.floor(total / shards) + (i < total % shards ? 1 : 0));
}

/** The hourly counter's increment, refused by DynamoDB once it reached `limit`. */
function counterUpdate(limit: number, ttl: number) {
  const update = new UpdateBuilder().increment(COUNT_ATTRIBUTE, 1, 0).set(TABLE_TTL_ATTRIBUTE, ttl);
  const count = update.name(COUNT_ATTRIBUTE);
  return update.build(`attribute_not_exists(${count}) OR ${count} < ${update.value(limit)}`);
}

/**
 * Create an isolation request, or return the existing one when the finding or the (resource, action) already
 * has one. Automatic requests past an hourly limit are created as PENDING_APPROVAL with the reason.
 * @throws ConflictError when DynamoDB keeps reporting transaction conflicts (transient; the caller may retry).
 */
export async function createIsolation(
  table: StoreTable,
  input: NewIsolation,
  context: { id: string; now: Date },
): Promise<CreateIsolationResult> {
  // Duplicates are the common case (re-published findings, GuardDuty/Security Hub twins). Two consistent reads
  // answer them without a transaction, which would fail anyway and still cost write capacity. The transaction
  // below keeps guarding the race between concurrent first deliveries.
  const existing = await existingRequest(table, input);
  const renewed = renewalOf(existing, input.trigger);
  if (existing !== undefined && renewed === undefined) return existing;
  const { tableName } = table;
  let status = input.status;
  let limits = input.limits;
  let downgraded: string | undefined;
  let lastError: unknown;
  const shardLimits = globalShardLimits(input.limits?.globalPerHour ?? 0);
  // Shards found full (counters only grow within the hour), and the one this attempt counts against.
  const fullShards = new Set<number>();
  let shard = Math.floor(Math.random() * Math.max(1, shardLimits.length));
  let conflicts = 0;
  for (
    let attempt = 1;
    conflicts < MAX_CREATE_ATTEMPTS && attempt <= MAX_CREATE_ATTEMPTS + GLOBAL_COUNTER_SHARDS;
    attempt++
  ) {
    if (limits !== undefined && fullShards.size === shardLimits.length) {
      downgraded = `Automatic isolation needs approval: the global limit of ${String(limits.globalPerHour)} automatic isolations per hour was reached.`;
      status = 'PENDING_APPROVAL';
      limits = undefined;
    }
    const record = newRecord(input, context, status, downgraded);
    stampTrigger(record, input.trigger, renewed);
    const resourceKey = record.resourceKey;
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: {
          TableName: tableName,
          Item: itemFromRecord(record),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: tableName,
          Item: pointerItem(keys.activeLock(resourceKey, input.action), record.id, record.createdAt),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    const findingIndex = input.findingKey === undefined ? -1 : items.length;
    if (input.findingKey !== undefined) {
      items.push({
        Put: {
          TableName: tableName,
          Item: pointerItem(
            keys.finding(input.findingKey, resourceKey, input.action),
            record.id,
            record.createdAt,
          ),
          ...findingMarkerCondition(renewed),
        },
      });
    }
    const counterIndex = items.length;
    if (limits !== undefined && status === 'APPROVED') {
      const hour = hourBucket(context.now);
      const ttl = Math.floor(context.now.getTime() / 1000) + 2 * 24 * 3600;
      while (fullShards.has(shard)) shard = (shard + 1) % shardLimits.length;
      for (const [key, limit] of [
        [keys.accountHourCounter(record.accountId, hour), limits.perAccountPerHour],
        [keys.globalHourCounter(hour, shard), shardLimits[shard] ?? 0],
      ] as const) {
        items.push({ Update: { TableName: tableName, Key: key, ...counterUpdate(limit, ttl) } });
      }
    }
    try {
      await (await table.doc()).transactWrite({ TransactItems: items });
      return downgraded === undefined ? { created: true, record } : { created: true, record, downgraded };
    } catch (error) {
      if (!isTransactionCanceled(error)) throw error;
      lastError = error;
      const reasons = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
      const failed = (index: number) => index >= 0 && reasons[index] === 'ConditionalCheckFailed';
      if (failed(findingIndex) && input.findingKey !== undefined) {
        const existing = await pointedRecord(
          table,
          keys.finding(input.findingKey, resourceKey, input.action),
        );
        if (existing) return { created: false, record: existing, duplicateOf: 'finding' };
      } else if (failed(1)) {
        const existing = await pointedRecord(table, keys.activeLock(resourceKey, input.action));
        if (existing) return { created: false, record: existing, duplicateOf: 'resource' };
        // The lock vanished between our write and this read (the other isolation just ended): try again.
      } else if (failed(counterIndex)) {
        downgraded = `Automatic isolation needs approval: the per-account limit of ${String(limits?.perAccountPerHour)} automatic isolations per hour in ${record.accountId} was reached.`;
        status = 'PENDING_APPROVAL';
        limits = undefined;
        continue;
      } else if (failed(counterIndex + 1)) {
        // This shard is full: the next one (the loop parks the request once all are).
        fullShards.add(shard);
        continue;
      } else if (failed(0)) {
        throw new ConflictError(`Isolation id ${record.id} already exists`, { cause: error });
      }
      // TransactionConflict: another transaction touched the same items; it settles within milliseconds.
      conflicts += 1;
      await sleep(10 + Math.floor(Math.random() * 40 * conflicts));
    }
  }
  throw new ConflictError('Could not create the isolation request: DynamoDB kept reporting conflicts.', {
    cause: lastError,
  });
}

/** The request that already holds this finding or this (resource, action), if any: same order as the transaction. */
async function existingRequest(
  table: StoreTable,
  input: NewIsolation,
): Promise<CreateIsolationResult | undefined> {
  const resourceKey = resourceKeyOf(input.resource);
  // Read both markers at once, then load only the record that answers: a duplicate usually has both.
  const [byFinding, byResource] = await Promise.all([
    input.findingKey === undefined
      ? undefined
      : pointerId(table, keys.finding(input.findingKey, resourceKey, input.action)),
    pointerId(table, keys.activeLock(resourceKey, input.action)),
  ]);
  const [id, duplicateOf] =
    byFinding !== undefined ? [byFinding, 'finding' as const] : [byResource, 'resource' as const];
  const record = id === undefined ? undefined : await getRecord(table, id);
  return record === undefined ? undefined : { created: false, record, duplicateOf };
}

/**
 * Remember that a finding was reported under a `notify` rule; false when it already was (re-published finding,
 * GuardDuty/Security Hub twin, concurrent delivery), so people are told once.
 */
export async function markFindingNotified(
  table: StoreTable,
  findingKey: string,
  rule: string,
  at: string,
): Promise<boolean> {
  try {
    await (
      await table.doc()
    ).put({
      TableName: table.tableName,
      Item: notifiedItem(keys.finding(findingKey, 'notify', rule), rule, at),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** Remove a notify marker, so a retried delivery of the finding notifies again (its notification failed). */
export async function unmarkFindingNotified(
  table: StoreTable,
  findingKey: string,
  rule: string,
): Promise<void> {
  await (
    await table.doc()
  ).delete({ TableName: table.tableName, Key: keys.finding(findingKey, 'notify', rule) });
}
