/**
 * `npm run build:cli` (also the `prepare` script, so `npm ci` runs it): bundle the `cordon` CLI into dist/cli/,
 * for start-up time. Running the TypeScript through tsx costs about a second per call, most of it compiling.
 *
 * The bundle is ESM with code splitting: `cordon replay` is a separate chunk imported when it runs, so the other
 * commands never load the pipeline or the AWS SDK. zod, yaml and commander are bundled (one file to read instead
 * of hundreds of modules to resolve); the AWS SDK stays external, loaded from node_modules by replay only.
 *
 * dist/cli/manifest.json lists the source files the bundle was built from; bin/cordon.mjs runs the bundle only
 * while none of them is newer than the build, and the sources through tsx otherwise.
 *
 * Usage: tsx scripts/build-cli.ts [--out DIR]
 */
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainModule } from './is-main.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What bin/fresh-bundle.mjs reads. */
export interface CliBundleManifest {
  entry: string;
  /** When the build started: a source saved during the build counts as newer. */
  builtAtMs: number;
  /** Source files the bundle was built from, relative to the repository root (node_modules excluded). */
  inputs: string[];
}

/** Build the CLI bundle into `outDir` (replaced) and return its manifest. */
export async function buildCli(outDir = join(root, 'dist', 'cli')): Promise<CliBundleManifest> {
  const builtAtMs = Date.now();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { index: 'cli/index.ts' },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: 'linked',
    external: ['@aws-sdk/*', '@smithy/*', 'tsx', 'esbuild'],
    // Bundled CommonJS packages (yaml's dependencies, commander) call require().
    banner: {
      js: "import { createRequire as __cordonRequire } from 'node:module'; const require = __cordonRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.includes('node_modules/'))
    .map((input) => relative(root, resolve(root, input)))
    .sort();
  const manifest: CliBundleManifest = { entry: 'index.js', builtAtMs, inputs };
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (isMainModule(import.meta.url)) {
  const out = process.argv[2] === '--out' && process.argv[3] ? resolve(process.argv[3]) : undefined;
  const manifest = await buildCli(out);
  console.log(`cli: bundled ${manifest.inputs.length} source files into ${out ?? 'dist/cli'}`);
}
