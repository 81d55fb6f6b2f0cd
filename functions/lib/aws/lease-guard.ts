/**
 * The lease guard: a worker run may change a member account only while it holds the lease it claimed on the
 * isolation record.
 *
 * A run claims a record with a fencing token (`leaseId`) and an expiry; every record write of the run is
 * conditioned on that token (see store/lease.ts). The record is one half; AWS is the other: a run that was paused
 * (a long GC, a stalled connection, a frozen Lambda) past its lease must not swap security groups after a newer
 * run released them. So the run executes inside {@link runWithLease}, and the middleware
 * {@link attachLeaseGuard} puts on every member-account client asks the run's {@link LeaseGuard} before each
 * command:
 * - a mutating command is refused with {@link LeaseLostError} once the local clock is past the expiry minus a
 *   safety margin (the margin covers one call's flight time and clock drift), and the guard stays lost;
 * - near the expiry, the lease is renewed first (a write conditioned on the token), so a healthy run never
 *   reaches the margin;
 * - reads proceed past the margin (they cannot expose anything), but not once the guard knows it was fenced;
 * - reads may also go out while the claim is still in flight ({@link LeaseGuardOptions.claimed}); a mutation waits
 *   for the claim, then for the worker's {@link LeaseGuardOptions.beforeMutation} (the before-state made durable).
 *
 * Outside {@link runWithLease} (triage, tests, tools) the middleware does nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { LeaseLostError } from '../errors.js';
import type { InstrumentableClient } from './command-recorder.js';

/** Refuse mutations this long before the lease expires, at most (a quarter of the lease for short leases). */
export const LEASE_SAFETY_MARGIN_MS = 15_000;

/** Commands that only read (AWS's naming convention); anything else is treated as a mutation. */
export function isReadOnlyCommand(command: string): boolean {
  return /^(Describe|Get|List)/.test(command.replace(/Command$/, ''));
}

export interface LeaseGuardOptions {
  isolationId: string;
  /** The fencing token the run claimed the record with. */
  leaseId: string;
  expiresAt: Date;
  /** Length of one lease (a renewal extends it to now + this). */
  leaseMs: number;
  now: () => Date;
  /**
   * Extend the lease to `until` with a write conditioned on the token.
   * @throws LeaseLostError when the record no longer carries the token.
   */
  renew(until: Date): Promise<void>;
  /**
   * Settles when the claim that gave this lease is known to hold (a worker run starts its reads while its claim is
   * in flight). Mutating commands and fenced record writes wait for it; a rejection with {@link LeaseLostError}
   * fences the run. Absent: the claim already holds.
   */
  claimed?: Promise<void>;
  /**
   * Run before every mutating command, once the claim holds: the worker makes the before-state and exposure marker
   * captured so far durable here, so no change is sent before they are recorded.
   */
  beforeMutation?: () => Promise<void>;
}

/** What a run knows about its lease; one per run. */
export class LeaseGuard {
  readonly isolationId: string;
  readonly leaseId: string;
  readonly #options: LeaseGuardOptions;
  readonly #marginMs: number;
  #expiresAt: number;
  #lost: LeaseLostError | undefined;
  #renewing: Promise<void> | undefined;

  constructor(options: LeaseGuardOptions) {
    this.isolationId = options.isolationId;
    this.leaseId = options.leaseId;
    this.#options = options;
    this.#expiresAt = options.expiresAt.getTime();
    this.#marginMs = Math.min(LEASE_SAFETY_MARGIN_MS, Math.floor(options.leaseMs / 4));
  }

  /** Set once the run is known to be fenced; the run must stop. */
  get lost(): LeaseLostError | undefined {
    return this.#lost;
  }

  get expiresAt(): Date {
    return new Date(this.#expiresAt);
  }

  /** Remember that the run was fenced (the first cause is kept); returns the error to throw. */
  fence(error: LeaseLostError): LeaseLostError {
    this.#lost ??= error;
    return this.#lost;
  }

  /** @throws LeaseLostError once the run is known to be fenced. */
  assertHeld(): void {
    if (this.#lost) throw this.#lost;
  }

  /**
   * Wait until the claim holds.
   * @throws LeaseLostError when the claim failed (the run is fenced) or the run is known to be fenced.
   */
  async claimHeld(): Promise<void> {
    this.assertHeld();
    if (this.#options.claimed === undefined) return;
    try {
      await this.#options.claimed;
    } catch (error) {
      if (error instanceof LeaseLostError) throw this.fence(error);
      throw error;
    }
    this.assertHeld();
  }

  /**
   * Check before an AWS command: see the module comment.
   * @throws LeaseLostError when the command must not be sent.
   */
  async beforeCommand(command: string): Promise<void> {
    this.assertHeld();
    const mutating = !isReadOnlyCommand(command);
    if (mutating) await this.claimHeld();
    const now = this.#options.now().getTime();
    if (now >= this.#expiresAt - this.#marginMs) {
      if (!mutating) return;
      throw this.fence(
        new LeaseLostError(
          `Isolation ${this.isolationId}: lease ${this.leaseId} ran out at ${this.expiresAt.toISOString()}; ` +
            `${command} was not sent`,
        ),
      );
    }
    if (this.#expiresAt - now <= this.#options.leaseMs / 2) await this.renew();
    if (mutating && this.#options.beforeMutation !== undefined && ownResourceChanges.getStore() !== true) {
      try {
        await this.#options.beforeMutation();
      } catch (error) {
        if (error instanceof LeaseLostError) throw this.fence(error);
        throw error;
      }
      this.assertHeld();
    }
  }

  /** Renew the lease now (concurrent callers share one write). */
  renew(): Promise<void> {
    this.#renewing ??= this.#renewOnce().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  async #renewOnce(): Promise<void> {
    await this.claimHeld();
    const until = new Date(this.#options.now().getTime() + this.#options.leaseMs);
    try {
      await this.#options.renew(until);
    } catch (error) {
      if (error instanceof LeaseLostError) throw this.fence(error);
      throw error;
    }
    this.#expiresAt = until.getTime();
  }
}

const leases = new AsyncLocalStorage<LeaseGuard>();
const ownResourceChanges = new AsyncLocalStorage<true>();

/**
 * Run `fn`, whose changes touch only cordon's own resources, created by an earlier step and never restored by a
 * release (the rules of cordon's security groups): its commands wait for the claim like any change, but not for
 * {@link LeaseGuardOptions.beforeMutation}, as they change nothing a before-state records. So they can go out
 * alongside the progress write the next change of the resource needs.
 */
export function changingOwnResources<T>(fn: () => Promise<T>): Promise<T> {
  return ownResourceChanges.run(true, fn);
}

/** Run `fn` (one worker run's action) under `guard`: every member-account command it sends is checked. */
export function runWithLease<T>(guard: LeaseGuard, fn: () => Promise<T>): Promise<T> {
  return leases.run(guard, fn);
}

/** The lease of the run this code executes in, if any. */
export function currentLease(): LeaseGuard | undefined {
  return leases.getStore();
}

const MIDDLEWARE_NAME = 'cordonLeaseGuard';

/**
 * Make every command of `client` ask the current run's lease first (a no-op outside {@link runWithLease}).
 * It sits inside the SDK's retry loop (`finalizeRequest`, after the retry middleware), so each attempt is checked:
 * a retry after a long backoff is a new send. A refusal is not retried (the SDK retries only throttling and
 * transient errors). Attaching twice is a no-op.
 */
export function attachLeaseGuard<C extends InstrumentableClient>(client: C): C {
  const stack = client.middlewareStack;
  if (stack.identify().some((entry) => entry.startsWith(`${MIDDLEWARE_NAME} `))) return client;
  stack.add(
    (next, context) => async (args) => {
      const lease = leases.getStore();
      if (lease !== undefined) await lease.beforeCommand(context.commandName ?? 'UnknownCommand');
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: MIDDLEWARE_NAME },
  );
  return client;
}
