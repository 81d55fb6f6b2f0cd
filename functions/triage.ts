/**
 * Lambda `triage`: GuardDuty Finding and Security Hub Findings - Imported events. Thin: the core is
 * `functions/lib/pipeline/triage.ts`.
 */
import { lambdaDeps } from './lib/pipeline/lambda.js';
import { triageEvent, type TriageResult } from './lib/pipeline/triage.js';

const deps = lambdaDeps('triage');

/** EventBridge target. Malformed events are dropped (logged); AWS errors throw so EventBridge retries. */
export async function handler(event: unknown): Promise<TriageResult> {
  const result = await triageEvent(deps, event, { receivedAt: new Date() });
  deps.logger.info('triage done', { result });
  return result;
}
