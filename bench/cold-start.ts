/**
 * Benchmark 4: cold start of every Lambda bundle. Runs `npm run build`, then for each
 * `dist/functions/<name>/index.mjs`: the size a cold start loads (bytes and gzip, as the build measures it:
 * `dist/bundle-sizes.json`, the entry with its static chunks, plus the largest action's chunks for the worker, which
 * loads them on its first job), and in 20 fresh Node processes the time to
 * import it (performance.now() around a dynamic import, inside the child, so process start-up is excluded as
 * Lambda's INIT phase excludes the runtime's own start). No bundle loads the AWS SDK at init (functions/lib/aws/sdk.ts
 * imports each client on first use, from chunks of the bundle), so each child then also imports every SDK chunk the
 * bundle can load and reports that time separately: the cost moved from the init to a cold container's first requests, shown rather
 * than hidden. Peak RSS is read after both.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CordonError } from '../functions/lib/errors.js';
import { FUNCTION_PERMISSION_STATEMENTS } from '../functions/lib/permissions.js';
import { below, figure, median, progress, round, type Figure } from './lib/figures.js';
import { sizesFile, type BundleSizesRow } from '../scripts/build.js';

const BENCHMARK = 'cold start';
const PROCESSES = 20;
const DIST = resolve('dist/functions');
const SIZES = sizesFile(resolve('dist'));

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

/**
 * Script run in each child: import the bundle, print init time and peak RSS as JSON; then import the SDK
 * chunks the bundle loads lazily (argv[2], JSON, relative to the bundle) and print how long that took, the cost a
 * cold container's first requests pay instead of the init.
 */
const CHILD = `
const start = performance.now();
const mod = await import(process.argv[1]);
const initMs = performance.now() - start;
if (typeof mod.handler !== 'function') throw new Error('bundle exports no handler');
const sdkStart = performance.now();
for (const file of JSON.parse(process.argv[2])) await import(new URL(file, process.argv[1]).href);
const sdkMs = performance.now() - sdkStart;
// After the SDK loads: the memory a warm container really holds.
process.stdout.write(JSON.stringify({ initMs, maxRssKiB: process.resourceUsage().maxRSS, sdkMs }));
`;

interface Sample {
  initMs: number;
  maxRssKiB: number;
  /** Time to load every SDK package the bundle may import lazily, after the init. */
  sdkMs: number;
}

/**
 * IAM service prefix of a function's permission → the SDK client modules that call it (the names of
 * `sdkChunks` in dist/bundle-sizes.json: functions/lib/aws/clients/ and lib-dynamodb).
 */
const PACKAGES_OF_SERVICE: Readonly<Record<string, readonly string[]>> = {
  dynamodb: ['dynamodb', 'lib-dynamodb'],
  lambda: ['client-lambda'],
  securityhub: ['client-securityhub'],
  sns: ['client-sns'],
  // Evidence objects after containment; KMS is used by S3 (SSE-KMS), never called directly.
  s3: ['client-s3'],
  kms: [],
  // AssumeRole into the member role, then the member clients of the EC2 and IAM actions.
  sts: ['client-sts', 'client-ec2', 'client-iam', 'client-auto-scaling', 'client-elastic-load-balancing-v2'],
};

/**
 * The AWS SDK packages a function can load: those of the services its declared permissions
 * (functions/lib/permissions.ts) allow it to call. Every bundle carries the same lazy loaders, so the bundle
 * text cannot tell; the permissions can.
 */
export function sdkPackagesFor(functionName: string): string[] {
  const statements = Object.entries(FUNCTION_PERMISSION_STATEMENTS).find(([n]) => n === functionName)?.[1];
  if (statements === undefined) {
    throw new CordonError(`cold start: ${functionName} is not in functions/lib/permissions.ts`);
  }
  const packages = new Set<string>();
  for (const statement of statements) {
    for (const action of statement.actions) {
      const service = action.split(':', 1)[0] ?? '';
      const mapped = PACKAGES_OF_SERVICE[service];
      if (mapped === undefined) {
        throw new CordonError(`cold start: no SDK package is known for ${action} (function ${functionName})`);
      }
      for (const p of mapped) packages.add(p);
    }
  }
  return [...packages].sort();
}

function measureOnce(bundle: string, sdkFiles: readonly string[]): Sample {
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', CHILD, pathToFileURL(bundle).href, JSON.stringify(sdkFiles)],
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
  const sizes = new Map(
    (JSON.parse(readFileSync(SIZES, 'utf8')) as BundleSizesRow[]).map((row) => [row.name, row]),
  );
  const names = readdirSync(DIST).sort();
  for (const name of names) {
    const bundle = join(DIST, name, 'index.mjs');
    const size = sizes.get(name);
    if (size === undefined) throw new CordonError(`${SIZES} has no sizes for ${name}: run npm run build`);
    const sdkPackages = sdkPackagesFor(name);
    const sdkFiles = [
      ...new Set(
        sdkPackages.flatMap((p) => {
          const files = size.sdkChunks[p];
          if (files === undefined) throw new CordonError(`${SIZES}: ${name} has no SDK chunk for ${p}`);
          return files;
        }),
      ),
    ];
    const samples: Sample[] = [];
    for (let i = 0; i < PROCESSES; i++) samples.push(measureOnce(bundle, sdkFiles));
    const init = median(samples.map((s) => s.initMs));
    const sdk = median(samples.map((s) => s.sdkMs));
    const rss = median(samples.map((s) => s.maxRssKiB)) / 1024;
    progress(
      `cold start: ${name}: ${Math.round(size.coldStart / 1024)} KiB, init ${round(init, 1)} ms, ` +
        `SDK on first use ${round(sdk, 1)} ms, peak RSS ${round(rss, 1)} MiB`,
    );
    figures.push(
      figure(
        BENCHMARK,
        `${name}: bundle size (minified)`,
        round(size.coldStart / 1000, 1),
        'KB',
        below(300, 'KB'),
        size.action > 0
          ? `loaded by a cold start: ${round(size.init / 1000, 1)} KB at init, then up to ${round(size.action / 1000, 1)} KB for the action it runs (chunks loaded on first use)`
          : undefined,
      ),
      figure(
        BENCHMARK,
        `${name}: bundle size (gzip)`,
        round(size.gzip / 1000, 1),
        'KB',
        undefined,
        size.action > 0 ? 'the files loaded at init' : undefined,
      ),
      figure(
        BENCHMARK,
        `${name}: module init (median of ${PROCESSES} processes)`,
        round(init, 1),
        'ms',
        below(100, 'ms'),
        'no AWS SDK package is loaded at init: each is imported on first use (functions/lib/aws/sdk.ts)',
      ),
      // A function whose permissions allow no AWS service (console) loads no SDK package: no figure.
      ...(sdkPackages.length === 0
        ? []
        : [
            figure(
              BENCHMARK,
              `${name}: AWS SDK loaded on first use (${String(sdkPackages.length)} clients, median)`,
              round(sdk, 1),
              'ms',
              undefined,
              `the clients its permissions allow, paid once per container by the first requests that need them, not by the init: ${sdkPackages.join(', ')}; modular clients bundled and minified (functions/lib/aws/clients/)`,
            ),
          ]),
      figure(BENCHMARK, `${name}: peak RSS with its SDK packages loaded (median)`, round(rss, 1), 'MiB'),
    );
  }
  return figures;
}
