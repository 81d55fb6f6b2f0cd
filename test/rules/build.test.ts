import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildRules,
  fillPlaceholders,
  loadRuleFiles,
  renderRuleFile,
  rulesReachedBy,
  staleRuleFiles,
  writeRuleFiles,
  type RuleFile,
} from '../../functions/lib/eventbridge/rules.js';
import { compilePattern } from '../../functions/lib/eventbridge/matcher.js';
import { DEFAULT_POLICY_SETTINGS, evaluatePolicy, loadPolicy } from '../../functions/lib/policy/index.js';
import type {
  CompiledPolicy,
  CompiledRule,
  Mode,
  PolicySettings,
  RuleMatch,
} from '../../functions/lib/policy/model.js';
import {
  asffTypesForGuardDutyType,
  GUARDDUTY_FINDING_TYPES,
  normaliseFindings,
} from '../../functions/lib/findings/index.js';
import {
  clone,
  firstAsff,
  guardDutyEvent,
  loadEvent,
  sampleEventFiles,
  securityHubImportedEvent,
  securityHubTwinOf,
} from '../findings/support.js';

const SECURITY_ACCOUNT = '999988887777';

function rule(name: string, match: RuleMatch, mode: Mode = 'auto', action?: string): CompiledRule {
  return {
    name,
    match,
    mode,
    ...(action !== undefined ? { action } : {}),
    params: {},
    position: { file: 'policies/test.yaml', line: 1, col: 1 },
  };
}

function policyOf(rules: CompiledRule[], settings: Partial<PolicySettings> = {}): CompiledPolicy {
  return { files: ['policies/test.yaml'], settings: { ...DEFAULT_POLICY_SETTINGS, ...settings }, rules };
}

function byName(rules: RuleFile[], name: string): RuleFile {
  const found = rules.find((r) => r.name === name);
  if (!found) throw new Error(`no rule file ${name}`);
  return found;
}

type Json = Record<string, unknown>;

/** GuardDuty events for one native type with the resource shapes GuardDuty uses. */
function eventsForType(type: string, severity: number): Json[] {
  const resources: Json[] = [
    { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0123456789abcdef0' } },
    {
      resourceType: 'AccessKey',
      accessKeyDetails: { accessKeyId: 'AKIAEXAMPLE000000001', userName: 'ci-bot', userType: 'IAMUser' },
    },
    {
      resourceType: 'AccessKey',
      accessKeyDetails: {
        accessKeyId: 'ASIAEXAMPLE000000001',
        principalId: 'AROAEXAMPLE:i-0123456789abcdef0',
        userName: 'app-role',
        userType: 'AssumedRole',
      },
    },
  ];
  return resources.map((resource) => guardDutyEvent({ type, severity, resource, accountId: '222233334444' }));
}

/**
 * Every GuardDuty type × severities × resource shapes, directly and through Security Hub with the ASFF types of
 * the reference table. (Types the table does not map are covered on the Security Hub path only while the
 * pattern's wildcard budget allows; see the dedicated test.)
 */
function generatedEvents(): Json[] {
  const events: Json[] = [];
  for (const type of GUARDDUTY_FINDING_TYPES) {
    const asffTypes = asffTypesForGuardDutyType(type);
    for (const severity of [1, 5, 7.5, 9.5]) {
      for (const event of eventsForType(type, severity)) {
        events.push(event);
        if (asffTypes.length > 0) events.push(securityHubTwinOf(event, asffTypes));
      }
    }
  }
  return events;
}

/** Events that the policy acts on (any mode) but the rules would not deliver. */
function undelivered(policy: CompiledPolicy, rules: RuleFile[], events: Json[]): string[] {
  const missed: string[] = [];
  for (const event of events) {
    const findings = normaliseFindings(event);
    const acted = findings.some((f) => evaluatePolicy(policy, f).rule !== null);
    if (acted && rulesReachedBy(event, rules).length === 0) {
      const f = findings[0];
      missed.push(`${String(event['detail-type'])} ${f?.type ?? ''} severity ${f?.severity.score ?? ''}`);
    }
  }
  return missed;
}

const VARIED_POLICY = policyOf([
  rule('crypto', { sources: ['guardduty'], types: ['CryptoCurrency:EC2/*'], severity: { min: 7 } }),
  rule('tor-anything', { types: ['*/TorIPCaller', '*TorClient'] }, 'approval'),
  rule('brute-force', { types: ['*:EC2/*BruteForce'], severity: { labels: ['MEDIUM', 'HIGH'] } }, 'notify'),
  rule('one-char', { types: ['Backdoor:EC2/C&CActivity.?'] }, 'approval'),
  rule('exact-dns', { types: ['Trojan:EC2/DNSDataExfiltration'] }, 'notify'),
  rule('attack-sequences', { types: ['AttackSequence:*'] }, 'notify'),
  rule('kubernetes', { products: ['GuardDuty'], types: ['*:Kubernetes/*'], severity: { min: 5 } }, 'notify'),
  rule(
    's3-critical',
    { sources: ['guardduty'], types: ['*:S3/*'], severity: { labels: ['CRITICAL'] } },
    'notify',
  ),
  rule('irregular', {
    types: ['DefenseEvasion:EC2/UnusualDNSResolver', 'CredentialAccess:IAMUser/AnomalousBehavior'],
  }),
  rule(
    'controls',
    {
      sources: ['securityhub'],
      types: ['Software and Configuration Checks/Industry and Regulatory Standards/*'],
    },
    'notify',
  ),
]);

describe('Rules: generation', () => {
  it('generates the GuardDuty prefilter from types, minimum severity and the sample setting', () => {
    // Prepare
    const policy = policyOf([
      rule('crypto', { sources: ['guardduty'], types: ['CryptoCurrency:EC2/*'], severity: { min: 7 } }),
    ]);

    // Act
    const rules = buildRules(policy);

    // Assess
    expect(rules.map((r) => [r.name, r.file, r.target])).toEqual([
      ['approve-custom-action', 'approve-custom-action.json', 'approve'],
      ['triage-guardduty', 'triage-guardduty.json', 'triage'],
      ['triage-securityhub-imported', 'triage-securityhub-imported.json', 'triage'],
    ]);
    expect(byName(rules, 'triage-guardduty').pattern).toEqual({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: {
        type: [{ prefix: 'CryptoCurrency:EC2/' }],
        severity: [{ numeric: ['>=', 7] }],
        service: { additionalInfo: { sample: [{ exists: false }] } },
      },
    });
    expect(byName(rules, 'triage-securityhub-imported').pattern).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Imported'],
      detail: {
        findings: {
          ProductArn: [{ suffix: ':product/aws/guardduty' }],
          Types: [{ wildcard: '*CryptoCurrency:EC2-*' }],
          ProductFields: { 'aws/guardduty/service/additionalInfo/sample': [{ exists: false }] },
          Workflow: { Status: ['NEW'] },
          RecordState: ['ACTIVE'],
        },
      },
    });
  });

  it('keeps GuardDuty and other products apart, and drops the type filter when a rule has none', () => {
    // Prepare
    const policy = policyOf(
      [
        rule('all-guardduty', { sources: ['guardduty'] }, 'notify'),
        rule(
          'controls',
          { sources: ['securityhub'], types: ['Software and Configuration Checks/*'] },
          'notify',
        ),
      ],
      { includeSampleFindings: true },
    );

    // Act
    const rules = buildRules(policy);

    // Assess
    expect(byName(rules, 'triage-guardduty').pattern).toEqual({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
    });
    expect(byName(rules, 'triage-securityhub-imported').pattern).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Imported'],
      detail: {
        findings: {
          $or: [
            { ProductArn: [{ suffix: ':product/aws/guardduty' }] },
            {
              ProductArn: [{ 'anything-but': { suffix: ':product/aws/guardduty' } }],
              Types: [{ prefix: 'Software and Configuration Checks/' }],
            },
          ],
          Workflow: { Status: ['NEW'] },
          RecordState: ['ACTIVE'],
        },
      },
    });
  });

  it('generates no triage rules for a policy without rules, but always the custom-action rule', () => {
    // Act
    const rules = buildRules(policyOf([]));

    // Assess
    expect(rules.map((r) => r.name)).toEqual(['approve-custom-action']);
  });

  it('is deterministic and renders pretty JSON with a trailing newline', () => {
    // Act
    const first = buildRules(VARIED_POLICY).map(renderRuleFile);
    const second = buildRules(policyOf([...VARIED_POLICY.rules].reverse())).map(renderRuleFile);

    // Assess
    expect(second).toEqual(first);
    for (const text of first) {
      expect(text.endsWith('}\n')).toBe(true);
      expect(text).toContain('\n  "source": [\n    "aws.');
    }
  });

  it('keeps every pattern within 4096 characters and valid for the matcher, even for a huge policy', () => {
    // Prepare
    const many = GUARDDUTY_FINDING_TYPES.map((t, i) => rule(`r${i}`, { types: [t] }, 'notify'));
    const policy = policyOf(many);

    // Act
    const rules = buildRules(policy);
    const events = GUARDDUTY_FINDING_TYPES.slice(0, 40).flatMap((t) => eventsForType(t, 5).slice(0, 1));

    // Assess
    for (const r of rules) {
      expect(JSON.stringify(r.pattern).length).toBeLessThanOrEqual(4096);
      expect(() =>
        compilePattern(fillPlaceholders(r.pattern, { account_id: SECURITY_ACCOUNT, region: 'eu-west-1' })),
      ).not.toThrow();
    }
    expect(undelivered(policy, rules, events)).toEqual([]);
  });

  it('escapes template syntax in values and fillPlaceholders restores it', () => {
    // Prepare
    const policy = policyOf([
      rule('odd', { sources: ['guardduty'], types: ['Weird:EC2/${x}%{y}'] }, 'notify'),
    ]);

    // Act
    const gd = byName(buildRules(policy), 'triage-guardduty');
    const filled = fillPlaceholders(gd.pattern, { account_id: SECURITY_ACCOUNT, region: 'eu-west-1' });

    // Assess
    expect((gd.pattern as { detail: { type: unknown } }).detail.type).toEqual(['Weird:EC2/$${x}%%{y}']);
    expect((filled as { detail: { type: unknown } }).detail.type).toEqual(['Weird:EC2/${x}%{y}']);
  });
});

describe('Rules: delivery', () => {
  it('delivers every sample finding that a policy acts on', () => {
    // Prepare: a policy that counts samples and matches every sample event's type.
    const policy = policyOf(
      [
        rule('backdoor', { types: ['Backdoor:EC2/*'] }, 'approval'),
        rule('brute', { types: ['UnauthorizedAccess:EC2/SSHBruteForce'], severity: { max: 3 } }, 'notify'),
        rule('iam', { types: ['UnauthorizedAccess:IAMUser/*'], severity: { min: 4 } }, 'approval'),
        rule('s3', { types: ['Exfiltration:S3/*'] }, 'approval'),
        rule('runtime', { types: ['*:Runtime/*'] }, 'notify'),
        rule('lambda', { types: ['Backdoor:Lambda/*'] }, 'auto'),
        rule('rds', { types: ['CredentialAccess:RDS/*'] }, 'approval'),
        rule(
          'controls',
          { sources: ['securityhub'], types: ['Software and Configuration Checks/*'] },
          'notify',
        ),
      ],
      { includeSampleFindings: true },
    );
    const rules = buildRules(policy);
    const events = sampleEventFiles()
      .filter((f) => !f.startsWith('securityhub-custom-action'))
      .map(loadEvent);

    // Act
    const reached = events.map((e) =>
      rulesReachedBy(e, rules, { account_id: SECURITY_ACCOUNT, region: 'us-east-1' }),
    );
    const decisions = events.map((e) => normaliseFindings(e).map((f) => evaluatePolicy(policy, f).rule));

    // Assess
    expect(decisions).toEqual([
      ['backdoor'],
      ['brute'],
      ['runtime'],
      ['runtime'],
      ['iam'],
      ['lambda'],
      ['rds'],
      ['s3'],
      ['brute'],
      ['controls'],
    ]);
    expect(reached).toEqual([
      ['triage-guardduty'],
      ['triage-guardduty'],
      ['triage-guardduty'],
      ['triage-guardduty'],
      ['triage-guardduty'],
      ['triage-guardduty'],
      ['triage-guardduty'],
      ['triage-guardduty'],
      ['triage-securityhub-imported'],
      ['triage-securityhub-imported'],
    ]);
  });

  it('delivers every generated GuardDuty finding the policy acts on, by both paths, and filters the rest', () => {
    // Prepare
    const rules = buildRules(VARIED_POLICY);
    const events = generatedEvents();

    // Act
    const missed = undelivered(VARIED_POLICY, rules, events);
    const delivered = events.filter((e) => rulesReachedBy(e, rules).length > 0).length;

    // Assess
    expect(events.length).toBeGreaterThan(5000);
    expect(missed).toEqual([]);
    // A prefilter that lets everything through would be useless: most generated findings are dropped.
    expect(delivered).toBeLessThan(events.length / 2);
  });

  it('delivers a GuardDuty finding just under a severity threshold exactly when the policy acts on it', () => {
    // Prepare: rules on a numeric minimum and on a label; severities a hair under and at each threshold
    const policy = policyOf([
      rule('min-seven', { sources: ['guardduty'], types: ['Backdoor:EC2/*'], severity: { min: 7 } }),
      rule('critical', {
        sources: ['guardduty'],
        types: ['Trojan:EC2/*'],
        severity: { labels: ['CRITICAL'] },
      }),
    ]);
    const rules = buildRules(policy);
    const events = [6.95, 6.999, 7, 8.95, 9].flatMap((severity) => [
      ...eventsForType('Backdoor:EC2/C&CActivity.B', severity),
      ...eventsForType('Trojan:EC2/DNSDataExfiltration', severity),
    ]);

    // Act
    const missed = undelivered(policy, rules, events);
    const acted = events.filter((e) =>
      normaliseFindings(e).some((f) => evaluatePolicy(policy, f).rule !== null),
    );

    // Assess
    expect(missed).toEqual([]);
    // Rounding 6.95 up to 7 would make the policy act on it while the rule's `>= 7` drops it.
    expect(acted.map((e) => (e['detail'] as { severity: number }).severity)).not.toContain(6.95);
  });

  it('delivers GuardDuty types newer than the reference table through Security Hub when wildcards fit', () => {
    // Prepare
    const policy = policyOf([
      rule('crypto', { sources: ['guardduty'], types: ['CryptoCurrency:EC2/*'] }),
      rule('sequences', { sources: ['guardduty'], types: ['AttackSequence:*'] }, 'notify'),
    ]);
    const rules = buildRules(policy);
    const newTypes: [string, string][] = [
      ['CryptoCurrency:EC2/NewMiner.B', 'TTPs/Command and Control/CryptoCurrency:EC2-NewMiner.B'],
      ['AttackSequence:EKS/CompromisedCluster', 'TTPs/AttackSequence:EKS/CompromisedCluster'],
    ];
    const events = newTypes.map(([native, asff]) =>
      securityHubTwinOf(guardDutyEvent({ type: native, severity: 8 }), [asff]),
    );

    // Act
    const types = events.map((e) => normaliseFindings(e)[0]?.type);
    const reached = events.map((e) => rulesReachedBy(e, rules));

    // Assess
    expect(types).toEqual(['CryptoCurrency:EC2/NewMiner.B', 'AttackSequence:EKS/CompromisedCluster']);
    expect(reached).toEqual([['triage-securityhub-imported'], ['triage-securityhub-imported']]);
  });

  it('drops sample findings when no rule counts them, and delivers them when one does', () => {
    // Prepare
    const sample = guardDutyEvent({ type: 'Backdoor:EC2/Spambot', severity: 8, sample: true });
    const twin = securityHubTwinOf(sample, ['TTPs/Command and Control/Backdoor:EC2-Spambot']);
    const excluding = buildRules(policyOf([rule('b', { types: ['Backdoor:*'] })]));
    const including = buildRules(policyOf([rule('b', { types: ['Backdoor:*'], sample: true })]));

    // Act & Assess
    expect(rulesReachedBy(sample, excluding)).toEqual([]);
    expect(rulesReachedBy(twin, excluding)).toEqual([]);
    expect(rulesReachedBy(sample, including)).toEqual(['triage-guardduty']);
    expect(rulesReachedBy(twin, including)).toEqual(['triage-securityhub-imported']);
  });

  it('drops write-back echoes: the same Security Hub finding once cordon set it NOTIFIED, or archived', () => {
    // Prepare
    const rules = buildRules(VARIED_POLICY);
    const gdViaHub = loadEvent('securityhub-imported-guardduty-ec2-sshbruteforce.docs-assembled.json');
    firstAsff(gdViaHub)['Severity'] = { Product: 5, Label: 'MEDIUM', Normalized: 50 };
    const control = loadEvent('securityhub-imported-securityhub-control-iam-user.asr-assembled.json');
    const fresh = [gdViaHub, control];
    const echoes = fresh.map((e) => {
      const echo = clone(e);
      firstAsff(echo)['Workflow'] = { Status: 'NOTIFIED' };
      firstAsff(echo)['Note'] = { Text: 'cordon: isolated', UpdatedBy: 'cordon' };
      return echo;
    });
    const archived = fresh.map((e) => {
      const copy = clone(e);
      firstAsff(copy)['RecordState'] = 'ARCHIVED';
      return copy;
    });

    // Act
    const reachedFresh = fresh.map((e) => rulesReachedBy(e, rules));
    const reachedEchoes = echoes.map((e) => rulesReachedBy(e, rules));
    const reachedArchived = archived.map((e) => rulesReachedBy(e, rules));

    // Assess
    expect(reachedFresh).toEqual([['triage-securityhub-imported'], ['triage-securityhub-imported']]);
    expect(reachedEchoes).toEqual([[], []]);
    expect(reachedArchived).toEqual([[], []]);
  });
});

describe('Rules: custom-action rule', () => {
  const region = 'eu-west-1';
  const vars = { account_id: SECURITY_ACCOUNT, region };

  function customAction(arn: string, detailType = 'Security Hub Findings - Custom Action'): Json {
    const event = clone(loadEvent('securityhub-custom-action-guardduty-iam-accesskey.custodian.json'));
    event['resources'] = [arn];
    event['account'] = SECURITY_ACCOUNT;
    event['region'] = region;
    event['detail-type'] = detailType;
    return event;
  }

  it('accepts only cordon approve and reject action ARNs of the security account and region', () => {
    // Prepare
    const rules = buildRules(policyOf([], { customActions: { approve: 'OkIsolate', reject: 'NoIsolate' } }));
    const approveRule = byName(rules, 'approve-custom-action');
    const arn = (id: string, acct = SECURITY_ACCOUNT, reg = region) =>
      `arn:aws:securityhub:${reg}:${acct}:action/custom/${id}`;

    // Act
    const results = {
      approve: rulesReachedBy(customAction(arn('OkIsolate')), rules, vars),
      reject: rulesReachedBy(customAction(arn('NoIsolate')), rules, vars),
      otherAction: rulesReachedBy(customAction(arn('aws')), rules, vars),
      longerId: rulesReachedBy(customAction(arn('OkIsolateNow')), rules, vars),
      otherAccount: rulesReachedBy(customAction(arn('OkIsolate', '111122223333')), rules, vars),
      otherRegion: rulesReachedBy(customAction(arn('OkIsolate', SECURITY_ACCOUNT, 'us-east-1')), rules, vars),
      importedEvent: rulesReachedBy(
        customAction(arn('OkIsolate'), 'Security Hub Findings - Imported'),
        rules,
        vars,
      ),
    };

    // Assess
    expect(approveRule.pattern).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Custom Action'],
      resources: [
        'arn:${partition}:securityhub:${region}:${account_id}:action/custom/OkIsolate',
        'arn:${partition}:securityhub:${region}:${account_id}:action/custom/NoIsolate',
      ],
    });
    expect(results).toEqual({
      approve: ['approve-custom-action'],
      reject: ['approve-custom-action'],
      otherAction: [],
      longerId: [],
      otherAccount: [],
      otherRegion: [],
      importedEvent: [],
    });
  });
});

describe('Rules: files', () => {
  it('writes, reloads and checks rule files, and removes generated files the policy no longer makes', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-rules-'));
    writeFileSync(join(dir, 'triage-obsolete.json'), '{}\n');
    writeFileSync(join(dir, 'README.txt'), 'not a rule file\n');
    const rules = buildRules(VARIED_POLICY);

    // Act
    const before = staleRuleFiles(rules, dir);
    const report = writeRuleFiles(rules, dir);
    const after = staleRuleFiles(rules, dir);
    const again = writeRuleFiles(rules, dir);
    const loaded = loadRuleFiles(dir);

    // Assess
    expect(before.map((s) => s.problem)).toEqual([
      'missing',
      'missing',
      'missing',
      'not generated by the policy',
    ]);
    expect(report.written).toHaveLength(3);
    expect(report.removed).toEqual([join(dir, 'triage-obsolete.json')]);
    expect(after).toEqual([]);
    expect(again.unchanged).toHaveLength(3);
    expect(loaded).toEqual(rules);
  });
});

describe('Rules: the shipped policy', () => {
  const policy = loadPolicy(['policies']);
  const rules = buildRules(policy);

  it('generated rules deliver every finding the shipped policy acts on', () => {
    // Prepare
    const samples = sampleEventFiles()
      .filter((f) => !f.startsWith('securityhub-custom-action'))
      .map(loadEvent);
    const events = [...samples, ...generatedEvents()];

    // Act
    const missed = undelivered(policy, rules, events);

    // Assess
    expect(missed).toEqual([]);
  });

  it('drops write-back echoes of findings the shipped policy acts on', () => {
    // Prepare
    const acted = generatedEvents().filter(
      (e) =>
        e['detail-type'] === 'Security Hub Findings - Imported' &&
        normaliseFindings(e).some((f) => evaluatePolicy(policy, f).rule !== null),
    );
    const echoes = acted.map((e) => {
      const echo = clone(e);
      firstAsff(echo)['Workflow'] = { Status: 'NOTIFIED' };
      return echo;
    });

    // Act
    const reached = echoes.filter((e) => rulesReachedBy(e, rules).length > 0);

    // Assess
    expect(acted.length).toBeGreaterThan(100);
    expect(reached).toEqual([]);
  });

  it('does not deliver Security Hub findings of other products that no rule names', () => {
    // Prepare
    const control = loadEvent('securityhub-imported-securityhub-control-iam-user.asr-assembled.json');
    const other = securityHubImportedEvent(clone(firstAsff(control)));

    // Act & Assess
    expect(normaliseFindings(other).map((f) => evaluatePolicy(policy, f).rule)).toEqual([null]);
    expect(rulesReachedBy(other, rules)).toEqual([]);
  });

  it('matches the committed rules/ directory (run `npx cordon rules build` after a policy change)', () => {
    // Act & Assess
    expect(staleRuleFiles(rules, 'rules')).toEqual([]);
  });
});
