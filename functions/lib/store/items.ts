/**
 * New isolation records and their ids, and the names of DynamoDB's condition errors. The mapping between records
 * and items is in codec.ts.
 */
import { randomBytes } from 'node:crypto';
import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { withActedOnAccount } from '../findings/account.js';
import { ISOLATION_ID } from '../kernel/ids.js';
import { resourceKeyOf, type AuditEntry, type IsolationRecord, type NewIsolation } from './model.js';

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

/** A new record for {@link NewIsolation}, in `status` (an automatic request may have been parked: `downgraded`). */
export function newRecord(
  input: NewIsolation,
  context: { id: string; now: Date },
  status: 'PENDING_APPROVAL' | 'APPROVED' | 'SKIPPED',
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
  if (input.receivedEvent !== undefined) record.receivedEvent = input.receivedEvent;
  if (input.explanation !== undefined) record.explanation = input.explanation;
  if (downgraded !== undefined) record.approvalReason = downgraded;
  return record;
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
