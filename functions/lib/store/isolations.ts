/**
 * The isolation store: every read and write of isolation records in cordon's single DynamoDB table, over the
 * DocumentClient. This class is the store's one entry point; the work is split by responsibility:
 * - create.ts: new requests (one transaction with their finding marker, active lock and hourly counters);
 * - refusal.ts: requests cordon refuses, recorded SKIPPED with their reason (no lock, no counters);
 * - transitions.ts and lease.ts: status changes and the other record writes, each conditioned on the record's
 *   status and, for a worker run, on its lease token;
 * - queries.ts: reads by id, through markers, and the index queries;
 * - codec.ts: the mapping between records and items (every read is validated), update.ts: update expressions.
 */
import type { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { clientGetter, type ClientSource } from '../aws/sdk.js';
import {
  createIsolation,
  markFindingNotified,
  unmarkFindingNotified,
  type CreateIsolationResult,
} from './create.js';
import type {
  IsolationRecord,
  IsolationStatus,
  NewIsolation,
  PendingReport,
  ReportOutcome,
  SecurityHubRef,
} from './model.js';
import { recordRefusal, type NewRefusal, type RecordRefusalResult } from './refusal.js';
import { renewLease, saveRunProgress, setExposure, type ExposureChange, type RunLease } from './lease.js';
import {
  findActiveByResource,
  findByFindingKey,
  getRecord,
  listByStatus,
  listLapsedExposed,
  listPendingReports,
  listRecords,
  requireRecord,
  type IsolationPage,
  type IsolationQuery,
  type StoreTable,
} from './queries.js';
import type { EvidenceRef } from '../evidence/model.js';
import {
  saveEvidence,
  saveProgress,
  saveReports,
  transition,
  type Progress,
  type TransitionOptions,
} from './transitions.js';

export { isIsolationId, newIsolationId } from './items.js';
export type { CreateIsolationResult } from './create.js';
export type { IsolationPage, IsolationQuery } from './queries.js';
export type { RecordPatch, TransitionOptions } from './transitions.js';
export type { ExposureChange, RunLease } from './lease.js';

/** Isolation records in cordon's single table. */
export class IsolationStore {
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
    this.table = { doc: clientGetter(documentClient), tableName };
  }

  /**
   * Create an isolation request, or return the existing one when the finding or the (resource, action) already
   * has one. Automatic requests past an hourly limit are created as PENDING_APPROVAL with the reason.
   * @throws ConflictError when DynamoDB keeps reporting transaction conflicts (transient; the caller may retry).
   * @throws CorruptRecordError when the existing request's item is corrupt.
   */
  create(input: NewIsolation, context: { id: string; now: Date }): Promise<CreateIsolationResult> {
    return createIsolation(this.table, input, context);
  }

  /**
   * Record a request cordon refuses as a SKIPPED isolation with its reason, once per finding, resource and
   * action (see refusal.ts); returns the existing request when the finding already has one.
   */
  recordRefusal(input: NewRefusal, context: { id: string; now: Date }): Promise<RecordRefusalResult> {
    return recordRefusal(this.table, input, context);
  }

  /**
   * Remember that a finding was reported under a `notify` rule; false when it already was (re-published finding,
   * GuardDuty/Security Hub twin, concurrent delivery), so people are told once.
   */
  markFindingNotified(findingKey: string, rule: string, at: string): Promise<boolean> {
    return markFindingNotified(this.table, findingKey, rule, at);
  }

  /** Remove a notify marker, so a retried delivery of the finding notifies again (its notification failed). */
  unmarkFindingNotified(findingKey: string, rule: string): Promise<void> {
    return unmarkFindingNotified(this.table, findingKey, rule);
  }

  /**
   * The record with this id, or undefined. Strongly consistent.
   * @throws CorruptRecordError when the stored item is not a valid record (as does every read below).
   */
  get(id: string): Promise<IsolationRecord | undefined> {
    return getRecord(this.table, id);
  }

  /**
   * The record with this id.
   * @throws NotFoundError when there is none.
   */
  require(id: string): Promise<IsolationRecord> {
    return requireRecord(this.table, id);
  }

  /** Every isolation created for this finding key (one per resource and action). */
  findByFindingKey(findingKey: string): Promise<IsolationRecord[]> {
    return findByFindingKey(this.table, findingKey);
  }

  /** The active isolations of a resource (at most one per action). */
  findActiveByResource(resourceKey: string): Promise<IsolationRecord[]> {
    return findActiveByResource(this.table, resourceKey);
  }

  /** Records in a status, oldest first, optionally created before a time (expiry). */
  listByStatus(
    status: IsolationStatus,
    options: { createdBefore?: string; limit?: number; cursor?: string } = {},
  ): Promise<IsolationPage> {
    return listByStatus(this.table, status, options);
  }

  /** Records matching the filters, newest first; every filter combination is served by an index. */
  list(query: IsolationQuery = {}): Promise<IsolationPage> {
    return listRecords(this.table, query);
  }

  /** Records with write-backs or notifications waiting for a retry (sparse index). */
  listPendingReports(limit = 25): Promise<IsolationRecord[]> {
    return listPendingReports(this.table, limit);
  }

  /** IN_PROGRESS records marked exposed whose lease lapsed before `now` (the sweep resumes them first). */
  listLapsedExposed(now: string): Promise<IsolationRecord[]> {
    return listLapsedExposed(this.table, now);
  }

  /**
   * Move a record to another status, conditioned on its current status, appending to the audit trail. Reaching a
   * terminal status also deletes the active lock, in the same transaction.
   * @throws ConflictError when the record is not in an allowed status (another run got there first).
   * @throws NotFoundError when the record does not exist.
   */
  transition(id: string, options: TransitionOptions): Promise<IsolationRecord> {
    return transition(this.table, id, options);
  }

  /**
   * Persist progress of a running apply or release (after every step), only while the record is still in the
   * expected status and carries the run's token `lease` (when given): a run that lost its lease cannot overwrite
   * the newer one.
   * @throws LeaseLostError when `lease` is given and the record left `status` or carries another token.
   * @throws ConflictError when the record left `status` (no `lease` given).
   */
  saveProgress(
    id: string,
    status: IsolationStatus,
    progress: Progress,
    at: string,
    lease?: string,
  ): Promise<void> {
    return saveProgress(this.table, id, status, progress, at, lease);
  }

  /**
   * Persist a worker run's progress together with any change of its exposure marker, in one write fenced by the
   * run's token.
   * @throws LeaseLostError when the record no longer carries the token or left the run's status.
   */
  saveRunProgress(
    id: string,
    lease: RunLease,
    progress: Progress,
    exposure: ExposureChange | undefined,
    at: string,
  ): Promise<void> {
    return saveRunProgress(this.table, id, lease, progress, exposure, at);
  }

  /**
   * Extend a run's lease to `until`, fenced by its token.
   * @throws LeaseLostError when the record no longer carries the token or left the run's status.
   */
  renewLease(id: string, lease: RunLease, until: string): Promise<void> {
    return renewLease(this.table, id, lease, until);
  }

  /**
   * Set (`at`) or clear (`undefined`) the exposure marker, fenced by the run's token.
   * @throws LeaseLostError when the record no longer carries the token or left the run's status.
   */
  setExposure(id: string, lease: RunLease, at: string | undefined): Promise<void> {
    return setExposure(this.table, id, lease, at);
  }

  /**
   * Record the outcome of write-back and notification and the reports still to retry. Does not touch status, so
   * it never races a transition; the pending list is replaced as a whole (the caller read it just before).
   */
  saveReports(
    id: string,
    reports: { securityhub?: ReportOutcome; sns?: ReportOutcome },
    pending: PendingReport[],
    at: string,
    securityHub?: SecurityHubRef,
  ): Promise<void> {
    return saveReports(this.table, id, reports, pending, at, securityHub);
  }

  /** Record where the isolation's evidence is, or why there is none (does not touch status). */
  saveEvidence(id: string, evidence: EvidenceRef, at: string): Promise<void> {
    return saveEvidence(this.table, id, evidence, at);
  }
}
