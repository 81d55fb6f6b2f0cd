/**
 * Lambda `isolate`: the worker, invoked asynchronously with `{kind: 'apply' | 'release', id}`. Thin: the core is
 * `functions/lib/pipeline/worker.ts`.
 */
import { createMetrics } from './lib/observability.js';
import { lambdaDeps } from './lib/pipeline/lambda.js';
import { runWorker, WorkerJobSchema, type WorkerResult } from './lib/pipeline/worker.js';

// Only the worker runs isolations, so only it emits metrics (the FAILED-isolations alarm reads them).
const deps = lambdaDeps('isolate', { metrics: createMetrics('isolate') });

/** Async invocation target. A malformed job is logged and dropped; store errors throw (Lambda retries). */
export async function handler(event: unknown): Promise<WorkerResult | { dropped: string }> {
  const job = WorkerJobSchema.safeParse(event);
  if (!job.success) {
    const dropped = `malformed worker job: ${job.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    deps.logger.error(dropped);
    return { dropped };
  }
  const result = await runWorker(deps, job.data);
  deps.logger
    .withKeys({ isolationId: result.id })
    .info('worker done', { outcome: result.outcome, kind: result.kind });
  return { ...result, record: undefined };
}
