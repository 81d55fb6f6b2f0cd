/**
 * The prebuilt CLI bundle (scripts/build-cli.ts, run by `npm ci`'s prepare script): it behaves like the sources,
 * keeps the AWS SDK and the pipeline out of the commands that do not need them, and bin/cordon.mjs runs it only
 * while no source file it was built from changed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type CliBundleManifest } from '../../scripts/build-cli.js';
// @ts-expect-error -- plain JavaScript module of the bin, without type declarations
import { freshBundle } from '../../bin/fresh-bundle.mjs';

function dirUrl(dir: string): URL {
  return pathToFileURL(`${dir}/`);
}

describe('CLI bundle', () => {
  let out = '';
  let manifest: CliBundleManifest;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'cordon-cli-'));
    manifest = await buildCli(out);
  });

  it('answers like the sources: --version and policy validate of the default policy', () => {
    // Act
    const run = (...args: string[]) =>
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const cli = await import(${JSON.stringify(pathToFileURL(join(out, manifest.entry)).href)});` +
            `process.exitCode = await cli.main(['node', 'cordon', ...${JSON.stringify(args)}]);`,
        ],
        { encoding: 'utf8' },
      );

    // Assess
    expect(run('--version').trim()).toBe('0.1.0');
    expect(run('policy', 'validate', 'policies/')).toMatch(/^OK: 2 files, \d+ rules/);
  });

  it('loads no AWS SDK package while starting: the chunks index.js imports statically never import one', () => {
    // Prepare: the chunks a start loads, following static imports from the entry
    const read = (file: string) => readFileSync(join(out, file), 'utf8');
    const staticImports = (code: string) =>
      [...code.matchAll(/(?:from|import)\s*["']([^"']+)["']/g)].flatMap((m) => (m[1] ? [m[1]] : []));
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const target of staticImports(read(file))) if (target.startsWith('./')) visit(target.slice(2));
    };
    visit(manifest.entry);

    // Assess: the SDK is only reached through dynamic import() (replay, evidence, the member-client loaders)
    const withSdk = [...loaded].filter((f) => staticImports(read(f)).some((t) => t.startsWith('@aws-sdk/')));
    expect(withSdk).toEqual([]);
    const chunks = readdirSync(out).filter((f) => f.endsWith('.js'));
    expect(chunks.some((f) => f.startsWith('replay-'))).toBe(true);
    expect(loaded.has([...chunks].find((f) => f.startsWith('replay-')) ?? '')).toBe(false);
    expect(manifest.inputs).toContain('cli/index.ts');
    expect(manifest.inputs).toContain('harness/pipeline.ts');
    expect(manifest.inputs.some((f) => f.includes('node_modules'))).toBe(false);
  });

  describe('freshness (bin/fresh-bundle.mjs)', () => {
    function fakeBuild(builtAtMs: number): { dist: string; root: string; source: string } {
      const root = mkdtempSync(join(tmpdir(), 'cordon-fresh-'));
      const dist = join(root, 'dist');
      mkdirSync(dist);
      const source = join(root, 'a.ts');
      writeFileSync(source, 'export {};\n');
      const seconds = (builtAtMs - 60_000) / 1000;
      utimesSync(source, seconds, seconds);
      writeFileSync(
        join(dist, 'manifest.json'),
        JSON.stringify({ entry: 'index.js', builtAtMs, inputs: ['a.ts'] }),
      );
      return { dist, root, source };
    }

    it('runs the bundle while every source is older than the build', () => {
      // Prepare
      const { dist, root } = fakeBuild(Date.now());

      // Act + Assess
      expect(String(freshBundle(dirUrl(dist), dirUrl(root)))).toBe(
        String(pathToFileURL(join(dist, 'index.js'))),
      );
    });

    it('runs the sources when one was saved after the build, was removed, or nothing was built', () => {
      // Prepare
      const edited = fakeBuild(Date.now());
      const now = Date.now() / 1000 + 5;
      utimesSync(edited.source, now, now);
      const removed = fakeBuild(Date.now());
      execFileSync('rm', [removed.source]);
      const never = mkdtempSync(join(tmpdir(), 'cordon-fresh-'));

      // Act + Assess
      expect(freshBundle(dirUrl(edited.dist), dirUrl(edited.root))).toBeNull();
      expect(freshBundle(dirUrl(removed.dist), dirUrl(removed.root))).toBeNull();
      expect(freshBundle(dirUrl(join(never, 'dist')), dirUrl(never))).toBeNull();
    });
  });
});
