/**
 * Status transitions and progress saves of isolation records: the writes that move a record through the state
 * machine of model.ts, each conditioned on the record's current status.
 */
import type { EvidenceRef } from '../evidence/model.js';
import type { BeforeState, StepRecord } from '../actions/contract.js';
import { ConflictError, CordonError, LeaseLostError } from '../errors.js';
import { REPORTS_PENDING, recordFromItem } from './codec.js';
import { failedOnCondition, isConditionalCheckFailed, isTransactionCanceled } from './items.js';
import {
  TERMINAL_STATUSES,
  canTransition,
  keys,
  type AuditEntry,
  type FailureInfo,
  type IsolationRecord,
  type IsolationStatus,
  type Principal,
  type PendingReport,
  type ReportOutcome,
  type SecurityHubRef,
} from './model.js';
import { requireRecord, type StoreTable } from './queries.js';
import { fence, recordUpdate } from './update.js';

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
  releaseRestoreKeys?: string[];
  leaseExpiresAt?: string;
  leaseId?: string;
  exposedAt?: string;
  securityHub?: SecurityHubRef;
}

/** Options of {@link transition}. */
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
  /**
   * The fencing token of the worker run making this transition: the record must still carry it, else
   * {@link LeaseLostError} (another run took the record over).
   */
  lease?: string;
  /**
   * The record as the caller holds it (a worker run's own claimed record, or the request triage just created): the
   * write is then conditioned on exactly `current.status` and the record is not read first, which saves a round
   * trip. The audit entry's `from` is `current.status`, which the condition makes true.
   */
  current?: Pick<IsolationRecord, 'status' | 'resourceKey' | 'action'>;
}

/**
 * Move a record to another status, conditioned on its current status, appending to the audit trail. Reaching a
 * terminal status also deletes the active lock, in the same transaction.
 * @throws ConflictError when the record is not in an allowed status (another run got there first).
 * @throws NotFoundError when the record does not exist.
 */
export async function transition(
  table: StoreTable,
  id: string,
  options: TransitionOptions,
): Promise<IsolationRecord> {
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
  const known = options.current;
  if (known !== undefined && !options.from.includes(known.status)) {
    throw new CordonError(`internal: ${id} is held as ${known.status}, not ${options.from.join(' or ')}`);
  }
  const current = known ?? (await requireRecord(table, id));
  const entry: AuditEntry = { at: options.at, by: options.by, from: current.status, to: options.to };
  if (options.note !== undefined) entry.note = options.note;
  const builder = recordUpdate(options.at)
    .set('status', options.to)
    .append('audit', [entry])
    .setAll(options.set ?? {});
  for (const attribute of options.remove ?? []) builder.remove(attribute);
  const condition = fence(builder, {
    // A record the caller holds is written only if it is still in the status it was held in.
    status: known === undefined ? options.from : [known.status],
    ...(options.takeOverExpiredLease === undefined || known !== undefined
      ? {}
      : { takeover: options.takeOverExpiredLease }),
    ...(options.lease === undefined ? {} : { lease: options.lease }),
  });
  const update = { TableName: table.tableName, Key: keys.isolation(id), ...builder.build(condition) };
  const conflict = (error: unknown) =>
    options.lease === undefined
      ? new ConflictError(
          `Isolation ${id} cannot move to ${options.to}: it is ${current.status}, expected ${options.from.join(' or ')}`,
          { cause: error },
        )
      : leaseLost(id, options.lease, `move to ${options.to}`, error);
  try {
    if (TERMINAL_STATUSES.includes(options.to)) {
      await (
        await table.doc()
      ).transactWrite({
        TransactItems: [
          { Update: update },
          {
            // Only our own lock: never free a lock another isolation holds.
            Delete: {
              TableName: table.tableName,
              Key: keys.activeLock(current.resourceKey, current.action),
              ConditionExpression: 'attribute_not_exists(pk) OR isolationId = :id',
              ExpressionAttributeValues: { ':id': id },
            },
          },
        ],
      });
      return await requireRecord(table, id);
    }
    const output = await (await table.doc()).update({ ...update, ReturnValues: 'ALL_NEW' });
    if (output.Attributes === undefined) throw new CordonError(`Update of ${id} returned no attributes`);
    return recordFromItem(output.Attributes, keys.isolation(id));
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw conflict(error);
    if (isTransactionCanceled(error)) {
      // The record's condition (status, token) is the first item; the lock's is ours by construction.
      if (error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') throw conflict(error);
      if (failedOnCondition(error)) {
        throw new ConflictError(`Isolation ${id}: its active lock belongs to another isolation`, {
          cause: error,
        });
      }
      throw new ConflictError(`Isolation ${id}: transaction conflict, retry`, { cause: error });
    }
    throw error;
  }
}

/** Progress of a running apply or release, as {@link saveProgress} persists it. */
export interface Progress {
  steps?: StepRecord[];
  releaseSteps?: StepRecord[];
  before?: BeforeState;
  warnings?: string[];
}

/**
 * Persist progress of a running apply or release (after every step), only while the record is still in the
 * expected status and, given the run's fencing token, still carries it: a run that lost its lease cannot
 * overwrite the newer one.
 * @throws LeaseLostError when `lease` is given and the record left `status` or carries another token.
 * @throws ConflictError when the record left `status` (no `lease` given).
 */
export async function saveProgress(
  table: StoreTable,
  id: string,
  status: IsolationStatus,
  progress: Progress,
  at: string,
  lease?: string,
): Promise<void> {
  const builder = recordUpdate(at).setAll(progress);
  const condition = fence(builder, { status, ...(lease === undefined ? {} : { lease }) });
  try {
    await (
      await table.doc()
    ).update({ TableName: table.tableName, Key: keys.isolation(id), ...builder.build(condition) });
  } catch (error) {
    if (isConditionalCheckFailed(error)) {
      if (lease !== undefined) throw leaseLost(id, lease, 'save progress', error);
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
export async function saveReports(
  table: StoreTable,
  id: string,
  reports: { securityhub?: ReportOutcome; sns?: ReportOutcome },
  pending: PendingReport[],
  at: string,
  securityHub?: SecurityHubRef,
): Promise<void> {
  const builder = recordUpdate(at).set('pendingReports', pending);
  for (const [channel, outcome] of Object.entries(reports)) builder.set(['reports', channel], outcome);
  builder.set('securityHub', securityHub);
  // The sparse marker of the pending-reports index: present exactly while reports wait.
  if (pending.length > 0) builder.set('reportsPending', REPORTS_PENDING);
  else builder.remove('reportsPending');
  await (
    await table.doc()
  ).update({
    TableName: table.tableName,
    Key: keys.isolation(id),
    ...builder.build(fence(builder, { exists: true })),
  });
}

/**
 * Record where an isolation's evidence is (or why there is none). Does not touch status: the evidence of a
 * containment is a fact whatever happened to the record since.
 */
export async function saveEvidence(
  table: StoreTable,
  id: string,
  evidence: EvidenceRef,
  at: string,
): Promise<void> {
  const builder = recordUpdate(at).set('evidence', evidence);
  await (
    await table.doc()
  ).update({
    TableName: table.tableName,
    Key: keys.isolation(id),
    ...builder.build(fence(builder, { exists: true })),
  });
}

/** The error of a fenced write: the record no longer carries the run's token (or left the run's status). */
export function leaseLost(id: string, lease: string, what: string, cause: unknown): LeaseLostError {
  return new LeaseLostError(
    `Isolation ${id}: lease ${lease} is no longer held (another run took the record over, or it left the ` +
      `run's status); did not ${what}`,
    { cause },
  );
}
