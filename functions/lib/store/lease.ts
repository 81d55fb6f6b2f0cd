/**
 * Lease writes of a worker run, each fenced by the run's token: renewing the lease, and marking the record while
 * the resource is more exposed than before the run (see `exposedAt` in model.ts). Also the sweep's query for
 * exposed records whose run died.
 */
import { isConditionalCheckFailed, toRecord } from './items.js';
import { keys, type IsolationRecord, type IsolationStatus } from './model.js';
import { leaseLost, type StoreTable } from './transitions.js';

/** The lease a run holds: its token and the status it runs in. */
export interface RunLease {
  /** The fencing token (`leaseId`) the run claimed the record with. */
  id: string;
  status: IsolationStatus;
}

/** The condition every fenced write carries, with its names and values. */
function fenced(lease: RunLease): {
  condition: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  return {
    condition: '#status = :status AND #leaseId = :leaseId',
    names: { '#status': 'status', '#leaseId': 'leaseId' },
    values: { ':status': lease.status, ':leaseId': lease.id },
  };
}

async function fencedUpdate(
  table: StoreTable,
  id: string,
  lease: RunLease,
  what: string,
  update: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
): Promise<void> {
  const fence = fenced(lease);
  try {
    await (
      await table.doc()
    ).update({
      TableName: table.tableName,
      Key: keys.isolation(id),
      UpdateExpression: update.expression,
      ConditionExpression: fence.condition,
      ExpressionAttributeNames: { ...fence.names, ...update.names },
      ExpressionAttributeValues: { ...fence.values, ...update.values },
    });
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
  await fencedUpdate(table, id, lease, 'renew the lease', {
    expression: 'SET #leaseExpiresAt = :until, version = version + :one',
    names: { '#leaseExpiresAt': 'leaseExpiresAt' },
    values: { ':until': until, ':one': 1 },
  });
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
    at === undefined
      ? {
          expression: 'SET version = version + :one REMOVE #exposedAt',
          names: { '#exposedAt': 'exposedAt' },
          values: { ':one': 1 },
        }
      : {
          expression: 'SET #exposedAt = if_not_exists(#exposedAt, :at), version = version + :one',
          names: { '#exposedAt': 'exposedAt' },
          values: { ':at': at, ':one': 1 },
        },
  );
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
    records.push(...(output.Items ?? []).map(toRecord));
    startKey = output.LastEvaluatedKey;
  } while (startKey !== undefined);
  return records;
}
