/**
 * The exit status contract of every `cordon` command (cli/kit.ts, docs/cli.md): 0 ok, 1 a negative result
 * (invalid policy, no match, stale rules), 2 bad input or usage. Each command is run as a real process.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cordon(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/cordon.mjs', ...args],
      { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A scratch directory holding an invalid policy, a non-JSON file and a pattern no sample matches. */
function scratch(): { dir: string; badPolicy: string; notJson: string; pattern: string; missing: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-exit-'));
  const badPolicy = join(dir, 'bad-policy');
  const notJson = join(dir, 'not-json.json');
  const pattern = join(dir, 'pattern.json');
  mkdirSync(badPolicy);
  writeFileSync(join(badPolicy, 'bad.yaml'), 'version: 1\nrules:\n  - name: x\n    mode: sometimes\n');
  writeFileSync(notJson, '{ "detail-type": ');
  writeFileSync(pattern, JSON.stringify({ source: ['aws.nothing'] }));
  return { dir, badPolicy, notJson, pattern, missing: join(dir, 'missing') };
}

const EVENT = 'test/events/guardduty-ec2-ssh-bruteforce.envelope-assembled.json';

/** Stack traces never reach the user, whatever the exit code. */
function noStackTrace(run: Run): void {
  expect(run.stderr).not.toMatch(/\bat .*\.(ts|js|mjs):\d+/);
}

describe('CLI exit status: 1 is a negative result, 2 is bad input or usage', () => {
  it('policy validate: 1 for an invalid policy, 2 for a missing path or an unknown option', async () => {
    // Prepare
    const s = scratch();

    // Act
    const [invalid, missing, usage] = await Promise.all([
      cordon('policy', 'validate', s.badPolicy),
      cordon('policy', 'validate', s.missing),
      cordon('policy', 'validate', '--bogus'),
    ]);

    // Assess
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/bad\.yaml:\d+:\d+: /);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`cordon: policy path ${s.missing} does not exist\n`);
    expect(usage.code).toBe(2);
    for (const run of [invalid, missing, usage]) noStackTrace(run);
  });

  it('policy test: 1 for an invalid policy, 2 for a non-JSON event or a missing policy path', async () => {
    // Prepare
    const s = scratch();

    // Act
    const [invalid, notJson, missing] = await Promise.all([
      cordon('policy', 'test', '--policy', s.badPolicy, EVENT),
      cordon('policy', 'test', s.notJson),
      cordon('policy', 'test', '--policy', s.missing, EVENT),
    ]);

    // Assess
    expect(invalid.code).toBe(1);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/not-json\.json: event file is not valid JSON: /);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    for (const run of [invalid, notJson, missing]) noStackTrace(run);
  });

  it('rules build and check: 1 for an invalid policy, 2 for a missing policy path', async () => {
    // Prepare
    const s = scratch();
    const out = join(s.dir, 'rules');

    // Act
    const [buildInvalid, buildMissing, checkInvalid, checkMissing] = await Promise.all([
      cordon('rules', 'build', '--policy', s.badPolicy, '--out', out),
      cordon('rules', 'build', '--policy', s.missing, '--out', out),
      cordon('rules', 'check', '--policy', s.badPolicy, '--out', out),
      cordon('rules', 'check', '--policy', s.missing, '--out', out),
    ]);

    // Assess
    expect([buildInvalid.code, buildMissing.code, checkInvalid.code, checkMissing.code]).toEqual([
      1, 2, 1, 2,
    ]);
    expect(buildInvalid.stderr).toMatch(/bad\.yaml:\d+:\d+: /);
    expect(checkMissing.stderr).toBe(`cordon: policy path ${s.missing} does not exist\n`);
    for (const run of [buildInvalid, buildMissing, checkInvalid, checkMissing]) noStackTrace(run);
  });

  it('rules match: 1 for no_match, 2 for a missing file or a missing argument', async () => {
    // Prepare
    const s = scratch();

    // Act
    const [noMatch, missing, usage] = await Promise.all([
      cordon('rules', 'match', s.pattern, EVENT),
      cordon('rules', 'match', s.missing, EVENT),
      cordon('rules', 'match', s.pattern),
    ]);

    // Assess
    expect(noMatch).toMatchObject({ code: 1, stdout: 'no_match\n' });
    expect(missing.code).toBe(2);
    expect(usage.code).toBe(2);
  });

  it('actions list: 2 for an unknown option (it has no negative result)', async () => {
    // Act
    const run = await cordon('actions', 'list', '--bogus');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--bogus'");
  });

  it('replay: 1 for an invalid policy, 2 for a missing policy path or --topic-arn missing against AWS', async () => {
    // Prepare: nothing here reaches AWS (each case stops before building the pipeline)
    const s = scratch();

    // Act
    const [invalid, missing, noTopic] = await Promise.all([
      cordon('replay', '--policy', s.badPolicy, EVENT),
      cordon('replay', '--policy', s.missing, EVENT),
      cordon('replay', EVENT),
    ]);

    // Assess
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^cordon: .*bad\.yaml:\d+:\d+: /);
    expect(missing.code).toBe(2);
    expect(noTopic.code).toBe(2);
    expect(noTopic.stderr).toBe(
      'cordon: --topic-arn is required against AWS (the deployed notifications topic)\n',
    );
    for (const run of [invalid, missing, noTopic]) noStackTrace(run);
  });

  it('an unknown command is bad usage (2)', async () => {
    // Act
    const run = await cordon('frobnicate');

    // Assess
    expect(run.code).toBe(2);
  });

  it("documents the exit status in every command's --help", async () => {
    // Act
    const commands = [
      ['policy', 'validate'],
      ['policy', 'test'],
      ['rules', 'build'],
      ['rules', 'check'],
      ['rules', 'match'],
      ['actions', 'list'],
      ['replay'],
      ['evidence', 'verify'],
      ['evidence', 'get'],
    ];
    const [top, ...runs] = await Promise.all([
      cordon('--help'),
      ...commands.map((c) => cordon(...c, '--help')),
    ]);

    // Assess
    expect(top?.stdout).toContain('Exit status (every command): 0 ok; 1 a negative result');
    for (const [i, run] of runs.entries()) {
      expect(run.code, commands[i]?.join(' ')).toBe(0);
      expect(run.stdout, commands[i]?.join(' ')).toMatch(
        /Exit status:\n {2}0 {2}.+\n {2}1 {2}.+\n {2}2 {2}.+/,
      );
    }
  });
});
