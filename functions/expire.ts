/**
 * Lambda `expire`: runs on a schedule. Expires stale approvals, retries failed write-backs and notifications,
 * and restarts requests no worker is running. Thin: the core is `functions/lib/pipeline/expire.ts`.
 */
import { lambdaDeps } from './lib/pipeline/lambda.js';
import { expireAndSweep, type SweepResult } from './lib/pipeline/expire.js';

const deps = lambdaDeps('expire');

/** Scheduled EventBridge target; the event itself carries nothing cordon needs. */
export async function handler(): Promise<SweepResult> {
  const result = await expireAndSweep(deps);
  deps.logger.info('sweep done', { result });
  return result;
}
