/**
 * The benchmark's pipeline world, built with the local pipeline harness (harness/): moto over loopback, the real
 * store, worker, actions and reporter, with every AWS client instrumented by a {@link Timeline} (call start/end, outside the SDK's retry loop) and, when asked,
 * a fixed latency added to every attempt (inside the retry loop, as network and service time would be).
 * Security Hub's write API is not in moto, so write-backs go to an in-memory writer that costs the same latency.
 */
import type { CurrentFinding } from '../../functions/lib/report/finding-state.js';
import type { AwsSecurityFinding, BatchUpdateFindingsCommandInput } from '@aws-sdk/client-securityhub';
import type { InstrumentableClient } from '../../functions/lib/aws/command-recorder.js';
import type { PipelineDeps } from '../../functions/lib/pipeline/deps.js';
import type { CompiledPolicy } from '../../functions/lib/policy/model.js';
import type { IsolationStore } from '../../functions/lib/store/isolations.js';
import { createLocalPipeline } from '../../harness/pipeline.js';
import type { InProcessWorker } from '../../harness/worker.js';
import type {
  BatchImportResult,
  BatchUpdateResult,
  SecurityHubWriter,
} from '../../functions/lib/report/securityhub-writer.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const MEMBER_ROLE = 'cordon-member';
export const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** One AWS call as the caller saw it (after the SDK's retries). */
export interface TimedCall {
  service: string;
  command: string;
  start: number;
  end: number;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let middlewareCount = 0;

/** Records every call of the clients it is attached to, and adds `latencyMs` to every attempt. */
export class Timeline {
  readonly calls: TimedCall[] = [];
  latencyMs: number;
  readonly #byContext = new WeakMap<object, TimedCall>();
  readonly #sent = new WeakSet<TimedCall>();

  constructor(latencyMs = 0) {
    this.latencyMs = latencyMs;
  }

  /** Instrument a client (SDK v3 middleware: timing from `initialize`, start and latency at `deserialize`). */
  attach<C extends InstrumentableClient>(client: C): C {
    const id = ++middlewareCount;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const call: TimedCall = {
          service: (context.clientName ?? 'Unknown').replace(/Client$/, ''),
          command: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
          start: performance.now(),
          end: Number.NaN,
          ok: false,
        };
        this.calls.push(call);
        this.#byContext.set(context, call);
        try {
          const result = await next(args);
          call.ok = true;
          return result;
        } finally {
          call.end = performance.now();
        }
      },
      { step: 'initialize', priority: 'high', name: `benchTimeline${id}` },
    );
    // A call starts when its first attempt leaves the client: after every finalizeRequest middleware, so the
    // time the worker's lease guard holds a change back (until the claim and the before-state are written) is not
    // counted as the call's flight, which would hide those writes from the round-trip count.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const call = this.#byContext.get(context);
        if (call !== undefined && !this.#sent.has(call)) {
          this.#sent.add(call);
          call.start = performance.now();
        }
        // The added latency of every attempt, where network and service time would be (inside the retry loop).
        if (this.latencyMs > 0) await sleep(this.latencyMs);
        return next(args);
      },
      { step: 'deserialize', priority: 'high', name: `benchSent${id}` },
    );
    return client;
  }

  /** Record a call that does not go through an SDK client (the in-memory Security Hub writer). */
  async around<T>(service: string, command: string, work: () => Promise<T>): Promise<T> {
    const call: TimedCall = { service, command, start: performance.now(), end: Number.NaN, ok: false };
    this.calls.push(call);
    try {
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      const result = await work();
      call.ok = true;
      return result;
    } finally {
      call.end = performance.now();
    }
  }

  clear(): void {
    this.calls.length = 0;
  }
}

/** Security Hub writes kept in memory (moto has no BatchUpdateFindings), timed like an AWS call. */
class TimedSecurityHubWriter implements SecurityHubWriter {
  readonly target = 'bench-memory';
  readonly updates: BatchUpdateFindingsCommandInput[] = [];
  readonly imports: AwsSecurityFinding[] = [];

  constructor(private readonly timeline: Timeline) {}

  batchUpdateFindings(input: BatchUpdateFindingsCommandInput): Promise<BatchUpdateResult> {
    return this.timeline.around('SecurityHub', 'BatchUpdateFindings', async () => {
      this.updates.push(input);
      return { unprocessed: [] };
    });
  }

  /** A finding still NEW, read like an AWS call (every write-back reads the finding first). */
  getFinding(): Promise<CurrentFinding | undefined> {
    return this.timeline.around('SecurityHub', 'GetFindings', async () => undefined);
  }

  batchImportFindings(findings: AwsSecurityFinding[]): Promise<BatchImportResult> {
    return this.timeline.around('SecurityHub', 'BatchImportFindings', async () => {
      this.imports.push(...findings);
      return { failed: [] };
    });
  }
}

export interface BenchWorld {
  deps: PipelineDeps;
  worker: InProcessWorker;
  timeline: Timeline;
  securityHub: TimedSecurityHubWriter;
  store: IsolationStore;
  /** The world's table and topic, for a worker process of its own (bench/cold-path.ts). */
  tableName: string;
  topicArn: string;
}

let worlds = 0;

/**
 * A pipeline against `endpoint` with its own table and topic.
 * @param options.maxAttempts SDK attempts per call (the deployed default is 4)
 */
export async function createBenchWorld(
  endpoint: string,
  options: { policy: CompiledPolicy; latencyMs?: number; maxAttempts?: number },
): Promise<BenchWorld> {
  worlds += 1;
  const tableName = `cordon-bench-${process.pid}-${worlds}`;
  const timeline = new Timeline(options.latencyMs ?? 0);
  const securityHub = new TimedSecurityHubWriter(timeline);
  const pipeline = await createLocalPipeline({
    endpoint,
    region: REGION,
    securityAccountId: ACCOUNT,
    policy: options.policy,
    tableName,
    topicName: tableName,
    memberRoleName: MEMBER_ROLE,
    maxAttempts: options.maxAttempts ?? 4,
    functionName: 'bench',
    securityHub,
    // Every DynamoDB, SNS and member-account call is timed (and delayed by the latency).
    instrument: (client) => void timeline.attach(client),
  });
  const { deps, worker } = pipeline;
  return {
    deps,
    worker,
    timeline,
    securityHub,
    store: deps.store,
    tableName,
    topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:${tableName}`,
  };
}
