/**
 * What a write-back may change on a finding, given the finding as it is now (read with GetFindings first).
 *
 * Security Hub enforces no order between workflow statuses: BatchUpdateFindings sets whatever it is given. So cordon
 * decides itself, and never takes a finding away from the people working on it:
 * - `Workflow.Status` is set to `NOTIFIED` only from `NEW`. A finding an analyst marked `RESOLVED` or `SUPPRESSED`
 *   stays so (writing `NOTIFIED` would reopen it), and one already `NOTIFIED` needs no write.
 * - `Note` holds one text. A note someone else wrote is replaced only when cordon's status on the finding actually
 *   changed (the `cordonStatus` user-defined field differs, or the note is about another isolation), so a repeated
 *   or retried report does not erase an analyst's note.
 * A finding Security Hub does not return (not imported yet: GuardDuty findings reach Security Hub within about
 * five minutes) is treated as `NEW` without a note; if it still does not exist, BatchUpdateFindings answers
 * `FindingNotFound` and the report is retried.
 */
import type { BatchUpdateFindingsCommandInput } from '@aws-sdk/client-securityhub';
import type { WorkflowStatus } from '../findings/model.js';
import { UPDATED_BY } from './securityhub-payload.js';

/** The parts of a finding a write-back decision reads. */
export interface CurrentFinding {
  workflowStatus?: WorkflowStatus;
  note?: { text: string; updatedBy: string };
  userDefinedFields: Record<string, string>;
}

/** The update to send, and what of the finding it leaves as it is (for logs and tests). */
export interface UpdateDecision {
  input: BatchUpdateFindingsCommandInput;
  kept: ('workflow' | 'note')[];
  /** False when nothing is left to write: BatchUpdateFindings needs at least one field to update. */
  changes: boolean;
}

/** Whether the update changes cordon's status on the finding (or the isolation it reports). */
function cordonStatusChanged(input: BatchUpdateFindingsCommandInput, current: CurrentFinding): boolean {
  const next = input.UserDefinedFields ?? {};
  const before = current.userDefinedFields;
  // A note without a status (e.g. "nothing to approve") is not a change of cordon's status.
  if (next['cordonStatus'] === undefined) return false;
  if (next['cordonStatus'] !== before['cordonStatus']) return true;
  return next['cordonIsolationId'] !== undefined && next['cordonIsolationId'] !== before['cordonIsolationId'];
}

/** Drop from `input` what must not change on the finding as it is now. */
export function reconcileUpdate(
  input: BatchUpdateFindingsCommandInput,
  current: CurrentFinding | undefined,
): UpdateDecision {
  const kept: UpdateDecision['kept'] = [];
  const { Workflow, Note, ...rest } = input;
  const out: BatchUpdateFindingsCommandInput = { ...rest };
  const status = current?.workflowStatus ?? 'NEW';
  if (Workflow !== undefined) {
    // Only NEW → NOTIFIED is cordon's to make.
    if (Workflow.Status === 'NOTIFIED' && status === 'NEW') out.Workflow = Workflow;
    else kept.push('workflow');
  }
  if (Note !== undefined) {
    const theirs = current?.note !== undefined && current.note.updatedBy !== UPDATED_BY;
    if (!theirs || current === undefined || cordonStatusChanged(input, current)) out.Note = Note;
    else kept.push('note');
  }
  const changes = Object.keys(out).some((key) => key !== 'FindingIdentifiers');
  return { input: out, kept, changes };
}
