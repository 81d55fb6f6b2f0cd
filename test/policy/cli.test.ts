import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Run `node bin/cordon.mjs ...args` as a real process and capture its exit code and output. */
async function cordon(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/cordon.mjs', ...args], { cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function scratch(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-cli-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('CLI: cordon policy validate', () => {
  it('exits 0 with a one-line summary for the shipped policy', async () => {
    // Act
    const result = await cordon('policy', 'validate');

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^OK: 2 files, \d+ rules \(\d+ auto, \d+ approval, \d+ notify\)\n$/);
  });

  it('exits 1 with one file:line:col line per problem', async () => {
    // Act
    const result = await cordon(
      'policy',
      'validate',
      'test/policy/broken/22-many-issues.yaml',
      'test/policy/broken/04-key-typo.yaml',
    );

    // Assess
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines.every((l) => /^test\/policy\/broken\/[\w-]+\.yaml:\d+:\d+: /.test(l))).toBe(true);
    expect(lines).toContain(
      'test/policy/broken/04-key-typo.yaml:6:7: unknown key "severty" in rules[0].match; did you mean "severity"?',
    );
    expect(result.stderr).toBe('policy invalid: 7 problems\n');
  });

  it('prints warnings with their position but still exits 0', async () => {
    // Prepare
    const file = scratch(
      'typo.yaml',
      "version: 1\nrules:\n  - { name: r, match: { type: 'Cryptocurrency:EC2/*' }, mode: notify }\n",
    );

    // Act
    const result = await cordon('policy', 'validate', file);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `${file}:3:31: warning: rules[0].match.type[0]: "Cryptocurrency:EC2/*" matches no known GuardDuty finding type; types are case-sensitive: did you mean one like "CryptoCurrency:EC2/BitcoinTool.B"?\n` +
        'OK: 1 file, 1 rule (0 auto, 0 approval, 1 notify), 1 warning\n',
    );
  });

  it('documents its arguments in --help', async () => {
    // Act
    const result = await cordon('policy', 'validate', '--help');

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: cordon policy validate [options] [paths...]');
    expect(result.stdout).toContain('file:line:col: message');
  });
});

describe('CLI: cordon policy test', () => {
  it('prints one JSON object per finding with exactly the documented shape', async () => {
    // Act
    const result = await cordon(
      'policy',
      'test',
      '--json',
      'test/events/guardduty-ec2-ssh-bruteforce.envelope-assembled.json',
      'test/events/securityhub-custom-action-guardduty-iam-accesskey.custodian.json',
    );

    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      event: 'test/events/guardduty-ec2-ssh-bruteforce.envelope-assembled.json',
      reached: true,
      finding: {
        key: 'arn:aws:guardduty:us-east-1:123456789012:detector/6eb7d75a6563c71411485bf5e38adb2f/finding/70b7e42a3241b4c73d8d8cf7b1781f7e',
        source: 'guardduty',
        type: 'UnauthorizedAccess:EC2/SSHBruteForce',
        severity: 2,
        accountId: '123456789012',
        region: 'us-east-1',
        sample: false,
        resources: [{ type: 'ec2-instance', id: 'i-081de1d7604b11e4a' }],
      },
      decision: {
        rule: 'ec2-inbound-brute-force',
        mode: 'notify',
        actions: [],
        refused: [],
        reasons: [
          'matched rule ec2-inbound-brute-force: source guardduty; type "UnauthorizedAccess:EC2/SSHBruteForce" matches UnauthorizedAccess:EC2/SSHBruteForce; severity 2 <= max 6.9',
          'rule ec2-inbound-brute-force names no action (mode notify)',
        ],
        explanation: expect.arrayContaining([
          expect.objectContaining({ rule: 'ec2-inbound-brute-force', matched: true }),
          expect.objectContaining({ matched: false, reason: expect.any(String) }),
        ]),
      },
    });
    expect(lines[1]).toMatchObject({
      reached: false,
      decision: {
        rule: 'iam-user-anomalous-console-login',
        mode: 'approval',
        actions: [{ action: 'isolate-iam-user', resource: { type: 'iam-user', id: 'kapil' } }],
      },
    });
  });

  it('shows a resource with the exemption tag as refused, in words and in --json', async () => {
    // Prepare: a high-severity Backdoor finding whose instance carries cordon:exempt=true
    const event = JSON.parse(
      readFileSync('test/events/guardduty-ec2-ssh-bruteforce.envelope-assembled.json', 'utf8'),
    ) as { detail: Record<string, unknown> & { resource: { instanceDetails: Record<string, unknown> } } };
    event.detail['type'] = 'Backdoor:EC2/C&CActivity.B';
    event.detail['severity'] = 8;
    event.detail.resource.instanceDetails['tags'] = [{ key: 'cordon:exempt', value: 'true' }];
    const file = scratch('exempt.json', JSON.stringify(event));

    // Act
    const human = await cordon('policy', 'test', file);
    const json = await cordon('policy', 'test', '--json', file);

    // Assess
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/REFUSED: cordon will not contain 1 resource/);
    expect(human.stdout).toMatch(
      /refused: isolate-ec2-instance on ec2-instance i-081de1d7604b11e4a \[exempt-tag\]: .*exemption tag cordon:exempt=true/,
    );
    const line = JSON.parse(json.stdout) as { decision: { actions: unknown[]; refused: unknown[] } };
    expect(line.decision.actions).toEqual([]);
    expect(line.decision.refused).toEqual([
      {
        action: 'isolate-ec2-instance',
        resource: { type: 'ec2-instance', id: 'i-081de1d7604b11e4a' },
        code: 'exempt-tag',
        reason: expect.stringContaining('exemption tag cordon:exempt=true'),
      },
    ]);
  });

  it('reports a null rule when nothing matches', async () => {
    // Act
    const result = await cordon(
      'policy',
      'test',
      '--json',
      'test/events/securityhub-imported-securityhub-control-iam-user.asr-assembled.json',
    );

    // Assess
    expect(result.code).toBe(0);
    const line = JSON.parse(result.stdout) as { decision: { rule: unknown; mode: unknown } };
    expect(line.decision.rule).toBeNull();
    expect(line.decision.mode).toBeNull();
  });

  it('prints a readable report with the explanation', async () => {
    // Act
    const result = await cordon(
      'policy',
      'test',
      'test/events/guardduty-ec2-ssh-bruteforce.envelope-assembled.json',
    );

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  delivered: yes, by triage-guardduty\n');
    expect(result.stdout).toContain('  decision: rule ec2-inbound-brute-force, mode notify\n');
    expect(result.stdout).toContain('    miss  ec2-outbound-brute-force: severity 2 is below min 7\n');
    expect(result.stdout).toContain('    MATCH ec2-inbound-brute-force: ');
  });

  it('exits 2 with one line naming a file that is not JSON, and still reports the others', async () => {
    // Prepare
    const bad = scratch('not-json.json', '{ "detail-type": ');

    // Act
    const result = await cordon(
      'policy',
      'test',
      '--json',
      bad,
      'test/events/guardduty-ec2-ssh-bruteforce.envelope-assembled.json',
    );

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: event file is not valid JSON: [^\\n]+\\n$`),
    );
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exits 2 with one line for an event cordon does not support', async () => {
    // Prepare
    const other = scratch(
      'ec2-state.json',
      JSON.stringify({
        'detail-type': 'EC2 Instance State-change Notification',
        source: 'aws.ec2',
        detail: {},
      }),
    );

    // Act
    const result = await cordon('policy', 'test', other);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toMatch(
      new RegExp(`^${other.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unsupported event: `),
    );
    expect(result.stderr).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
  });

  it('exits 1 with positioned errors when the policy is invalid', async () => {
    // Act
    const result = await cordon(
      'policy',
      'test',
      '--policy',
      'test/policy/broken/04-key-typo.yaml',
      'test/events/guardduty-ec2-ssh-bruteforce.envelope-assembled.json',
    );

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'test/policy/broken/04-key-typo.yaml:6:7: unknown key "severty" in rules[0].match; did you mean "severity"?\n',
    );
  });

  it('documents --json, --policy and --rules in --help', async () => {
    // Act
    const result = await cordon('policy', 'test', '--help');

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: cordon policy test [options] <events...>');
    expect(result.stdout).toContain('--policy <dir>');
    expect(result.stdout).toContain('--rules <dir>');
    expect(result.stdout).toContain('--json');
  });
});
