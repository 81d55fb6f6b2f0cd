import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../functions/lib/errors.js';
import { ACTION_NAMES } from '../../functions/lib/actions/registry.js';
import {
  DEFAULT_POLICY_SETTINGS,
  loadPolicy,
  loadPolicyFromStrings,
} from '../../functions/lib/policy/index.js';
import { policy } from './support.js';

function messages(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof PolicyValidationError)
      return error.issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`);
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

describe('Policy loading: compile', () => {
  it('applies the action parameter defaults to the compiled rule', () => {
    // Prepare
    const yaml = `version: 1
rules:
  - name: ec2
    action: isolate-ec2-instance
    params: { removeInstanceProfile: true }
    mode: auto
`;

    // Act
    const compiled = policy(yaml);

    // Assess
    expect(compiled.rules[0]?.params).toEqual({
      cutTrackedFlows: true,
      autoScaling: 'standby',
      deregisterTargets: true,
      removeInstanceProfile: true,
      revokeRoleSessions: false,
      snapshotVolumes: true,
      restoreDesiredCapacity: false,
      disableMetadataService: false,
    });
  });

  it('normalises single values to lists and keeps the rule position', () => {
    // Prepare
    const yaml = `version: 1
rules:
  - name: keys
    description: keys from Tor
    match:
      source: guardduty
      type: 'UnauthorizedAccess:IAMUser/TorIPCaller'
      resourceType: iam-access-key
      severity: { labels: HIGH }
    action: disable-access-key
    mode: approval
`;

    // Act
    const rule = policy(yaml, 'p/keys.yaml').rules[0];

    // Assess
    expect(rule).toMatchObject({
      name: 'keys',
      description: 'keys from Tor',
      match: {
        sources: ['guardduty'],
        types: ['UnauthorizedAccess:IAMUser/TorIPCaller'],
        resourceTypes: ['iam-access-key'],
        severity: { labels: ['HIGH'] },
      },
      action: 'disable-access-key',
      params: { denyOlderSessions: false },
      mode: 'approval',
      position: { file: 'p/keys.yaml', line: 3, col: 5 },
    });
  });

  it('uses the default settings for every setting no file defines', () => {
    // Prepare
    const yaml = 'version: 1\nrules:\n  - { name: all, mode: notify }\n';

    // Act
    const compiled = policy(yaml);

    // Assess
    expect(compiled.settings).toEqual(DEFAULT_POLICY_SETTINGS);
    expect(DEFAULT_POLICY_SETTINGS).toEqual({
      exemptionTag: { key: 'cordon:exempt', value: 'true' },
      protectedArns: [],
      limits: { perAccountPerHour: 10, globalPerHour: 50 },
      approvalExpiryMinutes: 1440,
      customActions: { approve: 'CordonApprove', reject: 'CordonReject' },
      includeSampleFindings: false,
      incidentWindowMarginMinutes: 60,
      allowCrossAccountResources: false,
    });
  });

  it('maps every setting onto PolicySettings', () => {
    // Prepare
    const yaml = `version: 1
settings:
  exemptionTag: { key: 'sec:skip' }
  protected: 'arn:aws:iam::*:role/Admin'
  limits: { autoGlobalPerHour: 5 }
  approvalExpiry: 7d
  customActions: { approve: Yes1, reject: No1 }
  includeSampleFindings: true
  incidentWindowMarginMinutes: 15
  allowCrossAccountResources: true
  memberAccounts: ['111111111111', '222222222222', '111111111111']
rules:
  - { name: all, mode: notify }
`;

    // Act
    const compiled = policy(yaml);

    // Assess
    expect(compiled.settings).toEqual({
      exemptionTag: { key: 'sec:skip' },
      protectedArns: ['arn:aws:iam::*:role/Admin'],
      limits: { perAccountPerHour: 10, globalPerHour: 5 },
      approvalExpiryMinutes: 7 * 24 * 60,
      customActions: { approve: 'Yes1', reject: 'No1' },
      includeSampleFindings: true,
      incidentWindowMarginMinutes: 15,
      allowCrossAccountResources: true,
      memberAccounts: ['111111111111', '222222222222'],
    });
  });

  it('returns an immutable policy so that its cached index cannot go stale', () => {
    // Prepare
    const compiled = policy('version: 1\nrules:\n  - { name: all, mode: notify }\n');

    // Act
    const mutate = () => compiled.rules.push({ ...compiled.rules[0], name: 'x' } as never);

    // Assess
    expect(mutate).toThrow(TypeError);
  });
});

describe('Policy loading: files and merging', () => {
  it('merges a directory in filename order, settings from one file and rules from the others', () => {
    // Prepare
    const dir = 'test/policy/fixtures/merge';

    // Act
    const compiled = loadPolicy([dir]);

    // Assess
    expect(compiled.files).toEqual([
      `${dir}/10-settings.yaml`,
      `${dir}/20-ec2.yaml`,
      `${dir}/30-catch-all.yaml`,
    ]);
    expect(compiled.rules.map((r) => r.name)).toEqual(['ec2-crypto-mining', 'notify-everything-else']);
    expect(compiled.settings.exemptionTag).toEqual({ key: 'team:exempt' });
    expect(compiled.settings.approvalExpiryMinutes).toBe(120);
  });

  it('rejects a rule name and a setting defined in two files, naming both positions', () => {
    // Prepare
    const dir = 'test/policy/fixtures/dup-across';

    // Act
    const issues = messages(() => loadPolicy([dir]));

    // Assess
    expect(issues).toEqual([
      `${dir}/b.yaml:3:3: settings.approvalExpiry is already defined at ${dir}/a.yaml:3:3; each setting may be defined in only one file`,
      `${dir}/b.yaml:7:11: rules[1].name: duplicate rule name "ec2-crypto-mining", first defined at ${dir}/a.yaml:5:11`,
    ]);
  });

  it("reports every file's issues together, in file order", () => {
    // Prepare
    const files = [
      { file: 'a.yaml', text: 'version: 1\nrules:\n  - { name: a, mode: notify, actoin: x }\n' },
      { file: 'b.yaml', text: 'version: 1\nrules:\n  - { name: b, mode: auto, action: isolate-iam-usr }\n' },
    ];

    // Act
    const issues = messages(() => loadPolicyFromStrings(files));

    // Assess
    expect(issues).toEqual([
      'a.yaml:3:30: unknown key "actoin" in rules[0]; did you mean "action"?',
      `b.yaml:3:36: rules[0].action: unknown action "isolate-iam-usr"; did you mean "isolate-iam-user"? valid actions: ${ACTION_NAMES.join(', ')}`,
    ]);
  });

  it('lists the valid actions when nothing is close to the unknown one', () => {
    // Prepare
    const yaml = 'version: 1\nrules:\n  - name: r\n    action: quarantine\n    mode: auto\n';

    // Act
    const issues = messages(() => policy(yaml));

    // Assess
    expect(issues).toEqual([
      `test.yaml:4:13: rules[0].action: unknown action "quarantine"; valid actions: ${ACTION_NAMES.join(', ')}`,
    ]);
  });

  it('suggests the nearest key for a typo at every level', () => {
    // Prepare
    const yaml = `version: 1
setings: {}
rules:
  - name: r
    mach: {}
    mode: notify
`;

    // Act
    const issues = messages(() => policy(yaml));

    // Assess
    expect(issues).toEqual([
      'test.yaml:2:1: unknown key "setings" in the top level; did you mean "settings"?',
      'test.yaml:5:5: unknown key "mach" in rules[0]; did you mean "match"?',
    ]);
  });

  it('reports paths that do not exist and directories without policy files', () => {
    // Prepare
    const empty = mkdtempSync(join(tmpdir(), 'cordon-policy-'));

    // Act
    const issues = messages(() => loadPolicy(['no/such/dir', empty]));

    // Assess
    expect(issues).toEqual([
      'no/such/dir:1:1: no such file or directory',
      `${empty}:1:1: no policy files (*.yaml, *.yml) in this directory`,
    ]);
  });

  it('rejects a policy whose files define no rule at all', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-policy-'));
    writeFileSync(join(dir, 'settings.yml'), 'version: 1\nsettings:\n  approvalExpiry: 1h\n');

    // Act
    const issues = messages(() => loadPolicy([dir]));

    // Assess
    expect(issues).toEqual([
      `${join(dir, 'settings.yml')}:1:1: the policy has no rules; add at least one rule under "rules:"`,
    ]);
  });

  it('refuses a YAML alias bomb instead of expanding it', () => {
    // Prepare
    const lines = ['version: 1', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    lines.push('rules:\n  - { name: r, mode: notify }');

    // Act
    const issues = messages(() => policy(lines.join('\n')));

    // Assess
    expect(issues[0]).toMatch(/^test\.yaml:1:1: cannot read the YAML: /);
  });
});

describe('Policy loading: warnings', () => {
  it('warns about GuardDuty-shaped type globs that match no known GuardDuty type, with a suggestion', () => {
    // Prepare
    const yaml = `version: 1
rules:
  - name: typos
    match:
      type: ['Cryptocurrency:EC2/*', 'Backdoor:EC2/C&CActivity.Z', 'CryptoCurrency:EC2/*', 'Custom product type']
    mode: notify
`;

    // Act
    const compiled = policy(yaml);

    // Assess
    expect(compiled.warnings).toEqual([
      {
        file: 'test.yaml',
        line: 5,
        col: 14,
        message:
          'rules[0].match.type[0]: "Cryptocurrency:EC2/*" matches no known GuardDuty finding type; types are case-sensitive: did you mean one like "CryptoCurrency:EC2/BitcoinTool.B"?',
      },
      {
        file: 'test.yaml',
        line: 5,
        col: 38,
        message:
          'rules[0].match.type[1]: "Backdoor:EC2/C&CActivity.Z" matches no known GuardDuty finding type; did you mean "Backdoor:EC2/C&CActivity.B"?',
      },
    ]);
  });

  it('does not warn about types of rules limited to other Security Hub products', () => {
    // Prepare
    const yaml =
      "version: 1\nrules:\n  - { name: macie, match: { source: securityhub, type: 'SensitiveData:S3Object/*' }, mode: notify }\n";

    // Act
    const compiled = policy(yaml);

    // Assess
    expect(compiled.warnings).toEqual([]);
  });

  it('ships a default policy without warnings', () => {
    // Act
    const compiled = loadPolicy(['policies']);

    // Assess
    expect(compiled.warnings).toEqual([]);
  });
});

describe('Policy: the evidence settings of a rule', () => {
  const rule = (evidence: string): string => `version: 1
rules:
  - name: contain
    match: { type: ['Backdoor:EC2/*'] }
    action: isolate-ec2-instance
    mode: auto
    evidence: ${evidence}
`;

  it('keeps the CloudTrail window a rule sets, with collection on unless it says otherwise', () => {
    // Act
    const withWindow = policy(rule('{ lookbackHours: 6 }')).rules[0]?.evidence;
    const off = policy(rule('{ enabled: false }')).rules[0]?.evidence;

    // Assess
    expect(withWindow).toEqual({ enabled: true, lookbackHours: 6 });
    expect(off).toEqual({ enabled: false });
  });

  it('refuses a window outside CloudTrail event history (1 hour to 90 days), pointing at the line', () => {
    // Act
    const tooLong = messages(() => policy(rule('{ lookbackHours: 2161 }')));
    const zero = messages(() => policy(rule('{ lookbackHours: 0 }')));

    // Assess
    expect(tooLong).toEqual([expect.stringMatching(/^test\.yaml:7:\d+: .*2160/)]);
    expect(zero).toEqual([expect.stringMatching(/^test\.yaml:7:\d+: /)]);
  });
});
