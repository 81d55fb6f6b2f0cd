import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EVENTS = join(ROOT, 'test', 'events');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real `cordon` bin as a process (asynchronously, so independent runs can overlap). */
function cordon(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'cordon.mjs'), ...args],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        resolve({ status: code, stdout, stderr });
      },
    );
  });
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'cordon-cli-'));
}

function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

const sshEvent = join(EVENTS, 'guardduty-ec2-ssh-bruteforce.envelope-assembled.json');

describe('CLI: cordon rules match', () => {
  it('prints match and exits 0', async () => {
    // Prepare
    const dir = tempDir();
    const pattern = writeJson(dir, 'p.json', {
      source: ['aws.guardduty'],
      detail: { severity: [{ numeric: ['<', 4] }] },
    });

    // Act
    const run = await cordon('rules', 'match', pattern, sshEvent);

    // Assess
    expect(run).toMatchObject({ status: 0, stdout: 'match\n', stderr: '' });
  });

  it('prints no_match and exits 1', async () => {
    // Prepare
    const dir = tempDir();
    const pattern = writeJson(dir, 'p.json', { source: ['aws.securityhub'] });

    // Act
    const run = await cordon('rules', 'match', pattern, sshEvent);

    // Assess
    expect(run).toMatchObject({ status: 1, stdout: 'no_match\n' });
    expect(run.stderr).toBe(
      '  source: the event has "aws.guardduty"; the pattern wants ["aws.securityhub"]\n',
    );
  });

  it('prints invalid_pattern with the reason and exits 2', async () => {
    // Prepare
    const dir = tempDir();
    const pattern = writeJson(dir, 'p.json', { source: 'aws.guardduty' });

    // Act
    const run = await cordon('rules', 'match', pattern, sshEvent);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/^invalid_pattern: .*"source" must be an object or an array.*\n$/);
  });

  it('tests a generated rule file as deployed in the event account, placeholders included', async () => {
    // Prepare
    const dir = tempDir();
    const event = JSON.parse(
      readFileSync(join(EVENTS, 'securityhub-custom-action-guardduty-iam-accesskey.custodian.json'), 'utf8'),
    ) as Record<string, unknown>;
    event['resources'] = ['arn:aws:securityhub:us-east-1:644160558196:action/custom/CordonApprove'];
    const approve = writeJson(dir, 'approve.json', event);

    // Act
    const [ours, theirs] = await Promise.all([
      cordon('rules', 'match', join(ROOT, 'rules', 'approve-custom-action.json'), approve),
      cordon(
        'rules',
        'match',
        join(ROOT, 'rules', 'approve-custom-action.json'),
        join(EVENTS, 'securityhub-custom-action-guardduty-iam-accesskey.custodian.json'),
      ),
    ]);

    // Assess
    expect(ours).toMatchObject({ status: 0, stdout: 'match\n' });
    expect(theirs).toMatchObject({ status: 1, stdout: 'no_match\n' });
  });

  it('names an unreadable or non-JSON file on one line, exit 2, without a stack trace', async () => {
    // Prepare
    const dir = tempDir();
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{ "source": [');
    const missing = join(dir, 'missing.json');

    // Act
    const runs = await Promise.all([
      cordon('rules', 'match', missing, sshEvent),
      cordon('rules', 'match', sshEvent, notJson),
    ]);

    // Assess
    expect(runs[0]?.status).toBe(2);
    expect(runs[0]?.stderr).toBe(`cordon: ${missing}: cannot read pattern file: no such file\n`);
    expect(runs[1]?.status).toBe(2);
    expect(runs[1]?.stderr).toMatch(
      new RegExp(`^cordon: ${notJson}: event file is not valid JSON: [^\\n]+\\n$`),
    );
    for (const run of runs) {
      expect(run.stdout).toBe('');
      expect(run.stderr).not.toMatch(/\bat .*\.(ts|js|mjs):\d+/);
    }
  });

  it('runs --cases and prints a JSON array of {name, result}', async () => {
    // Prepare
    const dir = tempDir();
    const cases = writeJson(dir, 'cases.json', [
      { name: 'prefix', pattern: { a: [{ prefix: 'us-' }] }, event: { a: 'us-east-1' } },
      { name: 'numeric', pattern: { n: [{ numeric: ['>', 10] }] }, event: { n: 5 } },
      { name: 'bad', pattern: { a: 'not-a-list' }, event: { a: 'x' } },
      { name: 'null-vs-empty', pattern: { a: [null] }, event: { a: '' } },
    ]);

    // Act
    const run = await cordon('rules', 'match', '--cases', cases);

    // Assess
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      { name: 'prefix', result: 'match' },
      { name: 'numeric', result: 'no_match' },
      { name: 'bad', result: 'invalid_pattern' },
      { name: 'null-vs-empty', result: 'no_match' },
    ]);
  });

  it('refuses a cases file of the wrong shape with one line, exit 2', async () => {
    // Prepare
    const dir = tempDir();
    const cases = writeJson(dir, 'cases.json', { name: 'x' });

    // Act
    const run = await cordon('rules', 'match', '--cases', cases);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`cordon: cases file ${cases} must be a JSON array of {name, pattern, event}\n`);
  });
});

describe('CLI: cordon rules build and check', () => {
  it('reports a fresh rules directory as up to date and a stale one by name, exit 1', async () => {
    // Prepare
    const out = join(tempDir(), 'rules');
    const build = await cordon('rules', 'build', '--out', out);
    const fresh = await cordon('rules', 'check', '--out', out);
    writeFileSync(join(out, 'triage-guardduty.json'), '{"source": ["aws.guardduty"]}\n');
    writeFileSync(join(out, 'triage-extra.json'), '{}\n');

    // Act
    const stale = await cordon('rules', 'check', '--out', out);

    // Assess
    expect(build.status).toBe(0);
    expect(build.stdout).toContain(`wrote ${join(out, 'triage-guardduty.json')}`);
    expect(readdirSync(out).sort()).toEqual([
      'approve-custom-action.json',
      'triage-extra.json',
      'triage-guardduty.json',
      'triage-securityhub-imported.json',
    ]);
    expect(fresh).toMatchObject({ status: 0, stdout: `${out}/ is up to date (3 rule files)\n` });
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(`${join(out, 'triage-guardduty.json')}: differs`);
    expect(stale.stderr).toContain(`${join(out, 'triage-extra.json')}: not generated by the policy`);
    expect(stale.stderr).toContain('run `npx cordon rules build`');
    // The differing file is shown as a unified diff from what is committed to what the policy generates.
    expect(stale.stderr).toContain(`+++ ${join(out, 'triage-guardduty.json')} (generated)`);
    expect(stale.stderr).toMatch(/^-\{"source": \["aws\.guardduty"\]\}$/m);
    expect(stale.stderr).toMatch(/^\+ {2}"source": \[$/m);
  });

  it('builds from another policy directory and checks against it', async () => {
    // Prepare
    const dir = tempDir();
    const policies = join(dir, 'policies');
    mkdirSync(policies);
    writeFileSync(
      join(policies, 'only.yaml'),
      [
        'version: 1',
        'settings:',
        '  customActions: { approve: Yes1, reject: No1 }',
        'rules:',
        '  - name: crypto',
        '    match: { source: guardduty, type: "CryptoCurrency:EC2/*", severity: { min: 7 } }',
        '    mode: notify',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'rules');
    cpSync(join(ROOT, 'rules'), out, { recursive: true });

    // Act
    const against = await cordon('rules', 'check', '--policy', policies, '--out', out);
    const build = await cordon('rules', 'build', '--policy', policies, '--out', out);
    const after = await cordon('rules', 'check', '--policy', policies, '--out', out);

    // Assess
    expect(against.status).toBe(1);
    expect(build.status).toBe(0);
    expect(after.status).toBe(0);
    const approve = JSON.parse(readFileSync(join(out, 'approve-custom-action.json'), 'utf8')) as {
      resources: string[];
    };
    expect(approve.resources).toEqual([
      'arn:${partition}:securityhub:${region}:${account_id}:action/custom/Yes1',
      'arn:${partition}:securityhub:${region}:${account_id}:action/custom/No1',
    ]);
    const gd = JSON.parse(readFileSync(join(out, 'triage-guardduty.json'), 'utf8')) as { detail: unknown };
    expect(gd.detail).toEqual({
      type: [{ prefix: 'CryptoCurrency:EC2/' }],
      severity: [{ numeric: ['>=', 7] }],
      service: { additionalInfo: { sample: [{ exists: false }] } },
    });
  });

  it('reports an invalid policy with file:line:col and exit 1 (a negative result, not bad input)', async () => {
    // Prepare
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\nrules:\n  - name: x\n    mode: sometimes\n');

    // Act
    const run = await cordon('rules', 'build', '--policy', dir, '--out', join(dir, 'rules'));

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/bad\.yaml:\d+:\d+: /);
    expect(run.stderr).not.toMatch(/\bat .*\.(ts|js|mjs):\d+/);
  });

  it('documents every sub-command in --help', async () => {
    // Act
    const [top, build, check, match] = await Promise.all([
      cordon('rules', '--help'),
      cordon('rules', 'build', '--help'),
      cordon('rules', 'check', '--help'),
      cordon('rules', 'match', '--help'),
    ]);

    // Assess
    for (const run of [top, build, check, match]) expect(run.status).toBe(0);
    expect(top.stdout).toMatch(
      /build \[options\][\s\S]*check \[options\][\s\S]*match \[options\] \[PATTERN_FILE\] \[EVENT_FILE\]/,
    );
    expect(build.stdout).toContain('--policy <dir>');
    expect(build.stdout).toContain('--out <dir>');
    expect(check.stdout).toMatch(/Exit status:\n {2}0 {2}up to date\n {2}1 {2}stale/);
    expect(match.stdout).toContain('--cases <file>');
    expect(match.stdout).toContain('invalid_pattern: <reason> (exit 2)');
  });
});
