/**
 * The isolation worker: claims a request with a conditional write, runs the action's steps (persisting progress
 * after each, so a crash resumes without repeating finished steps), ends ISOLATED, FAILED or SKIPPED (or RELEASED
 * / RELEASE_FAILED for a release), then writes back and notifies.
 *
 * The claim takes a lease with a fresh fencing token (`leaseId`). Every record write of the run is conditioned
 * on that token, and every member-account command is checked against the lease (aws/lease-guard.ts): a run that
 * outlived its lease and was taken over ends `lease-lost` without touching AWS or the record again.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type {
  ActionContext,
  ActionDefinition,
  ActionResult,
  ActionState,
  IdentityCenterSettings,
  StepRecord,
} from '../actions/contract.js';
import { getAction, loadAction } from '../actions/registry.js';
import { LeaseGuard, runWithLease } from '../aws/lease-guard.js';
import { servicesForPermissions } from '../aws/member-clients.js';
import {
  ConfigurationError,
  ConflictError,
  CordonError,
  LeaseLostError,
  RefusedAccountError,
  errorMessage,
} from '../errors.js';
import { IsolationRecordSchema } from '../store/codec.js';
import { actionState, type FailureInfo, type IsolationRecord, type Principal } from '../store/model.js';
import type { RecordPatch, TransitionOptions } from '../store/transitions.js';
import { ProgressJournal } from './progress.js';
import type { PipelineDeps, WorkerJob } from './deps.js';
import { guardSettings } from './guard-settings.js';
import { incidentContext } from './incident-context.js';
import { assertAccountAllowed } from './account-boundary.js';
import { actedOnAccount } from '../findings/account.js';

/** The worker as a principal in the audit trail. */
export const WORKER_PRINCIPAL: Principal = { type: 'system', id: 'cordon-isolate', name: 'cordon worker' };

/** What a run's claim sets and its end removes (the exposure marker only when the exposure is certainly over). */
const RUN_ATTRIBUTES = ['leaseExpiresAt', 'leaseId'] as const;

/** Schema of the worker's invocation payload. */
export const WorkerJobSchema = z.object({
  kind: z.enum(['apply', 'release']),
  id: z.string().regex(/^iso-[\w-]{1,80}$/),
  /** The request as its creator holds it: lets the run start before its claim (see runWorker). */
  record: IsolationRecordSchema.optional(),
});

/** What one worker run did. */
export interface WorkerResult {
  id: string;
  kind: WorkerJob['kind'];
  /**
   * `not-claimed`: another run owns the record or it is not in a runnable status (nothing was done).
   * `lease-lost`: the run outlived its lease and was fenced off; it stopped without touching AWS or the record.
   */
  outcome:
    | 'isolated'
    | 'failed'
    | 'skipped'
    | 'released'
    | 'release-failed'
    | 'not-claimed'
    | 'not-found'
    | 'lease-lost';
  record?: IsolationRecord;
  detail?: string;
}

function failureOf(result: ActionResult): FailureInfo {
  return {
    ...(result.failedStep === undefined ? {} : { step: result.failedStep }),
    code: result.error?.code ?? 'FAILED',
    message: result.error?.message ?? result.detail ?? 'the action failed',
    ...(result.exposure && result.exposure.length > 0 ? { exposure: result.exposure } : {}),
  };
}

function thrownFailure(error: unknown): ActionResult & { outcome: 'failed' } {
  // A throw is not a step failure (runSteps records those): no step is named.
  const code = error instanceof CordonError ? error.code : error instanceof Error ? error.name : 'ERROR';
  return {
    outcome: 'failed',
    steps: [],
    before: {},
    warnings: [],
    error: { code, message: errorMessage(error) },
  };
}

/**
 * The account and region the action runs in: the resource's, or for an action that targets Identity Center the
 * account that administers it, whichever account the finding came from.
 * @throws ConfigurationError when the policy has no `identityCenter` settings for such an action
 */
function targetAccount(
  target: ActionDefinition['target'],
  record: Pick<IsolationRecord, 'accountId' | 'region' | 'action'>,
  identityCenter: IdentityCenterSettings | undefined,
): { accountId: string; region: string } {
  if (target !== 'identity-center') return { accountId: record.accountId, region: record.region };
  if (!identityCenter) {
    throw new ConfigurationError(
      `Action ${record.action} runs in the account that administers IAM Identity Center, and the policy names none: ` +
        'set settings.identityCenter { accountId, region } (see docs/actions/isolate-identity-center-user.md).',
    );
  }
  return { accountId: identityCenter.accountId, region: identityCenter.region };
}

/**
 * The account boundary, re-checked before any role is assumed: a record stored before the allow-list changed,
 * or written by anyone who can write the table, must not reach the security account or an account outside the
 * allow-list. The record's account must also be its resource's.
 * @throws RefusedAccountError, which fails the run without an AWS call
 */
function checkRecordAccount(
  record: Pick<IsolationRecord, 'id' | 'accountId' | 'resource'>,
  deps: Pick<PipelineDeps, 'policy' | 'config'>,
): void {
  const account = actedOnAccount(record.resource);
  if (account !== record.accountId) {
    throw new RefusedAccountError(
      'cross-account-resource',
      `isolation ${record.id} names account ${record.accountId} but its resource ${record.resource.id} is in ${account}`,
    );
  }
  assertAccountAllowed(record.resource, deps.policy, deps.config);
}

/** The job's copy of the record, when it allows starting before the claim: a fresh request triage just created. */
function freshRequest(job: WorkerJob): IsolationRecord | undefined {
  const record = job.record;
  if (job.kind !== 'apply' || record === undefined || record.id !== job.id) return undefined;
  const untouched =
    record.status === 'APPROVED' &&
    record.steps.length === 0 &&
    record.releaseSteps.length === 0 &&
    Object.keys(record.before).length === 0;
  return untouched ? record : undefined;
}

/** JSON with object keys sorted: DynamoDB returns maps in any order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** What the run acts on and from: the stored record must say the same as the job's copy. */
function sameRequest(a: IsolationRecord, b: IsolationRecord): boolean {
  const facts = (r: IsolationRecord) =>
    canonical([r.resource, r.action, r.params, r.accountId, r.region, r.steps, r.releaseSteps, r.before]);
  return facts(a) === facts(b);
}

/** A fresh lease: expiry and fencing token. */
function newLease(deps: PipelineDeps): RunLeaseTerms {
  const now = deps.clock();
  return {
    leaseId: randomUUID(),
    leaseExpiresAt: new Date(now.getTime() + deps.config.leaseSeconds * 1000).toISOString(),
    at: now.toISOString(),
  };
}

/** The lease a run claims the record with. */
interface RunLeaseTerms {
  leaseId: string;
  leaseExpiresAt: string;
  /** When the claim was made. */
  at: string;
}

/**
 * Run one worker job. Never throws for an action failure (the record says FAILED); throws only when the store
 * itself fails, so the Lambda's async retry applies.
 *
 * A job that carries the request triage just created (`job.record`) starts at once: the claim, the member
 * credentials and the action's first reads go out together, and no change is sent before the claim holds and the
 * stored record is the job's (see {@link LeaseGuard}). Any other job reads the record and claims it first.
 */
export async function runWorker(deps: PipelineDeps, job: WorkerJob): Promise<WorkerResult> {
  const logger = deps.logger.withKeys({ isolationId: job.id });
  const fresh = freshRequest(job);
  if (fresh !== undefined) {
    const lease = newLease(deps);
    const claim = deps.store.transition(job.id, {
      from: ['APPROVED'],
      to: 'IN_PROGRESS',
      by: WORKER_PRINCIPAL,
      set: { leaseExpiresAt: lease.leaseExpiresAt, leaseId: lease.leaseId },
      remove: ['failure'],
      at: lease.at,
      current: fresh,
    });
    const claimed = claim.then(
      (stored) => {
        if (!sameRequest(stored, fresh)) {
          throw new LeaseLostError(`Isolation ${job.id}: the stored request differs from the job's copy`);
        }
        return stored;
      },
      (error: unknown) => {
        if (error instanceof ConflictError) {
          throw new LeaseLostError(`Isolation ${job.id} was not claimed: ${error.message}`, { cause: error });
        }
        throw error;
      },
    );
    // Awaited by the run; marked handled here so a run that never reaches a change leaves no stray rejection.
    claimed.catch(() => undefined);
    const result = await runClaimed(deps, job, fresh, lease, claimed);
    const settled = await claim.then(
      (stored) => ({ stored }),
      (error: unknown) => ({ error }),
    );
    if ('stored' in settled) {
      if (sameRequest(settled.stored, fresh)) return result;
      // We hold the record but started from a copy that differs: nothing was changed; run the stored request.
      logger.error(
        'the job carried a copy of the request that differs from the stored one; running the stored one',
      );
      return runClaimed(deps, job, settled.stored, lease, Promise.resolve(settled.stored));
    }
    if (!(settled.error instanceof ConflictError)) throw settled.error;
    // Another run claimed it, or it is no longer APPROVED: decide as for any job, from the stored record.
  }
  const existing = await deps.store.get(job.id);
  if (!existing) {
    logger.error('worker job for an unknown isolation; dropped', { job: { kind: job.kind, id: job.id } });
    return { id: job.id, kind: job.kind, outcome: 'not-found' };
  }
  const lease = newLease(deps);
  const { leaseId, leaseExpiresAt, at: claimedAt } = lease;
  let record: IsolationRecord;
  try {
    record =
      job.kind === 'apply'
        ? await deps.store.transition(job.id, {
            from: ['APPROVED', 'FAILED'],
            to: 'IN_PROGRESS',
            by: WORKER_PRINCIPAL,
            note:
              existing.status === 'FAILED'
                ? 'retry'
                : existing.status === 'IN_PROGRESS'
                  ? 'resumed after an expired lease'
                  : undefined,
            // `exposedAt` stays: this run clears it once the exposure is closed (see actions/steps.ts).
            set: { leaseExpiresAt, leaseId },
            remove: ['failure'],
            takeOverExpiredLease: { status: 'IN_PROGRESS', now: claimedAt },
            at: claimedAt,
          })
        : await deps.store.transition(job.id, {
            from: [],
            to: 'RELEASING',
            by: WORKER_PRINCIPAL,
            note: 'release started',
            set: { leaseExpiresAt, leaseId },
            remove: ['failure'],
            takeOverExpiredLease: { status: 'RELEASING', now: claimedAt },
            at: claimedAt,
          });
  } catch (error) {
    if (error instanceof ConflictError) {
      logger.info(`worker did not claim ${job.id}: it is ${existing.status}`, {
        job: { kind: job.kind, id: job.id },
      });
      return { id: job.id, kind: job.kind, outcome: 'not-claimed', record: existing, detail: error.message };
    }
    throw error;
  }
  return runClaimed(deps, job, record, lease, Promise.resolve(record));
}

/**
 * Run the action of a record under the run's lease, end the record and report. `claimed` settles with the stored
 * record once the claim holds (at once for a claim already made), or rejects with {@link LeaseLostError}.
 */
async function runClaimed(
  deps: PipelineDeps,
  job: WorkerJob,
  record: IsolationRecord,
  lease: RunLeaseTerms,
  claimed: Promise<IsolationRecord>,
): Promise<WorkerResult> {
  const logger = deps.logger.withKeys({ isolationId: job.id });
  const { leaseId, leaseExpiresAt } = lease;
  const leaseMs = deps.config.leaseSeconds * 1000;
  // Reports an earlier run could not deliver are not re-sent here: the record is IN_PROGRESS now, so they would
  // say so, and this run's outcome report below goes to every channel and replaces them.
  const log = logger.withKeys({ findingKey: record.findingKey });

  const registered = getAction(record.action) !== undefined;
  const runStatus = job.kind === 'apply' ? 'IN_PROGRESS' : 'RELEASING';
  const runLease = { id: leaseId, status: runStatus } as const;
  const claimHeld = claimed.then(() => undefined);
  // Awaited by the guard before a change; marked handled so a run that sends none leaves no stray rejection.
  claimHeld.catch(() => undefined);
  // Progress is written when a change needs it (before-state, exposure), in one write (pipeline/progress.ts).
  const journal = new ProgressJournal(
    (progress, exposure) =>
      fencedWrite(() =>
        deps.store.saveRunProgress(record.id, runLease, progress, exposure, deps.clock().toISOString()),
      ),
    (state) =>
      job.kind === 'apply'
        ? { steps: state.steps, before: state.before }
        : { releaseSteps: state.steps, before: state.before },
    record.before,
  );
  const guard: LeaseGuard = new LeaseGuard({
    isolationId: record.id,
    leaseId,
    expiresAt: new Date(leaseExpiresAt),
    leaseMs,
    now: deps.clock,
    renew: (until) => deps.store.renewLease(record.id, runLease, until.toISOString()),
    claimed: claimHeld,
    beforeMutation: () => journal.beforeMutation(),
  });
  /** A fenced record write: a lost lease is remembered by the guard, so nothing else is sent or written. */
  const fencedWrite = async <T>(write: () => Promise<T>): Promise<T> => {
    await guard.claimHeld();
    try {
      return await write();
    } catch (error) {
      if (error instanceof LeaseLostError) throw guard.fence(error);
      throw error;
    }
  };
  const leaseLost = (error: LeaseLostError): WorkerResult => {
    // Another run owns the record (or will, once the sweep hands it over): it decides the outcome and reports.
    log.error('lease lost: stopping without touching AWS or the record again', {
      leaseId,
      error: error.message,
    });
    deps.metrics.flush();
    return { id: job.id, kind: job.kind, outcome: 'lease-lost', detail: error.message };
  };
  let result: ActionResult;
  let containedAt: string | undefined;
  if (job.kind === 'apply') {
    // Counted once the claim holds: a duplicate delivery that is not claimed starts nothing.
    claimed.then(
      () => deps.metrics.isolationStarted(record.action),
      () => undefined,
    );
  }
  if (!registered) {
    result = thrownFailure(
      new CordonError(`Action ${record.action} is not registered in this version of cordon`, {
        code: 'UNKNOWN_ACTION',
      }),
    );
  } else {
    try {
      // The action's code is loaded on first use (registry.ts); a failed load fails the run like a throwing action.
      const action = await loadAction(record.action);
      const params: unknown = action.params.parse(record.params);
      checkRecordAccount(record, deps);
      const identityCenter = deps.policy.settings.identityCenter;
      const where = targetAccount(action.target, record, identityCenter);
      // Only the SDK clients of the services the action declares permissions for are loaded.
      const clients = await deps.memberClients(
        where.accountId,
        where.region,
        record.id,
        servicesForPermissions(action.permissions),
      );
      const ctx: ActionContext = {
        isolationId: record.id,
        accountId: where.accountId,
        region: where.region,
        ...(identityCenter ? { identityCenter } : {}),
        clients,
        guard: guardSettings(deps.policy, deps.config),
        logger: log,
        now: deps.clock,
        ...incidentContext(record, deps.policy.settings.incidentWindowMarginMinutes, job.kind),
        onStep: (_step: StepRecord, state: ActionState) => {
          journal.record(state);
          return Promise.resolve();
        },
        onExposure: (at: Date | undefined) => {
          journal.expose(at);
          return Promise.resolve();
        },
        onContained: (at: Date) => {
          containedAt = at.toISOString();
        },
      };
      const state: ActionState = {
        // The release reads the apply's steps and before-state; release steps of an interrupted earlier release
        // come last so that, by name, they win (the step runner resumes from them).
        steps: job.kind === 'apply' ? record.steps : [...record.steps, ...record.releaseSteps],
        before: record.before,
      };
      const previous = record.steps.length > 0 ? actionState(record) : undefined;
      result = await runWithLease(guard, () =>
        job.kind === 'apply'
          ? action.apply(ctx, record.resource, params, previous)
          : action.release(ctx, record.resource, params, state),
      );
    } catch (error) {
      const lost = error instanceof LeaseLostError ? guard.fence(error) : guard.lost;
      if (lost) return leaseLost(lost);
      if (error instanceof RefusedAccountError) {
        log.warn(`refused: ${error.message}`, { reasonCode: error.reason, accountId: record.accountId });
      } else {
        log.error('action threw', { error: errorMessage(error) });
      }
      result = thrownFailure(error);
    }
  }
  // An action that swallowed a refused call still ran fenced: its result must not reach the record.
  if (guard.lost) return leaseLost(guard.lost);
  // The final transition carries the steps and before-state; only a cleared exposure is left to say.
  const pendingExposure = await journal.settle();
  if (guard.lost) return leaseLost(guard.lost);
  let held: IsolationRecord;
  try {
    await guard.claimHeld();
    held = await claimed;
  } catch (error) {
    if (error instanceof LeaseLostError) return leaseLost(guard.fence(error));
    throw error;
  }
  /** What a run that may have ended exposed removes: the marker too when the exposure was closed since. */
  const endAttributes: (keyof RecordPatch)[] =
    pendingExposure !== undefined && 'clear' in pendingExposure
      ? [...RUN_ATTRIBUTES, 'exposedAt']
      : [...RUN_ATTRIBUTES];

  const at = deps.clock().toISOString();
  /** The run's final transition, fenced by its token; the record is the one the run holds, not read again. */
  const finish = (options: Omit<TransitionOptions, 'by' | 'at' | 'lease'>): Promise<IsolationRecord> =>
    fencedWrite(() =>
      deps.store.transition(record.id, {
        ...options,
        by: WORKER_PRINCIPAL,
        at,
        lease: leaseId,
        current: held,
      }),
    );
  let final: IsolationRecord;
  let outcome: WorkerResult['outcome'];
  try {
    if (job.kind === 'apply') {
      const stepsSet = result.steps.length > 0 ? { steps: result.steps, before: result.before } : {};
      if (result.outcome === 'succeeded') {
        final = await finish({
          from: ['IN_PROGRESS'],
          to: 'ISOLATED',
          set: {
            ...stepsSet,
            warnings: result.warnings,
            containedAt: result.containedAt ?? containedAt ?? at,
          },
          remove: [...RUN_ATTRIBUTES, 'exposedAt'],
        });
        outcome = 'isolated';
        deps.metrics.isolationSucceeded(record.action);
        const contained = Date.parse(final.containedAt ?? at);
        if (record.finding)
          deps.metrics.timeToContain(
            record.action,
            contained - Date.parse(record.finding.createdAt),
            'finding',
          );
        if (record.receivedAt)
          deps.metrics.timeToContain(record.action, contained - Date.parse(record.receivedAt), 'receipt');
        log.info(`isolated ${record.resource.type} ${record.resource.id}`, { action: record.action });
      } else if (result.outcome === 'skipped') {
        final = await finish({
          from: ['IN_PROGRESS'],
          to: 'SKIPPED',
          note: result.detail,
          set: {
            ...stepsSet,
            warnings: result.warnings,
            failure: { code: 'SKIPPED', message: result.detail ?? 'nothing to do' },
          },
          remove: [...RUN_ATTRIBUTES, 'exposedAt'],
        });
        outcome = 'skipped';
        log.warn(`skipped ${record.resource.id}: ${result.detail ?? ''}`);
      } else {
        const failure = failureOf(result);
        final = await finish({
          from: ['IN_PROGRESS'],
          to: 'FAILED',
          note: `${failure.step ?? 'action'}: ${failure.code}`,
          set: { ...stepsSet, warnings: result.warnings, failure },
          // `exposedAt` stays: the run may have ended with the resource still exposed.
          remove: endAttributes,
        });
        outcome = 'failed';
        deps.metrics.isolationFailed(record.action);
        if (failure.exposure) deps.metrics.isolationExposed(record.action);
        log.error(`isolation failed at ${failure.step ?? 'start'}: ${failure.message}`, { failure });
      }
    } else {
      const stepsSet = result.steps.length > 0 ? { releaseSteps: result.steps } : {};
      if (result.outcome === 'failed') {
        const failure = failureOf(result);
        final = await finish({
          from: ['RELEASING'],
          to: 'RELEASE_FAILED',
          note: `${failure.step ?? 'release'}: ${failure.code}`,
          set: { ...stepsSet, warnings: result.warnings, failure },
          // `exposedAt` stays: the run may have ended with the resource still exposed.
          remove: endAttributes,
        });
        outcome = 'release-failed';
        log.error(`release failed at ${failure.step ?? 'start'}: ${failure.message}`, { failure });
      } else {
        final = await finish({
          from: ['RELEASING'],
          to: 'RELEASED',
          note: result.outcome === 'skipped' ? result.detail : undefined,
          set: { ...stepsSet, releasedAt: at },
          remove: [...RUN_ATTRIBUTES, 'exposedAt'],
        });
        outcome = 'released';
        log.info(`released ${record.resource.type} ${record.resource.id}`);
      }
    }
  } catch (error) {
    if (error instanceof LeaseLostError) return leaseLost(error);
    throw error;
  }
  // Evidence runs once the record says ISOLATED, before the report so the Security Hub note carries the
  // manifest's hash; it never throws and never changes the outcome.
  if (outcome === 'isolated' && deps.evidence !== undefined)
    final = await collectAfterContainment(deps, final, log);
  // Reporting is imported on first use, like the evidence stage: it runs after the outcome is recorded, so its
  // code (the ASFF payload, the notification texts) is not part of the cold start to contained.
  const { reportStatus } = await import('../report/reporter.js');
  await reportStatus(deps, final);
  deps.metrics.flush();
  return { id: job.id, kind: job.kind, outcome, record: (await deps.store.get(record.id)) ?? final };
}

/**
 * The evidence stage, imported on first use: it runs after containment, so its code is not part of the cold start
 * to contained. A failure to load it is logged and leaves the record as it is, like any evidence failure.
 */
async function collectAfterContainment(
  deps: PipelineDeps,
  record: IsolationRecord,
  log: Parameters<typeof import('../evidence/record.js').recordEvidence>[2],
): Promise<IsolationRecord> {
  try {
    const { recordEvidence } = await import('../evidence/record.js');
    return await recordEvidence(deps, record, log);
  } catch (error) {
    log.error(`evidence was not collected: ${errorMessage(error)}`);
    return record;
  }
}
