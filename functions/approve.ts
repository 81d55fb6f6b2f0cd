/**
 * Lambda `approve`: Security Hub Findings - Custom Action events from cordon's approve and reject actions.
 * Thin: the core (and the forgery checks) is `functions/lib/pipeline/approve.ts`.
 */
import { lambdaDeps } from './lib/pipeline/lambda.js';
import { handleCustomAction, type ApprovalResult } from './lib/pipeline/approve.js';

const deps = lambdaDeps('approve');

/** EventBridge target. Refused events are logged and dropped; AWS errors throw so EventBridge retries. */
export async function handler(event: unknown): Promise<ApprovalResult> {
  const result = await handleCustomAction(deps, event, { receivedAt: new Date() });
  deps.logger.info('approval done', { result });
  return result;
}
