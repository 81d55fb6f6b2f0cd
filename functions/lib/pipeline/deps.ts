/**
 * Everything the pipeline core needs from the outside world, injected. Lambdas build one {@link PipelineDeps} at
 * cold start with {@link createPipelineDeps}; `cordon replay`, the sandbox, the benchmark and the tests build
 * theirs through the local pipeline harness (harness/), with an in-process worker.
 */
import { Agent } from 'node:http';
import type { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity, Logger } from '@smithy/types';
import type { InstrumentableClient } from '../aws/command-recorder.js';
import type { CompiledPolicy } from '../policy/model.js';
import type { PipelineConfig } from '../config.js';
import { awsClientConfig, type AwsClientConfig } from '../aws/client-config.js';
import { lazy, sdk } from '../aws/sdk.js';
import { createMemberClientFactory, type MemberClientFactory } from '../aws/member-clients.js';
import { CordonError } from '../errors.js';
import { IsolationStore } from '../store/isolations.js';
import type { IsolationRecord } from '../store/model.js';
import {
  AwsSecurityHubWriter,
  OutboxSecurityHubWriter,
  type SecurityHubWriter,
} from '../report/securityhub-writer.js';
import { SnsNotifier, type Notifier } from '../report/notifier.js';
import { createLogger, noMetrics, type PipelineLogger, type PipelineMetrics } from '../observability.js';
import { S3EvidenceReader, S3EvidenceWriter, type EvidenceWriter } from '../evidence/storage.js';
import type { EvidenceReader } from '../evidence/stored-check.js';
import { tolerateEmulatorS3 } from '../aws/emulator-s3.js';
import { ReadTagsResultSchema, TagsUnavailableError, type TagTarget } from './resource-tags.js';

/** What the worker is asked to do. */
export interface WorkerJob {
  kind: 'apply' | 'release';
  id: string;
  /**
   * The request as its creator holds it (triage, for a request it just created): the worker then starts its reads
   * in parallel with its claim instead of reading the record first. Only a hint: nothing is changed before the
   * claim holds and the stored record is found to say the same.
   */
  record?: IsolationRecord;
}

export type { MemberClientFactory };

export interface PipelineDeps {
  config: PipelineConfig;
  policy: CompiledPolicy;
  store: IsolationStore;
  securityHub: SecurityHubWriter;
  notifier: Notifier;
  memberClients: MemberClientFactory;
  /** Start the worker for a job without waiting for it (Lambda async invoke in AWS; in-process locally). */
  startWorker(job: WorkerJob): Promise<void>;
  /**
   * A resource's live tags, for the API's request-time exemption check. In AWS the worker reads them (a
   * synchronous read-only invocation: the API has no member-account access); locally the in-process worker.
   * @throws TagsUnavailableError when they cannot be read
   */
  readTags(target: TagTarget): Promise<Record<string, string>>;
  /** Where the worker stores evidence after containment (config `evidence`); absent: collection is off. */
  evidence?: EvidenceSink;
  logger: PipelineLogger;
  metrics: PipelineMetrics;
  clock: () => Date;
}

/** The evidence bucket and who writes to it: the worker's own credentials in the security account. */
export interface EvidenceSink {
  writer: EvidenceWriter;
  /** Reads manifests and artifacts' S3 checksums back, for the API's evidence check. */
  reader: EvidenceReader;
  /** The worker's principal (STS GetCallerIdentity, which needs no IAM permission). */
  collectedBy(): Promise<string>;
}

/** Options of {@link createPipelineDeps}. */
export interface CreatePipelineDepsOptions {
  config: PipelineConfig;
  policy: CompiledPolicy;
  /** Lambda name for logs and metrics (`triage`, `approve`, `isolate`, `expire`, `api`). */
  functionName: string;
  /** Static credentials for every client (a local emulator); absent: the SDK's default chain (the Lambda role). */
  credentials?: AwsCredentialIdentity;
  /** Replace any part (tests, replay, sandbox). */
  overrides?: Partial<PipelineDeps>;
  /**
   * Called with each SDK client built here (DynamoDB, SNS, member accounts) when it is created: local runs attach
   * recorders, timers or fault injectors (harness/). Never set in Lambda.
   */
  instrument?: (client: InstrumentableClient) => void;
}

/**
 * Request-handler options for DynamoDB clients that talk to a local emulator. moto applies a request's condition
 * and write without isolation from concurrent requests, so two racing conditional writes can both succeed there
 * (never in DynamoDB). One connection at a time restores DynamoDB's per-request atomicity; the pipeline's own
 * concurrency (interleaved deliveries, parallel workers) is unchanged.
 */
export function emulatorDynamoHandler(): { httpAgent: Agent; logger: Logger } {
  const quiet = (): void => undefined;
  // The handler warns when requests queue for the single socket, which is exactly the intent here.
  return {
    httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }),
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  };
}

/** DynamoDB DocumentClient options shared by every cordon store. */
export const DOCUMENT_CLIENT_OPTIONS = {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
} as const;

/**
 * Build the isolation store's DocumentClient (loads the DynamoDB SDK packages). Against a local emulator
 * (`endpoint` set), requests are serialised: see {@link emulatorDynamoHandler}.
 */
export async function createDocumentClient(
  clientConfig: AwsClientConfig,
  emulator: boolean,
  instrument?: (client: InstrumentableClient) => void,
): Promise<DynamoDBDocument> {
  const [{ DynamoDBClient }, { DynamoDBDocument }] = await Promise.all([
    sdk.dynamodb(),
    sdk.dynamodbDocument(),
  ]);
  const client = new DynamoDBClient(
    emulator ? { ...clientConfig, requestHandler: emulatorDynamoHandler() } : clientConfig,
  );
  instrument?.(client);
  return DynamoDBDocument.from(client, DOCUMENT_CLIENT_OPTIONS);
}

/** Payload of the worker invocation. */
export function workerPayload(job: WorkerJob): string {
  return JSON.stringify({
    kind: job.kind,
    id: job.id,
    ...(job.record === undefined ? {} : { record: job.record }),
  });
}

/**
 * Build the AWS-backed dependencies once per Lambda container.
 * Every SDK client takes its configuration from `awsClientConfig` (one retry strategy, one endpoint override)
 * and is built, with its SDK package loaded, on first use (see aws/sdk.ts): nothing here loads the SDK.
 */
export function createPipelineDeps(options: CreatePipelineDepsOptions): PipelineDeps {
  const { config, policy, functionName, credentials, overrides = {}, instrument } = options;
  const clientOptions = {
    region: config.region,
    maxAttempts: config.maxAttempts,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
  };
  const clientConfig = awsClientConfig(clientOptions);
  const store =
    overrides.store ??
    new IsolationStore(
      lazy(() => createDocumentClient(clientConfig, config.endpoint !== undefined, instrument)),
      config.tableName,
    );
  const securityHub =
    overrides.securityHub ??
    (config.outboxPath === undefined
      ? new AwsSecurityHubWriter(lazy(async () => (await sdk.securityHub()).create(clientConfig)))
      : new OutboxSecurityHubWriter(config.outboxPath));
  const notifier =
    overrides.notifier ??
    new SnsNotifier(
      lazy(async () => {
        const sns = (await sdk.sns()).create(clientConfig);
        instrument?.(sns);
        return sns;
      }),
      config.topicArn,
    );
  const memberClients =
    overrides.memberClients ??
    createMemberClientFactory({
      memberRoleName: config.memberRoleName,
      maxAttempts: config.maxAttempts,
      ...(config.externalId === undefined ? {} : { externalId: config.externalId }),
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      ...(credentials === undefined ? {} : { securityCredentials: credentials }),
      ...(instrument === undefined ? {} : { instrument }),
    });
  const lambda = lazy(async () => (await sdk.lambda()).create(clientConfig));
  const startWorker =
    overrides.startWorker ??
    (async (job: WorkerJob) => {
      const output = await (
        await lambda()
      ).invoke({
        FunctionName: config.workerFunction,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(workerPayload(job)),
      });
      // Async invocations answer 202; anything else means the job was not queued.
      if (output.StatusCode !== 202) {
        throw new CordonError(
          `Invoking the worker for ${job.id} returned status ${String(output.StatusCode)}`,
        );
      }
    });
  const readTags =
    overrides.readTags ??
    (async (target: TagTarget) => {
      const output = await (
        await lambda()
      ).invoke({
        FunctionName: config.workerFunction,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify({ kind: 'read-tags', resource: target })),
      });
      if (output.FunctionError !== undefined) {
        throw new TagsUnavailableError(`the worker could not read the tags: ${output.FunctionError}`);
      }
      const text = new TextDecoder().decode(output.Payload ?? new Uint8Array());
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch (error) {
        throw new TagsUnavailableError('the worker answered a read-tags job with something else than JSON', {
          cause: error,
        });
      }
      const parsed = ReadTagsResultSchema.safeParse(payload);
      if (!parsed.success) {
        throw new TagsUnavailableError('the worker answered a read-tags job without tags', {
          cause: parsed.error,
        });
      }
      return parsed.data.tags;
    });
  const evidence = overrides.evidence ?? evidenceSink(config, clientConfig, instrument);
  return {
    config,
    policy,
    store,
    securityHub,
    notifier,
    memberClients,
    startWorker,
    readTags,
    ...(evidence === undefined ? {} : { evidence }),
    logger: overrides.logger ?? createLogger(functionName),
    metrics: overrides.metrics ?? noMetrics(),
    clock: overrides.clock ?? (() => new Date()),
  };
}

/** The evidence bucket's writer and the worker's identity, built on first use; undefined when evidence is off. */
function evidenceSink(
  config: PipelineConfig,
  clientConfig: AwsClientConfig,
  instrument: ((client: InstrumentableClient) => void) | undefined,
): EvidenceSink | undefined {
  if (config.evidence === undefined) return undefined;
  const s3 = lazy(async () => {
    // Path-style against an emulator: its bucket names are not DNS names of the endpoint.
    const client = (await sdk.s3()).create({
      ...clientConfig,
      forcePathStyle: config.endpoint !== undefined,
    });
    if (config.endpoint !== undefined) tolerateEmulatorS3(client);
    instrument?.(client);
    return client;
  });
  const identity = lazy(async () => {
    const sts = (await sdk.sts()).create(clientConfig);
    const caller = await sts.getCallerIdentity({});
    if (caller.Arn === undefined) throw new CordonError('STS GetCallerIdentity returned no ARN');
    return caller.Arn;
  });
  return {
    writer: new S3EvidenceWriter(s3, config.evidence.bucket, config.evidence.keyArn),
    reader: new S3EvidenceReader(s3, config.evidence.bucket),
    collectedBy: identity,
  };
}
