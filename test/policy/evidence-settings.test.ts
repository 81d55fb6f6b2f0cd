/**
 * A rule's `evidence: { … }` block (docs/evidence.md): Lambda environment handling and the optional memory
 * capture, validated with zod and reported at `file:line:col` like every policy error.
 */
import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../functions/lib/errors.js';
import { loadPolicyFromStrings } from '../../functions/lib/policy/index.js';

/** A policy of one EC2 rule whose evidence block is `lines` (indented under `evidence:`, line 7 onwards). */
function policy(lines: string[]): string {
  return [
    'version: 1',
    'rules:',
    '  - name: contain-instances',
    '    action: isolate-ec2-instance',
    '    mode: auto',
    '    evidence:',
    ...lines.map((line) => `      ${line}`),
  ].join('\n');
}

function issuesOf(text: string): string[] {
  try {
    loadPolicyFromStrings([{ file: 'p.yaml', text }]);
  } catch (error) {
    if (error instanceof PolicyValidationError)
      return error.issues.map((i) => `${i.line}:${i.col}: ${i.message}`);
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

describe('Policy: evidence settings', () => {
  it('accepts lambdaEnvironment raw and a memory capture pinned to a document version', () => {
    // Act
    const compiled = loadPolicyFromStrings([
      {
        file: 'p.yaml',
        text: policy([
          'lambdaEnvironment: raw',
          'memory:',
          '  ssmDocument: { name: Org-AVML-Capture, version: "3" }',
          '  parameters: { destination: ["s3://{{cordon:bucket}}/{{cordon:prefix}}"] }',
        ]),
      },
    ]);

    // Assess: waitSeconds takes its default.
    expect(compiled.rules[0]?.evidence).toEqual({
      enabled: true,
      lambdaEnvironment: 'raw',
      memory: {
        ssmDocument: { name: 'Org-AVML-Capture', version: '3' },
        parameters: { destination: ['s3://{{cordon:bucket}}/{{cordon:prefix}}'] },
        waitSeconds: 120,
      },
    });
  });

  it('leaves memory capture off when the rule does not ask for it', () => {
    const compiled = loadPolicyFromStrings([{ file: 'p.yaml', text: policy(['lookbackHours: 6']) }]);
    expect(compiled.rules[0]?.evidence).toEqual({ enabled: true, lookbackHours: 6 });
  });

  it('names a lambdaEnvironment other than hashed or raw at its position', () => {
    expect(issuesOf(policy(['lambdaEnvironment: plain']))).toEqual([
      '7:26: rules[0].evidence.lambdaEnvironment: "plain" is not allowed; expected one of hashed, raw',
    ]);
  });

  it('refuses an unpinned document version ($LATEST, $DEFAULT) at its position', () => {
    for (const version of ['$LATEST', '$DEFAULT']) {
      expect(
        issuesOf(policy(['memory:', `  ssmDocument: { name: Org-AVML-Capture, version: "${version}" }`])),
      ).toEqual([expect.stringMatching(/^8:\d+: .*version.*pinned document version/)]);
    }
  });

  it('refuses a memory capture without a document version, an AWS-owned document and an unknown key', () => {
    expect(issuesOf(policy(['memory:', '  ssmDocument: { name: Org-AVML-Capture }']))).toEqual([
      expect.stringMatching(/^8:\d+: .*version/),
    ]);
    expect(
      issuesOf(policy(['memory:', '  ssmDocument: { name: AWS-RunShellScript, version: "1" }'])),
    ).toEqual([expect.stringMatching(/^8:\d+: .*organisation's own document/)]);
    expect(
      issuesOf(policy(['memory:', '  ssmDocument: { name: Org-AVML, version: "1" }', '  outputBucket: x'])),
    ).toEqual([expect.stringMatching(/^9:\d+: unknown key "outputBucket"/)]);
  });

  it('refuses a memory capture on a rule whose action contains no EC2 instance, at the memory key', () => {
    const text = policy(['memory:', '  ssmDocument: { name: Org-AVML-Capture, version: "3" }']).replace(
      'action: isolate-ec2-instance',
      'action: isolate-s3-bucket',
    );

    expect(issuesOf(text)).toEqual([
      expect.stringMatching(/^7:7: .*memory capture applies to EC2 instances only/),
    ]);
  });
});
