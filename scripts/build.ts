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
 * Code splitting: each action's steps are a dynamic import (functions/lib/actions/registry.ts), so esbuild writes
 * them to chunks (`chunks/*.mjs` next to `index.mjs`, in the same zip) that a function loads only when it runs the
 * action. The API, triage, approve and expire load manifests only; the worker loads the one action it runs.
 * The size that counts is therefore what a cold start loads ({@link coldStartSizes}): the entry with the chunks it
 * imports statically, plus, for a function that runs actions (its code includes the worker, the one caller of
 * `loadAction`), the largest set of chunks one action brings in. The other functions' zips hold the action chunks
 * too (the registry names them) but never load them. The build FAILS when that size is over
 * {@link BUNDLE_BUDGET} for any function, naming the function and its largest inputs.
 *
 * The AWS SDK v3 is bundled, minified and tree-shaken: cordon loads modular clients (`EC2Client` with the commands it
 * sends, functions/lib/aws/clients/) rather than the aggregated classes, so a bundle carries those commands only.
 * Loading the aggregated `@aws-sdk/client-ec2` from the runtime took ≈0.8 s on the benchmark machine; the bundled
 * EC2 client ≈0.08 s. Two things make the tree-shaking work: the packages' ES module builds (`mainFields`), and
 * {@link sdkSchemasPlugin}. The SDK stays in chunks of its own that sdk.ts imports on first use, so no init loads
 * it, and the cold-start budget counts cordon's code without the SDK's bytes ({@link sdkInput}).
 * `--external-sdk` leaves the SDK out (resolved from the runtime's copy, the aggregated packages, at run time).
 *
 * Usage: tsx scripts/build.ts [--external-sdk] [--policy DIR] [--out DIR]
 */
import { isMainModule } from './is-main.js';
import { build, type Metafile, type Plugin } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadPolicy } from '../functions/lib/policy/index.js';
import type { CompiledPolicy } from '../functions/lib/policy/model.js';
import { CordonError, errorMessage } from '../functions/lib/errors.js';
import { buildOpenApiDocument } from '../functions/lib/api/openapi-spec.js';
import { zipDirectory } from './zip.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BuildOptions {
  bundleSdk: boolean;
  policyDir: string;
  outDir: string;
}

function parseArgs(argv: string[]): BuildOptions {
  const options: BuildOptions = {
    bundleSdk: true,
    policyDir: join(root, 'policies'),
    outDir: join(root, 'dist'),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--bundle-sdk') options.bundleSdk = true;
    else if (arg === '--external-sdk') options.bundleSdk = false;
    else if (arg === '--policy') options.policyDir = resolve(argv[++i] ?? '');
    else if (arg === '--out') options.outDir = resolve(argv[++i] ?? '');
    else
      throw new Error(
        `unknown argument ${String(arg)}; usage: tsx scripts/build.ts [--external-sdk] [--policy DIR] [--out DIR]`,
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

/**
 * A JSON value as a module body that decodes it on load: Brotli-compressed, base64. Why: a cold start parses
 * every byte of JavaScript it loads, and these values (the compiled policy, the table of finding types, IAM
 * scope texts) are repetitive strings that compress four to six times; `brotliDecompressSync` of a few KB takes
 * well under a millisecond, less than parsing the literal.
 */
export function compressedJson(value: unknown): string {
  const packed = brotliCompressSync(Buffer.from(JSON.stringify(value))).toString('base64');
  return (
    "import { brotliDecompressSync } from 'node:zlib';\n" +
    `const data = JSON.parse(brotliDecompressSync(Buffer.from(${JSON.stringify(packed)}, 'base64')).toString('utf8'));\n`
  );
}

/** esbuild plugin: replace the bundled-policy module with the compiled policy (compressed, see compressedJson). */
export function bundledPolicyPlugin(policy: CompiledPolicy): Plugin {
  return {
    name: 'cordon-bundled-policy',
    setup(b) {
      b.onLoad({ filter: /functions[\\/]lib[\\/]pipeline[\\/]bundled-policy\.ts$/ }, () => ({
        contents: `${compressedJson(policy)}export function bundledPolicy() { return data; }\n`,
        loader: 'js',
      }));
    },
  };
}

/**
 * esbuild plugin: replace the OpenAPI module (functions/lib/api/openapi-document.ts) with the document generated
 * here from the schemas (compressed, see compressedJson), so the API carries neither zod-openapi nor the
 * generator; the route loads it with a dynamic import, outside the cold start.
 */
export function openApiPlugin(document: unknown): Plugin {
  return {
    name: 'cordon-openapi',
    setup(b) {
      b.onLoad({ filter: /functions[\\/]lib[\\/]api[\\/]openapi-document\.ts$/ }, () => ({
        contents: `${compressedJson(document)}export function openApiDocument() { return data; }\n`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Modules that are pure data (every export a JSON value, no code): shipped compressed like the policy. Their
 * exports are read at build time from the module itself, so the bundle holds exactly what the source says.
 */
const DATA_MODULES = [
  'functions/lib/findings/guardduty-types.generated.ts',
  'functions/lib/actions/iam-scopes.ts',
] as const;

/** esbuild plugin: load each of {@link DATA_MODULES} as its exports, compressed. */
export async function dataModulesPlugin(): Promise<Plugin> {
  const bodies = new Map<string, string>();
  for (const file of DATA_MODULES) {
    const exports: Record<string, unknown> = { ...(await import(pathToFileURL(resolve(file)).href)) };
    const names = Object.keys(exports).sort();
    for (const name of names) {
      if (typeof exports[name] === 'function' || JSON.stringify(exports[name]) === undefined) {
        throw new Error(`${file} exports ${name}, which is not JSON data: remove the file from DATA_MODULES`);
      }
    }
    bodies.set(
      resolve(file),
      compressedJson(exports) +
        names.map((n) => `export const ${n} = data[${JSON.stringify(n)}];\n`).join(''),
    );
  }
  return {
    name: 'cordon-data-modules',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const contents = bodies.get(resolve(args.path));
        return contents === undefined ? undefined : { contents, loader: 'js' };
      });
    },
  };
}

/**
 * esbuild plugin: make an SDK package's schema table tree-shakable. The generated `schemas/schemas_N.js` spell
 * member traits with computed keys (`{ [_xN]: _m }`, `_xN` a string constant of the same file); esbuild cannot prove
 * a computed key free of side effects, so it kept every schema of the service (≈550 KB for EC2, whatever the commands
 * used). The keys are replaced by the string literal the constant holds, which is the same object.
 */
export function sdkSchemasPlugin(): Plugin {
  return {
    name: 'cordon-sdk-schemas',
    setup(b) {
      b.onLoad(
        { filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ },
        (args) => {
          const text = readFileSync(args.path, 'utf8');
          const constants = new Map<string, string>();
          for (const m of text.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) {
            if (m[1] !== undefined && m[2] !== undefined) constants.set(m[1], m[2]);
          }
          const contents = text.replace(/\[(_\w+)\]:/g, (key: string, name: string) => {
            const value = constants.get(name);
            return value === undefined ? key : `${value}:`;
          });
          return { contents, loader: 'js' };
        },
      );
    },
  };
}

/** An input that belongs to the AWS SDK (or a package only it uses): not counted in the cold-start budget. */
export function sdkInput(input: string): boolean {
  return /node_modules\/(@aws-sdk|@smithy|@aws-crypto|@aws\/lambda-invoke-store|fast-xml-parser|strnum|tslib|bowser|uuid)\//.test(
    input,
  );
}

/**
 * Cold-start budget per function bundle (minified, SDK excluded), from the benchmark targets: 300 KB, in the
 * benchmark's unit (1 KB = 1,000 bytes), so that the build and `npm run bench` agree.
 */
export const BUNDLE_BUDGET = 300_000;

/** What a cold start of one function loads, from the build's metafile (bytes, minified). */
export interface ColdStartSizes {
  /** The entry `index.mjs` and every chunk it imports statically: loaded at init. */
  init: number;
  /** Those files, as the metafile names them (relative to the working directory). */
  initFiles: string[];
  /** The largest set of further chunks one dynamic import loads (e.g. the action the worker runs); 0 if none. */
  lazy: number;
  /** Whether the function runs actions, so that a cold start loads `lazy` too (see the module comment). */
  runsActions: boolean;
  /** Every output file of the function (what the zip holds, source maps aside). */
  total: number;
  /** The largest inputs (source files and packages) of the code counted in `init + lazy`, for the budget error. */
  largestInputs: { input: string; bytes: number }[];
  /**
   * Per SDK client module that functions/lib/aws/sdk.ts imports on first use (`client-ec2`, `lib-dynamodb`): the
   * files that import loads beyond the init, SDK included (`npm run bench` times loading them).
   */
  sdkChunks: Record<string, string[]>;
}

/** The module that loads and runs actions (`loadAction`): a function whose code includes it loads action chunks. */
export const ACTION_RUNNER = 'functions/lib/pipeline/worker.ts';

/**
 * Cold-start sizes of one function built with code splitting. Node modules other than JavaScript outputs (source
 * maps) are ignored; the AWS SDK's bytes are not counted (see {@link sdkInput}).
 */
export function coldStartSizes(metafile: Metafile, entryOutput: string, bannerBytes = 0): ColdStartSizes {
  const outputs = metafile.outputs;
  const js = Object.keys(outputs).filter((path) => path.endsWith('.mjs') || path.endsWith('.js'));
  const closure = (start: string, exclude: ReadonlySet<string>): Set<string> => {
    const seen = new Set<string>();
    const visit = (path: string): void => {
      if (seen.has(path) || exclude.has(path) || outputs[path] === undefined) return;
      seen.add(path);
      for (const imported of outputs[path]?.imports ?? []) {
        if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
      }
    };
    visit(start);
    return seen;
  };
  // cordon's code only: the SDK's inputs, and the require banner the SDK needs, are not counted (see sdkInput).
  const ownBytes = (path: string): number => {
    const output = outputs[path];
    if (output === undefined) return 0;
    const sdk = Object.entries(output.inputs)
      .filter(([input]) => sdkInput(input))
      .reduce((sum, [, { bytesInOutput }]) => sum + bytesInOutput, 0);
    return output.bytes - sdk - bannerBytes;
  };
  const bytesOf = (paths: Iterable<string>): number =>
    [...paths].reduce((sum, path) => sum + ownBytes(path), 0);
  const init = closure(entryOutput, new Set());
  const dynamicTargets = new Set(
    js.flatMap((path) =>
      (outputs[path]?.imports ?? [])
        .filter((i) => i.kind === 'dynamic-import' && !i.external)
        .map((i) => i.path),
    ),
  );
  let lazy = 0;
  let lazyFiles = new Set<string>();
  for (const target of dynamicTargets) {
    const files = closure(target, init);
    const bytes = bytesOf(files);
    if (bytes > lazy) {
      lazy = bytes;
      lazyFiles = files;
    }
  }
  // Metafile paths are relative to the working directory: match the module by its path from the repository root.
  const runsActions = [...init].some((path) =>
    Object.keys(outputs[path]?.inputs ?? {}).some(
      (input) => input === ACTION_RUNNER || input.endsWith(`/${ACTION_RUNNER}`),
    ),
  );
  const inputs = new Map<string, number>();
  for (const path of [...init, ...(runsActions ? lazyFiles : [])]) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[path]?.inputs ?? {})) {
      if (sdkInput(input)) continue;
      const key = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input;
      inputs.set(key, (inputs.get(key) ?? 0) + bytesInOutput);
    }
  }
  const sdkChunks: Record<string, string[]> = {};
  for (const target of dynamicTargets) {
    const entry = outputs[target]?.entryPoint ?? '';
    const name =
      /functions\/lib\/aws\/clients\/([\w-]+)\.ts$/.exec(entry)?.[1] ??
      /node_modules\/@aws-sdk\/([\w-]+)\//.exec(entry)?.[1];
    if (name !== undefined) sdkChunks[name] = [...closure(target, init)];
  }
  return {
    sdkChunks,
    init: bytesOf(init),
    initFiles: [...init],
    lazy,
    runsActions,
    total: bytesOf(js),
    largestInputs: [...inputs]
      .map(([input, bytes]) => ({ input, bytes }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 8),
  };
}

/** One built function: what its cold start loads, its entry, and the zip Terraform deploys. */
export interface BuiltFunction {
  name: string;
  /** The entry module, `index.mjs`. */
  file: string;
  sizes: ColdStartSizes;
  /** Gzipped size of the files loaded at init. */
  gzip: number;
  zip: string;
  zipBytes: number;
}

/** The cold-start size the budget applies to: init, plus the largest action's chunks for a function that runs actions. */
export function coldStartBytes(f: Pick<BuiltFunction, 'sizes'>): number {
  return f.sizes.init + (f.sizes.runsActions ? f.sizes.lazy : 0);
}

/** A function whose cold start loads more than {@link BUNDLE_BUDGET}: `npm run build` fails. */
export class BundleBudgetError extends CordonError {
  constructor(over: readonly BuiltFunction[]) {
    super(
      `over the ${BUNDLE_BUDGET / 1000} KB cold-start budget: ` +
        over
          .map(
            (f) =>
              `${f.name} loads ${coldStartBytes(f)} bytes (init ${f.sizes.init}` +
              (f.sizes.runsActions ? `, largest action ${f.sizes.lazy}` : '') +
              '); largest inputs: ' +
              f.sizes.largestInputs.map((i) => `${i.input} ${i.bytes}`).join(', '),
          )
          .join('; ') +
        '. Keep AWS SDK calls and action steps out of the modules that function imports statically (see scripts/build.ts).',
      { code: 'BUNDLE_OVER_BUDGET' },
    );
  }
}

/** Gives an ESM bundle the `require` that CommonJS code in it calls (only with --bundle-sdk: see buildFunctions). */
const REQUIRE_BANNER =
  "import { createRequire as __cordonRequire } from 'node:module'; const require = __cordonRequire(import.meta.url);";

/** A bundle would call require(), which an ES module does not have. */
export class BundleRequireError extends CordonError {
  constructor(files: readonly string[]) {
    super(
      `${files.join(', ')} call require(), which an ES module lacks: give the build a require banner (see REQUIRE_BANNER in scripts/build.ts) or use an ESM dependency`,
      { code: 'BUNDLE_CALLS_REQUIRE' },
    );
  }
}

/**
 * esbuild replaces a require() it cannot bundle with a shim that throws "Dynamic require of … is not supported"
 * when called: refuse such a bundle at build time rather than at run time.
 * @throws BundleRequireError naming the output files that carry the shim.
 */
function assertNoRequire(metafile: Metafile): void {
  const files = Object.keys(metafile.outputs).filter(
    (path) => path.endsWith('.mjs') && readFileSync(resolve(path), 'utf8').includes('Dynamic require of'),
  );
  if (files.length > 0) throw new BundleRequireError(files);
}

/**
 * Where the build writes each function's cold-start sizes (`npm run bench` reports them): `<outDir>/bundle-sizes.json`,
 * outside the bundle directories so that it is in no zip.
 */
export function sizesFile(outDir: string): string {
  return join(outDir, 'bundle-sizes.json');
}

/** One row of {@link sizesFile}. */
export interface BundleSizesRow {
  name: string;
  /** What the budget applies to ({@link coldStartBytes}). */
  coldStart: number;
  init: number;
  /** The largest action's chunks, when the function runs actions. */
  action: number;
  /** Gzipped size of the files loaded at init. */
  gzip: number;
  /** SDK chunks per client module, relative to the function's directory (see ColdStartSizes.sdkChunks). */
  sdkChunks: Record<string, string[]>;
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
  const dataPlugin = await dataModulesPlugin();
  const openApi = openApiPlugin(buildOpenApiDocument());
  for (const entry of entryPoints()) {
    const name = basename(entry, '.ts');
    const outdir = join(outRoot, name);
    const outfile = join(outdir, 'index.mjs');
    mkdirSync(outdir, { recursive: true });
    const result = await build({
      entryPoints: [entry],
      outdir,
      entryNames: 'index',
      // Content-hashed names: an unchanged build gives the same files, hence the same zip (Terraform hash).
      chunkNames: 'chunks/[name]-[hash]',
      outExtension: { '.js': '.mjs' },
      splitting: true,
      metafile: true,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      sourcemap: true,
      legalComments: 'none',
      external: options.bundleSdk ? [] : ['@aws-sdk/*', '@smithy/*'],
      // The SDK packages' ES module builds, which esbuild can tree-shake (the CommonJS ones come whole).
      mainFields: ['module', 'main'],
      // Parts of the AWS SDK still call require(): give ESM bundles that carry it (each chunk is a module) one.
      // cordon's own dependencies do not; the check below fails the build if one starts to.
      ...(options.bundleSdk ? { banner: { js: REQUIRE_BANNER } } : {}),
      plugins: [bundledPolicyPlugin(policy), dataPlugin, openApi, sdkSchemasPlugin()],
      logLevel: 'warning',
    });
    if (!options.bundleSdk) assertNoRequire(result.metafile);
    const sizes = coldStartSizes(
      result.metafile,
      relative(process.cwd(), outfile).split(sep).join('/'),
      // esbuild writes the banner and a line break before each file's code.
      options.bundleSdk ? Buffer.byteLength(REQUIRE_BANNER) + 1 : 0,
    );
    // The zip holds the bundle directory: index.mjs, its chunks and their source maps.
    const zip = join(zipRoot, `${name}.zip`);
    const zipBytes = zipDirectory(outdir, zip).length;
    const gzip = sizes.initFiles.reduce((sum, path) => sum + gzipSync(readFileSync(resolve(path))).length, 0);
    rows.push({ name, file: outfile, sizes, gzip, zip, zipBytes });
  }
  const sizes: BundleSizesRow[] = rows.map((r) => ({
    name: r.name,
    coldStart: coldStartBytes(r),
    init: r.sizes.init,
    action: r.sizes.runsActions ? r.sizes.lazy : 0,
    gzip: r.gzip,
    sdkChunks: Object.fromEntries(
      Object.entries(r.sizes.sdkChunks).map(([name, files]) => [
        name,
        files.map((f) => relative(dirname(r.file), resolve(f)).split(sep).join('/')),
      ]),
    ),
  }));
  writeFileSync(sizesFile(options.outDir), `${JSON.stringify(sizes, null, 2)}\n`);
  return { policy, functions: rows };
}

/** The size table `npm run build` prints; rows over the budget are marked. */
export function formatSizes(rows: readonly BuiltFunction[]): string {
  const head = `${'function'.padEnd(12)} ${'init'.padStart(9)} ${'+action'.padStart(9)} ${'cold start'.padStart(10)} ${'all code'.padStart(9)} ${'zip'.padStart(9)}  output`;
  const lines = rows.map(
    (r) =>
      `${r.name.padEnd(12)} ${String(r.sizes.init).padStart(9)} ${(r.sizes.runsActions ? String(r.sizes.lazy) : '-').padStart(9)} ${String(coldStartBytes(r)).padStart(10)} ${String(r.sizes.total).padStart(9)} ${String(r.zipBytes).padStart(9)}  ${relative(root, r.zip)}` +
      (coldStartBytes(r) > BUNDLE_BUDGET ? `  (over the ${BUNDLE_BUDGET / 1000} KB budget)` : ''),
  );
  return [
    head,
    ...lines,
    `bytes, minified, AWS SDK excluded (bundled in chunks loaded on first use). init: the entry and the chunks it imports statically; +action: the largest action's chunks, loaded by the functions that run actions; cold start: init + action, budget ${BUNDLE_BUDGET / 1000} KB`,
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const { policy, functions: rows } = await buildFunctions(options);
  process.stdout.write(
    `policy bundled: ${policy.files.join(', ')} (${policy.rules.length} rules)\n${formatSizes(rows)}\n`,
  );
  // The budget is for the code cordon ships: the sizes exclude the SDK's bytes (coldStartSizes).
  const over = rows.filter((r) => coldStartBytes(r) > BUNDLE_BUDGET);
  if (over.length > 0) throw new BundleBudgetError(over);
}

if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`build failed: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  });
}
