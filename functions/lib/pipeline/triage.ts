/**
 * Triage: a GuardDuty Finding or Security Hub Findings - Imported event in; for each finding the policy decides,
 * the guards filter, and an isolation request is created (auto: the worker starts; approval: it waits as
 * PENDING_APPROVAL and people are told; notify: people are told only).
 *
 * Malformed or unsupported events are logged and dropped without any AWS mutation, and never throw (a throw
 * would make EventBridge retry a poison event). AWS errors do throw, so EventBridge retries and the DLQ apply.
 */
import { checkGuards } from '../actions/guards.js';
import { actedOnAccount, type AccountRefusalCode } from '../findings/account.js';
import { errorMessage, UnsupportedEventError } from '../errors.js';
import type { Finding } from '../findings/model.js';
import { parseCordonEvent } from '../findings/index.js';
import { evaluatePolicy } from '../policy/evaluate.js';
import type { Decision, Mode, PlannedAction, Refusal, RefusalCode } from '../policy/model.js';
import { buildFindingNotification } from '../report/notification.js';
import { reportStatus, writeFindingNote } from '../report/reporter.js';
import { newIsolationId } from '../store/isolations.js';
import type { FindingSummary, IsolationStatus, Principal } from '../store/model.js';
import { resourceAccountRefusal } from './account-boundary.js';
import type { PipelineDeps } from './deps.js';
import { guardSettings } from './guard-settings.js';
import { ignoredFindingReason } from './service.js';
import { receivedEvent, type ReceivedEvent } from '../evidence/received.js';

/** What happened to one planned action of a finding. */
export interface PlannedActionResult {
  action: string;
  resourceType: string;
  resourceId: string;
  accountId: string;
  /** Set when a request exists (created now or before). */
  isolationId?: string;
  status?: IsolationStatus;
  created: boolean;
  duplicateOf?: 'finding' | 'resource';
  /** The guard that refused the resource. */
  refused?: string;
  /** Set when the resource's account refused it (security account, not allow-listed): the reason code. */
  refusedCode?: AccountRefusalCode;
  /** Why an automatic request was parked for approval (a limit). */
  downgraded?: string;
}

/** What happened to one finding of the event. */
export interface FindingTriage {
  findingKey: string;
  type: string;
  rule: string | null;
  mode: Mode | null;
  /** Why the finding was ignored before the policy (cordon's own, archived, already handled). */
  ignored?: string;
  reasons: string[];
  actions: PlannedActionResult[];
  /** Resources the policy refused because of their account (another account than the finding's...). */
  refusedAccounts?: PlannedActionResult[];
  /** For `notify` rules: whether people were told now (false for a duplicate). */
  notified?: boolean;
}

/** The result of triaging one event. */
export interface TriageResult {
  /** Set when the event was dropped as malformed or unsupported (nothing was done). */
  dropped?: string;
  eventId?: string;
  findings: FindingTriage[];
}

/** Summary of a finding kept on its isolation record. */
export function findingSummary(finding: Finding): FindingSummary {
  return {
    key: finding.key,
    source: finding.source,
    productName: finding.productName,
    type: finding.type,
    title: finding.title,
    severity: finding.severity,
    createdAt: finding.createdAt,
    ...(finding.firstSeenAt === undefined ? {} : { firstSeenAt: finding.firstSeenAt }),
    ...(finding.remote === undefined ? {} : { remote: finding.remote }),
  };
}

/** The policy rule as the requester of the isolations it produces. */
export function rulePrincipal(rule: string): Principal {
  return { type: 'policy', id: rule, name: `policy rule ${rule}` };
}

/**
 * Create the request for one planned action (after the guards), start the worker or report, and say what
 * happened. Shared by triage and the custom-action approval of a finding that was never parked.
 */
export async function createForPlannedAction(
  deps: PipelineDeps,
  finding: Finding,
  decision: Decision & { rule: string },
  planned: PlannedAction,
  options: {
    status: 'APPROVED' | 'PENDING_APPROVAL';
    approver?: Principal;
    receivedAt: Date;
    /** The event as received (evidence): the finding's event, or the custom action's that approved it. */
    receivedEvent?: ReceivedEvent;
    countLimits: boolean;
  },
): Promise<PlannedActionResult> {
  const base = resultBase(planned);
  const logger = deps.logger.withKeys({ findingKey: finding.key });
  // The account boundary before anything else: nothing is stored, started or told for a refused account.
  const refusal = resourceAccountRefusal(planned.resource, deps.policy, deps.config);
  if (refusal !== undefined) {
    logger.warn(`refusing ${planned.resource.type} ${planned.resource.id}: ${refusal.reason}`, {
      rule: decision.rule,
      reasonCode: refusal.code,
      accountId: base.accountId,
    });
    const refused = { ...planned, code: refusal.code, reason: refusal.reason };
    return {
      ...(await recordRefused(deps, finding, decision, refused, options.receivedAt)),
      refusedCode: refusal.code,
    };
  }
  const verdict = checkGuards(planned.resource, guardSettings(deps.policy, deps.config));
  if (!verdict.allowed) {
    logger.warn(`refusing ${planned.resource.type} ${planned.resource.id}: ${verdict.reason}`, {
      rule: decision.rule,
    });
    const refused = { ...planned, code: 'guard' as const, reason: verdict.reason };
    return recordRefused(deps, finding, decision, refused, options.receivedAt, options.receivedEvent);
  }
  const now = deps.clock();
  const result = await deps.store.create(
    {
      ...requestFields(finding, decision, planned),
      status: options.status,
      ...(options.approver === undefined ? {} : { approver: { ...options.approver, at: now.toISOString() } }),
      receivedAt: options.receivedAt.toISOString(),
      ...(options.receivedEvent === undefined ? {} : { receivedEvent: options.receivedEvent }),
      note: decision.reasons[0],
      ...(options.countLimits ? { limits: deps.policy.settings.limits } : {}),
    },
    { id: newIsolationId(now), now },
  );
  const record = result.record;
  const log = logger.withKeys({ isolationId: record.id });
  if (!result.created) {
    // A duplicate never writes back: every write-back emits an Imported event, so writing here could loop.
    log.info(`duplicate of ${record.id} (${result.duplicateOf}); nothing to do`, { status: record.status });
    return { ...base, isolationId: record.id, status: record.status, duplicateOf: result.duplicateOf };
  }
  const outcome: PlannedActionResult = {
    ...base,
    isolationId: record.id,
    status: record.status,
    created: true,
  };
  if (result.downgraded !== undefined) outcome.downgraded = result.downgraded;
  if (record.status === 'APPROVED') {
    log.info(`automatic isolation ${record.id} created; starting the worker`, { rule: decision.rule });
    // The worker gets the record it would otherwise read first (pipeline/worker.ts).
    await deps.startWorker({ kind: 'apply', id: record.id, record });
  } else {
    log.info(`isolation ${record.id} waits for approval`, { rule: decision.rule, reason: result.downgraded });
    await reportStatus(deps, record);
  }
  return outcome;
}

const ACCOUNT_CODES: readonly AccountRefusalCode[] = [
  'cross-account-resource',
  'account-excluded',
  'security-account',
  'not-member-account',
];

/** The account refusal code of a refusal, or undefined for the other refusals. */
function refusedAccountCode(code: RefusalCode): AccountRefusalCode | undefined {
  return ACCOUNT_CODES.find((c) => c === code);
}

/**
 * Run `tell` once per finding and marker. No record holds these reports, so on failure the marker is undone and
 * the error thrown: EventBridge's retry of the event then tells people again (the write-back is idempotent)
 * instead of finding the finding done.
 */
async function tellOnce(
  deps: PipelineDeps,
  finding: Finding,
  marker: string,
  tell: () => Promise<void>,
): Promise<boolean> {
  if (!(await deps.store.markFindingNotified(finding.key, marker, deps.clock().toISOString()))) return false;
  const logger = deps.logger.withKeys({ findingKey: finding.key });
  try {
    await tell();
  } catch (error) {
    logger.warn('write-back or notification failed; the event will be retried', {
      marker,
      error: errorMessage(error),
    });
    await deps.store.unmarkFindingNotified(finding.key, marker).catch((unmarkError: unknown) => {
      logger.error('could not remove the notified marker: the finding will not be told again', {
        marker,
        error: errorMessage(unmarkError),
      });
    });
    throw error;
  }
  return true;
}

function notifyOnly(
  deps: PipelineDeps,
  finding: Finding,
  decision: Decision & { rule: string },
): Promise<boolean> {
  return tellOnce(deps, finding, decision.rule, async () => {
    // Throws on UnprocessedFindings too: a finding Security Hub did not update was not written back.
    await writeFindingNote(
      deps,
      finding.securityHub,
      `cordon: rule ${decision.rule} (notify): ${decision.reasons.join('; ')}.`,
      {
        Workflow: { Status: 'NOTIFIED' },
        UserDefinedFields: { cordonRule: decision.rule, cordonStatus: 'NOTIFIED' },
      },
    );
    await deps.notifier.publish(buildFindingNotification(finding, decision.rule, deps.config.ownerTagKeys));
  });
}

/** The result of a planned action before anything is stored: what it would act on. */
function resultBase(planned: PlannedAction): PlannedActionResult {
  return {
    action: planned.action,
    resourceType: planned.resource.type,
    resourceId: planned.resource.id,
    accountId: actedOnAccount(planned.resource),
    created: false,
  };
}

/** The fields a request and a refusal record share: the finding, the rule that decided and what it planned. */
function requestFields(finding: Finding, decision: Decision & { rule: string }, planned: PlannedAction) {
  return {
    findingKey: finding.key,
    finding: findingSummary(finding),
    trigger: {
      updatedAt: finding.updatedAt,
      ...(finding.count === undefined ? {} : { count: finding.count }),
    },
    securityHub: { ...finding.securityHub, origin: 'source' as const },
    resource: planned.resource,
    action: planned.action,
    params: planned.params,
    mode: decision.mode ?? 'approval',
    rule: decision.rule,
    requester: rulePrincipal(decision.rule),
    explanation: decision.reasons,
  };
}

/** What the notification and note add to a tag exemption: a tag is attacker-controlled input. */
const EXEMPT_TAG_ADVICE =
  'Exemption tags can be set by anyone allowed to tag the resource: check it was set on purpose.';

/**
 * Record a refused request as a SKIPPED isolation with its reason, then write the outcome back to the finding and
 * notify, like any other outcome: a refusal is never only a log line. Once per finding, resource and action (a
 * re-delivered finding finds the record and reports nothing again; every write-back emits an Imported event).
 */
export async function recordRefused(
  deps: PipelineDeps,
  finding: Finding,
  decision: Decision & { rule: string },
  refused: Refusal,
  receivedAt: Date,
  received?: ReceivedEvent,
): Promise<PlannedActionResult> {
  const base: PlannedActionResult = { ...resultBase(refused), refused: refused.reason };
  const now = deps.clock();
  const reason = refused.code === 'exempt-tag' ? `${refused.reason}. ${EXEMPT_TAG_ADVICE}` : refused.reason;
  const result = await deps.store.recordRefusal(
    {
      ...requestFields(finding, decision, refused),
      receivedAt: receivedAt.toISOString(),
      ...(received === undefined ? {} : { receivedEvent: received }),
      refusal: { code: refused.code, reason },
    },
    { id: newIsolationId(now), now },
  );
  const record = result.record;
  const outcome = { ...base, isolationId: record.id, status: record.status, created: result.created };
  if (!result.created) return { ...outcome, duplicateOf: 'finding' };
  deps.logger
    .withKeys({ findingKey: finding.key, isolationId: record.id })
    .warn(`refused ${refused.resource.type} ${refused.resource.id}: recorded SKIPPED`, {
      rule: decision.rule,
      refusal: refused.code,
    });
  await reportStatus(deps, record);
  return outcome;
}

/**
 * Triage one event. See the module comment for the error behaviour.
 * @param options.receivedAt when the event reached cordon (time-to-contain from receipt)
 */
export async function triageEvent(
  deps: PipelineDeps,
  event: unknown,
  options: { receivedAt?: Date } = {},
): Promise<TriageResult> {
  const receivedAt = options.receivedAt ?? deps.clock();
  let parsed;
  try {
    parsed = parseCordonEvent(event);
  } catch (error) {
    if (error instanceof UnsupportedEventError) {
      deps.logger.warn(`dropped unsupported event: ${error.message}`);
      return { dropped: error.message, findings: [] };
    }
    throw error;
  }
  // Kept as received (evidence's event.json), once the envelope is known to be an event cordon handles: parsing
  // reads it without changing it, and a malformed event is dropped without being kept.
  const received = receivedEvent(event);
  if (parsed.kind === 'securityhub-custom-action') {
    const reason = 'custom action events go to the approve function, not triage';
    deps.logger.warn(`dropped event ${parsed.envelope.id}: ${reason}`);
    return { dropped: reason, eventId: parsed.envelope.id, findings: [] };
  }
  const outcomes: FindingTriage[] = [];
  for (const finding of parsed.findings) {
    const logger = deps.logger.withKeys({ findingKey: finding.key });
    const ignored = ignoredFindingReason(finding);
    if (ignored !== undefined) {
      logger.info(`ignored finding: ${ignored}`);
      outcomes.push({
        findingKey: finding.key,
        type: finding.type,
        rule: null,
        mode: null,
        ignored,
        reasons: [ignored],
        actions: [],
      });
      continue;
    }
    const decision = evaluatePolicy(deps.policy, finding);
    const outcome: FindingTriage = {
      findingKey: finding.key,
      type: finding.type,
      rule: decision.rule,
      mode: decision.mode,
      reasons: decision.reasons,
      actions: [],
    };
    outcomes.push(outcome);
    for (const r of decision.refusedAccounts) {
      logger.warn(`refusing ${r.resource.type} ${r.resource.id}: ${r.reason}`, {
        rule: decision.rule,
        reasonCode: r.code,
        accountId: actedOnAccount(r.resource),
        findingAccountId: finding.accountId,
      });
    }
    if (decision.mode === 'notify' && decision.refusedAccounts.length > 0) {
      // A notify rule contains nothing: its refusals are only reported in the outcome (and logged above).
      outcome.refusedAccounts = decision.refusedAccounts.map((r) => ({
        action: r.action,
        resourceType: r.resource.type,
        resourceId: r.resource.id,
        accountId: actedOnAccount(r.resource),
        created: false,
        refused: r.reason,
        refusedCode: r.code,
      }));
    }
    if (decision.rule === null || decision.mode === null) {
      logger.info('no policy rule matches', { type: finding.type, reasons: decision.reasons });
      continue;
    }
    const matched = { ...decision, rule: decision.rule };
    if (decision.mode === 'notify') {
      outcome.notified = await notifyOnly(deps, finding, matched);
      continue;
    }
    // The refusals the policy itself decided (exempt, protected, never contained, account): recorded and told.
    for (const refused of decision.refused) {
      const result = await recordRefused(deps, finding, matched, refused, receivedAt, received);
      const code = refusedAccountCode(refused.code);
      if (code !== undefined) {
        (outcome.refusedAccounts ??= []).push({ ...result, refusedCode: code });
      } else {
        outcome.actions.push(result);
      }
    }
    for (const planned of decision.actions) {
      outcome.actions.push(
        await createForPlannedAction(deps, finding, matched, planned, {
          status: decision.mode === 'auto' ? 'APPROVED' : 'PENDING_APPROVAL',
          receivedAt,
          receivedEvent: received,
          countLimits: decision.mode === 'auto',
        }),
      );
    }
  }
  deps.metrics.flush();
  return { eventId: parsed.envelope.id, findings: outcomes };
}
