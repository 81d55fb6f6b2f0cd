/**
 * The isolation store: every read and write of isolation records, over the DynamoDB DocumentClient.
 *
 * Invariants enforced by DynamoDB itself, never by read-then-write:
 * - a record is created together with its finding marker and its active lock in one TransactWriteItems, each with
 *   `attribute_not_exists`, so duplicate and concurrent deliveries create one request;
 * - automatic requests increment per-account and global hourly counters in that same transaction, each with a
 *   `count < limit` condition, so concurrent triage runs cannot overshoot a limit;
 * - every status change is an update conditioned on the current status (and on the lock for terminal statuses).
 */
import type { DynamoDBDocument, QueryCommandInput, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { clientGetter, type ClientSource } from '../aws/sdk.js';
import { ConflictError, NotFoundError } from '../errors.js';
import {
  ISOLATION_KIND,
  REPORTS_PENDING,
  hourBucket,
  isConditionalCheckFailed,
  isTransactionCanceled,
  newRecord,
  toItem,
  toRecord,
} from './items.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import {
  TABLE_TTL_ATTRIBUTE,
  keys,
  resourceKeyOf,
  type IsolationRecord,
  type IsolationStatus,
  type NewIsolation,
  type PendingReport,
  type ReportOutcome,
  type SecurityHubRef,
} from './model.js';
import { listLapsedExposed, renewLease, setExposure, type RunLease } from './lease.js';
import {
  saveProgress,
  transition,
  type Progress,
  type StoreTable,
  type TransitionOptions,
} from './transitions.js';

export { hourBucket, isIsolationId, newIsolationId } from './items.js';
export type { RecordPatch, TransitionOptions } from './transitions.js';
export type { RunLease } from './lease.js';
import { findingMarkerCondition, renewalOf, stampTrigger } from './renewal.js';

/** Result of {@link IsolationStore.create}. */
export type CreateIsolationResult =
  | {
      created: true;
      record: IsolationRecord;
      /** Why an automatic request was parked (a limit). */ downgraded?: string;
    }
  | { created: false; record: IsolationRecord; duplicateOf: 'finding' | 'resource' };

/** A page of records, newest first, with an opaque cursor for the next page. */
export interface IsolationPage {
  items: IsolationRecord[];
  cursor?: string;
}

/** Filters for {@link IsolationStore.list}; every filter is served by an index. */
export interface IsolationQuery {
  status?: IsolationStatus;
  accountId?: string;
  /** Bare resource id (instance id, user name, access key id, role name). */
  resourceId?: string;
  limit?: number;
  cursor?: string;
}

const MAX_CREATE_ATTEMPTS = 6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Isolation records in cordon's single table. */
export class IsolationStore {
  private readonly doc: () => Promise<DynamoDBDocument>;
  private readonly table: StoreTable;

  /**
   * @param documentClient the DocumentClient, or a function building it on first use (the Lambdas; see
   *   aws/sdk.ts)
   * @param tableName the isolations table
   */
  constructor(
    documentClient: ClientSource<DynamoDBDocument>,
    readonly tableName: string,
  ) {
    this.doc = clientGetter(documentClient);
    this.table = { doc: this.doc, tableName, require: (id) => this.require(id) };
  }

  /**
   * Create an isolation request, or return the existing one when the finding or the (resource, action) already
   * has one. Automatic requests past an hourly limit are created as PENDING_APPROVAL with the reason.
   * @throws ConflictError when DynamoDB keeps reporting transaction conflicts (transient; the caller may retry).
   */
  async create(input: NewIsolation, context: { id: string; now: Date }): Promise<CreateIsolationResult> {
    // Duplicates are the common case (re-published findings, GuardDuty/Security Hub twins). Two consistent reads
    // answer them without a transaction, which would fail anyway and still cost write capacity. The transaction
    // below keeps guarding the race between concurrent first deliveries.
    const existing = await this.existingRequest(input);
    const renewed = renewalOf(existing, input.trigger);
    if (existing !== undefined && renewed === undefined) return existing;
    let status = input.status;
    let limits = input.limits;
    let downgraded: string | undefined;
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_CREATE_ATTEMPTS; attempt++) {
      const record = newRecord(input, context, status, downgraded);
      stampTrigger(record, input.trigger, renewed);
      const resourceKey = record.resourceKey;
      const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
        {
          Put: {
            TableName: this.tableName,
            Item: toItem(record),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.activeLock(resourceKey, input.action),
              isolationId: record.id,
              createdAt: record.createdAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ];
      const findingIndex = input.findingKey === undefined ? -1 : items.length;
      if (input.findingKey !== undefined) {
        items.push({
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.finding(input.findingKey, resourceKey, input.action),
              isolationId: record.id,
              createdAt: record.createdAt,
            },
            ...findingMarkerCondition(renewed),
          },
        });
      }
      const counterIndex = items.length;
      if (limits !== undefined && status === 'APPROVED') {
        const hour = hourBucket(context.now);
        const ttl = Math.floor(context.now.getTime() / 1000) + 2 * 24 * 3600;
        for (const [key, limit] of [
          [keys.accountHourCounter(record.accountId, hour), limits.perAccountPerHour],
          [keys.globalHourCounter(hour), limits.globalPerHour],
        ] as const) {
          items.push({
            Update: {
              TableName: this.tableName,
              Key: key,
              UpdateExpression: 'SET #count = if_not_exists(#count, :zero) + :one, #ttl = :ttl',
              ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
              ExpressionAttributeNames: { '#count': 'count', '#ttl': TABLE_TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':ttl': ttl, ':limit': limit },
            },
          });
        }
      }
      try {
        await (await this.doc()).transactWrite({ TransactItems: items });
        return downgraded === undefined ? { created: true, record } : { created: true, record, downgraded };
      } catch (error) {
        if (!isTransactionCanceled(error)) throw error;
        lastError = error;
        const reasons = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
        const failed = (index: number) => index >= 0 && reasons[index] === 'ConditionalCheckFailed';
        if (failed(findingIndex) && input.findingKey !== undefined) {
          const existing = await this.pointer(keys.finding(input.findingKey, resourceKey, input.action));
          if (existing) return { created: false, record: existing, duplicateOf: 'finding' };
        } else if (failed(1)) {
          const existing = await this.pointer(keys.activeLock(resourceKey, input.action));
          if (existing) return { created: false, record: existing, duplicateOf: 'resource' };
          // The lock vanished between our write and this read (the other isolation just ended): try again.
        } else if (failed(counterIndex) || failed(counterIndex + 1)) {
          const which = failed(counterIndex)
            ? `the per-account limit of ${String(limits?.perAccountPerHour)} automatic isolations per hour in ${record.accountId}`
            : `the global limit of ${String(limits?.globalPerHour)} automatic isolations per hour`;
          downgraded = `Automatic isolation needs approval: ${which} was reached.`;
          status = 'PENDING_APPROVAL';
          limits = undefined;
          continue;
        } else if (failed(0)) {
          throw new ConflictError(`Isolation id ${record.id} already exists`, { cause: error });
        }
        // TransactionConflict: another transaction touched the same items; it settles within milliseconds.
        await sleep(10 + Math.floor(Math.random() * 40 * attempt));
      }
    }
    throw new ConflictError('Could not create the isolation request: DynamoDB kept reporting conflicts.', {
      cause: lastError,
    });
  }

  /** The request that already holds this finding or this (resource, action), if any: same order as the transaction. */
  private async existingRequest(input: NewIsolation): Promise<CreateIsolationResult | undefined> {
    const resourceKey = resourceKeyOf(input.resource);
    // Read both markers at once, then load only the record that answers: a duplicate usually has both.
    const [byFinding, byResource] = await Promise.all([
      input.findingKey === undefined
        ? undefined
        : this.pointerId(keys.finding(input.findingKey, resourceKey, input.action)),
      this.pointerId(keys.activeLock(resourceKey, input.action)),
    ]);
    const [id, duplicateOf] =
      byFinding !== undefined ? [byFinding, 'finding' as const] : [byResource, 'resource' as const];
    const record = id === undefined ? undefined : await this.get(id);
    return record === undefined ? undefined : { created: false, record, duplicateOf };
  }

  private async pointerId(key: { pk: string; sk: string }): Promise<string | undefined> {
    const output = await (
      await this.doc()
    ).get({ TableName: this.tableName, Key: key, ConsistentRead: true });
    const id = output.Item?.['isolationId'];
    return typeof id === 'string' ? id : undefined;
  }

  private async pointer(key: { pk: string; sk: string }): Promise<IsolationRecord | undefined> {
    const id = await this.pointerId(key);
    return id === undefined ? undefined : this.get(id);
  }

  /**
   * Remember that a finding was reported under a `notify` rule; false when it already was (re-published finding,
   * GuardDuty/Security Hub twin, concurrent delivery), so people are told once.
   */
  async markFindingNotified(findingKey: string, rule: string, at: string): Promise<boolean> {
    try {
      await (
        await this.doc()
      ).put({
        TableName: this.tableName,
        Item: { ...keys.finding(findingKey, 'notify', rule), rule, createdAt: at },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Remove a notify marker, so a retried delivery of the finding notifies again (its notification failed). */
  async unmarkFindingNotified(findingKey: string, rule: string): Promise<void> {
    await (
      await this.doc()
    ).delete({ TableName: this.tableName, Key: keys.finding(findingKey, 'notify', rule) });
  }

  /** The record with this id, or undefined. Strongly consistent. */
  async get(id: string): Promise<IsolationRecord | undefined> {
    const output = await (
      await this.doc()
    ).get({ TableName: this.tableName, Key: keys.isolation(id), ConsistentRead: true });
    return output.Item === undefined ? undefined : toRecord(output.Item);
  }

  /**
   * The record with this id.
   * @throws NotFoundError when there is none.
   */
  async require(id: string): Promise<IsolationRecord> {
    const record = await this.get(id);
    if (record === undefined) throw new NotFoundError(`No isolation with id ${id}`);
    return record;
  }

  private async followAll(keyCondition: QueryCommandInput): Promise<IsolationRecord[]> {
    const records: IsolationRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await (await this.doc()).query({ ...keyCondition, ExclusiveStartKey: startKey });
      for (const item of output.Items ?? []) {
        const id = item['isolationId'];
        if (typeof id !== 'string') continue;
        const record = await this.get(id);
        if (record) records.push(record);
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
    return records;
  }

  /** Every isolation created for this finding key (one per resource and action). */
  async findByFindingKey(findingKey: string): Promise<IsolationRecord[]> {
    return this.followAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.findingPrefix(findingKey) },
      ConsistentRead: true,
    });
  }

  /** The active isolations of a resource (at most one per action). */
  async findActiveByResource(resourceKey: string): Promise<IsolationRecord[]> {
    return this.followAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.activePrefix(resourceKey) },
      ConsistentRead: true,
    });
  }

  /** Records in a status, oldest first, optionally created before a time (expiry). */
  async listByStatus(
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
      await this.doc()
    ).query({
      TableName: this.tableName,
      IndexName: 'by-status',
      KeyConditionExpression: condition,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
      ScanIndexForward: true,
      Limit: options.limit ?? 100,
      ExclusiveStartKey: decodeCursor(options.cursor, { attribute: 'status', value: status }),
    });
    const cursor = encodeCursor(output.LastEvaluatedKey);
    return { items: (output.Items ?? []).map(toRecord), ...(cursor === undefined ? {} : { cursor }) };
  }

  /** Records matching the filters, newest first; every filter combination is served by an index. */
  async list(query: IsolationQuery = {}): Promise<IsolationPage> {
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
      await this.doc()
    ).query({
      TableName: this.tableName,
      IndexName: index,
      KeyConditionExpression: keyCondition,
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: decodeCursor(query.cursor, partition),
    });
    const cursor = encodeCursor(output.LastEvaluatedKey);
    return { items: (output.Items ?? []).map(toRecord), ...(cursor === undefined ? {} : { cursor }) };
  }

  /** Records with write-backs or notifications waiting for a retry (sparse index). */
  async listPendingReports(limit = 25): Promise<IsolationRecord[]> {
    const output = await (
      await this.doc()
    ).query({
      TableName: this.tableName,
      IndexName: 'pending-reports',
      KeyConditionExpression: 'reportsPending = :pending',
      ExpressionAttributeValues: { ':pending': REPORTS_PENDING },
      Limit: limit,
    });
    return (output.Items ?? []).map(toRecord);
  }

  /**
   * Move a record to another status, conditioned on its current status, appending to the audit trail. Reaching a
   * terminal status also deletes the active lock, in the same transaction.
   * @throws ConflictError when the record is not in an allowed status (another run got there first).
   * @throws NotFoundError when the record does not exist.
   */
  async transition(id: string, options: TransitionOptions): Promise<IsolationRecord> {
    return transition(this.table, id, options);
  }

  /**
   * Persist progress of a running apply or release (after every step), only while the record is still in the
   * expected status and carries the run's token `lease` (when given): a run that lost its lease cannot overwrite
   * the newer one.
   * @throws LeaseLostError when `lease` is given and the record left `status` or carries another token.
   * @throws ConflictError when the record left `status` (no `lease` given).
   */
  async saveProgress(
    id: string,
    status: IsolationStatus,
    progress: Progress,
    at: string,
    lease?: string,
  ): Promise<void> {
    return saveProgress(this.table, id, status, progress, at, lease);
  }

  /**
   * Extend a run's lease to `until`, fenced by its token.
   * @throws LeaseLostError when the record no longer carries the token or left the run's status.
   */
  async renewLease(id: string, lease: RunLease, until: string): Promise<void> {
    return renewLease(this.table, id, lease, until);
  }

  /**
   * Set (`at`) or clear (`undefined`) the exposure marker, fenced by the run's token.
   * @throws LeaseLostError when the record no longer carries the token or left the run's status.
   */
  async setExposure(id: string, lease: RunLease, at: string | undefined): Promise<void> {
    return setExposure(this.table, id, lease, at);
  }

  /** IN_PROGRESS records marked exposed whose lease lapsed before `now` (the sweep resumes them first). */
  async listLapsedExposed(now: string): Promise<IsolationRecord[]> {
    return listLapsedExposed(this.table, now);
  }

  /**
   * Record the outcome of write-back and notification and the reports still to retry. Does not touch status, so
   * it never races a transition; the pending list is replaced as a whole (the caller read it just before).
   */
  async saveReports(
    id: string,
    reports: { securityhub?: ReportOutcome; sns?: ReportOutcome },
    pending: PendingReport[],
    at: string,
    securityHub?: SecurityHubRef,
  ): Promise<void> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#pending': 'pendingReports' };
    const values: Record<string, unknown> = { ':at': at, ':pending': pending, ':one': 1 };
    const sets = ['#updatedAt = :at', '#pending = :pending', 'version = version + :one'];
    const removes: string[] = [];
    for (const [channel, outcome] of Object.entries(reports)) {
      if (outcome === undefined) continue;
      names['#reports'] = 'reports';
      names[`#${channel}`] = channel;
      values[`:${channel}`] = outcome;
      sets.push(`#reports.#${channel} = :${channel}`);
    }
    if (securityHub !== undefined) {
      names['#sh'] = 'securityHub';
      values[':sh'] = securityHub;
      sets.push('#sh = :sh');
    }
    names['#rp'] = 'reportsPending';
    if (pending.length > 0) {
      values[':rp'] = REPORTS_PENDING;
      sets.push('#rp = :rp');
    } else {
      removes.push('#rp');
    }
    await (
      await this.doc()
    ).update({
      TableName: this.tableName,
      Key: keys.isolation(id),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }
}
