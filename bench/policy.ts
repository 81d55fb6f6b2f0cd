/**
 * Benchmark 1: policy evaluation throughput on one thread, with 10, 100 and 1,000 rules where every finding only
 * matches in the last three rules, and with the shipped default policy; plus the heap the compiled policy and
 * the evaluation use.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { stringify } from 'yaml';
import {
  ROOT_FINDING_TYPES,
  evaluatePolicy,
  loadPolicy,
  loadPolicyFromStrings,
} from '../functions/lib/policy/index.js';
import type { CompiledPolicy } from '../functions/lib/policy/model.js';
import type { Finding } from '../functions/lib/findings/model.js';
import { CordonError } from '../functions/lib/errors.js';
import { ASFF_TYPE_TO_GUARDDUTY_TYPE } from '../functions/lib/findings/guardduty-types.js';
import { atLeast, figure, median, progress, round, type Figure } from './lib/figures.js';
import { findingMix } from './lib/samples.js';
import { EC2_INSTANCE } from '../functions/lib/resources/ec2-instance.js';
import { IAM_USER } from '../functions/lib/resources/iam-user.js';

const BENCHMARK = 'policy evaluation';
/** Rules at the end of every synthetic policy, in this order; every finding of the mix matches one of them. */
const TAIL_RULES = ['tail-ec2-instance', 'tail-iam-user', 'tail-catch-all'];

/** GuardDuty's finding types (from the generated table), the vocabulary of the synthetic rules. */
const GUARDDUTY_TYPES: readonly string[] = [...new Set(ASFF_TYPE_TO_GUARDDUTY_TYPE.values())].sort();
/** An account that no finding of the mix comes from. */
const OTHER_ACCOUNT = '999999999999';

/**
 * A realistic near miss with three conditions, like Cloud Custodian's comparison (source, type, account):
 * the rules spread over GuardDuty's real finding types, so the rules that share a finding's type family must
 * be checked, and they all miss on the account. One rule in 20 has a leading-wildcard type, which no index
 * on type prefixes can file.
 */
function nearMissRule(i: number): Record<string, unknown> {
  const type = GUARDDUTY_TYPES[(i * 7) % GUARDDUTY_TYPES.length] ?? 'Recon:EC2/PortProbeUnprotectedPort';
  const match = {
    source: 'guardduty',
    type: i % 20 === 19 ? `*${type.slice(type.indexOf(':'))}` : type,
    accounts: { include: [OTHER_ACCOUNT] },
  };
  // Half the rules contain (approval) where cordon has an action for the type's resource, as real policies do.
  if (i % 2 === 1 && type.includes(':EC2/'))
    return { name: `synthetic-${i}`, match, action: 'isolate-ec2-instance', mode: 'approval' };
  if (
    i % 2 === 1 &&
    type.includes(':IAMUser/') &&
    !ROOT_FINDING_TYPES.some((t) => t.endsWith(type.slice(type.indexOf(':'))))
  )
    return { name: `synthetic-${i}`, match, action: 'isolate-iam-user', mode: 'approval' };
  return { name: `synthetic-${i}`, match, mode: 'notify' };
}

/**
 * Worst case for the index: every rule shares the type family of most findings (`Backdoor:EC2/*`,
 * `UnauthorizedAccess:IAMUser/*`, leading wildcards) and misses on the account, tags or severity.
 */
function adversarialRule(i: number): Record<string, unknown> {
  switch (i % 4) {
    case 0:
      return {
        name: `adversarial-${i}`,
        match: { type: ['Backdoor:EC2/*', 'CryptoCurrency:EC2/*'], accounts: { include: [OTHER_ACCOUNT] } },
        mode: 'notify',
      };
    case 1:
      return {
        name: `adversarial-${i}`,
        match: { type: ['UnauthorizedAccess:*', 'PenTest:IAMUser/*'], tags: { team: `team-${i}` } },
        mode: 'notify',
      };
    case 2:
      return {
        name: `adversarial-${i}`,
        match: { type: '*IAMUser*', severity: { min: 9.9 } },
        mode: 'notify',
      };
    default:
      return { name: `adversarial-${i}`, match: { type: '*EC2*', severity: { min: 9.9 } }, mode: 'notify' };
  }
}

/** A valid policy of `total` rules: `total - 3` near misses, then the three tail rules. */
export function syntheticPolicy(
  total: number,
  kind: 'realistic' | 'adversarial' = 'realistic',
): CompiledPolicy {
  const rules: Record<string, unknown>[] = [];
  const nearMiss = kind === 'realistic' ? nearMissRule : adversarialRule;
  for (let i = 0; i < total - TAIL_RULES.length; i++) rules.push(nearMiss(i));
  rules.push(
    {
      name: 'tail-ec2-instance',
      match: { resourceType: EC2_INSTANCE, severity: { min: 4 } },
      action: 'isolate-ec2-instance',
      mode: 'approval',
    },
    {
      name: 'tail-iam-user',
      match: { resourceType: IAM_USER, severity: { min: 4 } },
      action: 'isolate-iam-user',
      mode: 'approval',
    },
    { name: 'tail-catch-all', mode: 'notify' },
  );
  const text = stringify({ version: 1, settings: { limits: { autoPerAccountPerHour: 1000 } }, rules });
  return loadPolicyFromStrings([{ file: `bench-${kind}-${total}.yaml`, text }]);
}

interface GcFunction {
  (): void;
}

/** The V8 collector, exposed at runtime so `tsx bench/run.ts` needs no node flag. */
function collector(): GcFunction {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as GcFunction;
}

/** Evaluate every finding `rounds` times; returns the last rule name so the work cannot be optimised away. */
function evaluateRounds(policy: CompiledPolicy, findings: readonly Finding[], rounds: number): number {
  let matched = 0;
  for (let r = 0; r < rounds; r++) {
    for (const finding of findings) if (evaluatePolicy(policy, finding).rule !== null) matched++;
  }
  return matched;
}

/** Median findings/s over `runs` timed runs of about `runMs` each, after a warm-up. */
function throughput(policy: CompiledPolicy, findings: readonly Finding[], runs = 7, runMs = 300): number {
  // Calibrate the rounds per run on a warm-up (which also lets V8 optimise the hot path).
  let rounds = 1;
  for (;;) {
    const start = performance.now();
    evaluateRounds(policy, findings, rounds);
    const elapsed = performance.now() - start;
    if (elapsed > 50) {
      rounds = Math.max(1, Math.round((rounds * runMs) / elapsed));
      break;
    }
    rounds *= 2;
  }
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    evaluateRounds(policy, findings, rounds);
    const seconds = (performance.now() - start) / 1000;
    rates.push((rounds * findings.length) / seconds);
  }
  return median(rates);
}

/** Every finding must be decided by the expected rules, or the benchmark would be measuring a broken engine. */
function checkDecisions(
  policy: CompiledPolicy,
  findings: readonly Finding[],
  expected: readonly string[],
): void {
  for (const finding of findings) {
    const decision = evaluatePolicy(policy, finding);
    if (decision.rule === null || !expected.includes(decision.rule)) {
      throw new CordonError(
        `policy benchmark: finding ${finding.key} matched ${String(decision.rule)}, expected one of ${expected.join(', ')}`,
      );
    }
  }
}

/** Run benchmark 1. */
export function runPolicyBenchmark(): Figure[] {
  const gc = collector();
  const findings = findingMix();
  progress(`policy: ${findings.length} findings normalised from the samples`);
  const figures: Figure[] = [];
  const cases: { label: string; build: () => CompiledPolicy; expected?: readonly string[] }[] = [
    { label: '10 rules', build: () => syntheticPolicy(10), expected: TAIL_RULES },
    { label: '100 rules', build: () => syntheticPolicy(100), expected: TAIL_RULES },
    { label: '1,000 rules', build: () => syntheticPolicy(1000), expected: TAIL_RULES },
    {
      label: '100 rules, worst case (same type family)',
      build: () => syntheticPolicy(100, 'adversarial'),
      expected: TAIL_RULES,
    },
    { label: 'default policy', build: () => loadPolicy(['policies']) },
  ];
  for (const c of cases) {
    gc();
    const policy = c.build();
    if (c.expected) checkDecisions(policy, findings, c.expected);
    const rate = throughput(policy, findings);
    const heapDuring = process.memoryUsage().heapUsed;
    const label = c.label === 'default policy' ? `default policy (${policy.rules.length} rules)` : c.label;
    progress(`policy: ${label}: ${Math.round(rate).toLocaleString('en-US')} findings/s`);
    figures.push(
      figure(
        BENCHMARK,
        `throughput, ${label}`,
        Math.round(rate),
        'findings/s',
        c.label === '100 rules' ? atLeast(250_000, 'findings/s') : undefined,
        c.expected ? 'every finding matches only in the last 3 rules' : undefined,
      ),
      figure(
        BENCHMARK,
        `heap used after the runs, ${label}`,
        round(heapDuring / 1024 / 1024, 1),
        'MiB',
        undefined,
        'process heapUsed (all modules, the findings and the policy) after the timed runs, before any GC',
      ),
    );
  }
  return figures;
}
