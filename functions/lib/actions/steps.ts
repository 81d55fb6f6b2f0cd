/**
 * The step runner shared by every isolation action.
 *
 * An action declares ordered **stages**; each stage is a list of named **steps** that run in parallel, so
 * independent AWS calls go out together and the critical path is the number of stages, not the number of
 * calls. Every step reads the current state first and reports `done` (it changed something) or `skipped`
 * (already in place / not applicable, with the reason), plus any before-state it captured.
 *
 * Guarantees, because this code touches customers' production resources:
 * - before-state captured by an earlier run is never overwritten (re-describing an already-isolated instance
 *   must not replace its original security groups with cordon's);
 * - a thrown error marks its step `failed` (AWS error name + message, the missing IAM permission for access
 *   denials), lets the sibling steps of the stage finish, stops later stages, and the result is `failed`;
 * - `onStep` is awaited after every step so the worker can persist progress and resume after a crash;
 * - a run that lost its lease (`LeaseLostError`, see aws/lease-guard.ts) stops at once: no step is recorded
 *   after it, no later stage runs, and the error propagates to the worker;
 * - a step flagged `exposes` is preceded by `onExposure(now)`, and the stage after it by `onExposure(undefined)`;
 * - the end of the stage flagged `containment` is reported once through `onContained` / `containedAt`.
 */
import type {
  ActionContext,
  ActionResult,
  ActionState,
  BeforeState,
  StepRecord,
  StepStatus,
} from './contract.js';
import { CordonError, LeaseLostError, errorMessage } from '../errors.js';
import { currentLease } from '../aws/lease-guard.js';
import { AwsCallError, awsErrorName, isAccessDenied } from '../aws/errors.js';

/** What a step reports when it did not throw. */
export interface StepOutcome {
  status: 'done' | 'skipped';
  /** What was changed, or why nothing was. */
  detail: string;
  /** Before-state captured by this step; merged into `before` without overwriting earlier captures. */
  before?: BeforeState;
  /** Non-fatal notes for the operator (e.g. blast radius). */
  warnings?: string[];
  /**
   * Nothing more to do here: the resource is gone (terminated instance, deleted user) or is already handled
   * by another isolation. The step is `skipped`, later stages do not run, and the result is `skipped` with
   * this step's detail.
   */
  halt?: boolean;
}

/** What a step receives. */
export interface StepInput<W> {
  /** Per-run working data shared by the steps of one run (describe results, group ids...). */
  work: W;
  /** Before-state so far: earlier runs' captures plus this run's, earlier captures winning. */
  before: Readonly<BeforeState>;
  /** This step's record from an earlier run, if any. */
  previous?: StepRecord;
  ctx: ActionContext;
}

export interface StepSpec<W> {
  name: string;
  /**
   * Not needed for containment (snapshots, tags, ...). Informational: such steps are placed after the
   * containment stage by the action, and still run and are still recorded.
   */
  offCriticalPath?: boolean;
  /**
   * When true, a step already `done`/`skipped` in an earlier run is not run again (its earlier record is
   * carried over as `skipped`). By default steps run again and re-check the live state themselves, which is
   * what makes a re-run after a crash safe when the crash happened between an AWS call and its persistence.
   */
  once?: boolean;
  /**
   * After this step, the resource is more exposed than before it until the next stage completes (e.g. the EC2
   * flow cut moves interfaces into an allow-all group until the isolation swap). The runner marks the record
   * through `ctx.onExposure` before the step, and clears the mark once the next stage completed.
   */
  exposes?: boolean;
  /**
   * Start only once the run's claim on the record holds (a worker run sends its claim and its first reads
   * together; see aws/lease-guard.ts). For reads that no change of their stage waits for: they then leave with that
   * change instead of racing the claim, so the change never waits for a write of the before-state they capture,
   * and a duplicate run that loses the claim reads nothing.
   */
  afterClaim?: boolean;
  run(input: StepInput<W>): Promise<StepOutcome>;
}

export interface StageSpec<W> {
  /** Run in parallel; the stage ends when all of them settle. */
  steps: readonly StepSpec<W>[];
  /** The resource is contained once this stage succeeds (e.g. after the network swap). */
  containment?: boolean;
}

export interface RunOptions<W> {
  ctx: ActionContext;
  stages: readonly StageSpec<W>[];
  work: W;
  /** State from an earlier run of the same operation (resume), or the apply state for a release. */
  previous?: ActionState;
  /**
   * AWS error names that mean the resource itself is gone (e.g. `InvalidInstanceID.NotFound`): the step is
   * `skipped` and the run ends `skipped`, instead of failing.
   */
  vanishedErrors?: readonly string[];
}

/**
 * A step failed after part of its work took effect (e.g. one of several permission sets was provisioned). The
 * runner keeps `before` (what that part recorded) and reports `failure` as the step's error.
 */
export class PartialStepError extends CordonError {
  readonly failure: unknown;
  readonly before: BeforeState;

  constructor(failure: unknown, before: BeforeState) {
    super(errorMessage(failure), { code: 'PARTIAL_STEP', cause: failure });
    this.failure = failure;
    this.before = before;
  }
}

/**
 * Run one AWS call, labelled with the IAM action it needs. Errors are rethrown as {@link AwsCallError} (the
 * original kept in `cause`) so that the step record can say which permission was denied.
 *
 * @example await awsCall('ec2:DescribeInstances', () => ec2.describeInstances({ InstanceIds }))
 */
export async function awsCall<T>(iamAction: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // A refused call (the run lost its lease) is not an AWS failure: it must stop the run, not fail a step.
    if (error instanceof LeaseLostError) throw error;
    throw new AwsCallError(iamAction, error);
  }
}

/**
 * The step-record detail for a failure: AWS error name and message; for an access denial, the IAM action
 * and the member role that lacks it.
 */
export function describeFailure(error: unknown, memberRoleName: string): { code: string; message: string } {
  const code = awsErrorName(error);
  const inner = error instanceof AwsCallError ? error.cause : error;
  const message = errorMessage(inner);
  if (isAccessDenied(error)) {
    const action = error instanceof AwsCallError ? error.iamAction : 'an IAM action';
    return {
      code: 'AccessDenied',
      message: `AccessDenied: ${action} denied to the member role ${memberRoleName} (${code}: ${message})`,
    };
  }
  const where = error instanceof AwsCallError ? ` (calling ${error.iamAction})` : '';
  return { code, message: `${code}: ${message}${where}` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep-merge `incoming` into `existing`, where values already present in `existing` always win: nested
 * objects are merged key by key, anything else (including arrays) captured earlier is kept as is.
 */
export function mergeBefore(existing: BeforeState, incoming: BeforeState): BeforeState {
  const merged: BeforeState = { ...existing };
  for (const [key, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    const current = merged[key];
    if (current === undefined) merged[key] = value;
    else if (isPlainObject(current) && isPlainObject(value)) merged[key] = mergeBefore(current, value);
  }
  return merged;
}

/** Order records as the plan declares its steps: this run's first, else an earlier run's. */
function orderedSteps<W>(
  stages: readonly StageSpec<W>[],
  current: Map<string, StepRecord>,
  earlier: Map<string, StepRecord>,
): StepRecord[] {
  const out: StepRecord[] = [];
  for (const stage of stages) {
    for (const step of stage.steps) {
      const record = current.get(step.name) ?? earlier.get(step.name);
      if (record) out.push(record);
    }
  }
  return out;
}

/**
 * Run the stages in order and the steps of each stage in parallel. See the module comment for the
 * guarantees. Never throws for a step failure (that is a `failed` result); an `onStep` persistence error
 * does propagate, because continuing without a persisted record would break resumability. `containedAt` is
 * set on the result when the `containment` stage completed in this run.
 */
export async function runSteps<W>(options: RunOptions<W>): Promise<ActionResult> {
  const { ctx, stages, work } = options;
  const vanishedErrors = new Set(options.vanishedErrors ?? []);
  const earlier = new Map((options.previous?.steps ?? []).map((s) => [s.name, s]));
  const current = new Map<string, StepRecord>();
  let before: BeforeState = { ...(options.previous?.before ?? {}) };
  const warnings: string[] = [];
  let failure: { step: string; error: { code: string; message: string } } | undefined;
  let vanished: string | undefined;
  let containedAt: string | undefined;

  // Records are persisted one at a time, in completion order, so `onStep` never races with itself.
  let persistQueue: Promise<void> = Promise.resolve();
  const persist = (write: () => void | Promise<void>): Promise<void> => {
    const next = persistQueue.then(write);
    persistQueue = next;
    return next;
  };
  const record = (name: string, status: StepStatus, detail: string): Promise<void> => {
    const step: StepRecord = { name, status, detail, at: ctx.now().toISOString() };
    current.set(name, step);
    const state: ActionState = { steps: orderedSteps(stages, current, earlier), before };
    const onStep = ctx.onStep;
    return persist(() => (onStep ? onStep(step, state) : undefined));
  };
  const carriedOver = (step: StepSpec<W>): boolean => {
    const previous = earlier.get(step.name);
    return step.once === true && previous !== undefined && previous.status !== 'failed';
  };
  // A run fenced off its lease stops where it is, recording nothing more (see aws/lease-guard.ts); a step that
  // swallowed the refusal does not change that.
  const fenced = (error?: unknown): LeaseLostError | undefined =>
    error instanceof LeaseLostError ? error : currentLease()?.lost;
  const onExposure = ctx.onExposure;
  /** Index of the stage whose step left the resource more exposed, until the stage after it completes. */
  let exposedStage: number | undefined;

  for (const [index, stage] of stages.entries()) {
    if (onExposure && stage.steps.some((step) => step.exposes === true && !carriedOver(step))) {
      // Marked before the step runs: a run that dies during or after it is found by the sweep.
      const at = ctx.now();
      await persist(() => onExposure(at));
      exposedStage = index;
    }
    const settled = await Promise.allSettled(
      stage.steps.map(async (step) => {
        const previous = earlier.get(step.name);
        if (carriedOver(step) && previous) {
          await record(
            step.name,
            'skipped',
            `already ${previous.status} in an earlier run: ${previous.detail}`,
          );
          return;
        }
        let reported: StepOutcome;
        try {
          if (step.afterClaim === true) await currentLease()?.claimHeld();
          reported = await step.run({ work, before, previous, ctx });
        } catch (thrown) {
          // Keep what took effect before the failure, so that a retry does not repeat it.
          if (thrown instanceof PartialStepError) before = mergeBefore(before, thrown.before);
          const error = thrown instanceof PartialStepError ? thrown.failure : thrown;
          const lost = fenced(error);
          if (lost) throw lost;
          if (vanishedErrors.has(awsErrorName(error))) {
            const detail = `resource no longer exists (${awsErrorName(error)}: ${errorMessage(error instanceof AwsCallError ? error.cause : error)})`;
            vanished ??= detail;
            await record(step.name, 'skipped', detail);
            return;
          }
          const described = describeFailure(error, ctx.guard.memberRoleName);
          failure ??= { step: step.name, error: described };
          ctx.logger.error('isolation step failed', {
            isolationId: ctx.isolationId,
            step: step.name,
            error: described.message,
          });
          await record(step.name, 'failed', described.message);
          return;
        }
        const lost = fenced();
        if (lost) throw lost;
        if (reported.before) before = mergeBefore(before, reported.before);
        if (reported.warnings) warnings.push(...reported.warnings);
        if (reported.halt) vanished ??= reported.detail;
        await record(step.name, reported.status, reported.detail);
      }),
    );
    // Only a lost lease or `onStep` (persistence) can reject here; surface it after the siblings have settled.
    const lost = fenced();
    if (lost) throw lost;
    for (const result of settled) if (result.status === 'rejected') throw result.reason;

    if (failure || vanished) break;
    if (onExposure && exposedStage !== undefined && index > exposedStage) {
      await persist(() => onExposure(undefined));
      exposedStage = undefined;
    }
    if (stage.containment && containedAt === undefined) {
      const at = ctx.now();
      containedAt = at.toISOString();
      if (ctx.onContained) await ctx.onContained(at);
    }
  }

  const steps = orderedSteps(stages, current, new Map());
  const base = { steps, before, warnings };
  if (failure) {
    return { ...base, outcome: 'failed', failedStep: failure.step, error: failure.error, containedAt };
  }
  if (vanished) return { ...base, outcome: 'skipped', detail: vanished, containedAt };
  return { ...base, outcome: 'succeeded', containedAt };
}
