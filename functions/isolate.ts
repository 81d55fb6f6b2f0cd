/**
 * Lambda `isolate`: the worker, invoked asynchronously with `{kind: 'apply' | 'release', id}`, and synchronously
 * by the API with the read-only `{kind: 'read-tags', resource}` (a resource's live tags, for the request-time
 * exemption check). Thin: the core is `functions/lib/pipeline/worker.ts` and `resource-tags.ts`.
 */
import { createMetrics } from './lib/observability.js';
import { lambdaDeps } from './lib/pipeline/lambda.js';
import { ReadTagsJobSchema, readResourceTags } from './lib/pipeline/resource-tags.js';
import { runWorker, WorkerJobSchema, type WorkerResult } from './lib/pipeline/worker.js';

// Only the worker runs isolations, so only it emits metrics (the FAILED-isolations alarm reads them).
const deps = lambdaDeps('isolate', { metrics: createMetrics('isolate') });
// Once per container: evidence is on by default in the Terraform deployment, so its absence is worth a line.
if (deps.evidence === undefined) {
  deps.logger.warn('CORDON_EVIDENCE_BUCKET is not set: no evidence is collected after containment');
}

/**
 * Invocation target. A malformed job is logged and dropped; store errors throw (Lambda retries). A read-tags job
 * that cannot read the tags throws, so the synchronous caller sees a FunctionError, never an empty tag set.
 */
export async function handler(
  event: unknown,
): Promise<WorkerResult | { dropped: string } | { tags: Record<string, string> }> {
  const readTags = ReadTagsJobSchema.safeParse(event);
  if (readTags.success) {
    return { tags: await readResourceTags(deps.memberClients, readTags.data.resource) };
  }
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
