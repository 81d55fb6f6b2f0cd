/**
 * Approval through Security Hub custom actions. Security Hub custom-action events do not say who clicked, so the
 * only thing that makes an approval authentic is where it comes from: the event must name one of cordon's own
 * approve/reject action ARNs in the configured security account. Anything else is refused and logged, with no
 * mutation at all.
 */
import { ConflictError, errorMessage, UnsupportedEventError } from '../errors.js';
import type { Finding } from '../findings/model.js';
import { parseCordonEvent } from '../findings/index.js';
import { evaluatePolicy } from '../policy/evaluate.js';
import { writeFindingNote } from '../report/reporter.js';
import type { IsolationStatus, Principal } from '../store/model.js';
import { customActionArn } from '../config.js';
import type { PipelineDeps } from './deps.js';
import { approveIsolation, rejectIsolation } from './service.js';
import { createForPlannedAction, recordRefused, type PlannedActionResult } from './triage.js';
import { receivedEvent, type ReceivedEvent } from '../evidence/received.js';

/** The approve and reject custom action ARNs cordon accepts. */
export function configuredActionArns(deps: Pick<PipelineDeps, 'config' | 'policy'>): {
  approve: string;
  reject: string;
} {
  const ids = deps.policy.settings.customActions;
  return {
    approve: customActionArn(deps.config, deps.config.approveActionId ?? ids.approve),
    reject: customActionArn(deps.config, deps.config.rejectActionId ?? ids.reject),
  };
}

/** What the approval did for one finding. */
export interface ApprovalFindingResult {
  findingKey: string;
  /** Isolations approved, rejected or created for the finding. */
  isolations: { id: string; status: IsolationStatus; detail: string }[];
  /** Planned actions that were created or refused on an approval of a never-parked finding. */
  created?: PlannedActionResult[];
  /** What cordon wrote on the finding when there was nothing to approve or reject. */
  note?: string;
}

export interface ApprovalResult {
  /** Set when the event was refused (forged, foreign or malformed): nothing was done. */
  refused?: string;
  verb?: 'approve' | 'reject';
  findings: ApprovalFindingResult[];
}

function refusal(deps: PipelineDeps, reason: string, details: Record<string, unknown> = {}): ApprovalResult {
  deps.logger.warn(`refused custom action event: ${reason}`, details);
  return { refused: reason, findings: [] };
}

async function note(deps: PipelineDeps, finding: Finding, text: string): Promise<string> {
  try {
    await writeFindingNote(deps, finding.securityHub, text);
  } catch (error) {
    deps.logger.withKeys({ findingKey: finding.key }).warn('could not write the note on the finding', {
      error: errorMessage(error),
    });
  }
  return text;
}

async function approveFinding(
  deps: PipelineDeps,
  finding: Finding,
  approver: Principal,
  receivedAt: Date,
  received: ReceivedEvent,
): Promise<ApprovalFindingResult> {
  const outcome: ApprovalFindingResult = { findingKey: finding.key, isolations: [] };
  const records = await deps.store.findByFindingKey(finding.key);
  const pending = records.filter((r) => r.status === 'PENDING_APPROVAL');
  for (const record of pending) {
    try {
      const approved = await approveIsolation(
        deps,
        record.id,
        approver,
        `approved with custom action ${approver.name}`,
      );
      outcome.isolations.push({
        id: record.id,
        status: approved.status,
        detail: 'approved; the worker was started',
      });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      // A concurrent click or the expiry got there first: the record says what happened.
      const current = await deps.store.get(record.id);
      outcome.isolations.push({
        id: record.id,
        status: current?.status ?? record.status,
        detail: error.message,
      });
    }
  }
  if (pending.length > 0) return outcome;
  if (records.length > 0) {
    for (const r of records)
      outcome.isolations.push({ id: r.id, status: r.status, detail: 'not pending; nothing to approve' });
    outcome.note = await note(
      deps,
      finding,
      `cordon: nothing to approve: ${records.map((r) => `${r.id} is ${r.status}`).join('; ')}.`,
    );
    return outcome;
  }
  // Never parked (e.g. a notify rule, or a finding from before cordon): the policy decides what to run.
  const decision = evaluatePolicy(deps.policy, finding);
  const runnable = decision.rule !== null && decision.actions.length + decision.refused.length > 0;
  if (!runnable || decision.rule === null) {
    outcome.note = await note(
      deps,
      finding,
      `cordon: approval received, but no policy rule with an action matches this finding, so nothing was isolated. ${decision.reasons.join(' ')}`,
    );
    return outcome;
  }
  outcome.created = [];
  // Refusals are recorded SKIPPED and reported by their records (note and notification), like triage's.
  for (const refused of decision.refused) {
    outcome.created.push(
      await recordRefused(deps, finding, { ...decision, rule: decision.rule }, refused, receivedAt, received),
    );
  }
  for (const planned of decision.actions) {
    outcome.created.push(
      await createForPlannedAction(deps, finding, { ...decision, rule: decision.rule }, planned, {
        status: 'APPROVED',
        approver,
        receivedAt,
        receivedEvent: received,
        countLimits: false,
      }),
    );
  }
  return outcome;
}

async function rejectFinding(
  deps: PipelineDeps,
  finding: Finding,
  by: Principal,
): Promise<ApprovalFindingResult> {
  const outcome: ApprovalFindingResult = { findingKey: finding.key, isolations: [] };
  const records = await deps.store.findByFindingKey(finding.key);
  const pending = records.filter((r) => r.status === 'PENDING_APPROVAL');
  for (const record of pending) {
    try {
      const rejected = await rejectIsolation(deps, record.id, by, `rejected with custom action ${by.name}`);
      outcome.isolations.push({ id: record.id, status: rejected.status, detail: 'rejected' });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const current = await deps.store.get(record.id);
      outcome.isolations.push({
        id: record.id,
        status: current?.status ?? record.status,
        detail: error.message,
      });
    }
  }
  if (pending.length === 0) {
    outcome.note = await note(
      deps,
      finding,
      'cordon: nothing pending approval for this finding; nothing to reject.',
    );
  }
  return outcome;
}

/**
 * Handle a Security Hub custom action event: approve or reject the finding's pending requests.
 * Refuses (logs, does nothing) unless the event comes from cordon's approve/reject action in the security account.
 */
export async function handleCustomAction(
  deps: PipelineDeps,
  event: unknown,
  options: { receivedAt?: Date } = {},
): Promise<ApprovalResult> {
  const receivedAt = options.receivedAt ?? deps.clock();
  let parsed;
  try {
    parsed = parseCordonEvent(event);
  } catch (error) {
    if (error instanceof UnsupportedEventError) return refusal(deps, `malformed event: ${error.message}`);
    throw error;
  }
  // Kept as received (evidence's event.json), once the envelope is known to be an event cordon handles: parsing
  // reads it without changing it, and a malformed event is dropped without being kept.
  const received = receivedEvent(event);
  if (parsed.kind !== 'securityhub-custom-action') {
    return refusal(deps, `not a custom action event (${parsed.envelope.detailType})`, {
      eventId: parsed.envelope.id,
    });
  }
  const resources = (event as { resources?: unknown }).resources;
  const arns = configuredActionArns(deps);
  if (!Array.isArray(resources) || resources.length !== 1 || resources[0] !== parsed.actionArn) {
    return refusal(deps, 'the event must name exactly one custom action in resources', {
      eventId: parsed.envelope.id,
    });
  }
  if (parsed.envelope.account !== deps.config.securityAccountId) {
    return refusal(deps, `event from account ${parsed.envelope.account}, not the security account`, {
      eventId: parsed.envelope.id,
      actionArn: parsed.actionArn,
    });
  }
  const verb =
    parsed.actionArn === arns.approve ? 'approve' : parsed.actionArn === arns.reject ? 'reject' : undefined;
  if (verb === undefined) {
    return refusal(deps, `custom action ${parsed.actionArn} is not cordon's approve or reject action`, {
      eventId: parsed.envelope.id,
    });
  }
  // The event does not say who clicked: the approval is recorded as coming from the custom action itself.
  const principal: Principal = {
    type: 'custom-action',
    id: parsed.actionArn,
    name: `Security Hub custom action "${parsed.actionName}"`,
  };
  const findings: ApprovalFindingResult[] = [];
  for (const finding of parsed.findings) {
    deps.logger
      .withKeys({ findingKey: finding.key })
      .info(`custom action ${verb} received`, { eventId: parsed.envelope.id });
    findings.push(
      verb === 'approve'
        ? await approveFinding(deps, finding, principal, receivedAt, received)
        : await rejectFinding(deps, finding, principal),
    );
  }
  deps.metrics.flush();
  return { verb, findings };
}
