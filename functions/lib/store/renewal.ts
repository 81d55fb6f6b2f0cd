/**
 * Renewed activity: when is a re-published finding a duplicate, and when does it need a fresh decision?
 *
 * GuardDuty re-publishes a finding (same id) whenever it sees the activity again, with a newer `updatedAt` and a
 * higher `service.count`. While the finding's isolation is alive (pending, running, isolated, failed...) the
 * re-publication is a duplicate: the request already answers it. Once the isolation ended by a person's or the
 * clock's decision (RELEASED, REJECTED, EXPIRED), new activity is new evidence: the decision that ended it did not
 * know about it, so the finding is decided again. The same activity delivered again (a twin, a retry) stays a
 * duplicate. SKIPPED is not renewable: the action refused (exempt, gone), and a re-publication changes nothing.
 *
 * The finding marker points at one isolation. A renewal replaces it, conditioned on it still pointing at the
 * ended isolation, in the same transaction that creates the new record: of concurrent renewals exactly one wins,
 * and the others find the new record (same trigger, so a duplicate).
 */
import type { CreateIsolationResult } from './create.js';
import type { FindingTrigger, IsolationRecord, IsolationStatus } from './model.js';

/** Ended statuses after which new activity on the finding gets a fresh decision. */
const RENEWABLE_STATUSES: readonly IsolationStatus[] = ['RELEASED', 'REJECTED', 'EXPIRED'];

function time(value: string): number {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * Whether `trigger` is newer activity than what `previous` answered. Records from before triggers were stored
 * compare against their creation time: activity updated after the request was made is new.
 */
function isNewerActivity(previous: IsolationRecord, trigger: FindingTrigger): boolean {
  const known = previous.trigger;
  if (known === undefined) return time(trigger.updatedAt) > time(previous.createdAt);
  if (time(trigger.updatedAt) > time(known.updatedAt)) return true;
  return trigger.count !== undefined && known.count !== undefined && trigger.count > known.count;
}

/**
 * The ended isolation that a new request supersedes, or undefined when the existing request (if any) stands and
 * the delivery is a duplicate. Only a duplicate by finding can be renewed; a duplicate by resource is another
 * finding joining an active isolation.
 */
export function renewalOf(
  existing: CreateIsolationResult | undefined,
  trigger: FindingTrigger | undefined,
): IsolationRecord | undefined {
  if (existing === undefined || existing.created || existing.duplicateOf !== 'finding') return undefined;
  if (trigger === undefined || !RENEWABLE_STATUSES.includes(existing.record.status)) return undefined;
  return isNewerActivity(existing.record, trigger) ? existing.record : undefined;
}

/**
 * Condition of the finding marker's Put: a first request needs no marker; a renewal replaces only the marker
 * that still points at the ended isolation it renews.
 */
export function findingMarkerCondition(renewed: IsolationRecord | undefined): {
  ConditionExpression: string;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  if (renewed === undefined) return { ConditionExpression: 'attribute_not_exists(pk)' };
  return {
    ConditionExpression: 'isolationId = :renewedId',
    ExpressionAttributeValues: { ':renewedId': renewed.id },
  };
}

/**
 * Stamp a new record with the activity it answers and, for a renewal, link it to the isolation it renews and say
 * why in its first audit entry.
 */
export function stampTrigger(
  record: IsolationRecord,
  trigger: FindingTrigger | undefined,
  renewed: IsolationRecord | undefined,
): void {
  if (trigger !== undefined) record.trigger = trigger;
  if (renewed === undefined) return;
  record.renews = renewed.id;
  const first = record.audit[0];
  if (first === undefined) return;
  const why = `New activity on the finding after ${renewed.id} was ${renewed.status}.`;
  first.note = first.note === undefined ? why : `${why} ${first.note}`;
}
