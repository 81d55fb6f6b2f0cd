/**
 * The pipeline wired to a local emulator through the local pipeline harness (harness/): the same
 * {@link PipelineDeps} the Lambdas build, with the emulator endpoint, the in-process worker, and the Security Hub
 * outbox (moto has no BatchUpdateFindings). Used by `npm start` and by the API, sandbox and browser tests.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PipelineConfig } from '../../functions/lib/config.js';
import { loadRuleFiles, type RuleFile } from '../../functions/lib/eventbridge/rules.js';
import type { CompiledPolicy } from '../../functions/lib/policy/model.js';
import { bundledPolicy } from '../../functions/lib/pipeline/bundled-policy.js';
import type { PipelineDeps } from '../../functions/lib/pipeline/deps.js';
import type { WorkerResult } from '../../functions/lib/pipeline/worker.js';
import type { OutboxEntry } from '../../functions/lib/report/securityhub-writer.js';
import type { PipelineLogger } from '../../functions/lib/observability.js';
import { createLocalPipeline, type LocalPipeline } from '../../harness/pipeline.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The emulator's default account: cordon's security account in the sandbox. */
export const SANDBOX_SECURITY_ACCOUNT = '123456789012';
/** The demo member account (moto's AssumeRole into it yields credentials that act there). */
export const SANDBOX_MEMBER_ACCOUNT = '210987654321';
export const SANDBOX_REGION = 'eu-west-1';
export const SANDBOX_TABLE = 'cordon-isolations';
export const SANDBOX_TOPIC = 'cordon-notifications';
export const SANDBOX_MEMBER_ROLE = 'cordon-member';
/** The read-only role the API assumes to resolve Name tags (the member-role module's lookup role). */
export const SANDBOX_LOOKUP_ROLE = 'cordon-lookup';

export interface SandboxEnvironment {
  /** The harness: `dispatch` sends an event through the deployed rules (rules/), the cores and the worker. */
  pipeline: LocalPipeline;
  deps: PipelineDeps;
  config: PipelineConfig;
  outboxPath: string;
  /** Resolves when every worker started so far has finished (tests and the replay wait on it). */
  idle(): Promise<WorkerResult[]>;
}

export interface SandboxEnvironmentOptions {
  endpoint: string;
  outboxPath: string;
  policy?: CompiledPolicy;
  region?: string;
  /** Called for each Security Hub write that went to the outbox. */
  onOutbox?: (entry: OutboxEntry) => void;
  /** Pipeline logs (default: silent; the sandbox prints its own progress lines). */
  logger?: PipelineLogger;
  /** The EventBridge rules events are dispatched by (default: the repository's rules/). */
  rules?: readonly RuleFile[];
}

/**
 * Create the table, topic and member role in the emulator (the pipeline's own bootstrap) and build the
 * pipeline over them.
 */
export async function createSandboxEnvironment(
  options: SandboxEnvironmentOptions,
): Promise<SandboxEnvironment> {
  const pipeline = await createLocalPipeline({
    endpoint: options.endpoint,
    region: options.region ?? SANDBOX_REGION,
    securityAccountId: SANDBOX_SECURITY_ACCOUNT,
    // The sandbox's organisation has member accounts of its own: the security account is refused, as deployed.
    enforceSecurityAccount: true,
    policy: options.policy ?? bundledPolicy(),
    rules: options.rules ?? loadRuleFiles(join(projectRoot, 'rules')),
    tableName: SANDBOX_TABLE,
    topicName: SANDBOX_TOPIC,
    memberRoleName: SANDBOX_MEMBER_ROLE,
    maxAttempts: 2,
    functionName: 'sandbox',
    // The outbox writer with the caller's callback (the sandbox prints each write-back).
    outbox: { path: options.outboxPath, ...(options.onOutbox ? { onEntry: options.onOutbox } : {}) },
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    pipeline,
    deps: pipeline.deps,
    config: pipeline.config,
    outboxPath: options.outboxPath,
    idle: () => pipeline.drain(),
  };
}
