/**
 * Running the pipeline outside Lambda: an in-process worker (the async invoke becomes a tracked promise) and the
 * bootstrap of what the pipeline needs in a local emulator (table, topic, member role). Used by `cordon replay`,
 * the sandbox, the benchmark and the tests.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { errorMessage } from '../errors.js';
import { awsClientConfig } from '../aws/client-config.js';
import { ensureIsolationTable } from '../store/table.js';
import type { PipelineDeps, WorkerJob } from './deps.js';
import { readResourceTags, type TagTarget } from './resource-tags.js';
import { runWorker, type WorkerResult } from './worker.js';
import { iamArn } from '../arn.js';

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

/** What {@link bootstrapEmulator} created or found. */
export interface EmulatorResources {
  tableName: string;
  topicArn: string;
  memberRoleArn: string;
}

/**
 * Create the table, the topic and the member role in a local emulator (idempotent).
 * @param options.endpoint the emulator's URL; credentials are dummies (emulators accept any).
 */
export async function bootstrapEmulator(options: {
  endpoint: string;
  region: string;
  tableName: string;
  topicName: string;
  memberRoleName: string;
  securityAccountId: string;
}): Promise<EmulatorResources> {
  const config = {
    ...awsClientConfig({ region: options.region, endpoint: options.endpoint, maxAttempts: 2 }),
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  await ensureIsolationTable(new DynamoDBClient(config), options.tableName);
  const topic = await new SNSClient(config).send(new CreateTopicCommand({ Name: options.topicName }));
  const iam = new IAMClient(config);
  let memberRoleArn: string;
  try {
    const role = await iam.send(new GetRoleCommand({ RoleName: options.memberRoleName }));
    memberRoleArn = role.Role?.Arn ?? '';
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'NoSuchEntityException') throw error;
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: options.memberRoleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: iamArn(options.region, options.securityAccountId, 'root') },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    memberRoleArn = created.Role?.Arn ?? '';
  }
  return { tableName: options.tableName, topicArn: topic.TopicArn ?? '', memberRoleArn };
}
