/**
 * Benchmark 4: cold start of every Lambda bundle. Runs `npm run build`, then for each
 * `dist/functions/<name>/index.mjs`: its size (bytes and gzip), and in 20 fresh Node processes the time to
 * import it (performance.now() around a dynamic import, inside the child, so process start-up is excluded as
 * Lambda's INIT phase excludes the runtime's own start) and the child's peak RSS.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CordonError } from '../functions/lib/errors.js';
import { below, figure, median, progress, round, type Figure } from './lib/figures.js';

const BENCHMARK = 'cold start';
const PROCESSES = 20;
const DIST = resolve('dist/functions');

/**
 * Dummy values for every variable the functions' config modules read at import time. Nothing is called:
 * importing a bundle must not reach AWS, and the endpoint points at a closed loopback port in case it did.
 */
const DUMMY_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'dummy',
  AWS_SECRET_ACCESS_KEY: 'dummy',
  CORDON_SECURITY_ACCOUNT_ID: '123456789012',
  CORDON_TABLE_NAME: 'cordon-isolations',
  CORDON_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:cordon-notifications',
  CORDON_WORKER_FUNCTION: 'cordon-isolate',
  CORDON_MEMBER_ROLE_NAME: 'cordon-member',
  CORDON_AWS_ENDPOINT: 'http://127.0.0.1:9',
  CORDON_AUTH_MODE: 'cognito',
  CORDON_COGNITO_USER_POOL_ID: 'us-east-1_abcdefghi',
  CORDON_AUTH_CLIENT_ID: 'dummyclientid',
};

/** Script run in each child: import the bundle, print init time and peak RSS as JSON. */
const CHILD = `
const start = performance.now();
const mod = await import(process.argv[1]);
const initMs = performance.now() - start;
if (typeof mod.handler !== 'function') throw new Error('bundle exports no handler');
process.stdout.write(JSON.stringify({ initMs, maxRssKiB: process.resourceUsage().maxRSS }));
`;

interface Sample {
  initMs: number;
  maxRssKiB: number;
}

function measureOnce(bundle: string): Sample {
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', CHILD, pathToFileURL(bundle).href],
    {
      env: { PATH: process.env['PATH'] ?? '', ...DUMMY_ENV },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  if (result.status !== 0) {
    throw new CordonError(
      `importing ${bundle} failed (exit ${String(result.status)}): ${result.stderr.trim()}`,
    );
  }
  return JSON.parse(result.stdout) as Sample;
}

/** Run benchmark 4 (builds first). */
export function runColdStartBenchmark(): Figure[] {
  progress('cold start: npm run build');
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const figures: Figure[] = [];
  const names = readdirSync(DIST).sort();
  for (const name of names) {
    const bundle = join(DIST, name, 'index.mjs');
    const code = readFileSync(bundle);
    const samples: Sample[] = [];
    for (let i = 0; i < PROCESSES; i++) samples.push(measureOnce(bundle));
    const init = median(samples.map((s) => s.initMs));
    const rss = median(samples.map((s) => s.maxRssKiB)) / 1024;
    progress(
      `cold start: ${name}: ${Math.round(code.length / 1024)} KiB, init ${round(init, 1)} ms, peak RSS ${round(rss, 1)} MiB`,
    );
    figures.push(
      figure(
        BENCHMARK,
        `${name}: bundle size (minified)`,
        round(code.length / 1000, 1),
        'KB',
        below(300, 'KB'),
      ),
      figure(BENCHMARK, `${name}: bundle size (gzip)`, round(gzipSync(code).length / 1000, 1), 'KB'),
      figure(
        BENCHMARK,
        `${name}: module init (median of ${PROCESSES} processes)`,
        round(init, 1),
        'ms',
        below(100, 'ms'),
        'AWS SDK v3 resolved from node_modules (the Lambda runtime provides it; it is not bundled)',
      ),
      figure(BENCHMARK, `${name}: peak RSS (median)`, round(rss, 1), 'MiB'),
    );
  }
  return figures;
}
