/**
 * The pipeline wired to a local emulator: the same {@link PipelineDeps} the Lambdas build, with static dummy
 * credentials, the emulator endpoint, the pipeline's in-process worker, and the Security Hub outbox (moto has no
 * BatchUpdateFindings). Used by `npm start` and by the API, sandbox and browser tests.
 */
import type { PipelineConfig } from '../../functions/lib/config.js';
import type { CompiledPolicy } from '../../functions/lib/policy/model.js';
import { bundledPolicy } from '../../functions/lib/pipeline/bundled-policy.js';
import { createPipelineDeps, type PipelineDeps } from '../../functions/lib/pipeline/deps.js';
import { bootstrapEmulator, inProcessWorker } from '../../functions/lib/pipeline/local.js';
import type { WorkerResult } from '../../functions/lib/pipeline/worker.js';
import { OutboxSecurityHubWriter, type OutboxEntry } from '../../functions/lib/report/securityhub-writer.js';
import { recordingMetrics, silentLogger, type PipelineLogger } from '../../functions/lib/observability.js';

/** The emulator's default account: cordon's security account in the sandbox. */
export const SANDBOX_SECURITY_ACCOUNT = '123456789012';
/** The demo member account (moto's AssumeRole into it yields credentials that act there). */
export const SANDBOX_MEMBER_ACCOUNT = '210987654321';
export const SANDBOX_REGION = 'eu-west-1';
export const SANDBOX_TABLE = 'cordon-isolations';
export const SANDBOX_TOPIC = 'cordon-notifications';
export const SANDBOX_MEMBER_ROLE = 'cordon-member';
const DUMMY_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface SandboxEnvironment {
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
}

/**
 * Create the table, topic and member role in the emulator (the pipeline's own bootstrap) and build the
 * pipeline over them.
 */
export async function createSandboxEnvironment(
  options: SandboxEnvironmentOptions,
): Promise<SandboxEnvironment> {
  const region = options.region ?? SANDBOX_REGION;
  const resources = await bootstrapEmulator({
    endpoint: options.endpoint,
    region,
    tableName: SANDBOX_TABLE,
    topicName: SANDBOX_TOPIC,
    memberRoleName: SANDBOX_MEMBER_ROLE,
    securityAccountId: SANDBOX_SECURITY_ACCOUNT,
  });
  const config: PipelineConfig = {
    region,
    securityAccountId: SANDBOX_SECURITY_ACCOUNT,
    tableName: resources.tableName,
    topicArn: resources.topicArn,
    workerFunction: 'in-process',
    memberRoleName: SANDBOX_MEMBER_ROLE,
    endpoint: options.endpoint,
    outboxPath: options.outboxPath,
    resourcePrefix: 'cordon',
    leaseSeconds: 900,
    maxAttempts: 2,
  };
  const worker = inProcessWorker(() => deps);
  // The Lambdas' own wiring with the emulator's endpoint and dummy credentials: the store, SNS and the member
  // clients are built exactly as in AWS (with the emulator's serialised DynamoDB connection, see deps.ts).
  const deps: PipelineDeps = createPipelineDeps({
    config,
    policy: options.policy ?? bundledPolicy(),
    functionName: 'sandbox',
    credentials: DUMMY_CREDENTIALS,
    overrides: {
      logger: options.logger ?? silentLogger(),
      // In Lambda metrics are EMF lines on stdout; locally they would only drown the progress output.
      metrics: recordingMetrics(),
      // The outbox writer with the caller's callback (the sandbox prints each write-back).
      securityHub: new OutboxSecurityHubWriter(options.outboxPath, options.onOutbox),
      startWorker: (job) => worker.startWorker(job),
      readTags: (target) => worker.readTags(target),
    },
  });
  return { deps, config, outboxPath: options.outboxPath, idle: () => worker.drain() };
}
