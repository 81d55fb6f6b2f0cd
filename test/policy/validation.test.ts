import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../functions/lib/errors.js';
import { ACTION_NAMES } from '../../functions/lib/actions/registry.js';
import { loadPolicy } from '../../functions/lib/policy/index.js';

const BROKEN = 'test/policy/broken';
const VALID = ACTION_NAMES.join(', ');

/** The issues a load throws, as `file:line:col: message` lines. */
function issuesOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof PolicyValidationError)
      return error.issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`);
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

// Each broken file and every issue it must produce, at its exact position and in its exact words.
const CASES: [string, string[]][] = [
  [
    '01-yaml-syntax.yaml',
    [
      '6:5: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  ],
  ['02-wrong-version.yaml', ['1:10: version: unsupported policy version; expected version: 1, got 2']],
  ['03-missing-version.yaml', ['1:1: missing required key "version" in the top level; add version: 1']],
  ['04-key-typo.yaml', ['6:7: unknown key "severty" in rules[0].match; did you mean "severity"?']],
  [
    '05-unknown-action.yaml',
    [
      `6:13: rules[0].action: unknown action "isolate-ec2"; did you mean "isolate-ec2-instance"? valid actions: ${VALID}`,
    ],
  ],
  [
    '06-bad-params.yaml',
    [
      '8:7: unknown parameter "snapshotVolume" for action isolate-ec2-instance in rules[0].params; did you mean "snapshotVolumes"?',
      '9:20: rules[0].params.autoScaling: "maybe" is not allowed; expected one of standby, detach, none',
    ],
  ],
  [
    '07-duplicate-names.yaml',
    [
      '6:11: rules[1].name: duplicate rule name "ec2-crypto", first defined at test/policy/broken/07-duplicate-names.yaml:3:11',
    ],
  ],
  ['08-empty-rules.yaml', ['2:8: rules: must not be empty']],
  [
    '09-invalid-glob.yaml',
    [
      '5:38: rules[0].match.type[1]: invalid glob "Backdoor:EC2/[A-Z]*": unsupported glob syntax: only * (any run of characters) and ? (one character) are wildcards',
    ],
  ],
  [
    '10-bad-duration.yaml',
    [
      '3:19: settings.approvalExpiry: "24 hours" must be a duration: a whole number followed by m (minutes), h (hours) or d (days), e.g. 24h',
    ],
  ],
  [
    '11-bad-account.yaml',
    [
      '6:19: rules[0].match.accounts.include[0]: "12345678901" must be a 12-digit AWS account id',
      '7:19: rules[0].match.accounts.exclude[0]: expected a string, got 123456789012 (quote it to make it a string)',
    ],
  ],
  ['12-min-greater-than-max.yaml', ['5:24: rules[0].match.severity: min 8 is greater than max 5']],
  [
    '13-unknown-mode.yaml',
    ['6:11: rules[0].mode: "automatic" is not allowed; expected one of auto, approval, notify'],
  ],
  [
    '14-account-resource-action.yaml',
    [
      '5:22: rules[0].match.resourceType[0]: resource type aws-account (an account or its root user) can never be contained; no action applies to it. Use mode: notify without an action',
    ],
  ],
  [
    '15-root-type-action.yaml',
    [
      '5:13: rules[0].match.type[0]: type "Policy:IAMUser/RootCredentialUsage" matches root-user findings (Policy:IAMUser/RootCredentialUsage); cordon never contains root, so such a rule must use mode: notify without an action',
    ],
  ],
  [
    '16-unsupported-resource-type.yaml',
    [
      '5:38: rules[0].match.resourceType[1]: action disable-access-key does not apply to resource type ec2-instance; it applies to: iam-access-key',
    ],
  ],
  [
    '17-missing-action.yaml',
    [`5:11: rules[0].mode: mode auto needs an action (one of ${VALID}); only mode notify may omit it`],
  ],
  [
    '18-bad-custom-action.yaml',
    [
      '3:29: settings.customActions.approve: "Cordon-Approve" must be a Security Hub custom action id: 1 to 20 letters or digits',
    ],
  ],
  [
    '19-bad-rule-name.yaml',
    ['3:11: rules[0].name: "EC2 Crypto" must be kebab-case: lower-case letters and digits joined by "-"'],
  ],
  [
    '20-duplicate-yaml-key.yaml',
    ['5:5: YAML syntax error: duplicate key "mode": each key may appear only once in a mapping'],
  ],
  [
    '21-tag-not-string.yaml',
    ['5:44: rules[0].match.tags.Critical: expected a string, got true (quote it to make it a string)'],
  ],
  [
    '22-many-issues.yaml',
    [
      '3:36: settings.limits.autoPerAccountPerHour: must be at least 0, got -1',
      '4:15: settings.protected[0]: invalid ARN glob "role/Admin": an ARN glob starts with "arn:"',
      '8:15: rules[0].match.source[0]: "guarduty" is not allowed; expected one of guardduty, securityhub; did you mean "guardduty"?',
      '9:24: rules[0].match.severity.min: must be at most 10, got 11',
      '13:28: rules[1].match.regions.include[0]: "Ireland" must be an AWS region code such as eu-west-1',
      '15:15: unknown parameter "force" for action revoke-role-sessions in rules[1].params; action revoke-role-sessions takes no parameters',
    ],
  ],
  ['23-empty-file.yaml', ['1:1: the file is empty; a policy file starts with "version: 1"']],
  ['24-params-without-action.yaml', ['5:5: rules[0].params: params are only allowed with an action']],
  [
    '25-accounts-as-list.yaml',
    [
      '4:24: rules[0].match.accounts: expected a mapping (key: value), got a list; write accounts: { include: [...] } (or exclude: [...]) instead of a bare list',
    ],
  ],
  [
    // Every problem in one pass: a schema error in one rule does not hide the duplicate name it shares.
    '26-errors-and-duplicate-name.yaml',
    [
      '4:65: rules[0].match.regions.include[0]: "Ireland" must be an AWS region code such as eu-west-1',
      '6:11: rules[1].name: duplicate rule name "ec2-crypto", first defined at test/policy/broken/26-errors-and-duplicate-name.yaml:3:11',
      '7:55: rules[1].match.severity: min 8 is greater than max 5',
    ],
  ],
];

describe('Policy validation: broken policy files', () => {
  it('covers at least 15 broken files', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES)('%s is rejected with positioned, actionable messages', (file, expected) => {
    // Prepare
    const path = `${BROKEN}/${file}`;

    // Act
    const issues = issuesOf(() => loadPolicy([path]));

    // Assess
    expect(issues).toEqual(expected.map((line) => `${path}:${line}`));
  });
});
