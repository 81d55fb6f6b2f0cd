/**
 * Lease writes of a worker run, each fenced by the run's token: renewing the lease, and marking the record while
 * the resource is more exposed than before the run (see `exposedAt` in model.ts).
 */
import { isConditionalCheckFailed } from './items.js';
import { keys, type IsolationStatus } from './model.js';
import type { StoreTable } from './queries.js';
import { leaseLost, type Progress } from './transitions.js';
import { fence, recordUpdate, type UpdateBuilder } from './update.js';

/** The lease a run holds: its token and the status it runs in. */
export interface RunLease {
  /** The fencing token (`leaseId`) the run claimed the record with. */
  id: string;
  status: IsolationStatus;
}

async function fencedUpdate(
  table: StoreTable,
  id: string,
  lease: RunLease,
  what: string,
  update: UpdateBuilder,
): Promise<void> {
  const condition = fence(update, { status: lease.status, lease: lease.id });
  try {
    await (
      await table.doc()
    ).update({ TableName: table.tableName, Key: keys.isolation(id), ...update.build(condition) });
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw leaseLost(id, lease.id, what, error);
    throw error;
  }
}

/**
 * Extend the run's lease to `until`.
 * @throws LeaseLostError when the record no longer carries the run's token or left its status.
 */
export async function renewLease(
  table: StoreTable,
  id: string,
  lease: RunLease,
  until: string,
): Promise<void> {
  await fencedUpdate(table, id, lease, 'renew the lease', recordUpdate().set('leaseExpiresAt', until));
}

/**
 * Set (`at`) or clear (`undefined`) the exposure marker. Setting keeps an earlier time: a resumed run that is
 * still exposed does not make the exposure look newer than it is.
 * @throws LeaseLostError when the record no longer carries the run's token or left its status.
 */
export async function setExposure(
  table: StoreTable,
  id: string,
  lease: RunLease,
  at: string | undefined,
): Promise<void> {
  await fencedUpdate(
    table,
    id,
    lease,
    at === undefined ? 'clear the exposure marker' : 'set the exposure marker',
    at === undefined ? recordUpdate().remove('exposedAt') : recordUpdate().setIfAbsent('exposedAt', at),
  );
}

/** A change of the exposure marker carried by a {@link saveRunProgress} write. */
export type ExposureChange = { set: string } | { clear: true };

/**
 * Persist a run's progress and, in the same write, any change of its exposure marker, fenced by the run's token.
 * One write instead of one per step and one per marker change: the worker batches them until a mutating command
 * needs them durable (pipeline/progress.ts).
 * @throws LeaseLostError when the record no longer carries the run's token or left its status.
 */
export async function saveRunProgress(
  table: StoreTable,
  id: string,
  lease: RunLease,
  progress: Progress,
  exposure: ExposureChange | undefined,
  at: string,
): Promise<void> {
  const update = recordUpdate(at).setAll(progress);
  if (exposure !== undefined) {
    if ('set' in exposure) update.setIfAbsent('exposedAt', exposure.set);
    else update.remove('exposedAt');
  }
  await fencedUpdate(table, id, lease, 'save progress', update);
}
