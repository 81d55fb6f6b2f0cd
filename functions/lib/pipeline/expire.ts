/**
 * The scheduled sweep (every minute): pending approvals older than the policy's expiry become EXPIRED (with
 * write-back and notification); write-backs and notifications that failed earlier are retried; and requests no
 * worker is running (approved but never started, or a worker that died past its lease) are handed to the worker
 * again.
 *
 * First of all, before any other work, it resumes the runs that died while the resource was more exposed than
 * before them (`exposedAt` set, e.g. interfaces left in the EC2 flow-cut group) as soon as their lease lapsed:
 * with a 60-second lease and a one-minute schedule, such a record is found within about two minutes of the crash.
 */
import { ConflictError, errorMessage } from '../errors.js';
import { reportStatus, retryPendingReports } from '../report/reporter.js';
import type { IsolationRecord, IsolationStatus, Principal } from '../store/model.js';
import type { PipelineDeps } from './deps.js';

/** cordon's scheduler as a principal in the audit trail. */
export const EXPIRY_PRINCIPAL: Principal = { type: 'system', id: 'cordon-expire', name: 'cordon expiry' };

/** An APPROVED request whose worker has not moved it for this long is restarted. */
export const STALE_APPROVED_MS = 5 * 60 * 1000;

export interface SweepResult {
  /** Exposed runs handed to the worker first (also listed in `restarted`). */
  exposed: string[];
  expired: string[];
  reportsRetried: string[];
  restarted: string[];
}

async function* allInStatus(
  deps: PipelineDeps,
  status: IsolationStatus,
  createdBefore?: string,
): AsyncGenerator<IsolationRecord> {
  let cursor: string | undefined;
  do {
    const page = await deps.store.listByStatus(status, {
      ...(createdBefore === undefined ? {} : { createdBefore }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const item of page.items) yield item;
    cursor = page.cursor;
  } while (cursor !== undefined);
}

/** Run the sweep once. Throws only when the store fails (the schedule runs again). */
export async function expireAndSweep(deps: PipelineDeps): Promise<SweepResult> {
  const now = deps.clock();
  const result: SweepResult = { exposed: [], expired: [], reportsRetried: [], restarted: [] };
  const restart = async (record: IsolationRecord, kind: 'apply' | 'release'): Promise<boolean> => {
    const logger = deps.logger.withKeys({ isolationId: record.id });
    try {
      await deps.startWorker({ kind, id: record.id });
      result.restarted.push(record.id);
      logger.warn(`restarted the worker for a ${record.status} request`);
      return true;
    } catch (error) {
      logger.error('could not restart the worker', { error: errorMessage(error) });
      return false;
    }
  };

  // Exposed first: each minute an interface spends in an allow-all group matters more than anything below.
  for (const record of await deps.store.listLapsedExposed(now.toISOString())) {
    deps.logger
      .withKeys({ isolationId: record.id })
      .warn(`resuming a run that stopped while the resource was exposed (since ${record.exposedAt ?? '?'})`);
    if (await restart(record, 'apply')) result.exposed.push(record.id);
  }

  const expiryMs = deps.policy.settings.approvalExpiryMinutes * 60_000;
  const cutoff = new Date(now.getTime() - expiryMs).toISOString();

  for await (const record of allInStatus(deps, 'PENDING_APPROVAL', cutoff)) {
    const logger = deps.logger.withKeys({ isolationId: record.id, findingKey: record.findingKey });
    try {
      const expired = await deps.store.transition(record.id, {
        from: ['PENDING_APPROVAL'],
        to: 'EXPIRED',
        by: EXPIRY_PRINCIPAL,
        note: `not approved within ${deps.policy.settings.approvalExpiryMinutes} minutes`,
        at: now.toISOString(),
      });
      result.expired.push(record.id);
      logger.info('pending approval expired');
      await reportStatus(deps, expired);
    } catch (error) {
      // Approved or rejected between the query and the update: nothing to expire.
      if (!(error instanceof ConflictError)) throw error;
      logger.info(`not expired: ${error.message}`);
    }
  }

  for (const listed of await deps.store.listPendingReports()) {
    // The index is eventually consistent: report from the current record, never an older status over a newer
    // one. A record a worker is running reports its own outcome when the run ends.
    const record = await deps.store.get(listed.id);
    if (record === undefined || record.status === 'IN_PROGRESS' || record.status === 'RELEASING') continue;
    await retryPendingReports(deps, record);
    result.reportsRetried.push(record.id);
  }

  const staleBefore = now.getTime() - STALE_APPROVED_MS;
  for await (const record of allInStatus(deps, 'APPROVED')) {
    if (Date.parse(record.updatedAt) < staleBefore) await restart(record, 'apply');
  }
  for (const [status, kind] of [
    ['IN_PROGRESS', 'apply'],
    ['RELEASING', 'release'],
  ] as const) {
    for await (const record of allInStatus(deps, status)) {
      if (result.exposed.includes(record.id)) continue;
      // A claimed run renews its lease while it lives, so a lapsed lease means it died. Without a lease (a
      // release just requested, its worker on the way), only a record left alone for a while is restarted.
      const lapsed =
        record.leaseExpiresAt === undefined
          ? Date.parse(record.updatedAt) < staleBefore
          : Date.parse(record.leaseExpiresAt) < now.getTime();
      if (lapsed) await restart(record, kind);
    }
  }
  deps.metrics.flush();
  return result;
}
