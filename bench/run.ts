/**
 * `npm run bench`: cordon's benchmark suite. Runs the six benchmarks (bench/README.md explains each method),
 * prints a table of every figure with its target and PASS/FAIL, and writes bench/results.json with the machine
 * description. Progress goes to stderr, the table to stdout.
 *
 * Usage: tsx bench/run.ts [--only policy,matching,cold-start,cli,containment,burst] [--out FILE] [--merge]
 *
 * With --merge, the figures of the benchmarks run replace theirs in the existing results file (the others are kept,
 * and `updates` says what was re-measured when), and the README's table is refreshed from it.
 *
 * A complete run written to bench/results.json also regenerates the README's benchmark table (bench/readme.ts).
 *
 * Exit status: 1 when the burst's correctness requirements (50 isolations, no duplicate, nothing lost or stuck)
 * are broken or a benchmark crashed; performance targets that are missed are reported as FAIL in the table but
 * do not change the exit status, so the figures are always published.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { startMoto } from '../scripts/moto.js';
import { errorMessage } from '../functions/lib/errors.js';
import { describeMachine, progress, type Figure } from './lib/figures.js';
import { runPolicyBenchmark } from './policy.js';
import { runMatchingBenchmark } from './matching.js';
import { LATENCY_MS, runContainmentBenchmark } from './containment.js';
import { runColdPathBenchmark } from './cold-path.js';
import { runColdStartBenchmark } from './cold-start.js';
import { runBurstBenchmark } from './burst.js';
import { runCliBenchmark } from './cli.js';
import { RESULTS_PATH, updateReadme } from './readme.js';

const ALL = ['policy', 'matching', 'cold-start', 'cli', 'containment', 'burst'] as const;
type BenchmarkName = (typeof ALL)[number];

function parseArgs(argv: string[]): { only: BenchmarkName[]; out: string; merge: boolean } {
  let only: BenchmarkName[] = [...ALL];
  let out = 'bench/results.json';
  let merge = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--only') {
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = names.filter((n) => !(ALL as readonly string[]).includes(n));
      if (unknown.length > 0)
        throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
      only = names as BenchmarkName[];
    } else if (arg === '--out') {
      out = argv[++i] ?? out;
    } else if (arg === '--merge') {
      merge = true;
    } else {
      throw new Error(
        `unknown argument ${String(arg)}; usage: tsx bench/run.ts [--only ${ALL.join(',')}] [--out FILE] [--merge]`,
      );
    }
  }
  return { only, out, merge };
}

/** The existing results with the figures of the benchmarks just run replaced (matched by benchmark label). */
function merged(
  out: string,
  run: { figures: Figure[]; only: BenchmarkName[]; generatedAt: string; loadAverageAtStart: number[] },
): Record<string, unknown> & { figures: Figure[] } {
  const existing = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> & {
    figures: Figure[];
    updates?: unknown[];
  };
  const labels = new Set(run.figures.map((f) => f.benchmark));
  const figures = [...existing.figures.filter((f) => !labels.has(f.benchmark)), ...run.figures];
  return {
    ...existing,
    updates: [
      ...(existing.updates ?? []),
      { benchmarks: run.only, generatedAt: run.generatedAt, loadAverageAtStart: run.loadAverageAtStart },
    ],
    figures,
  };
}

/** The table: one row per figure. */
export function renderTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.benchmark,
    f.metric,
    `${f.value.toLocaleString('en-US')} ${f.unit}`,
    f.target ?? '',
    f.pass === null ? '' : f.pass ? 'PASS' : 'FAIL',
  ]);
  const header = ['benchmark', 'metric', 'value', 'target', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join(' | ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { only, out, merge } = parseArgs(process.argv.slice(2));
  const started = new Date();
  const loadBefore = loadavg();
  const figures: Figure[] = [];
  const errors: string[] = [];
  let violations: string[] = [];
  const run = async (name: BenchmarkName, body: () => Promise<Figure[]> | Figure[]) => {
    if (!only.includes(name)) return;
    progress(`${name}: starting`);
    const t0 = performance.now();
    try {
      figures.push(...(await body()));
    } catch (error) {
      errors.push(`${name}: ${errorMessage(error)}`);
      progress(`${name}: FAILED: ${errorMessage(error)}`);
    }
    progress(`${name}: done in ${Math.round((performance.now() - t0) / 1000)} s`);
  };

  await run('policy', runPolicyBenchmark);
  await run('matching', runMatchingBenchmark);
  await run('cold-start', runColdStartBenchmark);
  await run('cli', runCliBenchmark);
  if (only.includes('containment') || only.includes('burst')) {
    progress('starting moto');
    const moto = await startMoto({ log: progress });
    try {
      await run('containment', async () => [
        ...(await runContainmentBenchmark(moto.endpoint)),
        // The worker bundle in a fresh process: needs the build of the cold-start benchmark (or npm run build).
        ...(await runColdPathBenchmark(moto.endpoint, LATENCY_MS)),
      ]);
      await run('burst', async () => {
        const result = await runBurstBenchmark(moto.endpoint);
        violations = result.violations;
        return result.figures;
      });
    } finally {
      await moto.stop();
    }
  }

  const finished = new Date();
  const results = {
    generatedAt: finished.toISOString(),
    durationSeconds: Math.round((finished.getTime() - started.getTime()) / 1000),
    machine: {
      ...describeMachine(),
      loadAverageAtStart: loadBefore.map((l) => Math.round(l * 100) / 100),
      loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    benchmarks: only,
    summary: {
      figures: figures.length,
      withTarget: figures.filter((f) => f.pass !== null).length,
      passed: figures.filter((f) => f.pass === true).length,
      failed: figures.filter((f) => f.pass === false).map((f) => `${f.benchmark}: ${f.metric}`),
    },
    burstViolations: violations,
    errors,
    figures,
  };
  const loadAverageAtStart = results.machine.loadAverageAtStart;
  const written =
    merge && errors.length === 0
      ? merged(out, { figures, only, generatedAt: results.generatedAt, loadAverageAtStart })
      : results;
  if (written !== results) {
    const all = written.figures;
    written['summary'] = {
      figures: all.length,
      withTarget: all.filter((f) => f.pass !== null).length,
      passed: all.filter((f) => f.pass === true).length,
      failed: all.filter((f) => f.pass === false).map((f) => `${f.benchmark}: ${f.metric}`),
    };
  }
  writeFileSync(out, `${JSON.stringify(written, null, 2)}\n`);
  const machine = results.machine;
  process.stdout.write(
    `\ncordon benchmarks - ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ` +
      `load average ${machine.loadAverageAtStart[0]} at start; ${results.durationSeconds} s\n\n` +
      `${renderTable(figures)}\n\n` +
      `${results.summary.passed}/${results.summary.withTarget} targets met; results written to ${out}\n`,
  );
  if (violations.length > 0) {
    process.stdout.write(`BURST REQUIREMENTS BROKEN:\n${violations.map((v) => `  - ${v}`).join('\n')}\n`);
  }
  if (errors.length > 0)
    process.stdout.write(`BENCHMARK ERRORS:\n${errors.map((e) => `  - ${e}`).join('\n')}\n`);
  if (violations.length > 0 || errors.length > 0) process.exitCode = 1;
  // A complete run into the published file also refreshes the README's table (bench/readme.ts).
  else if ((merge || only.length === ALL.length) && resolve(out) === RESULTS_PATH && updateReadme()) {
    process.stdout.write('README.md benchmark table updated from bench/results.json\n');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
