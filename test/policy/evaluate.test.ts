import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../functions/lib/policy/index.js';
import { accessKey, ACCOUNT, finding, instance, policy, role, root, user } from './support.js';

const TWO_RULES = `version: 1
rules:
  - name: ec2-crypto-mining
    match:
      type: ['CryptoCurrency:EC2/*', 'Backdoor:EC2/*']
      severity: { min: 7 }
    action: isolate-ec2-instance
    mode: auto
  - name: notify-everything
    mode: notify
`;

describe('Policy evaluation: first match wins', () => {
  it('decides with the first matching rule and explains why earlier rules did not match', () => {
    // Prepare
    const compiled = policy(TWO_RULES);
    const f = finding({ type: 'Recon:EC2/PortProbeUnprotectedPort', score: 5 });

    // Act
    const decision = evaluatePolicy(compiled, f);

    // Assess
    expect(decision.rule).toBe('notify-everything');
    expect(decision.mode).toBe('notify');
    expect(decision.actions).toEqual([]);
    expect(decision.explanation).toEqual([
      {
        rule: 'ec2-crypto-mining',
        matched: false,
        reason:
          'type "Recon:EC2/PortProbeUnprotectedPort" matches none of CryptoCurrency:EC2/*, Backdoor:EC2/*',
      },
      {
        rule: 'notify-everything',
        matched: true,
        reason: 'the rule has no conditions, so it matches every finding',
      },
    ]);
  });

  it('stops at the first match even when a later rule also matches', () => {
    // Prepare
    const compiled = policy(TWO_RULES);

    // Act
    const decision = evaluatePolicy(compiled, finding({ score: 8 }));

    // Assess
    expect(decision.rule).toBe('ec2-crypto-mining');
    expect(decision.mode).toBe('auto');
    expect(decision.explanation.map((e) => e.rule)).toEqual(['ec2-crypto-mining']);
    expect(decision.reasons[0]).toBe(
      'matched rule ec2-crypto-mining: type "CryptoCurrency:EC2/BitcoinTool.B!DNS" matches CryptoCurrency:EC2/*; severity 8 >= min 7',
    );
  });

  it('names the first condition that did not hold, in words, for each kind of condition', () => {
    // Prepare
    const compiled = policy(`version: 1
rules:
  - name: only-securityhub
    match: { source: securityhub }
    mode: notify
  - name: only-inspector
    match: { product: Inspector }
    mode: notify
  - name: high
    match: { severity: { min: 7 } }
    mode: notify
  - name: low
    match: { severity: { max: 3 } }
    mode: notify
  - name: critical-label
    match: { severity: { labels: [CRITICAL] } }
    mode: notify
  - name: prod-account
    match: { accounts: { include: ['111111111111'] } }
    mode: notify
  - name: not-this-account
    match: { accounts: { exclude: ['${ACCOUNT}'] } }
    mode: notify
  - name: us-only
    match: { regions: { include: [us-east-1, us-west-2] } }
    mode: notify
  - name: not-ireland
    match: { regions: { exclude: [eu-west-1] } }
    mode: notify
  - name: roles
    match: { resourceType: iam-role }
    mode: notify
  - name: prod-tagged
    match: { resourceType: ec2-instance, tags: { Environment: prod } }
    mode: notify
  - name: last
    mode: notify
`);
    const f = finding({ score: 5, resources: [instance('i-1', { Environment: 'dev' })] });

    // Act
    const decision = evaluatePolicy(compiled, f);

    // Assess
    expect(decision.explanation.map((e) => `${e.rule}: ${e.reason}`)).toEqual([
      'only-securityhub: source guardduty is not securityhub',
      'only-inspector: product "GuardDuty" is not Inspector',
      'high: severity 5 is below min 7',
      'low: severity 5 is above max 3',
      'critical-label: severity label MEDIUM is not CRITICAL',
      'prod-account: account 123456789012 is not in accounts.include (111111111111)',
      'not-this-account: account 123456789012 is in accounts.exclude',
      'us-only: region eu-west-1 is not in regions.include (us-east-1, us-west-2)',
      'not-ireland: region eu-west-1 is in regions.exclude',
      'roles: no resource of type iam-role (the finding has ec2-instance)',
      'prod-tagged: no ec2-instance resource has the tags Environment=prod',
      'last: the rule has no conditions, so it matches every finding',
    ]);
  });

  it('matches products case-insensitively and tags with "*" on any value', () => {
    // Prepare
    const compiled = policy(`version: 1
rules:
  - name: tagged
    match: { product: guardduty, tags: { Owner: '*' } }
    mode: notify
`);

    // Act
    const tagged = evaluatePolicy(compiled, finding({ resources: [instance('i-1', { Owner: 'team-a' })] }));
    const untagged = evaluatePolicy(compiled, finding({ resources: [instance('i-2')] }));

    // Assess
    expect(tagged.rule).toBe('tagged');
    expect(untagged.rule).toBeNull();
    expect(untagged.reasons).toEqual(['no rule matched (1 evaluated)']);
  });
});

describe('Policy evaluation: sample findings', () => {
  it('does not match sample findings unless the rule opts in', () => {
    // Prepare
    const compiled = policy(`version: 1
rules:
  - name: real-only
    mode: notify
  - name: samples-too
    match: { sample: true }
    mode: notify
`);

    // Act
    const decision = evaluatePolicy(compiled, finding({ sample: true }));

    // Assess
    expect(decision.rule).toBe('samples-too');
    expect(decision.explanation[0]).toEqual({
      rule: 'real-only',
      matched: false,
      reason:
        'it is a sample finding, and this rule does not count sample findings (set match.sample: true to include them)',
    });
  });

  it('counts sample findings everywhere when the settings opt in', () => {
    // Prepare
    const compiled = policy(
      'version: 1\nsettings: { includeSampleFindings: true }\nrules:\n  - { name: r, mode: notify }\n',
    );

    // Act
    const decision = evaluatePolicy(compiled, finding({ sample: true }));

    // Assess
    expect(decision.rule).toBe('r');
  });

  it('says why nothing matched a sample finding', () => {
    // Prepare
    const compiled = policy('version: 1\nrules:\n  - { name: r, mode: notify }\n');

    // Act
    const decision = evaluatePolicy(compiled, finding({ sample: true }));

    // Assess
    expect(decision.rule).toBeNull();
    expect(decision.mode).toBeNull();
    expect(decision.reasons).toEqual([
      'no rule matched (1 evaluated)',
      'this is a sample finding: only rules with match.sample: true count sample findings',
    ]);
  });
});

describe('Policy evaluation: planned actions', () => {
  it('plans one action per resource the action supports, with the defaulted params', () => {
    // Prepare
    const compiled = policy(`version: 1
rules:
  - name: keys
    action: disable-access-key
    mode: approval
`);
    const key = accessKey('AKIA1', 'alice');
    const f = finding({ type: 'UnauthorizedAccess:IAMUser/TorIPCaller', resources: [key, user('alice')] });

    // Act
    const decision = evaluatePolicy(compiled, f);

    // Assess
    expect(decision.actions).toEqual([
      { action: 'disable-access-key', params: { denyOlderSessions: false }, resource: key },
    ]);
  });

  it('leaves out resources with the exemption tag or a protected ARN, and says so', () => {
    // Prepare
    const compiled = policy(`version: 1
settings:
  protected: ['arn:aws:iam::*:role/Admin*']
rules:
  - name: roles
    action: revoke-role-sessions
    mode: auto
  - name: instances
    action: isolate-ec2-instance
    mode: auto
`);
    const admin = role('AdminRole');
    const app = role('app');

    // Act
    const roles = evaluatePolicy(
      compiled,
      finding({ type: 'UnauthorizedAccess:IAMUser/X', resources: [admin, app] }),
    );
    const exempt = evaluatePolicy(
      compiled,
      finding({ type: 'Backdoor:EC2/X', resources: [instance('i-9', { 'cordon:exempt': 'true' })] }),
    );

    // Assess
    expect(roles.actions.map((a) => a.resource.id)).toEqual(['app']);
    expect(roles.refused.map((r) => [r.resource.id, r.action, r.code])).toEqual([
      ['AdminRole', 'revoke-role-sessions', 'protected'],
    ]);
    expect(roles.reasons).toContain(
      'left out iam-role AdminRole: arn:aws:iam::123456789012:role/AdminRole matches protected "arn:aws:iam::*:role/Admin*"',
    );
    expect(exempt.rule).toBe('roles');
    expect(exempt.actions).toEqual([]);
    expect(exempt.reasons.at(-1)).toBe(
      'rule roles matched but no resource fits action revoke-role-sessions: it applies to iam-role, the finding has ec2-instance',
    );
  });

  it('honours the exemption tag only with the configured value when one is set', () => {
    // Prepare
    const compiled = policy(
      'version: 1\nrules:\n  - { name: ec2, action: isolate-ec2-instance, mode: auto }\n',
    );

    // Act
    const exempt = evaluatePolicy(
      compiled,
      finding({ resources: [instance('i-1', { 'cordon:exempt': 'true' })] }),
    );
    const notExempt = evaluatePolicy(
      compiled,
      finding({ resources: [instance('i-2', { 'cordon:exempt': 'false' })] }),
    );

    // Assess
    expect(exempt.actions).toEqual([]);
    expect(exempt.reasons).toEqual([
      'matched rule ec2: the rule has no conditions, so it matches every finding',
      'left out ec2-instance i-1: it has the exemption tag cordon:exempt=true',
      'rule ec2 matched but every resource it applies to was left out; nothing to do',
    ]);
    expect(notExempt.actions.map((a) => a.resource.id)).toEqual(['i-2']);
  });

  it('never plans an action on an account root, and says why', () => {
    // Prepare
    const compiled = policy(
      'version: 1\nrules:\n  - { name: users, action: isolate-iam-user, mode: auto }\n',
    );

    // Act
    const decision = evaluatePolicy(
      compiled,
      finding({ type: 'Policy:IAMUser/RootCredentialUsage', resources: [root()] }),
    );

    // Assess
    expect(decision.actions).toEqual([]);
    expect(decision.refused.map((r) => r.code)).toEqual(['never-contained']);
    expect(decision.reasons).toContain(
      'left out aws-account 123456789012: cordon never contains an account or its root user',
    );
  });

  it('plans no action for a notify rule without one', () => {
    // Prepare
    const compiled = policy('version: 1\nrules:\n  - { name: tell, mode: notify }\n');

    // Act
    const decision = evaluatePolicy(compiled, finding());

    // Assess
    expect(decision.actions).toEqual([]);
    expect(decision.reasons).toEqual([
      'matched rule tell: the rule has no conditions, so it matches every finding',
      'rule tell names no action (mode notify)',
    ]);
  });
});

describe('Policy evaluation: the index', () => {
  it('serialises the lazily computed explanation like any other field', () => {
    // Prepare
    const compiled = policy(TWO_RULES);

    // Act
    const json = JSON.parse(JSON.stringify(evaluatePolicy(compiled, finding({ score: 2 })))) as Record<
      string,
      unknown
    >;

    // Assess
    expect(Object.keys(json)).toEqual([
      'rule',
      'mode',
      'actions',
      'reasons',
      'exemptedByTag',
      'refusedAccounts',
      'refused',
      'explanation',
    ]);
    expect(json['explanation']).toEqual([
      { rule: 'ec2-crypto-mining', matched: false, reason: 'severity 2 is below min 7' },
      {
        rule: 'notify-everything',
        matched: true,
        reason: 'the rule has no conditions, so it matches every finding',
      },
    ]);
  });

  it('decides exactly as a plain rule-by-rule reading of the explanation would (property)', () => {
    // Prepare: random policies over a small vocabulary so that rules often overlap.
    const types = [
      'CryptoCurrency:EC2/BitcoinTool.B',
      'Backdoor:EC2/Spambot',
      'Recon:IAMUser/TorIPCaller',
      'Weird',
      'Policy:X',
    ];
    const globs = [
      'CryptoCurrency:EC2/*',
      'Backdoor:*',
      '*EC2*',
      'Recon:IAMUser/TorIPCaller',
      '*',
      'Weird',
      'Policy:?',
    ];
    const ruleArb = fc.record({
      source: fc.option(fc.constantFrom('guardduty', 'securityhub'), { nil: undefined }),
      type: fc.option(fc.subarray(globs, { minLength: 1 }), { nil: undefined }),
      min: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
      resourceType: fc.option(fc.constantFrom('ec2-instance', 'iam-access-key'), { nil: undefined }),
      sample: fc.option(fc.boolean(), { nil: undefined }),
      account: fc.option(fc.constantFrom(ACCOUNT, '111111111111'), { nil: undefined }),
      team: fc.option(fc.constantFrom('red', 'blue'), { nil: undefined }),
    });
    const findingArb = fc.record({
      type: fc.constantFrom(...types),
      source: fc.constantFrom('guardduty' as const, 'securityhub' as const),
      score: fc.integer({ min: 0, max: 10 }),
      sample: fc.boolean(),
      resource: fc.constantFrom('ec2-instance', 'iam-access-key'),
      account: fc.constantFrom(ACCOUNT, '111111111111'),
      team: fc.constantFrom('red', 'blue'),
    });

    // Act + Assess
    fc.assert(
      fc.property(
        fc.array(ruleArb, { minLength: 1, maxLength: 8 }),
        fc.array(findingArb, { minLength: 1, maxLength: 5 }),
        (rules, findings) => {
          const yaml = ['version: 1', 'rules:'];
          rules.forEach((r, i) => {
            const match: Record<string, unknown> = {};
            if (r.source) match['source'] = r.source;
            if (r.type) match['type'] = r.type;
            if (r.min !== undefined) match['severity'] = { min: r.min };
            if (r.resourceType) match['resourceType'] = r.resourceType;
            if (r.sample !== undefined) match['sample'] = r.sample;
            if (r.account) match['accounts'] = { include: [r.account] };
            if (r.team) match['tags'] = { team: r.team };
            yaml.push(`  - { name: r${i}, mode: notify, match: ${JSON.stringify(match)} }`);
          });
          const compiled = policy(yaml.join('\n'));
          for (const f of findings) {
            const resource = f.resource === 'ec2-instance' ? instance('i-1', { team: f.team }) : accessKey();
            const input = finding({
              type: f.type,
              source: f.source,
              score: f.score,
              sample: f.sample,
              accountId: f.account,
              resources: [resource],
            });
            const decision = evaluatePolicy(compiled, input);
            // The memo and the shared explanations must give the same words as a cold policy.
            const cold = evaluatePolicy(policy(yaml.join('\n')), input);
            expect(decision).toEqual(cold);
            const firstMatched = decision.explanation.find((e) => e.matched)?.rule ?? null;
            expect(decision.rule).toBe(firstMatched);
            expect(decision.explanation.filter((e) => e.matched).length).toBe(decision.rule === null ? 0 : 1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Policy evaluation: the type memo', () => {
  it('keeps deciding correctly when a flood of invented types overflows the memo', () => {
    // Prepare
    const compiled = policy(TWO_RULES);
    const decisions: (string | null)[] = [];

    // Act
    for (let i = 0; i < 25_000; i++) {
      decisions.push(
        evaluatePolicy(compiled, finding({ type: `CryptoCurrency:EC2/Invented${i}`, score: 8 })).rule,
      );
    }
    const other = evaluatePolicy(compiled, finding({ type: 'Recon:EC2/Portscan', score: 8 }));

    // Assess
    expect(new Set(decisions)).toEqual(new Set(['ec2-crypto-mining']));
    expect(other.rule).toBe('notify-everything');
  });

  it('shares frozen explanation entries for rules that fail on type, so no caller can alter another decision', () => {
    // Prepare
    const compiled = policy(TWO_RULES);
    const f = finding({ type: 'Recon:EC2/Portscan' });

    // Act
    const first = evaluatePolicy(compiled, f);
    const second = evaluatePolicy(compiled, f);

    // Assess
    expect(first.explanation[0]).toBe(second.explanation[0]);
    expect(Object.isFrozen(first.explanation[0])).toBe(true);
    expect(first.explanation).not.toBe(second.explanation);
  });

  it('shares the explanation of a rule that fails on another condition among findings with the same value', () => {
    // Prepare
    const compiled = policy(TWO_RULES);

    // Act
    const first = evaluatePolicy(compiled, finding({ score: 2, key: 'a' }));
    const second = evaluatePolicy(compiled, finding({ score: 2, key: 'b' }));
    const other = evaluatePolicy(compiled, finding({ score: 3, key: 'c' }));

    // Assess
    expect(first.explanation[0]).toBe(second.explanation[0]);
    expect(Object.isFrozen(first.explanation[0])).toBe(true);
    expect(other.explanation[0]?.reason).toBe('severity 3 is below min 7');
  });
});
