/**
 * The mapping between isolation records and DynamoDB items: ids, the item's internal attributes (keys, `kind`,
 * the sparse `reportsPending` marker), new records, list cursors, and the names of DynamoDB's condition errors.
 */
import { randomBytes } from 'node:crypto';
import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../errors.js';
import { withActedOnAccount } from '../findings/account.js';
import { ISOLATION_ID } from '../kernel/ids.js';
import { keys, resourceKeyOf, type AuditEntry, type IsolationRecord, type NewIsolation } from './model.js';

/** `kind` of isolation items: the partition key of the time-ordered `by-time` index. */
export const ISOLATION_KIND = 'isolation';
/** Value of the sparse `reportsPending` attribute (the `pending-reports` index). */
export const REPORTS_PENDING = 'PENDING';
/** Item attributes that are not part of the record. */
const INTERNAL_ATTRIBUTES = ['pk', 'sk', 'kind', 'reportsPending'] as const;

/** A new sortable isolation id: `iso-<UTC yyyymmddhhmmssSSS>-<10 hex>`. */
export function newIsolationId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:TZ.]/g, '');
  return `iso-${stamp}-${randomBytes(5).toString('hex')}`;
}

/** Whether a string has the shape of an isolation id (API path validation). */
export function isIsolationId(value: string): boolean {
  return ISOLATION_ID.test(value);
}

/** Hour bucket of a timestamp, e.g. `2026-11-28T07`. */
export function hourBucket(now: Date): string {
  return now.toISOString().slice(0, 13);
}

/** The record stored in an isolation item, without the item's internal attributes. */
export function toRecord(item: Record<string, unknown>): IsolationRecord {
  const copy: Record<string, unknown> = { ...item };
  for (const attribute of INTERNAL_ATTRIBUTES) delete copy[attribute];
  return copy as unknown as IsolationRecord;
}

/** The item that stores a record: its keys, `kind`, and the pending-reports marker when reports wait. */
export function toItem(record: IsolationRecord): Record<string, unknown> {
  const item: Record<string, unknown> = { ...keys.isolation(record.id), kind: ISOLATION_KIND, ...record };
  if (record.pendingReports.length > 0) item['reportsPending'] = REPORTS_PENDING;
  return item;
}

/** A new record for {@link NewIsolation}, in `status` (an automatic request may have been parked: `downgraded`). */
export function newRecord(
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
  // One account throughout: the record's, the resource's and the per-account limit's are the account acted on.
  const resource = withActedOnAccount(input.resource);
  const record: IsolationRecord = {
    id: context.id,
    resource,
    resourceKey: resourceKeyOf(resource),
    resourceId: resource.id,
    accountId: resource.accountId,
    region: resource.region,
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

/** An opaque list cursor for a DynamoDB `LastEvaluatedKey`. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key === undefined ? undefined : Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * The `ExclusiveStartKey` of a cursor from {@link encodeCursor}.
 * @throws ValidationError for anything else.
 */
export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new ValidationError('Invalid cursor: pass back the cursor of a previous page unchanged.', [], {
      cause: error,
    });
  }
}

// By name, not instanceof: the SDK is loaded lazily (see aws/sdk.ts), and the name is what identifies a service
// exception across SDK copies anyway.
export function isTransactionCanceled(error: unknown): error is TransactionCanceledException {
  return error instanceof Error && error.name === 'TransactionCanceledException';
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Whether a cancelled transaction failed on a condition (not a conflict with another transaction). */
export function failedOnCondition(error: TransactionCanceledException): boolean {
  return (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
}
