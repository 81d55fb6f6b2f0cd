/**
 * The pipeline wired to a local emulator: the same {@link PipelineDeps} the Lambdas build, with static dummy
 * credentials, the emulator endpoint, an in-process worker, and the Security Hub outbox (moto has no
 * BatchUpdateFindings). Used by `npm start` and by the API, sandbox and browser tests.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig } from '../../functions/lib/aws/client-config.js';
import { createMemberClientFactory } from '../../functions/lib/aws/member-clients.js';
import type { PipelineConfig } from '../../functions/lib/config.js';
import type { CompiledPolicy } from '../../functions/lib/policy/model.js';
import { loadPolicy } from '../../functions/lib/policy/index.js';
import { createPipelineDeps, type PipelineDeps, type WorkerJob } from '../../functions/lib/pipeline/deps.js';
import { runWorker, type WorkerResult } from '../../functions/lib/pipeline/worker.js';
import { OutboxSecurityHubWriter, type OutboxEntry } from '../../functions/lib/report/securityhub-writer.js';
import { SnsNotifier } from '../../functions/lib/report/notifier.js';
import { IsolationStore } from '../../functions/lib/store/isolations.js';
import { ensureIsolationTable } from '../../functions/lib/store/table.js';
import { errorMessage } from '../../functions/lib/errors.js';
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
  idle(): Promise<void>;
  /** Results of finished worker runs, in order. */
  workerResults: WorkerResult[];
}

export interface SandboxEnvironmentOptions {
  endpoint: string;
  outboxPath: string;
  policy?: CompiledPolicy;
  region?: string;
  /** Called for each Security Hub write that went to the outbox. */
  onOutbox?: (entry: OutboxEntry) => void;
  /** Pipeline logs (default: silent: the sandbox prints its own progress lines). */
  logger?: PipelineLogger;
  /** Where worker errors are reported (default: stderr). */
  onWorkerError?: (job: WorkerJob, error: unknown) => void;
}

/** Client config for the emulator with dummy credentials, in the given region. */
export function emulatorClientConfig(endpoint: string, region = SANDBOX_REGION) {
  return awsClientConfig({ region, endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 2 });
}

/**
 * Create the table and topic in the emulator and build the pipeline over them.
 */
export async function createSandboxEnvironment(
  options: SandboxEnvironmentOptions,
): Promise<SandboxEnvironment> {
  const region = options.region ?? SANDBOX_REGION;
  const clientConfig = emulatorClientConfig(options.endpoint, region);
  const dynamo = new DynamoDBClient(clientConfig);
  await ensureIsolationTable(dynamo, SANDBOX_TABLE);
  const sns = new SNSClient(clientConfig);
  const topic = await sns.send(new CreateTopicCommand({ Name: SANDBOX_TOPIC }));
  const config: PipelineConfig = {
    region,
    securityAccountId: SANDBOX_SECURITY_ACCOUNT,
    tableName: SANDBOX_TABLE,
    topicArn: topic.TopicArn ?? `arn:aws:sns:${region}:${SANDBOX_SECURITY_ACCOUNT}:${SANDBOX_TOPIC}`,
    workerFunction: 'in-process',
    memberRoleName: SANDBOX_MEMBER_ROLE,
    endpoint: options.endpoint,
    outboxPath: options.outboxPath,
    resourcePrefix: 'cordon',
    leaseSeconds: 900,
    maxAttempts: 2,
  };
  const running = new Set<Promise<void>>();
  const workerResults: WorkerResult[] = [];
  const onWorkerError =
    options.onWorkerError ??
    ((job: WorkerJob, error: unknown) =>
      process.stderr.write(`[worker] ${job.kind} ${job.id} failed: ${errorMessage(error)}\n`));
  const deps: PipelineDeps = createPipelineDeps({
    config,
    policy: options.policy ?? loadPolicy(),
    functionName: 'sandbox',
    overrides: {
      logger: options.logger ?? silentLogger(),
      // Metrics go to CloudWatch as EMF lines on stdout in Lambda; locally they would only drown the progress.
      metrics: recordingMetrics(),
      store: new IsolationStore(
        DynamoDBDocumentClient.from(dynamo, {
          marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
        }),
        SANDBOX_TABLE,
      ),
      securityHub: new OutboxSecurityHubWriter(options.outboxPath, options.onOutbox),
      notifier: new SnsNotifier(sns, config.topicArn),
      memberClients: createMemberClientFactory({
        memberRoleName: SANDBOX_MEMBER_ROLE,
        endpoint: options.endpoint,
        securityCredentials: DUMMY_CREDENTIALS,
        maxAttempts: 2,
      }),
      // The Lambda invokes the worker asynchronously; here it runs in this process, also without waiting.
      startWorker: async (job) => {
        const run: Promise<void> = runWorker(deps, job)
          .then((result) => void workerResults.push(result))
          .catch((error: unknown) => onWorkerError(job, error))
          .finally(() => running.delete(run));
        running.add(run);
      },
    },
  });
  return {
    deps,
    config,
    outboxPath: options.outboxPath,
    workerResults,
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
