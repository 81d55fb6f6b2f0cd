import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../functions/lib/errors.js';
import { actedOnAccount } from '../../functions/lib/findings/account.js';
import type { Finding } from '../../functions/lib/findings/model.js';
import { evaluatePolicy } from '../../functions/lib/policy/index.js';
import { ACCOUNT, finding, policy, user } from './support.js';

const OTHER = '222222222222';

/** A user in another account than the finding's: what a hostile Security Hub finding names. */
function foreignUser(name = 'victim') {
  return { ...user(name), arn: `arn:aws:iam::${OTHER}:user/${name}`, accountId: OTHER };
}

function securityHubFinding(overrides: Partial<Finding>): Finding {
  return finding({
    source: 'securityhub',
    productName: 'Security Hub',
    type: 'Software and Configuration Checks/Industry and Regulatory Standards',
    channel: 'securityhub-imported',
    ...overrides,
  });
}

const CONTAIN_USERS = (extra = '', settings = '') => `version: 1
${settings}rules:
  - name: users
    match: { resourceType: iam-user${extra} }
    action: isolate-iam-user
    mode: auto
  - name: tell
    mode: notify
`;

describe('Policy accounts: the account acted on is the resource account', () => {
  it('reads the account from the resource ARN before the account field', () => {
    // Prepare
    const resource = { ...user('x'), accountId: ACCOUNT, arn: `arn:aws:iam::${OTHER}:user/x` };

    // Act
    const account = actedOnAccount(resource);

    // Assess
    expect(account).toBe(OTHER);
  });

  it('matches accounts.exclude on the resource account, not on the finding account', () => {
    // Prepare: the defect: a finding from ACCOUNT naming a user in the excluded account OTHER was contained
    const compiled = policy(
      CONTAIN_USERS(
        `, accounts: { exclude: ['${OTHER}'] }`,
        'settings:\n  allowCrossAccountResources: true\n',
      ),
    );
    const f = securityHubFinding({ resources: [foreignUser()] });

    // Act
    const decision = evaluatePolicy(compiled, f);

    // Assess
    expect(decision.rule).toBe('tell');
    expect(decision.actions).toEqual([]);
    expect(decision.explanation[0]?.reason).toBe(`account ${OTHER} is in accounts.exclude`);
  });

  it('leaves out a resource of another account by default, with the cross-account code', () => {
    // Prepare
    const compiled = policy(CONTAIN_USERS());
    const f = securityHubFinding({ resources: [foreignUser(), user('local')] });

    // Act
    const decision = evaluatePolicy(compiled, f);

    // Assess
    expect(decision.rule).toBe('users');
    expect(decision.actions.map((a) => a.resource.id)).toEqual(['local']);
    expect(decision.refusedAccounts.map((r) => [r.resource.id, r.code])).toEqual([
      ['victim', 'cross-account-resource'],
    ]);
    expect(decision.reasons).toContain(
      `left out iam-user victim: iam-user victim is in account ${OTHER}, not in the finding's account ${ACCOUNT} (settings.allowCrossAccountResources is off)`,
    );
  });

  it('acts on a resource of another account when allowCrossAccountResources is true', () => {
    // Prepare
    const compiled = policy(CONTAIN_USERS('', 'settings:\n  allowCrossAccountResources: true\n'));

    // Act
    const decision = evaluatePolicy(compiled, securityHubFinding({ resources: [foreignUser()] }));

    // Assess
    expect(decision.actions.map((a) => a.resource.id)).toEqual(['victim']);
    expect(decision.refusedAccounts).toEqual([]);
  });

  it('leaves out, per resource, the accounts the matching rule does not include', () => {
    // Prepare
    const compiled = policy(
      CONTAIN_USERS(
        `, accounts: { include: ['${ACCOUNT}'] }`,
        'settings:\n  allowCrossAccountResources: true\n',
      ),
    );
    const f = securityHubFinding({ resources: [foreignUser(), user('local')] });

    // Act
    const decision = evaluatePolicy(compiled, f);

    // Assess
    expect(decision.actions.map((a) => a.resource.id)).toEqual(['local']);
    expect(decision.refusedAccounts.map((r) => [r.resource.id, r.code])).toEqual([
      ['victim', 'account-excluded'],
    ]);
    expect(decision.explanation[0]?.reason).toContain(`account ${ACCOUNT}`);
  });

  it('refuses accounts outside settings.memberAccounts', () => {
    // Prepare
    const compiled = policy(CONTAIN_USERS('', `settings:\n  memberAccounts: ['${OTHER}']\n`));

    // Act
    const decision = evaluatePolicy(compiled, finding({ resources: [user('local')] }));

    // Assess
    expect(decision.actions).toEqual([]);
    expect(decision.refusedAccounts.map((r) => r.code)).toEqual(['not-member-account']);
    expect(decision.reasons).toContain(
      `left out iam-user local: account ${ACCOUNT} is not in the member-account allow-list`,
    );
  });

  it('rejects a malformed member account and a non-boolean cross-account setting', () => {
    // Prepare
    const yaml = `version: 1
settings:
  memberAccounts: ['12345']
  allowCrossAccountResources: 'yes'
rules:
  - { name: all, mode: notify }
`;

    // Act
    const load = () => policy(yaml);

    // Assess
    expect(load).toThrow(PolicyValidationError);
    let messages: string[] = [];
    try {
      load();
    } catch (error) {
      if (error instanceof PolicyValidationError) messages = error.issues.map((i) => i.message);
    }
    expect(messages.join('\n')).toMatch(
      /settings\.memberAccounts\[0\]: "12345" must be a 12-digit AWS account id/,
    );
    expect(messages.join('\n')).toMatch(/settings\.allowCrossAccountResources/);
  });
});
