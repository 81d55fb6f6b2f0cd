/**
 * Reads of isolation records: by id, through the finding markers and active locks, and the index queries behind
 * the lists and sweeps. Every item read goes through the codec (codec.ts): a corrupt item is refused with
 * CorruptRecordError, never handed on.
 */
import type { DynamoDBDocument, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../errors.js';
import {
  ISOLATION_KIND,
  REPORTS_PENDING,
  pointerFromItem,
  recordFromItem,
  recordsFromItems,
} from './codec.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { keys, type IsolationRecord, type IsolationStatus } from './model.js';

/** Where the store reads and writes: the DocumentClient and the table. */
export interface StoreTable {
  doc(): Promise<DynamoDBDocument>;
  readonly tableName: string;
}

/** A page of records, newest first, with an opaque cursor for the next page. */
export interface IsolationPage {
  items: IsolationRecord[];
  cursor?: string;
}

/** Filters for `IsolationStore.list`; every filter is served by an index. */
export interface IsolationQuery {
  status?: IsolationStatus;
  accountId?: string;
  /** Bare resource id (instance id, user name, access key id, role name). */
  resourceId?: string;
  limit?: number;
  cursor?: string;
}

/** The record with this id, or undefined. Strongly consistent. */
export async function getRecord(table: StoreTable, id: string): Promise<IsolationRecord | undefined> {
  const key = keys.isolation(id);
  const output = await (
    await table.doc()
  ).get({ TableName: table.tableName, Key: key, ConsistentRead: true });
  return output.Item === undefined ? undefined : recordFromItem(output.Item, key);
}

/** @throws NotFoundError when there is no record with this id. */
export async function requireRecord(table: StoreTable, id: string): Promise<IsolationRecord> {
  const record = await getRecord(table, id);
  if (record === undefined) throw new NotFoundError(`No isolation with id ${id}`);
  return record;
}

/** The id of the isolation a lock or finding marker points at, if the marker exists. */
export async function pointerId(
  table: StoreTable,
  key: { pk: string; sk: string },
): Promise<string | undefined> {
  const output = await (
    await table.doc()
  ).get({ TableName: table.tableName, Key: key, ConsistentRead: true });
  return output.Item === undefined ? undefined : pointerFromItem(output.Item, key);
}

/** The record a lock or finding marker points at, if both exist. */
export async function pointedRecord(
  table: StoreTable,
  key: { pk: string; sk: string },
): Promise<IsolationRecord | undefined> {
  const id = await pointerId(table, key);
  return id === undefined ? undefined : getRecord(table, id);
}

/** The records every marker of a partition points at (notify markers point at none). */
async function followAll(table: StoreTable, partition: string): Promise<IsolationRecord[]> {
  const query: QueryCommandInput = {
    TableName: table.tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': partition },
    ConsistentRead: true,
  };
  const records: IsolationRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await (await table.doc()).query({ ...query, ExclusiveStartKey: startKey });
    for (const item of output.Items ?? []) {
      const id = pointerFromItem(item);
      if (id === undefined) continue;
      const record = await getRecord(table, id);
      if (record) records.push(record);
    }
    startKey = output.LastEvaluatedKey;
  } while (startKey !== undefined);
  return records;
}

/** Every isolation created for this finding key (one per resource and action). */
export function findByFindingKey(table: StoreTable, findingKey: string): Promise<IsolationRecord[]> {
  return followAll(table, keys.findingPrefix(findingKey));
}

/** The active isolations of a resource (at most one per action). */
export function findActiveByResource(table: StoreTable, resourceKey: string): Promise<IsolationRecord[]> {
  return followAll(table, keys.activePrefix(resourceKey));
}

function page(output: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }) {
  const cursor = encodeCursor(output.LastEvaluatedKey);
  return { items: recordsFromItems(output.Items), ...(cursor === undefined ? {} : { cursor }) };
}

/** Records in a status, oldest first, optionally created before a time (expiry). */
export async function listByStatus(
  table: StoreTable,
  status: IsolationStatus,
  options: { createdBefore?: string; limit?: number; cursor?: string } = {},
): Promise<IsolationPage> {
  const values: Record<string, unknown> = { ':status': status };
  let condition = '#status = :status';
  if (options.createdBefore !== undefined) {
    condition += ' AND createdAt < :before';
    values[':before'] = options.createdBefore;
  }
  const output = await (
    await table.doc()
  ).query({
    TableName: table.tableName,
    IndexName: 'by-status',
    KeyConditionExpression: condition,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: values,
    ScanIndexForward: true,
    Limit: options.limit ?? 100,
    ExclusiveStartKey: decodeCursor(options.cursor, { attribute: 'status', value: status }),
  });
  return page(output);
}

/** Records matching the filters, newest first; every filter combination is served by an index. */
export async function listRecords(table: StoreTable, query: IsolationQuery = {}): Promise<IsolationPage> {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const filters: string[] = [];
  let index: string;
  let keyCondition: string;
  let partition: { attribute: string; value: string };
  if (query.status !== undefined) {
    index = 'by-status';
    keyCondition = '#status = :status';
    names['#status'] = 'status';
    values[':status'] = query.status;
    partition = { attribute: 'status', value: query.status };
  } else if (query.resourceId !== undefined) {
    index = 'by-resource';
    keyCondition = 'resourceId = :resourceId';
    values[':resourceId'] = query.resourceId;
    partition = { attribute: 'resourceId', value: query.resourceId };
  } else if (query.accountId !== undefined) {
    index = 'by-account';
    keyCondition = 'accountId = :accountId';
    values[':accountId'] = query.accountId;
    partition = { attribute: 'accountId', value: query.accountId };
  } else {
    index = 'by-time';
    keyCondition = 'kind = :kind';
    values[':kind'] = ISOLATION_KIND;
    partition = { attribute: 'kind', value: ISOLATION_KIND };
  }
  if (query.accountId !== undefined && index !== 'by-account') {
    filters.push('accountId = :accountId');
    values[':accountId'] = query.accountId;
  }
  if (query.resourceId !== undefined && index !== 'by-resource') {
    filters.push('resourceId = :resourceId');
    values[':resourceId'] = query.resourceId;
  }
  const output = await (
    await table.doc()
  ).query({
    TableName: table.tableName,
    IndexName: index,
    KeyConditionExpression: keyCondition,
    ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
    ScanIndexForward: false,
    Limit: limit,
    ExclusiveStartKey: decodeCursor(query.cursor, partition),
  });
  return page(output);
}

/** Records with write-backs or notifications waiting for a retry (sparse index). */
export async function listPendingReports(table: StoreTable, limit = 25): Promise<IsolationRecord[]> {
  const output = await (
    await table.doc()
  ).query({
    TableName: table.tableName,
    IndexName: 'pending-reports',
    KeyConditionExpression: 'reportsPending = :pending',
    ExpressionAttributeValues: { ':pending': REPORTS_PENDING },
    Limit: limit,
  });
  return recordsFromItems(output.Items);
}

/**
 * IN_PROGRESS records marked exposed whose lease lapsed before `now`: runs that died (or stalled) while the
 * resource was more exposed. Served by the `by-status` index (a query, never a scan: few records are in
 * progress at any time); the filter keeps only the exposed, lapsed ones. Oldest first.
 */
export async function listLapsedExposed(table: StoreTable, now: string): Promise<IsolationRecord[]> {
  const records: IsolationRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await (
      await table.doc()
    ).query({
      TableName: table.tableName,
      IndexName: 'by-status',
      KeyConditionExpression: '#status = :status',
      FilterExpression: 'attribute_exists(#exposedAt) AND (attribute_not_exists(#lease) OR #lease < :now)',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#exposedAt': 'exposedAt',
        '#lease': 'leaseExpiresAt',
      },
      ExpressionAttributeValues: { ':status': 'IN_PROGRESS', ':now': now },
      ScanIndexForward: true,
      ExclusiveStartKey: startKey,
    });
    records.push(...recordsFromItems(output.Items));
    startKey = output.LastEvaluatedKey;
  } while (startKey !== undefined);
  return records;
}
