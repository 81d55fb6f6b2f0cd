/**
 * Benchmark 3: the containment critical path of every action, through the whole pipeline (triage → store →
 * in-process worker → action), against moto, with a fixed latency added to every AWS call attempt.
 *
 * For each run: the AWS calls made (all of them, and those to the member account), the sequential round trips
 * from event receipt to the "contained" marker (the longest chain of calls where each starts after the previous
 * one ended, over the calls that ended by the time the step runner reported containment), and the
 * time-to-contain (the record's `containedAt` minus event receipt).
 */
import type { IsolationRecord } from '../functions/lib/store/model.js';
import { triageEvent } from '../functions/lib/pipeline/triage.js';
import { CordonError } from '../functions/lib/errors.js';
import { atMost, figure, median, percentile, progress, round, type Figure } from './lib/figures.js';
import {
  ACCESS_KEY_TYPE,
  EC2_TYPE,
  IAM_USER_TYPE,
  ROLE_TYPE,
  benchPolicy,
  createNetwork,
  createRole,
  createUser,
  guardDutyEvent,
  launchInstance,
  setupClients,
  type Network,
  type Subject,
} from './lib/scenario.js';
import { createBenchWorld, type BenchWorld, type TimedCall } from './lib/world.js';

const BENCHMARK = 'containment critical path';
export const LATENCY_MS = 25;
const MEMBER_SERVICES = new Set(['EC2', 'IAM', 'AutoScaling', 'ElasticLoadBalancingV2']);

/** Longest chain of calls where each starts after the previous one ended (sequential round trips). */
export function sequentialRoundTrips(calls: readonly TimedCall[]): number {
  return longestChain(calls).length;
}

/** The calls of the longest sequential chain, in order (the critical path the round-trip figure counts). */
export function longestChain(calls: readonly TimedCall[]): TimedCall[] {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  const previous: (number | undefined)[] = [];
  let last: number | undefined;
  for (let i = 0; i < sorted.length; i++) {
    const call = sorted[i];
    if (!call) continue;
    let best = 0;
    let from: number | undefined;
    for (let j = 0; j < i; j++) {
      const earlier = sorted[j];
      if (earlier && earlier.end <= call.start && (depth[j] ?? 0) > best) {
        best = depth[j] ?? 0;
        from = j;
      }
    }
    depth[i] = best + 1;
    previous[i] = from;
    if (last === undefined || best + 1 > (depth[last] ?? 0)) last = i;
  }
  const chain: TimedCall[] = [];
  for (let i = last; i !== undefined; i = previous[i]) {
    const call = sorted[i];
    if (call) chain.unshift(call);
  }
  return chain;
}

interface RunMeasure {
  totalCalls: number;
  memberCalls: number;
  memberRoundTrips: number;
  allRoundTrips: number;
  assumeRoleOnPath: boolean;
  timeToContainMs: number;
  criticalCommands: string[];
  /** The longest chain over all calls: what the "all AWS calls" figure counts. */
  chain: string[];
}

/** Run one event through triage and the worker and measure it; the isolation must end ISOLATED. */
async function measure(world: BenchWorld, event: Record<string, unknown>): Promise<RunMeasure> {
  world.timeline.clear();
  const receivedAt = new Date();
  const receivedPerf = performance.now();
  const result = await triageEvent(world.deps, event, { receivedAt });
  await world.worker.drain();
  const id = result.findings[0]?.actions[0]?.isolationId;
  const record: IsolationRecord | undefined = id === undefined ? undefined : await world.store.get(id);
  if (!record || record.status !== 'ISOLATED' || record.containedAt === undefined) {
    throw new CordonError(
      `containment benchmark: expected an ISOLATED record, got ${record ? record.status : 'none'}: ${JSON.stringify(result.findings[0])}`,
    );
  }
  // The marker is wall-clock; convert it to the performance clock the calls were timed with.
  const containedPerf = receivedPerf + (Date.parse(record.containedAt) - receivedAt.getTime());
  const calls = world.timeline.calls.filter((c) => c.start >= receivedPerf);
  // 1 ms of slack: containedAt is rounded to the millisecond.
  const critical = calls.filter((c) => c.end <= containedPerf + 1);
  const member = critical.filter((c) => MEMBER_SERVICES.has(c.service));
  return {
    totalCalls: calls.length,
    memberCalls: calls.filter((c) => MEMBER_SERVICES.has(c.service)).length,
    memberRoundTrips: sequentialRoundTrips(member),
    allRoundTrips: sequentialRoundTrips(critical),
    assumeRoleOnPath: critical.some((c) => c.command === 'AssumeRole'),
    timeToContainMs: containedPerf - receivedPerf,
    criticalCommands: member.sort((a, b) => a.start - b.start).map((c) => `${c.service}:${c.command}`),
    chain: longestChain(critical).map((c) => `${c.service}:${c.command}`),
  };
}

interface Scenario {
  label: string;
  runs: number;
  /** Round-trip target on the member account, or none. */
  target?: number;
  targetNote?: string;
  /** Round-trip target over all AWS calls (issue 15), or none. */
  allTarget?: number;
  allTargetNote?: string;
  /** A fresh resource and the event about it (setup is not measured). */
  prepare(): Promise<Record<string, unknown>>;
}

function summarise(s: Scenario, measures: RunMeasure[]): Figure[] {
  const label = s.label;
  const ttc = measures.map((m) => m.timeToContainMs);
  const memberTrips = median(measures.map((m) => m.memberRoundTrips));
  const first = measures[0];
  return [
    figure(
      BENCHMARK,
      `${label}: AWS calls (total, median)`,
      median(measures.map((m) => m.totalCalls)),
      'calls',
      undefined,
      'every call from event receipt to the end of the run: DynamoDB, STS, member account, SNS, Security Hub',
    ),
    figure(
      BENCHMARK,
      `${label}: member-account calls (median)`,
      median(measures.map((m) => m.memberCalls)),
      'calls',
    ),
    figure(
      BENCHMARK,
      `${label}: sequential round trips to contained, member account`,
      memberTrips,
      'round trips',
      s.target === undefined ? undefined : atMost(s.target, 'round trips'),
      `${s.targetNote ?? ''}critical path: ${first ? first.criticalCommands.join(' | ') : ''}`.trim(),
    ),
    figure(
      BENCHMARK,
      `${label}: sequential round trips to contained, all AWS calls`,
      median(measures.map((m) => m.allRoundTrips)),
      'round trips',
      s.allTarget === undefined ? undefined : atMost(s.allTarget, 'round trips'),
      `${s.allTargetNote ?? ''}including cordon's own DynamoDB calls${measures.some((m) => m.assumeRoleOnPath) ? ' and AssumeRole' : ''}; chain: ${first ? first.chain.join(' → ') : ''}`,
    ),
    figure(
      BENCHMARK,
      `${label}: time to contain p50`,
      round(percentile(ttc, 50), 0),
      'ms',
      undefined,
      `${LATENCY_MS} ms added to every AWS call; ${measures.length} runs`,
    ),
    figure(BENCHMARK, `${label}: time to contain p95`, round(percentile(ttc, 95), 0), 'ms'),
  ];
}

/** Run benchmark 3 against a running moto. */
export async function runContainmentBenchmark(endpoint: string): Promise<Figure[]> {
  const world = await createBenchWorld(endpoint, { policy: benchPolicy(), latencyMs: LATENCY_MS });
  const setup = setupClients(endpoint);

  // Warm-up: the first isolation assumes the member role (cached afterwards, as in a warm Lambda) and creates
  // cordon's groups in the shared VPC. Not measured.
  const shared: Network = await createNetwork(setup.ec2);
  const warm = await launchInstance(setup.ec2, shared);
  await measure(world, guardDutyEvent({ kind: 'instance', instanceId: warm }, { type: EC2_TYPE }));

  const userSubject = async (userType: 'IAMUser' | 'AssumedRole'): Promise<Subject> => {
    if (userType === 'AssumedRole') {
      const roleName = await createRole(setup.iam);
      return { kind: 'access-key', userName: roleName, accessKeyId: 'ASIABENCHTEMPORARY01', userType };
    }
    const user = await createUser(setup.iam);
    return { kind: 'access-key', ...user, userType };
  };
  const scenarios: Scenario[] = [
    {
      label: 'isolate-ec2-instance, VPC with cordon groups',
      runs: 7,
      target: 3,
      targetNote: 'flow cut included; ',
      allTarget: 6,
      prepare: async () =>
        guardDutyEvent(
          { kind: 'instance', instanceId: await launchInstance(setup.ec2, shared) },
          { type: EC2_TYPE },
        ),
    },
    {
      label: 'isolate-ec2-instance, first isolation in a new VPC',
      runs: 5,
      allTarget: 8,
      prepare: async () => {
        const network = await createNetwork(setup.ec2);
        return guardDutyEvent(
          { kind: 'instance', instanceId: await launchInstance(setup.ec2, network) },
          { type: EC2_TYPE },
        );
      },
    },
    {
      label: 'isolate-iam-user',
      runs: 7,
      target: 1,
      targetNote: 'deny-all in effect; ',
      allTarget: 4,
      prepare: async () => guardDutyEvent(await userSubject('IAMUser'), { type: IAM_USER_TYPE }),
    },
    {
      label: 'disable-access-key',
      runs: 7,
      prepare: async () => guardDutyEvent(await userSubject('IAMUser'), { type: ACCESS_KEY_TYPE }),
    },
    {
      label: 'revoke-role-sessions',
      runs: 7,
      prepare: async () => guardDutyEvent(await userSubject('AssumedRole'), { type: ROLE_TYPE }),
    },
  ];
  const figures: Figure[] = [];
  for (const scenario of scenarios) {
    const measures: RunMeasure[] = [];
    for (let i = 0; i < scenario.runs; i++) measures.push(await measure(world, await scenario.prepare()));
    const m = measures[0];
    progress(
      `containment: ${scenario.label}: ${median(measures.map((x) => x.memberRoundTrips))} member round trips, ` +
        `p50 ${Math.round(
          percentile(
            measures.map((x) => x.timeToContainMs),
            50,
          ),
        )} ms (${m ? m.criticalCommands.join(' | ') : ''})`,
    );
    figures.push(...summarise(scenario, measures));
  }
  return figures;
}
