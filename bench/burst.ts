/**
 * Benchmark 5: a burst of 1,000 events through triage and the worker at concurrency 16, against moto. The events
 * cover 50 resources (40 instances, 10 IAM users); each resource gets one finding re-published several times,
 * its Security Hub twin several times, and a second, different finding. Required: exactly 50 isolations,
 * 0 duplicates, 0 lost or stuck records. The run fails (non-zero exit of `npm run bench`) otherwise.
 */
import type { IsolationRecord, IsolationStatus } from '../functions/lib/store/model.js';
import { triageEvent } from '../functions/lib/pipeline/triage.js';
import { errorMessage } from '../functions/lib/errors.js';
import { exactly, figure, progress, round, type Figure } from './lib/figures.js';
import {
  EC2_SECOND_TYPE,
  EC2_TYPE,
  IAM_USER_TYPE,
  benchPolicy,
  createNetwork,
  createUser,
  guardDutyEvent,
  importedTwin,
  launchInstance,
  republished,
  setupClients,
  type Subject,
} from './lib/scenario.js';
import { createBenchWorld, type BenchWorld } from './lib/world.js';

const BENCHMARK = 'burst';
const EVENTS = 1000;
const CONCURRENCY = 16;
const INSTANCES = 40;
const USERS = 10;
const PER_RESOURCE = EVENTS / (INSTANCES + USERS);

/** Deterministic shuffle (mulberry32), so every run sees the same interleaving. */
function shuffle<T>(items: T[], seed = 7): T[] {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = items[i];
    const b = items[j];
    if (a !== undefined && b !== undefined) {
      items[i] = b;
      items[j] = a;
    }
  }
  return items;
}

/**
 * 20 events per resource: the finding and 9 re-publications, 6 Security Hub twins, and a second finding about
 * the same resource with 3 re-publications.
 */
function eventsFor(subject: Subject): Record<string, unknown>[] {
  const type = subject.kind === 'instance' ? EC2_TYPE : IAM_USER_TYPE;
  const first = guardDutyEvent(subject, { type });
  const second = guardDutyEvent(subject, { type: subject.kind === 'instance' ? EC2_SECOND_TYPE : type });
  const events = [first];
  for (let i = 0; i < 9; i++) events.push(republished(first));
  for (let i = 0; i < 6; i++) events.push(importedTwin(first, subject));
  events.push(second);
  for (let i = 0; i < 3; i++) events.push(republished(second));
  if (events.length !== PER_RESOURCE) throw new Error(`expected ${PER_RESOURCE} events per resource`);
  return events;
}

async function allRecords(world: BenchWorld, status: IsolationStatus): Promise<IsolationRecord[]> {
  const out: IsolationRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await world.store.list({ status, limit: 200, ...(cursor === undefined ? {} : { cursor }) });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

const STATUSES: IsolationStatus[] = [
  'PENDING_APPROVAL',
  'APPROVED',
  'IN_PROGRESS',
  'ISOLATED',
  'FAILED',
  'SKIPPED',
  'REJECTED',
  'EXPIRED',
  'RELEASING',
  'RELEASED',
  'RELEASE_FAILED',
];

/** Result of benchmark 5; `violations` lists every broken requirement (empty when all hold). */
export interface BurstResult {
  figures: Figure[];
  violations: string[];
}

/** Run benchmark 5 against a running moto. */
export async function runBurstBenchmark(endpoint: string): Promise<BurstResult> {
  const world = await createBenchWorld(endpoint, { policy: benchPolicy() });
  const setup = setupClients(endpoint);
  progress(`burst: creating ${INSTANCES} instances and ${USERS} users in moto`);
  const network = await createNetwork(setup.ec2);
  const subjects: Subject[] = [];
  for (let i = 0; i < INSTANCES; i++)
    subjects.push({ kind: 'instance', instanceId: await launchInstance(setup.ec2, network) });
  for (let i = 0; i < USERS; i++)
    subjects.push({ kind: 'access-key', ...(await createUser(setup.iam)), userType: 'IAMUser' });
  const events = shuffle(subjects.flatMap(eventsFor));
  progress(`burst: ${events.length} events for ${subjects.length} resources, concurrency ${CONCURRENCY}`);

  const violations: string[] = [];
  let next = 0;
  let triaged = 0;
  const start = performance.now();
  const lane = async () => {
    for (;;) {
      const index = next++;
      const event = events[index];
      if (event === undefined) return;
      try {
        await triageEvent(world.deps, event);
      } catch (error) {
        // Lambda would retry a throwing event; the benchmark counts it as lost work instead of hiding it.
        violations.push(`event ${index} threw: ${errorMessage(error)}`);
      }
      triaged++;
      if (triaged % 250 === 0) progress(`burst: ${triaged} events triaged`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const runs = await world.worker.drain();
  const seconds = (performance.now() - start) / 1000;
  progress(`burst: all events and ${runs.length} worker runs done in ${round(seconds, 1)} s`);

  // Assess the end state from the store, by status (indexed queries).
  const byStatus = new Map<IsolationStatus, IsolationRecord[]>();
  for (const status of STATUSES) byStatus.set(status, await allRecords(world, status));
  const isolated = byStatus.get('ISOLATED') ?? [];
  const all = [...byStatus.values()].flat();
  const perResource = new Map<string, number>();
  for (const record of all)
    perResource.set(record.resource.id, (perResource.get(record.resource.id) ?? 0) + 1);
  const ids = subjects.map((s) => (s.kind === 'instance' ? s.instanceId : s.userName));
  const duplicates = [...perResource.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const lost = ids.filter((id) => !isolated.some((r) => r.resource.id === id)).length;
  const stuck = (['APPROVED', 'IN_PROGRESS', 'RELEASING'] as const).reduce(
    (sum, s) => sum + (byStatus.get(s)?.length ?? 0),
    0,
  );
  const failed = (byStatus.get('FAILED')?.length ?? 0) + (byStatus.get('SKIPPED')?.length ?? 0);
  const workerIsolations = runs.filter((r) => r.outcome === 'isolated').length;
  // The same containment applied twice would show as a second snapshot or deny-all on the same resource.
  if (isolated.length !== subjects.length)
    violations.push(`expected ${subjects.length} isolations, found ${isolated.length}`);
  if (duplicates > 0) violations.push(`${duplicates} duplicate isolation record(s)`);
  if (lost > 0) violations.push(`${lost} resource(s) without an ISOLATED record`);
  if (stuck > 0) violations.push(`${stuck} record(s) stuck in APPROVED, IN_PROGRESS or RELEASING`);
  if (failed > 0) violations.push(`${failed} record(s) FAILED or SKIPPED`);
  if (workerIsolations !== subjects.length)
    violations.push(`worker reported ${workerIsolations} isolations for ${subjects.length} resources`);
  const pendingReports = all.filter((r) => r.pendingReports.length > 0).length;
  progress(
    `burst: ${isolated.length} isolated, ${duplicates} duplicates, ${lost} lost, ${stuck} stuck` +
      (violations.length > 0 ? ` - REQUIREMENTS BROKEN: ${violations.join('; ')}` : ''),
  );
  return {
    violations,
    figures: [
      figure(
        BENCHMARK,
        'throughput (triage + worker, concurrency 16)',
        round(EVENTS / seconds, 1),
        'events/s',
        undefined,
        `${EVENTS} events, ${subjects.length} resources (${INSTANCES} instances, ${USERS} users), re-publications and Security Hub twins; no added latency`,
      ),
      figure(BENCHMARK, 'isolations', isolated.length, 'isolations', exactly(subjects.length)),
      figure(BENCHMARK, 'duplicate isolations', duplicates, 'records', exactly(0)),
      figure(
        BENCHMARK,
        'lost (resources without an ISOLATED record, or events that threw)',
        lost + violations.filter((v) => v.includes('threw')).length,
        'count',
        exactly(0),
      ),
      figure(BENCHMARK, 'stuck records (APPROVED / IN_PROGRESS / RELEASING)', stuck, 'records', exactly(0)),
      figure(BENCHMARK, 'records with reports still pending', pendingReports, 'records'),
    ],
  };
}
