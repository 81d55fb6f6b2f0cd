/**
 * `cordon policy coverage`: every active GuardDuty type of the reference table gets the decision the real parser
 * and evaluator give a typical finding of it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policyCoverage, readFindingTypes } from '../../functions/lib/policy/coverage.js';
import { loadPolicy } from '../../functions/lib/policy/index.js';

const TABLE = 'scripts/data/guardduty-finding-types.csv';

function cordon(...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/cordon.mjs', ...args], { encoding: 'utf8' }, (error, stdout) => {
      resolve({ code: error && typeof error.code === 'number' ? error.code : 0, stdout });
    });
  });
}

describe('policy coverage', () => {
  const rows = readFindingTypes(readFileSync(TABLE, 'utf8'));
  const report = policyCoverage(loadPolicy(['policies']), rows);
  const of = (type: string) => report.types.find((t) => t.type === type);

  it('decides every active type of the table, and only those', () => {
    // Assess
    expect(report.types.length).toBe(rows.filter((r) => r.active).length);
    expect(report.types.length).toBeGreaterThan(150);
    expect(report.contained).toBe(
      report.types.filter((t) => (t.mode === 'auto' || t.mode === 'approval') && t.actions.length > 0).length,
    );
  });

  it('gives each type the decision of the default policy, at its documented severity', () => {
    // Assess
    expect(of('Backdoor:EC2/C&CActivity.B')).toMatchObject({
      family: 'Instance',
      rule: 'ec2-backdoor-trojan-high',
      mode: 'auto',
      actions: ['isolate-ec2-instance'],
      named: true,
    });
    // Documented Low*: Low when the instance is the target (notify), High when it attacks others (approval).
    expect(of('UnauthorizedAccess:EC2/SSHBruteForce')).toMatchObject({
      severities: [2, 5, 8],
      decidedAt: 8,
      rule: 'ec2-outbound-brute-force',
      mode: 'approval',
    });
    // Documented Medium: no severity to try.
    expect(of('Behavior:EC2/NetworkPortUnusual')).toMatchObject({ severities: [5] });
  });

  it('tries the blocks a family may carry besides its own, from the kinds, and says which one decided', () => {
    // Assess: a runtime finding is contained through the instance it names, an EKS audit finding through the
    // IAM role session of its Kubernetes user, a credential finding through the role whose session it is.
    expect(of('Execution:Runtime/ReverseShell')).toMatchObject({
      family: 'Instance',
      example: null,
      mode: 'auto',
      actions: ['isolate-ec2-instance'],
    });
    expect(of('Execution:Kubernetes/MaliciousFile')).toMatchObject({
      family: 'EKSCluster',
      example: 'ec2-instance',
      actions: ['isolate-ec2-instance'],
    });
    expect(of('Discovery:Kubernetes/TorIPCaller')).toMatchObject({
      family: 'EKSCluster',
      example: 'iam-role',
      mode: 'approval',
      actions: ['revoke-role-sessions'],
    });
    expect(of('UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS')).toMatchObject({
      example: 'iam-role',
      mode: 'auto',
    });
    // Anonymous Kubernetes access names no IAM principal: notify, by a rule that names it.
    expect(of('Discovery:Kubernetes/SuccessfulAnonymousAccess')).toMatchObject({
      mode: 'notify',
      named: true,
    });
  });

  it('contains at least 80% of the active types, the goal of issue 14', () => {
    expect(report.contained / report.types.length).toBeGreaterThanOrEqual(0.8);
  });

  it('leaves no active type to a catch-all rule: every one is named by a deliberate rule', () => {
    // Assess
    const lambda = of('Backdoor:Lambda/C&CActivity.B');
    expect(lambda).toMatchObject({ family: 'Lambda', rule: 'lambda-function-compromise', named: true });
    expect(of('CredentialAccess:RDS/TorIPCaller.FailedLogin')).toMatchObject({
      rule: 'rds-failed-login-or-discovery',
      mode: 'notify',
    });
    expect(report.unnamed).toEqual([]);
    // Attack sequences name no family, and a rule decides them deliberately.
    expect(of('AttackSequence:IAM/CompromisedCredentials')).toMatchObject({
      family: null,
      rule: 'attack-sequence',
      named: true,
    });
    expect(report.unnamed).not.toContain('Backdoor:EC2/C&CActivity.B');
  });

  it('prints JSON, and with --strict exits 1 while a type is named by no rule', async () => {
    // Act
    const json = await cordon('policy', 'coverage', '--json');
    const strict = await cordon('policy', 'coverage', '--strict');

    // Assess
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { total: number; contained: number; share: number };
    expect(parsed).toMatchObject({ total: report.types.length, contained: report.contained });
    expect(strict.code).toBe(report.unnamed.length > 0 ? 1 : 0);
    expect(strict.stdout).toMatch(/map to a containment action/);
  });
});
