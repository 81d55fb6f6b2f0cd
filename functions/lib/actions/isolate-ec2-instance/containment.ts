/**
 * Moving interfaces from cordon's allow-all flow-cut group onto the isolation group, fail-safe.
 *
 * The flow cut is the one moment cordon makes an instance MORE exposed (all traffic both ways), so no interface
 * may be left there:
 * 1. the swap to the isolation group is retried with backoff inside the step, past the SDK's own retries (an
 *    AccessDenied from a policy still propagating, a throttling burst, a 500 or a timeout all count);
 * 2. if it still fails, every interface still in the flow-cut group is put back on its recorded original groups
 *    (rollback), and the step fails with {@link IsolationRolledBackError};
 * 3. if even that fails, the step fails with {@link RollbackFailedError}, which lists the exposed interfaces, and
 *    an ERROR line is logged; the action carries the list as `exposure` to the record, the notification and the
 *    `IsolationsExposed` metric.
 */
import { AwsCallError, awsErrorName } from '../../aws/errors.js';
import type { ActionContext } from '../contract.js';
import { CordonError } from '../../errors.js';
import { describeFailure } from '../steps.js';
import { describeInstance, sameGroups } from './instance.js';
import { modifyEniGroups } from './shared.js';

/** Retry schedule of the swap and of the rollback: one attempt, then one more after each delay. */
export interface SwapRetry {
  delaysMs: readonly number[];
  sleep: (milliseconds: number) => Promise<void>;
}

/**
 * About 6.5 s of extra attempts, well inside the worker's timeout, and longer than the SDK's three attempts: a
 * throttling burst or an IAM change still propagating usually clears within seconds.
 */
export const DEFAULT_SWAP_RETRY: SwapRetry = {
  delaysMs: [500, 2000, 4000],
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

let swapRetry: SwapRetry = DEFAULT_SWAP_RETRY;

/** Replace the retry schedule (tests use zero delays); returns a function that puts the previous one back. */
export function configureSwapRetry(next: Partial<SwapRetry>): () => void {
  const previous = swapRetry;
  swapRetry = { ...previous, ...next };
  return () => {
    swapRetry = previous;
  };
}

/** Errors a retry cannot fix: the interface or group is gone. */
const NOT_RETRIED = new Set([
  'InvalidInstanceID.NotFound',
  'InvalidNetworkInterfaceID.NotFound',
  'InvalidGroup.NotFound',
]);

/** The isolation group could not be reached; the exposed interfaces were put back on their original groups. */
export class IsolationRolledBackError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'ISOLATION_ROLLED_BACK', ...options });
  }
}

/** Neither the isolation group nor the original groups could be set: `exposure` lists interfaces left open. */
export class RollbackFailedError extends CordonError {
  readonly exposure: string[];

  constructor(message: string, exposure: string[], options: { cause?: unknown } = {}) {
    super(message, { code: 'ROLLBACK_FAILED', ...options });
    this.exposure = exposure;
  }
}

/** Why containment failed, for the action result (set by the step that failed). */
export interface ContainmentFailure {
  code: 'ISOLATION_ROLLED_BACK' | 'ROLLBACK_FAILED';
  exposure: string[];
}

/** One interface to move. `groups` is its live membership and is updated as the interface moves. */
export interface SwapTarget {
  eniId: string;
  groups: string[];
  isolation: string;
  /** cordon's allow-all group of the interface's VPC, when the flow cut is in use. */
  flowCut?: string;
  /** The recorded original groups, the rollback target. */
  original?: string[];
}

async function withRetry(
  call: () => Promise<unknown>,
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  const { delaysMs, sleep } = swapRetry;
  let lastError: unknown;
  for (let attempt = 0; attempt <= delaysMs.length; attempt += 1) {
    if (attempt > 0) await sleep(delaysMs[attempt - 1] ?? 0);
    try {
      await call();
      return { ok: true };
    } catch (error) {
      // Only what AWS answered is retried or rolled back. Anything else (a run that lost its lease and must not
      // touch AWS again, a bug) stops the step at once: the run that owns the record now does the repair.
      if (!(error instanceof AwsCallError) || error.cause instanceof CordonError) throw error;
      lastError = error;
      if (NOT_RETRIED.has(awsErrorName(error))) break;
    }
  }
  return { ok: false, error: lastError };
}

/**
 * Read the interfaces' groups back (best effort): a call that timed out may still have been applied, so what AWS
 * says, not what the call returned, decides what to roll back and what to report as exposed.
 */
async function readBack(
  ctx: ActionContext,
  instanceId: string,
  targets: readonly SwapTarget[],
): Promise<void> {
  try {
    const instance = await describeInstance(ctx.clients.ec2, instanceId);
    for (const target of targets) {
      const eni = instance?.enis.find((e) => e.id === target.eniId);
      if (eni) target.groups = eni.groups;
    }
  } catch (error) {
    ctx.logger.warn('could not read the interfaces back; going by the calls made', {
      isolationId: ctx.isolationId,
      error: describeFailure(error, ctx.guard.memberRoleName).message,
    });
  }
}

const inFlowCut = (target: SwapTarget): boolean =>
  target.flowCut !== undefined && target.groups.includes(target.flowCut);

/**
 * Put every target that sits in the flow-cut group back on its recorded original groups. Returns the interfaces
 * that could not be put back (still exposed) with the reason. Interfaces not in the flow-cut group are left as
 * they are: one already in the isolation group stays contained.
 */
export async function rollBackFlowCut(
  ctx: ActionContext,
  targets: readonly SwapTarget[],
): Promise<{ restored: string[]; exposed: { eniId: string; reason: string }[] }> {
  const restored: string[] = [];
  const exposed: { eniId: string; reason: string }[] = [];
  await Promise.all(
    targets.filter(inFlowCut).map(async (target) => {
      const original = target.original;
      if (original === undefined || original.length === 0) {
        exposed.push({ eniId: target.eniId, reason: 'its original groups were not recorded' });
        return;
      }
      const result = await withRetry(() => modifyEniGroups(ctx.clients.ec2, target.eniId, original));
      if (result.ok) {
        target.groups = [...original];
        restored.push(`${target.eniId} → [${original.join(', ')}]`);
      } else {
        exposed.push({
          eniId: target.eniId,
          reason: describeFailure(result.error, ctx.guard.memberRoleName).message,
        });
      }
    }),
  );
  return { restored: restored.sort(), exposed: exposed.sort((a, b) => a.eniId.localeCompare(b.eniId)) };
}

/**
 * Move every target onto its isolation group, retrying with backoff; on a lasting failure roll the flow-cut
 * interfaces back (see the module comment). Returns what changed; throws {@link IsolationRolledBackError},
 * {@link RollbackFailedError}, or (without the flow cut, where nothing is exposed) the last AWS error.
 * `onFailure` receives the failure class before the throw so the action can report it.
 */
export async function isolateInterfaces(
  ctx: ActionContext,
  instanceId: string,
  targets: readonly SwapTarget[],
  onFailure: (failure: ContainmentFailure) => void,
): Promise<string[]> {
  const changes: string[] = [];
  const failed: { target: SwapTarget; error: unknown }[] = [];
  await Promise.all(
    targets.map(async (target) => {
      if (sameGroups(target.groups, [target.isolation])) return;
      const result = await withRetry(() =>
        modifyEniGroups(ctx.clients.ec2, target.eniId, [target.isolation]),
      );
      if (result.ok) {
        target.groups = [target.isolation];
        changes.push(`${target.eniId} → ${target.isolation}`);
      } else {
        failed.push({ target, error: result.error });
      }
    }),
  );
  if (failed.length === 0) return changes.sort();
  await readBack(ctx, instanceId, targets);
  const unconfirmed = failed.filter(({ target }) => !sameGroups(target.groups, [target.isolation]));
  for (const { target } of failed) {
    if (sameGroups(target.groups, [target.isolation])) {
      changes.push(`${target.eniId} → ${target.isolation} (confirmed by read-back after an error)`);
    }
  }
  const first = unconfirmed.sort((a, b) => a.target.eniId.localeCompare(b.target.eniId))[0];
  if (!first) return changes.sort();

  const attempts = swapRetry.delaysMs.length + 1;
  const cause = describeFailure(first.error, ctx.guard.memberRoleName).message;
  const why =
    `could not move ${unconfirmed.map((f) => f.target.eniId).join(', ')} to the isolation group ` +
    `after ${attempts} attempt(s) (${cause})`;
  const stillOpen = targets.filter(inFlowCut);
  if (stillOpen.length === 0) throw first.error;

  const rollback = await rollBackFlowCut(ctx, stillOpen);
  const { restored } = rollback;
  let exposed = rollback.exposed;
  if (exposed.length > 0) {
    // Report only what AWS says is still open (a rollback call may have timed out after being applied).
    await readBack(ctx, instanceId, stillOpen);
    exposed = exposed.filter((e) => stillOpen.some((t) => t.eniId === e.eniId && inFlowCut(t)));
  }
  const contained =
    changes.length > 0 ? `; ${changes.join(', ')} reached the isolation group and stay there` : '';
  if (exposed.length === 0) {
    onFailure({ code: 'ISOLATION_ROLLED_BACK', exposure: [] });
    throw new IsolationRolledBackError(
      `${why}; rolled back to the recorded original groups: ${restored.join(', ')}${contained}. ` +
        'The instance is NOT contained by cordon',
      { cause: first.error },
    );
  }
  const exposure = exposed.map((e) => e.eniId);
  onFailure({ code: 'ROLLBACK_FAILED', exposure });
  const message =
    `${why}; the rollback to the original groups failed too, so ${exposure.join(', ')} ` +
    `${exposure.length === 1 ? 'is' : 'are'} left in cordon's ALLOW-ALL flow-cut group: ` +
    `${exposed.map((e) => `${e.eniId}: ${e.reason}`).join('; ')}` +
    (restored.length > 0 ? `; rolled back: ${restored.join(', ')}` : '') +
    `${contained}. Move ${exposure.length === 1 ? 'it' : 'them'} to the isolation or original groups by hand now`;
  ctx.logger.error('ROLLBACK_FAILED: network interfaces left in the allow-all flow-cut group', {
    isolationId: ctx.isolationId,
    exposure,
    error: message,
  });
  throw new RollbackFailedError(message, exposure, { cause: first.error });
}
