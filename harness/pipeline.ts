/**
 * The local pipeline harness: cordon's pipeline wired ONCE for everything that runs it outside Lambda
 * (`cordon replay`, the sandbox, the benchmark, the tests). It builds the same {@link PipelineDeps} the Lambdas
 * build (functions/lib/pipeline/deps.ts), swaps the asynchronous worker invoke for an in-process worker, and
 * delivers events as EventBridge would: each deployed rule the event matches hands it to that rule's target.
 * Callers only configure it: endpoint, names, clock, and the instrumentation hook tests and the benchmark use to
 * record, time or fail SDK calls. See harness/README.md.
 */
import type { AwsCredentialIdentity } from '@smithy/types';
import { DEFAULT_MAX_ATTEMPTS } from '../functions/lib/aws/client-config.js';
import type { InstrumentableClient } from '../functions/lib/aws/command-recorder.js';
import type { PipelineConfig } from '../functions/lib/config.js';
import { ConfigurationError } from '../functions/lib/errors.js';
import { rulesReachedBy, type RuleFile } from '../functions/lib/eventbridge/rules.js';
import {
  recordingMetrics,
  silentLogger,
  type PipelineLogger,
  type PipelineMetrics,
} from '../functions/lib/observability.js';
import { handleCustomAction, type ApprovalResult } from '../functions/lib/pipeline/approve.js';
import { createPipelineDeps, type PipelineDeps } from '../functions/lib/pipeline/deps.js';
import { triageEvent, type TriageResult } from '../functions/lib/pipeline/triage.js';
import type { WorkerResult } from '../functions/lib/pipeline/worker.js';
import type { CompiledPolicy } from '../functions/lib/policy/model.js';
import {
  OutboxSecurityHubWriter,
  type OutboxEntry,
  type SecurityHubWriter,
} from '../functions/lib/report/securityhub-writer.js';
import { bootstrapEmulator, bootstrapEvidenceBucket, type EmulatorResources } from './emulator.js';
import { inProcessWorker, type InProcessWorker } from './worker.js';

/** Emulators accept any credentials. */
export const EMULATOR_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'testing',
  secretAccessKey: 'testing',
};

/** Options of {@link createLocalPipeline}. */
export interface LocalPipelineOptions {
  /**
   * A local emulator's URL (moto): the table, topic and member role are created there first, with dummy
   * credentials. Absent: AWS with the default credential chain (then `topicArn` is required).
   */
  endpoint?: string;
  region: string;
  securityAccountId: string;
  /**
   * Refuse the security account as a target, as deployed. Default: on against AWS; off against an emulator,
   * whose one account plays both the security and the member accounts.
   */
  enforceSecurityAccount?: boolean;
  /** The member-account allow-list (`CORDON_MEMBER_ACCOUNTS` when deployed). */
  memberAccounts?: string[];
  policy: CompiledPolicy;
  /** The deployed EventBridge rules {@link LocalPipeline.dispatch} routes by (`loadRuleFiles` or `buildRules`). */
  rules?: readonly RuleFile[];
  tableName: string;
  memberRoleName: string;
  /** The notifications topic created in the emulator (default `cordon-notifications`). */
  topicName?: string;
  /** The deployed notifications topic, against AWS. */
  topicArn?: string;
  /** SDK attempts per call, for every client (default 4, as deployed). */
  maxAttempts?: number;
  /** Name for logs and metrics (default `local`). */
  functionName?: string;
  /** Security Hub writes go to this JSON-lines file (the emulator has no BatchUpdateFindings), each reported. */
  outbox?: { path: string; onEntry?: (entry: OutboxEntry) => void };
  /** Another Security Hub writer (tests mock the client; the benchmark keeps writes in memory). */
  securityHub?: SecurityHubWriter;
  /** Called with each SDK client the pipeline builds (DynamoDB, SNS, member accounts): recorders, timers, faults. */
  instrument?: (client: InstrumentableClient) => void;
  /**
   * Collect evidence after containment into this bucket. Against an emulator it is created there first (Object
   * Lock); against AWS it is the deployed evidence bucket (`keyArn`: its KMS key). Absent: no evidence.
   */
  evidence?: { bucket: string; keyArn?: string };
  /** Default: silent (local runs print their own progress). */
  logger?: PipelineLogger;
  /** Default: recorded in memory (in Lambda they are EMF lines on stdout). */
  metrics?: PipelineMetrics;
  clock?: () => Date;
}

/** One delivery of an event to a rule's target, with what the target's core returned. */
export type Delivery =
  | { rule: string; target: 'triage'; result: TriageResult }
  | { rule: string; target: 'approve'; result: ApprovalResult };

/** What {@link LocalPipeline.dispatch} did with one event. */
export interface Dispatched {
  /** The deployed rules the event matches, in rule-file order; empty: EventBridge would not deliver it. */
  reached: string[];
  deliveries: Delivery[];
  /** The worker runs the deliveries started (and any run those started), finished. */
  workerResults: WorkerResult[];
}

export interface LocalPipeline {
  deps: PipelineDeps;
  config: PipelineConfig;
  worker: InProcessWorker;
  /** What was created in the emulator (absent against AWS). */
  resources?: EmulatorResources;
  /** The deployed rules an event matches, in rule-file order; empty: EventBridge would not deliver it. */
  reached(event: unknown): string[];
  /**
   * Deliver an event as EventBridge would: to the target of every deployed rule it matches, then wait for the
   * worker runs that started.
   * @param options.receivedAt when the event reached cordon (default: the pipeline's clock)
   */
  dispatch(event: unknown, options?: { receivedAt?: Date }): Promise<Dispatched>;
  /** Wait for every worker run started so far (also those started outside {@link dispatch}). */
  drain(): Promise<WorkerResult[]>;
}

/**
 * The routing table: what a rule's target runs. A target added to `RuleFile['target']` without a line here is a
 * compile error.
 */
async function deliver(
  deps: PipelineDeps,
  rule: RuleFile,
  event: unknown,
  context: { receivedAt?: Date },
): Promise<Delivery> {
  switch (rule.target) {
    case 'triage':
      return { rule: rule.name, target: 'triage', result: await triageEvent(deps, event, context) };
    case 'approve':
      return { rule: rule.name, target: 'approve', result: await handleCustomAction(deps, event, context) };
    default: {
      const unrouted: never = rule.target;
      return unrouted;
    }
  }
}

/** Build the pipeline: bootstrap the emulator (when there is one), then the Lambdas' own wiring around it. */
export async function createLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const { endpoint, region, securityAccountId } = options;
  let resources: EmulatorResources | undefined;
  if (endpoint !== undefined) {
    resources = await bootstrapEmulator({
      endpoint,
      region,
      tableName: options.tableName,
      topicName: options.topicName ?? 'cordon-notifications',
      memberRoleName: options.memberRoleName,
      securityAccountId,
    });
  }
  let evidence = options.evidence;
  if (endpoint !== undefined && evidence !== undefined) {
    const created = await bootstrapEvidenceBucket({
      endpoint,
      region,
      accountId: securityAccountId,
      bucket: evidence.bucket,
    });
    evidence = { bucket: created.bucket, keyArn: evidence.keyArn ?? created.keyArn };
    if (resources !== undefined) resources.evidence = created;
  }
  const topicArn = options.topicArn ?? resources?.topicArn;
  if (topicArn === undefined) {
    throw new ConfigurationError('the notifications topic ARN is required against AWS (the deployed topic)');
  }
  const config: PipelineConfig = {
    region,
    securityAccountId,
    tableName: options.tableName,
    topicArn,
    workerFunction: 'in-process',
    memberRoleName: options.memberRoleName,
    resourcePrefix: 'cordon',
    leaseSeconds: 900,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...((options.enforceSecurityAccount ?? endpoint === undefined) ? {} : { emulatorSingleAccount: true }),
    ...(options.memberAccounts === undefined ? {} : { memberAccounts: options.memberAccounts }),
    ...(options.outbox === undefined ? {} : { outboxPath: options.outbox.path }),
    ...(evidence === undefined ? {} : { evidence }),
  };
  const securityHub =
    options.securityHub ??
    (options.outbox === undefined
      ? undefined
      : new OutboxSecurityHubWriter(options.outbox.path, options.outbox.onEntry));
  const holder: { deps?: PipelineDeps } = {};
  const worker = inProcessWorker(() => {
    if (holder.deps === undefined) throw new ConfigurationError('the local pipeline is not built yet');
    return holder.deps;
  });
  const deps = createPipelineDeps({
    config,
    policy: options.policy,
    functionName: options.functionName ?? 'local',
    ...(endpoint === undefined ? {} : { credentials: EMULATOR_CREDENTIALS }),
    ...(options.instrument === undefined ? {} : { instrument: options.instrument }),
    overrides: {
      ...(securityHub === undefined ? {} : { securityHub }),
      startWorker: (job) => worker.startWorker(job),
      readTags: (target) => worker.readTags(target),
      logger: options.logger ?? silentLogger(),
      metrics: options.metrics ?? recordingMetrics(),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    },
  });
  holder.deps = deps;
  const rules = options.rules ?? [];
  const vars = { account_id: securityAccountId, region };
  const reachedBy = (event: unknown): string[] => rulesReachedBy(event, rules, vars);
  return {
    deps,
    config,
    worker,
    ...(resources === undefined ? {} : { resources }),
    reached: reachedBy,
    async dispatch(event, dispatchOptions = {}) {
      const reached = reachedBy(event);
      const deliveries: Delivery[] = [];
      for (const name of reached) {
        const rule = rules.find((r) => r.name === name);
        if (rule !== undefined) deliveries.push(await deliver(deps, rule, event, dispatchOptions));
      }
      return { reached, deliveries, workerResults: await worker.drain() };
    },
    drain: () => worker.drain(),
  };
}
