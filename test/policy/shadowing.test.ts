import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../functions/lib/policy/index.js';
import { accessKey, ACCOUNT, finding, instance, policy } from './support.js';

const shadowed = (yaml: string): string[] =>
  (policy(yaml).warnings ?? []).filter((w) => w.message.includes('can never match')).map((w) => w.message);

describe('Policy validation: shadowed rules', () => {
  it('warns at the shadowed rule, naming the earlier rule, its position and the fix', () => {
    // Prepare
    const yaml = [
      'version: 1',
      'rules:',
      "  - { name: all-ec2, mode: notify, match: { type: ['*:EC2/*'] } }",
      "  - { name: crypto, mode: notify, match: { type: ['CryptoCurrency:EC2/BitcoinTool.B!DNS'], severity: { min: 7 } } }",
    ].join('\n');

    // Act
    const warnings = policy(yaml).warnings ?? [];

    // Assess
    expect(warnings).toEqual([
      {
        file: 'test.yaml',
        line: 4,
        col: 5,
        message:
          'rule "crypto" can never match: the earlier rule "all-ec2" (test.yaml:3:5) matches every finding it would, and the first matching rule wins; move it above "all-ec2" or narrow "all-ec2"',
      },
    ]);
  });

  it.each([
    ['a catch-all before anything', '{}', "{ type: ['Backdoor:EC2/*'] }"],
    [
      'a prefix glob before a narrower prefix glob',
      "{ type: ['Backdoor:*'] }",
      "{ type: ['Backdoor:EC2/*'] }",
    ],
    [
      'a wider severity range',
      "{ type: ['Backdoor:*'], severity: { min: 4 } }",
      "{ type: ['Backdoor:EC2/C&CActivity.B'], severity: { min: 7, max: 9 } }",
    ],
    [
      'more accounts included',
      "{ accounts: { include: ['123456789012', '111111111111'] } }",
      "{ accounts: { include: ['123456789012'] }, type: ['Recon:*'] }",
    ],
    [
      'a tag with any value',
      "{ resourceType: [ec2-instance], tags: { team: '*' } }",
      '{ resourceType: [ec2-instance], tags: { team: red, env: prod } }',
    ],
  ])('warns for %s', (_what, earlier, later) => {
    // Prepare + Act
    const messages = shadowed(
      [
        'version: 1',
        'rules:',
        `  - { name: a, mode: notify, match: ${earlier} }`,
        `  - { name: b, mode: notify, match: ${later} }`,
      ].join('\n'),
    );

    // Assess
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('rule "b" can never match');
  });

  it.each([
    ['a later rule that also takes sample findings', '{ sample: false }', '{ sample: true }'],
    ['a narrower earlier severity', '{ severity: { min: 7 } }', '{ severity: { min: 4 } }'],
    [
      'an earlier tag condition the later rule lacks',
      '{ tags: { team: red } }',
      '{ resourceType: [ec2-instance] }',
    ],
    ['an account the earlier rule excludes', "{ accounts: { exclude: ['111111111111'] } }", '{}'],
    ['two globs it cannot prove nested', "{ type: ['*EC2*'] }", "{ type: ['Backdoor:EC2/*'] }"],
  ])('does not warn for %s', (_what, earlier, later) => {
    // Prepare + Act
    const messages = shadowed(
      [
        'version: 1',
        'rules:',
        `  - { name: a, mode: notify, match: ${earlier} }`,
        `  - { name: b, mode: notify, match: ${later} }`,
      ].join('\n'),
    );

    // Assess
    expect(messages).toEqual([]);
  });

  it('the shipped policy has no shadowed rule', async () => {
    // Prepare
    const { loadPolicy } = await import('../../functions/lib/policy/index.js');

    // Act
    const warnings = loadPolicy(['policies']).warnings ?? [];

    // Assess
    expect(warnings.filter((w) => w.message.includes('can never match'))).toEqual([]);
  });

  it('is sound: a rule it reports as shadowed is never the decision for any finding', () => {
    // Prepare
    const types = [
      'CryptoCurrency:EC2/BitcoinTool.B!DNS',
      'Backdoor:EC2/C&CActivity.B',
      'Recon:IAMUser/TorIPCaller',
    ];
    const globs = [
      'CryptoCurrency:EC2/*',
      'Backdoor:*',
      'Backdoor:EC2/*',
      '*',
      'Recon:IAMUser/TorIPCaller',
      '*EC2*',
    ];
    // The earlier rule has few conditions and the later one many, so that shadowing is common enough to test.
    const ruleArb = (nilFreq: number) =>
      fc.record({
        source: fc.option(fc.subarray(['guardduty', 'securityhub'], { minLength: 1 }), {
          nil: undefined,
          freq: nilFreq,
        }),
        type: fc.option(fc.subarray(globs, { minLength: 1 }), { nil: undefined, freq: nilFreq }),
        min: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined, freq: nilFreq }),
        max: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined, freq: nilFreq }),
        resourceType: fc.option(fc.subarray(['ec2-instance', 'iam-access-key'], { minLength: 1 }), {
          nil: undefined,
        }),
        sample: fc.option(fc.boolean(), { nil: undefined, freq: nilFreq }),
        include: fc.option(fc.subarray([ACCOUNT, '111111111111'], { minLength: 1 }), {
          nil: undefined,
          freq: nilFreq,
        }),
        exclude: fc.option(fc.subarray([ACCOUNT, '111111111111'], { minLength: 1 }), {
          nil: undefined,
          freq: nilFreq,
        }),
        regions: fc.option(fc.subarray(['eu-west-1', 'us-east-1'], { minLength: 1 }), {
          nil: undefined,
          freq: nilFreq,
        }),
        team: fc.option(fc.constantFrom('red', 'blue', '*'), { nil: undefined, freq: nilFreq }),
      });
    const findingArb = fc.record({
      type: fc.constantFrom(...types),
      source: fc.constantFrom('guardduty' as const, 'securityhub' as const),
      score: fc.integer({ min: 0, max: 10 }),
      sample: fc.boolean(),
      resource: fc.constantFrom('ec2-instance', 'iam-access-key'),
      account: fc.constantFrom(ACCOUNT, '111111111111'),
      region: fc.constantFrom('eu-west-1', 'us-east-1'),
      team: fc.option(fc.constantFrom('red', 'blue'), { nil: undefined }),
    });
    type RuleShape = ReturnType<typeof ruleArb> extends fc.Arbitrary<infer R> ? R : never;
    const toYaml = (r: RuleShape, name: string) => {
      const match: Record<string, unknown> = {};
      if (r.source) match['source'] = r.source;
      if (r.type) match['type'] = r.type;
      if (r.min !== undefined || r.max !== undefined) {
        const low = Math.min(r.min ?? 0, r.max ?? 10);
        const high = Math.max(r.min ?? 0, r.max ?? 10);
        match['severity'] = {
          ...(r.min === undefined ? {} : { min: low }),
          ...(r.max === undefined ? {} : { max: high }),
        };
      }
      if (r.resourceType) match['resourceType'] = r.resourceType;
      if (r.sample !== undefined) match['sample'] = r.sample;
      if (r.include || r.exclude)
        match['accounts'] = {
          ...(r.include ? { include: r.include } : {}),
          ...(r.exclude ? { exclude: r.exclude } : {}),
        };
      if (r.regions) match['regions'] = { include: r.regions };
      if (r.team) match['tags'] = { team: r.team };
      return `  - { name: ${name}, mode: notify, match: ${JSON.stringify(match)} }`;
    };
    let reported = 0;

    // Act + Assess
    fc.assert(
      fc.property(
        ruleArb(2),
        ruleArb(40),
        fc.array(findingArb, { minLength: 1, maxLength: 12 }),
        (a, b, findings) => {
          const yaml = ['version: 1', 'rules:', toYaml(a, 'a'), toYaml(b, 'b')].join('\n');
          if (shadowed(yaml).length === 0) return;
          reported++;
          const compiled = policy(yaml);
          for (const f of findings) {
            const resource =
              f.resource === 'ec2-instance' ? instance('i-1', f.team ? { team: f.team } : {}) : accessKey();
            const input = finding({
              type: f.type,
              source: f.source,
              score: f.score,
              sample: f.sample,
              accountId: f.account,
              region: f.region,
              resources: [{ ...resource, accountId: f.account, region: f.region }],
            });
            expect(evaluatePolicy(compiled, input).rule).not.toBe('b');
          }
        },
      ),
      { numRuns: 400 },
    );
    // The property must have been exercised, not vacuously true.
    expect(reported).toBeGreaterThan(3);
  });
});
