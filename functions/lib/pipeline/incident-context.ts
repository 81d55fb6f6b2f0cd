/**
 * What the worker tells an action about the incident: when it began (apply) and which credentials created
 * during it the releaser named to bring back (release). Kept apart from the worker so that the worker only
 * spreads the result into the action context.
 */
import * as z from 'zod';
import type { ActionContext } from '../actions/contract.js';
import type { IsolationRecord } from '../store/model.js';

/**
 * Start of the incident window: the finding's first activity (GuardDuty `eventFirstSeen`, ASFF
 * `FirstObservedAt`; else the finding's creation) minus the margin. Undefined without a finding.
 */
export function incidentWindowStart(
  finding: IsolationRecord['finding'],
  marginMinutes: number,
): string | undefined {
  if (finding === undefined) return undefined;
  const firstSeen = Date.parse(finding.firstSeenAt ?? finding.createdAt);
  if (Number.isNaN(firstSeen)) return undefined;
  return new Date(firstSeen - marginMinutes * 60_000).toISOString();
}

/** The stored list is read back from the table: parse it, and name nothing when it is not a list of ids. */
const restoreKeysSchema = z.array(z.string().min(1).max(128)).max(50);

/** The context fields for a run of this kind on this record. */
export function incidentContext(
  record: IsolationRecord,
  marginMinutes: number,
  kind: 'apply' | 'release',
): Pick<ActionContext, 'incidentWindowStart' | 'restoreKeys'> {
  if (kind === 'release') {
    const parsed = restoreKeysSchema.safeParse(record.releaseRestoreKeys ?? []);
    // Fail-safe: an unreadable list restores nothing that was created during the incident.
    return { restoreKeys: parsed.success ? parsed.data : [] };
  }
  const start = incidentWindowStart(record.finding, marginMinutes);
  return start === undefined ? {} : { incidentWindowStart: start };
}
