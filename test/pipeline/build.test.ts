import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import {
  BUNDLE_BUDGET,
  buildFunctions,
  compressedJson,
  coldStartBytes,
  entryPoints,
} from '../../scripts/build.js';

describe('Build: Lambda bundles', () => {
  it('bundles every entry point with the policy compiled in, and the bundles run without the policy files', async () => {
    // Prepare: output inside the repository (the SDK is bundled; only an unlisted command would resolve it)
    const outDir = resolve('test-output', `build-${process.pid}`);
    const elsewhere = mkdtempSync(join(tmpdir(), 'cordon-lambda-'));

    // Act
    const { policy, functions } = await buildFunctions({
      bundleSdk: true,
      policyDir: resolve('policies'),
      outDir,
    });
    const bundle = (name: string) => pathToFileURL(functions.find((f) => f.name === name)?.file ?? '').href;
    /** Every JavaScript file of a function's bundle directory: the entry and its chunks. */
    const files = (name: string): string[] => {
      const dir = dirname(functions.find((f) => f.name === name)?.file ?? '');
      return readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.mjs'))
        .map((f) => join(dir, f));
    };
    const codeOf = (name: string): string =>
      files(name)
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
    // The worker's action chunks load from the bundle directory alone, as the worker loads them on first use.
    const actionChunks = files('isolate').filter((f) => /chunks\/definition-/.test(f));
    // Each pipeline bundle initialises and handles bad input offline (expire is only imported: it would query AWS).
    const script = `
      const results = {};
      results.triage = await (await import(${JSON.stringify(bundle('triage'))})).handler({ 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2' });
      results.approve = await (await import(${JSON.stringify(bundle('approve'))})).handler({ 'detail-type': 'Security Hub Findings - Custom Action', source: 'aws.securityhub' });
      results.isolate = await (await import(${JSON.stringify(bundle('isolate'))})).handler({ kind: 'apply', id: '../../etc' });
      results.expire = typeof (await import(${JSON.stringify(bundle('expire'))})).handler;
      results.actionChunks = 0;
      for (const chunk of ${JSON.stringify(actionChunks.map((f) => pathToFileURL(f).href))}) {
        if (Object.keys(await import(chunk)).length > 0) results.actionChunks++;
      }
      process.stderr.write('RESULT ' + JSON.stringify(results) + '\\n');`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: elsewhere,
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH'] ?? '',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        CORDON_SECURITY_ACCOUNT_ID: '999988887777',
        CORDON_TABLE_NAME: 'cordon-isolations',
        CORDON_TOPIC_ARN: 'arn:aws:sns:eu-west-1:999988887777:cordon-notifications',
        CORDON_WORKER_FUNCTION: 'cordon-isolate',
      },
    });

    // The console function runs with nothing but its own variable: no AWS credentials, no pipeline settings.
    const consoleRun = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { handler } = await import(${JSON.stringify(bundle('console'))});
        const get = (path) => handler({ rawPath: path, requestContext: { http: { method: 'GET' }, requestId: 'r' } });
        const [index, missing] = await Promise.all([get('/'), get('/isolations')]);
        process.stderr.write('RESULT ' + JSON.stringify({ index: [index.statusCode, index.headers['content-security-policy']], missing: missing.statusCode }) + '\\n');`,
      ],
      {
        cwd: elsewhere,
        encoding: 'utf8',
        env: {
          PATH: process.env['PATH'] ?? '',
          CORDON_CONSOLE_TOKEN_URL: 'https://idp.example.com/oauth2/token',
        },
      },
    );
    /** The files a bundle was built from (entry and chunks), as their source maps list them. */
    const sources = (name: string) =>
      files(name).flatMap(
        (f) => (JSON.parse(readFileSync(`${f}.map`, 'utf8')) as { sources: string[] }).sources,
      );

    // Assess
    expect(functions.map((f) => f.name).sort()).toEqual(
      entryPoints()
        .map((e) => e.replace(/.*\/(\w+)\.ts$/, '$1'))
        .sort(),
    );
    for (const f of functions) {
      expect(existsSync(f.file)).toBe(true);
      expect(existsSync(`${f.file}.map`)).toBe(true);
      expect(f.file).toMatch(/functions\/\w+\/index\.mjs$/);
    }
    const code = readFileSync(functions.find((f) => f.name === 'triage')?.file ?? '', 'utf8');
    // The compiled policy ships compressed (scripts/build.ts compressedJson): the bundle holds exactly its bytes.
    const packed =
      /Buffer\.from\("([A-Za-z0-9+/=]+)", ?.base64.\)/.exec(compressedJson(policy))?.[1] ?? 'none';
    expect(code).toContain(packed);
    expect(JSON.parse(brotliDecompressSync(Buffer.from(packed, 'base64')).toString('utf8'))).toEqual(
      JSON.parse(JSON.stringify(policy)),
    );
    expect(code).not.toMatch(/from ?"yaml"/);
    // The SDK is bundled (no import of a package left), and no bundle loads it at init: each client is a dynamic
    // import(), loaded on first use.
    for (const f of functions) {
      for (const file of files(f.name)) {
        expect(readFileSync(file, 'utf8'), file).not.toMatch(/(?:from ?|import\()"@(?:aws-sdk|smithy)\//);
      }
      const initSources = f.sizes.initFiles.flatMap(
        (file) => (JSON.parse(readFileSync(`${resolve(file)}.map`, 'utf8')) as { sources: string[] }).sources,
      );
      expect(
        initSources.filter((s) => /@aws-sdk|@smithy/.test(s)),
        f.name,
      ).toEqual([]);
    }
    // Modular clients, tree-shaken: the worker's EC2 chunks carry the commands cordon sends, not the others.
    const isolateEc2 = (functions.find((f) => f.name === 'isolate')?.sizes.sdkChunks['client-ec2'] ?? [])
      .map((file) => readFileSync(resolve(file), 'utf8'))
      .join('\n');
    expect(isolateEc2).toContain('ModifyNetworkInterfaceAttribute');
    expect(isolateEc2).not.toContain('RunInstances');
    // Every cold start fits the budget; only the worker runs actions, and it loads their steps lazily.
    for (const f of functions) expect(coldStartBytes(f), f.name).toBeLessThanOrEqual(BUNDLE_BUDGET);
    expect(functions.filter((f) => f.sizes.runsActions).map((f) => f.name)).toEqual(['isolate']);
    expect(actionChunks.length).toBeGreaterThan(0);
    for (const f of functions) {
      const initSources = f.sizes.initFiles.flatMap(
        (file) => (JSON.parse(readFileSync(`${resolve(file)}.map`, 'utf8')) as { sources: string[] }).sources,
      );
      expect(
        initSources.filter((s) => /actions\/[^/]+\/(?!manifest\.ts)[^/]+\.ts$/.test(s)),
        f.name,
      ).toEqual([]);
    }
    const isolateCode = codeOf('isolate');
    // Only the worker emits metrics (the FAILED alarm reads IsolationsFailed); the others carry no EMF code.
    expect(isolateCode).toContain('IsolationsFailed');
    expect(codeOf('api')).not.toContain('IsolationsFailed');
    expect(run.status, run.stderr).toBe(0);
    const results = JSON.parse(/RESULT (.*)/.exec(run.stderr)?.[1] ?? '{}') as Record<string, unknown>;
    expect(results).toEqual({
      triage: { dropped: expect.stringMatching(/detail-type/), findings: [] },
      approve: { refused: expect.stringMatching(/malformed/), findings: [] },
      isolate: { dropped: expect.stringMatching(/malformed worker job/) },
      expire: 'function',
      actionChunks: actionChunks.length,
    });
    expect(consoleRun.status, consoleRun.stderr).toBe(0);
    expect(JSON.parse(/RESULT (.*)/.exec(consoleRun.stderr)?.[1] ?? '{}')).toEqual({
      index: [200, expect.stringContaining("connect-src 'self' https://idp.example.com;")],
      missing: 404,
    });
    // Only the console function carries the console; it loads no AWS SDK, JWT verifier or pipeline code.
    expect(sources('console')).toContainEqual(
      expect.stringMatching(/functions\/lib\/console\/assets\.generated\.ts$/),
    );
    expect(sources('api')).not.toContainEqual(expect.stringMatching(/assets\.generated\.ts$/));
    expect(
      sources('console').filter((f) => /@aws-sdk|aws-jwt-verify|lib\/(actions|pipeline|store|aws)\//.test(f)),
    ).toEqual([]);
    rmSync(outDir, { recursive: true, force: true });
  });
});
