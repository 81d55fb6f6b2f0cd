/**
 * Containment on the cold path: the time to contain of the first event a fresh worker process handles, with the
 * AWS SDK loaded on first use, against the warm time to contain of the same process (issue 15: at most 2x).
 *
 * The worker is the real bundle (`dist/functions/isolate/index.mjs`, built by the cold-start benchmark) in a fresh
 * `node` process, configured by environment as in Lambda and pointed at moto through a loopback proxy that adds
 * the same fixed latency to every request as the in-process benchmark adds to every attempt. The module is imported
 * (Lambda's INIT, reported separately) before the first event; its first job then builds every client, loads the SDK
 * chunks and assumes the member role. Triage runs in this process (its own Lambda), hands the job to the child, and
 * the clock runs from event receipt to the record's `containedAt`. Subsequent events in the same child are warm.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { triageEvent } from '../functions/lib/pipeline/triage.js';
import { workerPayload, type WorkerJob } from '../functions/lib/pipeline/deps.js';
import { CordonError } from '../functions/lib/errors.js';
import { atMost, figure, median, progress, round, type Figure } from './lib/figures.js';
import {
  EC2_TYPE,
  benchPolicy,
  createNetwork,
  guardDutyEvent,
  launchInstance,
  setupClients,
} from './lib/scenario.js';
import { CREDENTIALS, MEMBER_ROLE, REGION, createBenchWorld, type BenchWorld } from './lib/world.js';

const BENCHMARK = 'containment critical path';
const WARM_RUNS = 5;

/** A loopback proxy to `target` that holds every request `latencyMs` before forwarding it. */
async function latencyProxy(target: string, latencyMs: number): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const out = request(
          {
            hostname: upstream.hostname,
            port: upstream.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        out.on('error', (error) => {
          res.writeHead(502);
          res.end(String(error));
        });
        out.end(Buffer.concat(chunks));
      }, latencyMs);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new CordonError('proxy: no port');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

/** Child script: import the bundle (timed), then run each job line of stdin through its handler; results on fd 3. */
const CHILD = `
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
const start = performance.now();
const { handler } = await import(process.argv[1]);
writeSync(3, JSON.stringify({ initMs: performance.now() - start }) + '\\n');
for await (const line of createInterface({ input: process.stdin })) {
  let result;
  try { result = await handler(JSON.parse(line)); } catch (error) { result = { error: String(error) }; }
  writeSync(3, JSON.stringify({ result }) + '\\n');
}
`;

interface WorkerProcess {
  child: ChildProcess;
  next(): Promise<Record<string, unknown>>;
}

function startWorkerProcess(bundle: string, env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--no-warnings', '--input-type=module', '-e', CHILD, bundle], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['pipe', 'ignore', 'ignore', 'pipe'],
  });
  const fd3 = child.stdio[3];
  if (fd3 === null || fd3 === undefined || !('on' in fd3)) throw new CordonError('worker process: no fd 3');
  const lines = createInterface({ input: fd3 as NodeJS.ReadableStream });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else queue.push(line);
  });
  return {
    child,
    next: () =>
      new Promise((done, fail) => {
        const parse = (line: string) => done(JSON.parse(line) as Record<string, unknown>);
        const queued = queue.shift();
        if (queued !== undefined) return parse(queued);
        const timer = setTimeout(() => fail(new CordonError('worker process: no answer in 60 s')), 60_000);
        waiting.push((line) => {
          clearTimeout(timer);
          parse(line);
        });
      }),
  };
}

/** One event: triage here, the job in the worker process; returns the time to contain. */
async function containOnce(world: BenchWorld, worker: WorkerProcess, instanceId: string): Promise<number> {
  const event = guardDutyEvent({ kind: 'instance', instanceId }, { type: EC2_TYPE });
  const receivedAt = new Date();
  const deps = {
    ...world.deps,
    // As the asynchronous Lambda invoke: hand the job over and return.
    startWorker: async (job: WorkerJob) => {
      worker.child.stdin?.write(`${workerPayload(job)}\n`);
    },
  };
  const triaged = await triageEvent(deps, event, { receivedAt });
  const answer = await worker.next();
  const id = triaged.findings[0]?.actions[0]?.isolationId;
  const record = id === undefined ? undefined : await world.store.get(id);
  if (!record || record.status !== 'ISOLATED' || record.containedAt === undefined) {
    throw new CordonError(
      `cold path: expected an ISOLATED record, got ${record ? record.status : 'none'}: ${JSON.stringify(answer)} ${JSON.stringify(record).slice(0, 3000)}`,
    );
  }
  return Date.parse(record.containedAt) - receivedAt.getTime();
}

/** Run the cold-path figure against a running moto (needs `npm run build`: the cold-start benchmark runs it). */
export async function runColdPathBenchmark(endpoint: string, latencyMs: number): Promise<Figure[]> {
  const world = await createBenchWorld(endpoint, { policy: benchPolicy(), latencyMs });
  const setup = setupClients(endpoint);
  const network = await createNetwork(setup.ec2);
  // cordon's groups exist in the VPC (the warm scenario of the in-process benchmark), made in this process.
  await triageEvent(
    world.deps,
    guardDutyEvent(
      { kind: 'instance', instanceId: await launchInstance(setup.ec2, network) },
      { type: EC2_TYPE },
    ),
  );
  await world.worker.drain();
  const instances: string[] = [];
  for (let i = 0; i <= WARM_RUNS; i++) instances.push(await launchInstance(setup.ec2, network));

  const proxy = await latencyProxy(endpoint, latencyMs);
  const outbox = mkdtempSync(join(tmpdir(), 'cordon-cold-'));
  const worker = startWorkerProcess(pathToFileURL(resolve('dist/functions/isolate/index.mjs')).href, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    // Not the member account: cordon never acts in the account it runs in (the in-process harness is the sandbox's).
    CORDON_SECURITY_ACCOUNT_ID: '999988887777',
    CORDON_TABLE_NAME: world.tableName,
    CORDON_TOPIC_ARN: world.topicArn,
    CORDON_WORKER_FUNCTION: 'cordon-isolate',
    CORDON_MEMBER_ROLE_NAME: MEMBER_ROLE,
    CORDON_AWS_ENDPOINT: proxy.url,
    CORDON_SECURITYHUB_OUTBOX: join(outbox, 'securityhub.jsonl'),
  });
  try {
    const init = Number((await worker.next())['initMs']);
    const [first, ...rest] = instances;
    if (first === undefined) throw new CordonError('cold path: no instance');
    const cold = await containOnce(world, worker, first);
    const warm: number[] = [];
    for (const instanceId of rest) warm.push(await containOnce(world, worker, instanceId));
    const warmP50 = median(warm);
    const ratio = cold / warmP50;
    progress(
      `cold path: init ${Math.round(init)} ms, first event ${Math.round(cold)} ms, warm p50 ${Math.round(warmP50)} ms (${round(ratio, 2)}x)`,
    );
    const label = 'isolate-ec2-instance, fresh worker process';
    return [
      figure(
        BENCHMARK,
        `${label}: time to contain, first event (SDK loaded on first use)`,
        Math.round(cold),
        'ms',
        undefined,
        `the isolate bundle in a fresh node process, its module already initialised (INIT ${Math.round(init)} ms, not included); the first job builds the clients, loads the SDK chunks and assumes the member role; ${latencyMs} ms added to every request by a loopback proxy`,
      ),
      figure(
        BENCHMARK,
        `${label}: time to contain, warm (same process, p50)`,
        Math.round(warmP50),
        'ms',
        undefined,
        `the next ${WARM_RUNS} events in the same process`,
      ),
      figure(
        BENCHMARK,
        `${label}: cold / warm time to contain`,
        round(ratio, 2),
        'x',
        atMost(2, 'x'),
        'first event over the warm p50 of the same run',
      ),
    ];
  } finally {
    worker.child.stdin?.end();
    worker.child.kill();
    await new Promise<void>((done) => proxy.server.close(() => done()));
    rmSync(outbox, { recursive: true, force: true });
  }
}
