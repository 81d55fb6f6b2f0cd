/**
 * Refused requests: a finding the policy would contain on a resource cordon refuses (exemption tag, protected ARN,
 * account boundary, its own roles...) is recorded as a SKIPPED isolation, so the refusal is visible in the console
 * and reported like any outcome instead of living only in a log line.
 *
 * The record is written with its finding marker in one transaction (`attribute_not_exists`), so a re-delivered
 * finding records the refusal once. It takes no active lock and counts against no hourly limit: it is terminal
 * from the start and must not stop a later isolation of the resource.
 */
import { ConflictError } from '../errors.js';
import { itemFromRecord, pointerItem } from './codec.js';
import { isTransactionCanceled, newRecord } from './items.js';
import { keys, type IsolationRecord, type NewIsolation } from './model.js';
import { pointedRecord, type StoreTable } from './queries.js';

/** What {@link recordRefusal} needs: a request as triage would create it, and why cordon refuses it. */
export type NewRefusal = Omit<NewIsolation, 'status' | 'limits' | 'approver' | 'findingKey'> & {
  findingKey: string;
  refusal: { code: string; reason: string };
};

/** Result of {@link recordRefusal}: the new record, or the request that already answers the finding. */
export type RecordRefusalResult = { created: boolean; record: IsolationRecord };

export async function recordRefusal(
  table: StoreTable,
  input: NewRefusal,
  context: { id: string; now: Date },
): Promise<RecordRefusalResult> {
  const record = newRecord({ ...input, status: 'APPROVED' }, context, 'SKIPPED', undefined);
  record.failure = { code: 'REFUSED', message: input.refusal.reason, refusal: input.refusal.code };
  const entry = record.audit[0];
  if (entry !== undefined) entry.note = input.refusal.reason;
  if (input.trigger !== undefined) record.trigger = input.trigger;
  const findingKey = keys.finding(input.findingKey, record.resourceKey, input.action);
  try {
    await (
      await table.doc()
    ).transactWrite({
      TransactItems: [
        {
          Put: {
            TableName: table.tableName,
            Item: itemFromRecord(record),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: table.tableName,
            Item: pointerItem(findingKey, record.id, record.createdAt),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    return { created: true, record };
  } catch (error) {
    if (!isTransactionCanceled(error)) throw error;
    const existing = await pointedRecord(table, findingKey);
    if (existing !== undefined) return { created: false, record: existing };
    throw new ConflictError(`Could not record the refusal of ${record.resourceKey}`, { cause: error });
  }
}
