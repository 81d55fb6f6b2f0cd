/**
 * IAM Identity Center users in findings and in the shipped policy: a GuardDuty finding on a session of an
 * AWSReservedSSO_* role names the person (identity-center-user) next to the role; the shipped policy keeps them
 * protected, and its commented opt-in rule, once enabled as the comment says, plans isolate-identity-center-user.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normaliseFindings } from '../../functions/lib/findings/index.js';
import {
  evaluatePolicy,
  loadPolicy,
  loadPolicyFromStrings,
  type PolicySource,
} from '../../functions/lib/policy/index.js';
import type { Finding } from '../../functions/lib/findings/model.js';
import { guardDutyEvent } from '../findings/support.js';

const SSO_ROLE = 'AWSReservedSSO_AdministratorAccess_0123456789abcdef';
const PROTECTED_LINE = "    - 'arn:aws*:sts::*:assumed-role/AWSReservedSSO_*'\n";

function ssoFinding(roleName = SSO_ROLE): Finding {
  const [finding] = normaliseFindings(
    guardDutyEvent({
      type: 'UnauthorizedAccess:IAMUser/TorIPCaller',
      severity: 8,
      resource: {
        resourceType: 'AccessKey',
        accessKeyDetails: {
          accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
          principalId: 'AROAEXAMPLEEXAMPLE01:alice@example.com',
          userName: roleName,
          userType: 'AssumedRole',
        },
      },
    }),
  );
  if (!finding) throw new Error('no finding');
  return finding;
}

/** The shipped policy files, in filename order, as {@link loadPolicyFromStrings} takes them. */
const SHIPPED = ['default-1-settings-and-hosts.yaml', 'default-2-credentials-and-data.yaml'];

/**
 * The shipped policy (policies/default-*.yaml) with its opt-in enabled the way its comments say (optionally keeping
 * the protection): the settings are in the first file, the commented rule in the second.
 */
function optedIn(keepProtection: boolean): PolicySource[] {
  const texts = SHIPPED.map((file) => ({ file, text: readFileSync(`policies/${file}`, 'utf8') }));
  expect(texts.map((t) => t.text).join('')).toContain(PROTECTED_LINE);
  let start = -1;
  const out = texts.map(({ file, text }) => {
    const lines = (keepProtection ? text : text.replace(PROTECTED_LINE, ''))
      .replace(
        "  # identityCenter: { accountId: '111111111111', region: us-east-1 }",
        "  identityCenter: { accountId: '111111111111', region: us-east-1 }",
      )
      .split('\n');
    const at = lines.indexOf('  # - name: identity-center-user-malicious-ip');
    if (at > 0) start = at;
    for (let i = at; at > 0 && i < lines.length && (lines[i] ?? '').startsWith('  # '); i++) {
      lines[i] = `  ${(lines[i] ?? '').slice(4)}`;
    }
    return { file, text: lines.join('\n') };
  });
  expect(start).toBeGreaterThan(0);
  return out;
}

describe('Identity Center users', () => {
  it('a finding on an AWSReservedSSO_* session names the role and, after it, the Identity Center user', () => {
    // Act
    const finding = ssoFinding();

    // Assess
    expect(finding.resources.map((r) => r.type)).toEqual(['iam-role', 'identity-center-user']);
    expect(finding.resources[1]).toEqual({
      type: 'identity-center-user',
      id: 'alice@example.com',
      arn: `arn:aws:sts::222233334444:assumed-role/${SSO_ROLE}/alice@example.com`,
      accountId: '222233334444',
      region: 'eu-west-1',
      tags: {},
      userName: 'alice@example.com',
      roleName: SSO_ROLE,
      permissionSetName: 'AdministratorAccess',
    });
  });

  it('any other assumed role yields the role only', () => {
    // Act
    const finding = ssoFinding('app-role');

    // Assess
    expect(finding.resources.map((r) => r.type)).toEqual(['iam-role']);
  });

  it('the shipped policy never plans a containment of an Identity Center user or its role', () => {
    // Prepare
    const policy = loadPolicy(['policies']);

    // Act
    const decision = evaluatePolicy(policy, ssoFinding());

    // Assess
    expect(decision.actions).toEqual([]);
    expect(policy.rules.some((r) => r.action === 'isolate-identity-center-user')).toBe(false);
    expect(policy.settings.identityCenter).toBeUndefined();
  });

  it('the opt-in rule alone is not enough: the protected line still leaves the user out', () => {
    // Prepare
    const policy = loadPolicyFromStrings(optedIn(true));

    // Act
    const decision = evaluatePolicy(policy, ssoFinding());

    // Assess
    expect(decision.rule).toBe('identity-center-user-malicious-ip');
    expect(decision.actions).toEqual([]);
    expect(decision.reasons.join('\n')).toContain('matches protected');
  });

  it('a rule with the action but no identityCenter settings fails validation, naming the setting', () => {
    // Prepare
    const texts = optedIn(false).map(({ file, text }) => ({
      file,
      text: text.replace(/^ {2}identityCenter: .*$/m, ''),
    }));

    // Act
    const load = () => loadPolicyFromStrings(texts);

    // Assess
    expect(load).toThrow(
      /rules\[\d+\]\.action: isolate-identity-center-user runs in the account that administers IAM Identity Center; set settings\.identityCenter/,
    );
  });

  it('enabled as its comment says, the opt-in rule asks for approval to isolate the user from the Identity Center account', () => {
    // Prepare
    const policy = loadPolicyFromStrings(optedIn(false));

    // Act
    const decision = evaluatePolicy(policy, ssoFinding());

    // Assess
    expect(decision.rule).toBe('identity-center-user-malicious-ip');
    expect(decision.mode).toBe('approval');
    expect(decision.actions.map((a) => `${a.action} ${a.resource.type} ${a.resource.id}`)).toEqual([
      'isolate-identity-center-user identity-center-user alice@example.com',
    ]);
    expect(policy.settings.identityCenter).toEqual({ accountId: '111111111111', region: 'us-east-1' });
  });
});
