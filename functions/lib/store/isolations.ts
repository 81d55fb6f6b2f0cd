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
import { randomBytes } from 'node:crypto';
import type { DynamoDBDocument, QueryCommandInput, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { clientGetter, type ClientSource } from '../aws/sdk.js';
import { ConflictError, CordonError, NotFoundError } from '../errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { StepRecord, BeforeState } from '../actions/contract.js';
import {
  TERMINAL_STATUSES,
  canTransition,
  TABLE_TTL_ATTRIBUTE,
  keys,
  resourceKeyOf,
  type AuditEntry,
  type FailureInfo,
  type IsolationRecord,
  type IsolationStatus,
  type NewIsolation,
  type PendingReport,
  type Principal,
  type ReportOutcome,
  type SecurityHubRef,
} from './model.js';

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

/** Fields a transition may set besides status, audit, version and updatedAt. */
export interface RecordPatch {
  approver?: Principal & { at: string };
  reason?: string;
  steps?: StepRecord[];
  releaseSteps?: StepRecord[];
  before?: BeforeState;
  warnings?: string[];
  failure?: FailureInfo;
  containedAt?: string;
  releasedAt?: string;
  leaseExpiresAt?: string;
  securityHub?: SecurityHubRef;
}

/** Options of {@link IsolationStore.transition}. */
export interface TransitionOptions {
  /** Statuses the record may be in; anything else is a {@link ConflictError}. */
  from: readonly IsolationStatus[];
  to: IsolationStatus;
  by: Principal;
  note?: string;
  set?: RecordPatch;
  /** Attributes to remove (e.g. `failure` on retry, `leaseExpiresAt` at the end of a run). */
  remove?: readonly (keyof RecordPatch)[];
  /** Also allow taking over a record in this status whose worker lease expired before `now`. */
  takeOverExpiredLease?: { status: IsolationStatus; now: string };
  /** Time of the transition (audit entry and `updatedAt`). */
  at: string;
}

const MAX_CREATE_ATTEMPTS = 6;
const ISOLATION_KIND = 'isolation';
const REPORTS_PENDING = 'PENDING';
const INTERNAL_ATTRIBUTES = ['pk', 'sk', 'kind', 'reportsPending'] as const;

/** A new sortable isolation id: `iso-<UTC yyyymmddhhmmssSSS>-<10 hex>`. */
export function newIsolationId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:TZ.]/g, '');
  return `iso-${stamp}-${randomBytes(5).toString('hex')}`;
}

const ISOLATION_ID_PATTERN = /^iso-\d{17}-[0-9a-f]{10}$/;

/** Whether a string has the shape of an isolation id (API path validation). */
export function isIsolationId(value: string): boolean {
  return ISOLATION_ID_PATTERN.test(value);
}

/** Hour bucket of a timestamp, e.g. `2026-11-28T07`. */
export function hourBucket(now: Date): string {
  return now.toISOString().slice(0, 13);
}

function toRecord(item: Record<string, unknown>): IsolationRecord {
  const copy: Record<string, unknown> = { ...item };
  for (const attribute of INTERNAL_ATTRIBUTES) delete copy[attribute];
  return copy as unknown as IsolationRecord;
}

// By name, not instanceof: the SDK is loaded lazily (see aws/sdk.ts), and the name is what identifies a service
// exception across SDK copies anyway.
function isTransactionCanceled(error: unknown): error is TransactionCanceledException {
  return error instanceof Error && error.name === 'TransactionCanceledException';
}

function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Isolation records in cordon's single table. */
export class IsolationStore {
  private readonly doc: () => Promise<DynamoDBDocument>;

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
    if (existing !== undefined) return existing;
    let status = input.status;
    let limits = input.limits;
    let downgraded: string | undefined;
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_CREATE_ATTEMPTS; attempt++) {
      const record = this.buildRecord(input, context, status, downgraded);
      const resourceKey = record.resourceKey;
      const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
        {
          Put: {
            TableName: this.tableName,
            Item: this.toItem(record),
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
            ConditionExpression: 'attribute_not_exists(pk)',
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

  private buildRecord(
    input: NewIsolation,
    context: { id: string; now: Date },
    status: 'PENDING_APPROVAL' | 'APPROVED',
    downgraded: string | undefined,
  ): IsolationRecord {
    const at = context.now.toISOString();
    const audit: AuditEntry = {
      at,
      by: input.requester,
      from: null,
      to: status,
      ...((downgraded ?? input.note) ? { note: downgraded ?? input.note } : {}),
    };
    const record: IsolationRecord = {
      id: context.id,
      resource: input.resource,
      resourceKey: resourceKeyOf(input.resource),
      resourceId: input.resource.id,
      accountId: input.resource.accountId,
      region: input.resource.region,
      action: input.action,
      params: input.params,
      mode: input.mode,
      status,
      steps: [],
      releaseSteps: [],
      before: {},
      requester: input.requester,
      audit: [audit],
      warnings: [],
      createdAt: at,
      updatedAt: at,
      reports: {},
      pendingReports: [],
      version: 1,
    };
    if (input.findingKey !== undefined) record.findingKey = input.findingKey;
    if (input.finding !== undefined) record.finding = input.finding;
    if (input.securityHub !== undefined) record.securityHub = input.securityHub;
    if (input.rule !== undefined) record.rule = input.rule;
    if (status === 'APPROVED' && input.approver !== undefined) record.approver = input.approver;
    if (input.reason !== undefined) record.reason = input.reason;
    if (input.ticket !== undefined) record.ticket = input.ticket;
    if (input.immediate) record.immediate = true;
    if (input.receivedAt !== undefined) record.receivedAt = input.receivedAt;
    if (downgraded !== undefined) record.approvalReason = downgraded;
    return record;
  }

  private toItem(record: IsolationRecord): Record<string, unknown> {
    const item: Record<string, unknown> = { ...keys.isolation(record.id), kind: ISOLATION_KIND, ...record };
    if (record.pendingReports.length > 0) item['reportsPending'] = REPORTS_PENDING;
    return item;
  }

  /** Follow a marker item (lock or finding) to its record. */
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
    // The state machine is one table (TRANSITIONS); a caller asking for a move outside it is a bug, caught
    // before any write. DynamoDB's condition on the current status then enforces it against races.
    const sources = [
      ...options.from,
      ...(options.takeOverExpiredLease ? [options.takeOverExpiredLease.status] : []),
    ];
    const illegal = sources.filter((from) => !canTransition(from, options.to));
    if (illegal.length > 0) {
      throw new CordonError(`internal: ${illegal.join(', ')} → ${options.to} is not an isolation transition`);
    }
    const current = await this.require(id);
    const entry: AuditEntry = { at: options.at, by: options.by, from: current.status, to: options.to };
    if (options.note !== undefined) entry.note = options.note;
    const names: Record<string, string> = {
      '#status': 'status',
      '#audit': 'audit',
      '#updatedAt': 'updatedAt',
    };
    const values: Record<string, unknown> = {
      ':to': options.to,
      ':entry': [entry],
      ':at': options.at,
      ':one': 1,
    };
    const sets = [
      '#status = :to',
      '#audit = list_append(#audit, :entry)',
      '#updatedAt = :at',
      'version = version + :one',
    ];
    let i = 0;
    for (const [key, value] of Object.entries(options.set ?? {})) {
      if (value === undefined) continue;
      names[`#s${i}`] = key;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
      i++;
    }
    const removes = (options.remove ?? []).map((key, n) => {
      names[`#r${n}`] = key;
      return `#r${n}`;
    });
    const fromValues = options.from.map((status, n) => {
      values[`:f${n}`] = status;
      return `:f${n}`;
    });
    const clauses = fromValues.length > 0 ? [`#status IN (${fromValues.join(', ')})`] : [];
    if (options.takeOverExpiredLease !== undefined) {
      names['#lease'] = 'leaseExpiresAt';
      values[':leaseStatus'] = options.takeOverExpiredLease.status;
      values[':now'] = options.takeOverExpiredLease.now;
      clauses.push('(#status = :leaseStatus AND (attribute_not_exists(#lease) OR #lease < :now))');
    }
    if (clauses.length === 0) throw new CordonError('transition needs `from` statuses or a lease takeover');
    const condition = clauses.join(' OR ');
    const update = {
      TableName: this.tableName,
      Key: keys.isolation(id),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
    const conflict = (error: unknown) =>
      new ConflictError(
        `Isolation ${id} cannot move to ${options.to}: it is ${current.status}, expected ${options.from.join(' or ')}`,
        { cause: error },
      );
    try {
      if (TERMINAL_STATUSES.includes(options.to)) {
        await (
          await this.doc()
        ).transactWrite({
          TransactItems: [
            { Update: update },
            {
              // Only our own lock: never free a lock another isolation holds.
              Delete: {
                TableName: this.tableName,
                Key: keys.activeLock(current.resourceKey, current.action),
                ConditionExpression: 'attribute_not_exists(pk) OR isolationId = :id',
                ExpressionAttributeValues: { ':id': id },
              },
            },
          ],
        });
        return await this.require(id);
      }
      const output = await (await this.doc()).update({ ...update, ReturnValues: 'ALL_NEW' });
      if (output.Attributes === undefined) throw new CordonError(`Update of ${id} returned no attributes`);
      return toRecord(output.Attributes);
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw conflict(error);
      if (isTransactionCanceled(error)) {
        const reasons = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
        if (reasons.includes('ConditionalCheckFailed')) throw conflict(error);
        throw new ConflictError(`Isolation ${id}: transaction conflict, retry`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Persist progress of a running apply or release (after every step), only while the record is still in the
   * expected status: a run that lost its lease cannot overwrite the newer one.
   * @throws ConflictError when the record left `status`.
   */
  async saveProgress(
    id: string,
    status: IsolationStatus,
    progress: {
      steps?: StepRecord[];
      releaseSteps?: StepRecord[];
      before?: BeforeState;
      warnings?: string[];
    },
    at: string,
  ): Promise<void> {
    const names: Record<string, string> = { '#status': 'status', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':status': status, ':at': at, ':one': 1 };
    const sets = ['#updatedAt = :at', 'version = version + :one'];
    for (const [key, value] of Object.entries(progress)) {
      if (value === undefined) continue;
      names[`#${key}`] = key;
      values[`:${key}`] = value;
      sets.push(`#${key} = :${key}`);
    }
    try {
      await (
        await this.doc()
      ).update({
        TableName: this.tableName,
        Key: keys.isolation(id),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: '#status = :status',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConflictError(`Isolation ${id} is no longer ${status}; progress not saved`, {
          cause: error,
        });
      }
      throw error;
    }
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
