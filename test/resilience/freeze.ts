/**
 * Freezing a live worker run, for the lease tests: from its n-th mutating member-account command on, every
 * command of that run (and only that run: runs are told apart by their lease token) waits at a gate before the
 * lease guard sees it, as if the worker had stalled (a long pause, a frozen Lambda). Other runs go on. Opening
 * the gate lets the frozen run continue exactly where it stopped.
 */
import { currentLease, isReadOnlyCommand } from '../../functions/lib/aws/lease-guard.js';
import type { CommandRecorder, InstrumentableClient } from '../../functions/lib/aws/command-recorder.js';
import { MEMBER_SERVICES } from './support.js';

export class RunFreezer {
  #target: { nth: number; command?: string } | undefined;
  #seen = 0;
  #frozen: string | undefined;
  #blocked = 0;
  #open = false;
  #release: () => void = () => undefined;
  #gate: Promise<void> = Promise.resolve();
  #reach: () => void = () => undefined;
  #reached: Promise<void> = Promise.resolve();

  /**
   * Freeze the next run that sends its `nth` mutating command (of that name, if given). Re-arming forgets the
   * previous freeze (thaw it first).
   */
  freezeAt(nth: number, command?: string): this {
    this.#target = command === undefined ? { nth } : { nth, command };
    this.#seen = 0;
    this.#frozen = undefined;
    this.#open = false;
    this.#gate = new Promise<void>((resolve) => (this.#release = resolve));
    this.#reached = new Promise<void>((resolve) => (this.#reach = resolve));
    return this;
  }

  /** Let the frozen run go on. */
  thaw(): void {
    this.#open = true;
    this.#target = undefined;
    this.#release();
  }

  /**
   * Wait until the frozen run has nothing in flight in AWS: each of its commands either settled before the freeze
   * or waits at the gate. Polls the recorder, which sees commands before this freezer does.
   */
  async settled(recorder: CommandRecorder): Promise<void> {
    await this.#reached;
    for (;;) {
      const pending = recorder.commands.filter(
        (c) => c.outcome === 'pending' && MEMBER_SERVICES.has(c.service),
      ).length;
      if (pending === this.#blocked) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  attach<C extends InstrumentableClient>(client: C): C {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const lease = currentLease();
        const command = (context.commandName ?? '').replace(/Command$/, '');
        const target = this.#target;
        if (
          lease !== undefined &&
          this.#frozen === undefined &&
          target !== undefined &&
          !isReadOnlyCommand(command) &&
          (target.command === undefined || target.command === command)
        ) {
          this.#seen += 1;
          if (this.#seen === target.nth) {
            this.#frozen = lease.leaseId;
            this.#reach();
          }
        }
        const gate = this.#gate;
        if (!this.#open && lease !== undefined && lease.leaseId === this.#frozen) {
          this.#blocked += 1;
          await gate;
          this.#blocked -= 1;
        }
        return next(args);
      },
      // After the command recorder (same step, added later), before the lease guard (low priority).
      { step: 'initialize', priority: 'high', name: `runFreezer${Math.random().toString(36).slice(2)}` },
    );
    return client;
  }
}
