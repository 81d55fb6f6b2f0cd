/**
 * The worker in-process: what an asynchronous Lambda invoke of `isolate` becomes on a laptop. Jobs start at once
 * and are tracked, so callers can wait for every run (and every run those start) to finish.
 */
import { errorMessage } from '../functions/lib/errors.js';
import type { PipelineDeps, WorkerJob } from '../functions/lib/pipeline/deps.js';
import { readResourceTags, type TagTarget } from '../functions/lib/pipeline/resource-tags.js';
import { runWorker, type WorkerResult } from '../functions/lib/pipeline/worker.js';

/** An in-process worker: jobs start at once without being awaited by the caller, like an async Lambda invoke. */
export interface InProcessWorker {
  startWorker(job: WorkerJob): Promise<void>;
  /** The worker's read-tags job, run in-process with the member clients. */
  readTags(target: TagTarget): Promise<Record<string, string>>;
  /** Wait until every job started so far (and any job those start) has finished; returns their results. */
  drain(): Promise<WorkerResult[]>;
}

/**
 * Create an in-process worker. `deps` is read lazily because the worker is itself part of the dependencies.
 * A job that throws (store failure) is recorded as an error result, as Lambda would log it.
 */
export function inProcessWorker(deps: () => PipelineDeps): InProcessWorker {
  const running = new Set<Promise<WorkerResult>>();
  const results: WorkerResult[] = [];
  return {
    async startWorker(job) {
      const run = runWorker(deps(), job).catch((error: unknown): WorkerResult => {
        deps().logger.error('worker run threw', { job, error: errorMessage(error) });
        return { id: job.id, kind: job.kind, outcome: 'failed', detail: errorMessage(error) };
      });
      running.add(run);
      void run.then((result) => {
        results.push(result);
        running.delete(run);
      });
    },
    readTags: (target) => readResourceTags(deps().memberClients, target),
    async drain() {
      while (running.size > 0) await Promise.all([...running]);
      // Let the bookkeeping `then` callbacks of the last runs settle.
      await new Promise((resolve) => setImmediate(resolve));
      return results.splice(0);
    },
  };
}
