/**
 * Closing the loop: after every reportable status change, write the outcome back to Security Hub and notify SNS.
 * Failures here never undo or hide a containment: they are recorded on the isolation (`reports`,
 * `pendingReports`) and retried by the next worker or expire run.
 */
import { errorMessage } from '../errors.js';
import type { PipelineConfig } from '../config.js';
import type { PipelineLogger } from '../observability.js';
import type { IsolationStore } from '../store/isolations.js';
import type { Notifier } from './notifier.js';
import type { IsolationRecord, PendingReport, ReportOutcome, SecurityHubRef } from '../store/model.js';
import { buildNotification, NOTIFIED_STATUSES } from './notification.js';
import { buildBatchUpdate, buildImportedFinding, importedFindingRef } from './securityhub-payload.js';
import type { BatchUpdateFindingsCommandInput } from '@aws-sdk/client-securityhub';
import type { SecurityHubWriter, UnprocessedFinding } from './securityhub-writer.js';
import { CordonError } from '../errors.js';
import { reconcileUpdate } from './finding-state.js';

/** Bounded retries of `ConcurrentUpdateError` (a BatchImportFindings racing our update settles quickly). */
export const CONCURRENT_UPDATE_ATTEMPTS = 3;

/** What reporting needs; the pipeline's deps (pipeline/deps.ts) provide it. Declared here: report sits below it. */
export interface ReportDeps {
  securityHub: SecurityHubWriter;
  notifier: Notifier;
  store: IsolationStore;
  config: PipelineConfig;
  clock: () => Date;
  logger: PipelineLogger;
}

/** Security Hub did not process a finding update. */
export class WriteBackError extends CordonError {
  constructor(
    message: string,
    readonly unprocessed: UnprocessedFinding[],
  ) {
    super(message, { code: 'WRITE_BACK_FAILED' });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The console link of the finding (for people reading the notification). */
export function securityHubConsoleUrl(ref: SecurityHubRef | undefined, region: string): string | undefined {
  if (!ref) return undefined;
  const search = encodeURIComponent(`Id=\\operator\\:EQUALS\\:${ref.id}`);
  return `https://${region}.console.aws.amazon.com/securityhub/home?region=${region}#/findings?search=${search}`;
}

/**
 * Read the finding as it is now and drop what the update must not change there (see finding-state.ts): an
 * analyst's RESOLVED, SUPPRESSED or note stays. A failed read fails the write-back (retried later) rather than
 * risk reopening a finding.
 */
async function reconciled(
  deps: Pick<ReportDeps, 'securityHub'> & Partial<Pick<ReportDeps, 'logger'>>,
  target: { id: string; productArn: string },
  input: BatchUpdateFindingsCommandInput,
): Promise<BatchUpdateFindingsCommandInput | undefined> {
  const decision = reconcileUpdate(input, await deps.securityHub.getFinding(target));
  if (decision.kept.length > 0) {
    deps.logger?.info(`write-back keeps the finding's ${decision.kept.join(' and ')} as they are`, {
      findingId: target.id,
    });
  }
  return decision.changes ? decision.input : undefined;
}

async function writeBack(deps: ReportDeps, record: IsolationRecord): Promise<SecurityHubRef> {
  let target = record.securityHub;
  if (target === undefined || target.origin === 'imported') {
    // API-started: cordon's own finding in the security account carries the outcome. Re-importing it with a newer
    // UpdatedAt refreshes its description; the note and workflow go through BatchUpdateFindings like any finding.
    target = importedFindingRef(record, deps.config);
    const imported = await deps.securityHub.batchImportFindings([
      buildImportedFinding(record, deps.config, deps.clock()),
    ]);
    const failed = imported.failed[0];
    if (failed)
      throw new CordonError(`BatchImportFindings failed: ${failed.errorCode}: ${failed.errorMessage}`);
  }
  const update = buildBatchUpdate(record, target);
  for (let attempt = 1; ; attempt++) {
    // Read again on every attempt: a concurrent update may be an analyst's.
    const input = await reconciled(deps, target, update);
    if (input === undefined) return target;
    const result = await deps.securityHub.batchUpdateFindings(input);
    if (result.unprocessed.length === 0) return target;
    const retryable = result.unprocessed.every((u) => u.errorCode === 'ConcurrentUpdateError');
    if (!retryable || attempt >= CONCURRENT_UPDATE_ATTEMPTS) {
      const first = result.unprocessed[0];
      throw new WriteBackError(
        `BatchUpdateFindings did not process ${first?.id ?? 'the finding'}: ${first?.errorCode ?? ''} ${first?.errorMessage ?? ''}`.trim(),
        result.unprocessed,
      );
    }
    await sleep(200 * attempt);
  }
}

/**
 * Write back and notify the record's current status; record the outcome and anything to retry.
 * Never throws for a report failure (only for a store failure, which the caller's retry covers).
 * @returns the channels that failed (empty when everything was delivered).
 */
export async function reportStatus(
  deps: ReportDeps,
  record: IsolationRecord,
  channels: readonly PendingReport['channel'][] = ['securityhub', 'sns'],
): Promise<PendingReport['channel'][]> {
  const at = deps.clock().toISOString();
  const logger = deps.logger.withKeys({ isolationId: record.id, findingKey: record.findingKey });
  const reports: { securityhub?: ReportOutcome; sns?: ReportOutcome } = {};
  const pending = record.pendingReports.filter((p) => !channels.includes(p.channel));
  const failed: PendingReport['channel'][] = [];
  let securityHub: SecurityHubRef | undefined;

  const fail = (channel: PendingReport['channel'], error: unknown) => {
    const previous = record.pendingReports.find((p) => p.channel === channel);
    const message = errorMessage(error);
    logger.warn(`${channel} report of ${record.status} failed; it will be retried`, { error: message });
    pending.push({
      channel,
      status: record.status,
      attempts: (previous?.attempts ?? 0) + 1,
      lastError: message,
      lastAttemptAt: at,
    });
    reports[channel] = { status: record.status, ok: false, at, detail: message };
    failed.push(channel);
  };

  if (channels.includes('securityhub')) {
    try {
      const target = await writeBack(deps, record);
      if (record.securityHub === undefined) securityHub = target;
      reports.securityhub = { status: record.status, ok: true, at };
    } catch (error) {
      fail('securityhub', error);
    }
  }
  if (channels.includes('sns') && NOTIFIED_STATUSES.includes(record.status)) {
    try {
      const ref = securityHub ?? record.securityHub;
      await deps.notifier.publish(
        buildNotification(record, securityHubConsoleUrl(ref, deps.config.region), deps.config.ownerTagKeys),
      );
      reports.sns = { status: record.status, ok: true, at };
    } catch (error) {
      fail('sns', error);
    }
  }
  await deps.store.saveReports(record.id, reports, pending, at, securityHub);
  return failed;
}

/** Retry the reports a record still owes, with its current status (a newer status supersedes an older report). */
export async function retryPendingReports(
  deps: ReportDeps,
  record: IsolationRecord,
): Promise<PendingReport['channel'][]> {
  const channels = [...new Set(record.pendingReports.map((p) => p.channel))];
  if (channels.length === 0) return [];
  return reportStatus(deps, record, channels);
}

/** Write a note on a finding that has no isolation (e.g. "no policy rule matches"), without changing its workflow. */
export async function writeFindingNote(
  deps: Pick<ReportDeps, 'securityHub'>,
  target: { id: string; productArn: string },
  text: string,
  fields: Pick<BatchUpdateFindingsCommandInput, 'Workflow' | 'UserDefinedFields'> = {},
): Promise<void> {
  const input = await reconciled(deps, target, {
    FindingIdentifiers: [{ Id: target.id, ProductArn: target.productArn }],
    Note: { Text: text.slice(0, 512), UpdatedBy: 'cordon' },
    ...fields,
  });
  if (input === undefined) return;
  const result = await deps.securityHub.batchUpdateFindings(input);
  const first = result.unprocessed[0];
  if (first)
    throw new WriteBackError(
      `BatchUpdateFindings did not process ${first.id}: ${first.errorCode}`,
      result.unprocessed,
    );
}
