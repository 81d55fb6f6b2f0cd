/**
 * The worker's evidence stage: after the record says ISOLATED, collect and store the evidence, then put the
 * manifest's location and SHA-256 on the record. Off the critical path: nothing here can change the containment
 * outcome, and nothing here throws.
 */
import { errorMessage } from '../errors.js';
import type { LoggerLike } from '../kernel/logger.js';
import type { PipelineDeps } from '../pipeline/deps.js';
import type { IsolationRecord } from '../store/model.js';
import { collectEvidence } from './collect.js';

/**
 * Collect the evidence of a contained isolation and record where it is. Returns the record with its `evidence`
 * (also when the record write failed: the Security Hub note then still carries the hash, and the failure is
 * logged as an error).
 */
export async function recordEvidence(
  deps: Pick<PipelineDeps, 'evidence' | 'memberClients' | 'clock' | 'store' | 'policy'>,
  record: IsolationRecord,
  logger: LoggerLike,
): Promise<IsolationRecord> {
  const sink = deps.evidence;
  if (sink === undefined) return record;
  // The rule as deployed now decides (a rule renamed since the request no longer applies: evidence is collected).
  const rule = deps.policy.rules.find((r) => r.name === record.rule);
  if (rule?.evidence?.enabled === false) {
    logger.info(`evidence is off for rule ${rule.name}: none collected`);
    return record;
  }
  const evidence = await collectEvidence(
    {
      writer: sink.writer,
      collectedBy: sink.collectedBy,
      memberClients: deps.memberClients,
      clock: deps.clock,
      logger,
    },
    record,
    rule?.evidence ?? {},
  );
  if (evidence.status === 'stored') {
    logger.info(`evidence stored: s3://${evidence.bucket}/${evidence.manifestKey}`, {
      manifestSha256: evidence.manifestSha256,
      collected: evidence.collected,
      failed: evidence.failed,
    });
  }
  try {
    await deps.store.saveEvidence(record.id, evidence, deps.clock().toISOString());
  } catch (error) {
    logger.error('the evidence reference could not be saved on the record', {
      error: errorMessage(error),
      evidence,
    });
  }
  return { ...record, evidence };
}
