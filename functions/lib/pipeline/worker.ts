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
import { reportStatus } from '../report/reporter.js';
import { actionState, type FailureInfo, type IsolationRecord, type Principal } from '../store/model.js';
import type { TransitionOptions } from '../store/transitions.js';
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

/**
 * Run one worker job. Never throws for an action failure (the record says FAILED); throws only when the store
 * itself fails, so the Lambda's async retry applies.
 */
export async function runWorker(deps: PipelineDeps, job: WorkerJob): Promise<WorkerResult> {
  const logger = deps.logger.withKeys({ isolationId: job.id });
  const existing = await deps.store.get(job.id);
  if (!existing) {
    logger.error('worker job for an unknown isolation; dropped', { job });
    return { id: job.id, kind: job.kind, outcome: 'not-found' };
  }
  const now = deps.clock();
  const leaseMs = deps.config.leaseSeconds * 1000;
  const leaseExpiresAt = new Date(now.getTime() + leaseMs).toISOString();
  const leaseId = randomUUID();
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
            takeOverExpiredLease: { status: 'IN_PROGRESS', now: now.toISOString() },
            at: now.toISOString(),
          })
        : await deps.store.transition(job.id, {
            from: [],
            to: 'RELEASING',
            by: WORKER_PRINCIPAL,
            note: 'release started',
            set: { leaseExpiresAt, leaseId },
            remove: ['failure'],
            takeOverExpiredLease: { status: 'RELEASING', now: now.toISOString() },
            at: now.toISOString(),
          });
  } catch (error) {
    if (error instanceof ConflictError) {
      logger.info(`worker did not claim ${job.id}: it is ${existing.status}`, { job });
      return { id: job.id, kind: job.kind, outcome: 'not-claimed', record: existing, detail: error.message };
    }
    throw error;
  }
  // Reports an earlier run could not deliver are not re-sent here: the record is IN_PROGRESS now, so they would
  // say so, and this run's outcome report below goes to every channel and replaces them.
  const log = logger.withKeys({ findingKey: record.findingKey });

  const registered = getAction(record.action) !== undefined;
  const runStatus = job.kind === 'apply' ? 'IN_PROGRESS' : 'RELEASING';
  const runLease = { id: leaseId, status: runStatus } as const;
  const guard = new LeaseGuard({
    isolationId: record.id,
    leaseId,
    expiresAt: new Date(leaseExpiresAt),
    leaseMs,
    now: deps.clock,
    renew: (until) => deps.store.renewLease(record.id, runLease, until.toISOString()),
  });
  /** A fenced record write: a lost lease is remembered by the guard, so nothing else is sent or written. */
  const fencedWrite = async <T>(write: () => Promise<T>): Promise<T> => {
    guard.assertHeld();
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
    deps.metrics.isolationStarted(record.action);
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
        onStep: async (_step: StepRecord, state: ActionState) => {
          await fencedWrite(() =>
            deps.store.saveProgress(
              record.id,
              runStatus,
              job.kind === 'apply'
                ? { steps: state.steps, before: state.before }
                : { releaseSteps: state.steps, before: state.before },
              deps.clock().toISOString(),
              leaseId,
            ),
          );
        },
        onExposure: async (at: Date | undefined) => {
          await fencedWrite(() => deps.store.setExposure(record.id, runLease, at?.toISOString()));
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

  const at = deps.clock().toISOString();
  /** The run's final transition, fenced by its token. */
  const finish = (options: Omit<TransitionOptions, 'by' | 'at' | 'lease'>): Promise<IsolationRecord> =>
    fencedWrite(() =>
      deps.store.transition(record.id, { ...options, by: WORKER_PRINCIPAL, at, lease: leaseId }),
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
          remove: RUN_ATTRIBUTES,
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
          remove: RUN_ATTRIBUTES,
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
