/**
 * A worker run's progress journal: what the step runner reports (steps, before-state, the exposure marker) is
 * written to the record when a change needs it, not after every step.
 *
 * Why: one write per step put a DynamoDB round trip between every two stages of the critical path. What must be
 * durable before the next change in the member account is the before-state and the exposure marker; a step's
 * status can lag, because every step re-checks the live state when a resumed run repeats it (steps.ts). So:
 * - {@link ProgressJournal.record} and {@link ProgressJournal.expose} only remember the latest state;
 * - {@link ProgressJournal.beforeMutation} runs before every mutating member-account command (the lease guard calls
 *   it): when the before-state changed or an exposure was marked since the last write, it writes everything pending
 *   in one fenced write and the command waits for it;
 * - after a change went out, the next step report is written in the background, not holding the next change back,
 *   so a resumed run knows which changes were made (some steps read first on a resume only when they were);
 * - {@link ProgressJournal.flush} writes whatever is still pending.
 * Writes go out one at a time, in order, each carrying the whole latest state, so a later write never loses an
 * earlier one.
 */
import type { ActionState } from '../actions/contract.js';
import type { ExposureChange } from '../store/isolations.js';
import type { Progress } from '../store/transitions.js';

/** Persists one batch (a fenced record write). */
export type ProgressWrite = (progress: Progress, exposure: ExposureChange | undefined) => Promise<void>;

export class ProgressJournal {
  readonly #write: ProgressWrite;
  readonly #shape: (state: ActionState) => Progress;
  #progress: Progress | undefined;
  #exposure: ExposureChange | undefined;
  /** The before-state as last written (JSON), to tell a changed before-state from a mere step update. */
  #durableBefore: string;
  #inFlight: Promise<void> | undefined;
  /** A change went out in this run: from then on every step report is written soon, in the background. */
  #changed = false;
  #scheduled = false;

  /**
   * @param write the fenced write of one batch
   * @param shape maps the runner's state to the record's fields (`steps` or `releaseSteps`, and `before`)
   * @param durableBefore the before-state the record already holds
   */
  constructor(write: ProgressWrite, shape: (state: ActionState) => Progress, durableBefore: unknown) {
    this.#write = write;
    this.#shape = shape;
    this.#durableBefore = JSON.stringify(durableBefore ?? {});
  }

  /** The runner's state after a step (the latest replaces any unwritten earlier one). */
  record(state: ActionState): void {
    this.#progress = this.#shape(state);
    // After a change, write the step that made it without holding anything back: on the next turn of the event
    // loop, so that what the runner reports in the same turn (the next stage's exposure mark) joins the write.
    if (this.#changed && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        // A failure stays pending: the next change or the end of the run writes it again, or reports it.
        this.flush().catch(() => undefined);
      });
    }
  }

  /** An exposure marked (`at`) or cleared (`undefined`). */
  expose(at: Date | undefined): void {
    this.#exposure = at === undefined ? { clear: true } : { set: at.toISOString() };
  }

  /** Whether a mutating command must wait for a write: a new before-state or a new exposure mark. */
  get #mustPersist(): boolean {
    const before = this.#progress?.before;
    const beforeChanged = before !== undefined && JSON.stringify(before) !== this.#durableBefore;
    return beforeChanged || (this.#exposure !== undefined && 'set' in this.#exposure);
  }

  /** Before a mutating command: make the before-state and exposure marks captured so far durable. */
  async beforeMutation(): Promise<void> {
    // A write in flight may carry them already; wait for it, then write what is still missing.
    while (this.#inFlight !== undefined) await this.#inFlight;
    if (this.#mustPersist) await this.flush();
    this.#changed = true;
  }

  /**
   * The end of a run: wait for a write in flight (its failure was reported to the command that waited for it) and
   * hand over what is pending, which the final transition writes instead. Returns the pending exposure change.
   */
  async settle(): Promise<ExposureChange | undefined> {
    while (this.#inFlight !== undefined) await this.#inFlight.catch(() => undefined);
    const exposure = this.#exposure;
    this.#progress = undefined;
    this.#exposure = undefined;
    return exposure;
  }

  /** Write everything pending (no write when nothing is). */
  async flush(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight;
    const progress = this.#progress;
    const exposure = this.#exposure;
    if (progress === undefined && exposure === undefined) return;
    this.#progress = undefined;
    this.#exposure = undefined;
    const write = this.#write(progress ?? {}, exposure).then(
      () => {
        if (progress?.before !== undefined) this.#durableBefore = JSON.stringify(progress.before);
      },
      (error: unknown) => {
        // Not written: keep it pending unless something newer replaced it, and let the caller see why.
        this.#progress ??= progress;
        this.#exposure ??= exposure;
        throw error;
      },
    );
    this.#inFlight = write.finally(() => {
      this.#inFlight = undefined;
    });
    await this.#inFlight;
  }
}
