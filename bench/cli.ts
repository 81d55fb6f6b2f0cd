/**
 * Benchmark 6: CLI start-up. The time of `cordon --version` and of `cordon policy validate` on the shipped
 * policy, each divided by the time of `node -e 0` on the same machine in the same minute, so that the ratio holds
 * on a loaded machine. The runs interleave (node, --version, validate, node, ...) so load swings hit all three,
 * and each figure is the median of its runs. The CLI is the prebuilt bundle (scripts/build-cli.ts, rebuilt here
 * first), which bin/cordon.mjs runs while it is fresh.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../scripts/build-cli.js';
import { atMost, figure, median, progress, round, type Figure } from './lib/figures.js';

const BENCHMARK = 'cli start-up';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'cordon.mjs');
const RUNS = 15;

function timeMs(args: readonly string[]): number {
  const t0 = performance.now();
  execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  return performance.now() - t0;
}

export async function runCliBenchmark(): Promise<Figure[]> {
  await buildCli();
  const node: number[] = [];
  const version: number[] = [];
  const validate: number[] = [];
  timeMs([BIN, '--version']); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    node.push(timeMs(['-e', '0']));
    version.push(timeMs([BIN, '--version']));
    validate.push(timeMs([BIN, 'policy', 'validate', 'policies/']));
  }
  progress(`${BENCHMARK}: ${RUNS} interleaved runs each`);
  const nodeMs = median(node);
  const versionMs = median(version);
  const validateMs = median(validate);
  return [
    figure(BENCHMARK, '`node -e 0` (reference), p50', round(nodeMs, 0), 'ms'),
    figure(BENCHMARK, '`cordon --version`, p50', round(versionMs, 0), 'ms'),
    figure(BENCHMARK, '`cordon policy validate` (default policy), p50', round(validateMs, 0), 'ms'),
    figure(
      BENCHMARK,
      '`cordon --version` / `node -e 0`',
      round(versionMs / nodeMs, 1),
      'x',
      atMost(4, 'x'),
      'prebuilt bundle (dist/cli); the sources through tsx when it is stale',
    ),
    figure(
      BENCHMARK,
      '`cordon policy validate` / `node -e 0`',
      round(validateMs / nodeMs, 1),
      'x',
      atMost(6, 'x'),
    ),
  ];
}
