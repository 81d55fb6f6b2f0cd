/**
 * `npm run build`: bundle every Lambda entry point `functions/<name>.ts` into `dist/functions/<name>/index.mjs`
 * (ESM, Node 22, minified, with source maps), then zip each bundle directory into `dist/lambda/<name>.zip`, the
 * file Terraform deploys (`filename` and `source_code_hash` of each function). The zips are deterministic
 * (scripts/zip.ts): an unchanged build gives byte-identical zips, so `terraform plan` shows no code change.
 *
 * Policies are compiled into the bundle: the module `functions/lib/pipeline/bundled-policy.ts` is replaced by a
 * generated one returning the policy compiled here from `policies/*.yaml` (a broken policy fails the build, not the
 * Lambda). Lambdas never read the filesystem for policy nor carry the YAML parser; a policy change is a reviewed
 * deploy.
 *
 * Bundle size: zod is the largest part of each bundle. Lambda code imports it as a namespace
 * (`import * as z from 'zod'`, enforced by eslint in `functions/`), so esbuild keeps only the schema builders in use
 * and zod's English messages. `import { z }` kept all of zod and every locale (~455 KB); even with the plugins this
 * build used to have (locales cut to English, unused zod modules stubbed) that was ~50 KB more per bundle.
 * The build flags any bundle over {@link BUNDLE_BUDGET}.
 *
 * The AWS SDK v3 is left out of the bundles by default: the nodejs22.x and nodejs24.x runtimes provide it, and bundling it would
 * put each function far above the 300 KB cold-start budget. `--bundle-sdk` includes it (pinned versions); the SDK's
 * dynamic imports (functions/lib/aws/sdk.ts) are then inlined, and still evaluated only on first use.
 *
 * Usage: tsx scripts/build.ts [--bundle-sdk] [--policy DIR] [--out DIR]
 */
import { isMainModule } from './is-main.js';
import { build, type Plugin } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '../functions/lib/policy/index.js';
import type { CompiledPolicy } from '../functions/lib/policy/model.js';
import { errorMessage } from '../functions/lib/errors.js';
import { zipDirectory } from './zip.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BuildOptions {
  bundleSdk: boolean;
  policyDir: string;
  outDir: string;
}

function parseArgs(argv: string[]): BuildOptions {
  const options: BuildOptions = {
    bundleSdk: false,
    policyDir: join(root, 'policies'),
    outDir: join(root, 'dist'),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--bundle-sdk') options.bundleSdk = true;
    else if (arg === '--policy') options.policyDir = resolve(argv[++i] ?? '');
    else if (arg === '--out') options.outDir = resolve(argv[++i] ?? '');
    else
      throw new Error(
        `unknown argument ${String(arg)}; usage: tsx scripts/build.ts [--bundle-sdk] [--policy DIR] [--out DIR]`,
      );
  }
  return options;
}

/** Lambda entry points: every `functions/*.ts`. */
export function entryPoints(): string[] {
  const dir = join(root, 'functions');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

/** Compile the policy (throws PolicyValidationError with file:line:col); file names relative to the repo. */
export function compilePolicyForBundle(policyDir: string): CompiledPolicy {
  const policy = loadPolicy([relative(process.cwd(), policyDir) || '.']);
  return { ...policy, files: policy.files.map((f) => relative(root, resolve(f))) };
}

/** esbuild plugin: replace the bundled-policy module with the compiled policy. */
export function bundledPolicyPlugin(policy: CompiledPolicy): Plugin {
  return {
    name: 'cordon-bundled-policy',
    setup(b) {
      b.onLoad({ filter: /functions[\\/]lib[\\/]pipeline[\\/]bundled-policy\.ts$/ }, () => ({
        // JSON.parse of a string literal is faster to start than the equivalent object literal.
        contents: `const text = ${JSON.stringify(JSON.stringify(policy))};\nexport function bundledPolicy() { return JSON.parse(text); }\n`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Cold-start budget per function bundle (minified, SDK excluded), from the benchmark targets: 300 KB, in the
 * benchmark's unit (1 KB = 1,000 bytes), so that the build and `npm run bench` agree.
 */
export const BUNDLE_BUDGET = 300_000;

/** One built function: its bundle's size, raw and gzipped, and the zip Terraform deploys. */
export interface BuiltFunction {
  name: string;
  file: string;
  bytes: number;
  gzip: number;
  zip: string;
  zipBytes: number;
}

/** Where the zips go: `<outDir>/lambda/<name>.zip` (Terraform's `dist_dir`). */
export function zipDir(outDir: string): string {
  return join(outDir, 'lambda');
}

/**
 * Bundle every entry point.
 * @throws PolicyValidationError when the policy is invalid (nothing is built).
 */
export async function buildFunctions(
  options: BuildOptions,
): Promise<{ policy: CompiledPolicy; functions: BuiltFunction[] }> {
  const policy = compilePolicyForBundle(options.policyDir);
  const outRoot = join(options.outDir, 'functions');
  const zipRoot = zipDir(options.outDir);
  rmSync(outRoot, { recursive: true, force: true });
  rmSync(zipRoot, { recursive: true, force: true });
  mkdirSync(zipRoot, { recursive: true });
  const rows: BuiltFunction[] = [];
  for (const entry of entryPoints()) {
    const name = basename(entry, '.ts');
    const outfile = join(outRoot, name, 'index.mjs');
    mkdirSync(dirname(outfile), { recursive: true });
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      sourcemap: true,
      legalComments: 'none',
      external: options.bundleSdk ? [] : ['@aws-sdk/*', '@smithy/*'],
      // Some dependencies still call require(); give ESM bundles one.
      banner: {
        js: "import { createRequire as __cordonRequire } from 'node:module'; const require = __cordonRequire(import.meta.url);",
      },
      plugins: [bundledPolicyPlugin(policy)],
      logLevel: 'warning',
    });
    const code = readFileSync(outfile);
    // The zip holds the bundle directory: index.mjs and its source map.
    const zip = join(zipRoot, `${name}.zip`);
    const zipBytes = zipDirectory(dirname(outfile), zip).length;
    rows.push({ name, file: outfile, bytes: code.length, gzip: gzipSync(code).length, zip, zipBytes });
  }
  return { policy, functions: rows };
}

async function main(): Promise<void> {
  const { policy, functions: rows } = await buildFunctions(parseArgs(process.argv.slice(2)));
  process.stdout.write(
    `policy bundled: ${policy.files.join(', ')} (${policy.rules.length} rules)\n` +
      `${'function'.padEnd(12)} ${'bytes'.padStart(10)} ${'gzip'.padStart(10)} ${'zip'.padStart(10)}  output\n` +
      rows
        .map(
          (r) =>
            `${r.name.padEnd(12)} ${String(r.bytes).padStart(10)} ${String(r.gzip).padStart(10)} ${String(r.zipBytes).padStart(10)}  ${relative(root, r.zip)}` +
            (r.bytes > BUNDLE_BUDGET ? `  (over the ${BUNDLE_BUDGET / 1000} KB budget)` : ''),
        )
        .join('\n') +
      '\n',
  );
}

if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`build failed: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  });
}
