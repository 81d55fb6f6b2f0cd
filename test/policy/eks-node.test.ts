/** The `eksNode` match condition: which EC2 instances a rule selects, how it is explained, and shadowing. */
import { describe, expect, it } from 'vitest';
import { policyCoverage } from '../../functions/lib/policy/coverage.js';
import { evaluatePolicy, loadPolicy } from '../../functions/lib/policy/index.js';
import { accessKey, finding, instance, policy } from './support.js';

const RULES = [
  'version: 1',
  'rules:',
  '  - name: eks-node',
  '    match: { type: "*:Runtime/*", resourceType: ec2-instance, eksNode: true }',
  '    action: isolate-ec2-instance',
  '    mode: approval',
  '  - name: other-instance',
  '    match: { type: "*:Runtime/*", eksNode: false }',
  '    action: isolate-ec2-instance',
  '    mode: auto',
].join('\n');

const node = { ...instance('i-0aaaaaaaaaaaaaaaa'), eksNode: { clusterName: 'payments-prod' } };
const host = instance('i-0bbbbbbbbbbbbbbbb');

describe('Policy: match.eksNode', () => {
  it('selects only the instance the finding names as the EKS node, and only for that rule', () => {
    // Prepare
    const compiled = policy(RULES);
    const both = finding({ type: 'Execution:Runtime/ReverseShell', resources: [host, node] });

    // Act
    const decision = evaluatePolicy(compiled, both);

    // Assess
    expect(decision.rule).toBe('eks-node');
    expect(decision.actions.map((a) => a.resource.id)).toEqual([node.id]);
    expect(decision.reasons.join(' ')).toContain('an EKS node');
  });

  it('leaves an instance that is not a node to a rule with eksNode: false, explaining the miss', () => {
    // Prepare
    const compiled = policy(RULES);

    // Act
    const decision = evaluatePolicy(
      compiled,
      finding({ type: 'Execution:Runtime/ReverseShell', resources: [host] }),
    );

    // Assess
    expect(decision.rule).toBe('other-instance');
    expect(decision.actions.map((a) => a.resource.id)).toEqual([host.id]);
    expect(decision.explanation[0]).toMatchObject({
      rule: 'eks-node',
      matched: false,
      reason: 'no ec2-instance resource is an EKS node',
    });
  });

  it('never selects another resource type, with true or false', () => {
    // Prepare
    const compiled = policy(RULES);

    // Act
    const decision = evaluatePolicy(
      compiled,
      finding({ type: 'Execution:Runtime/ReverseShell', resources: [accessKey()] }),
    );

    // Assess
    expect(decision.rule).toBeNull();
  });

  it('is not shadowed by a later rule without it, and an earlier rule without it shadows it', () => {
    // Prepare
    const shadowed = (yaml: string): string[] =>
      (policy(yaml).warnings ?? [])
        .filter((w) => w.message.includes('can never match'))
        .map((w) => w.message);
    const narrowFirst = [
      'version: 1',
      'rules:',
      '  - { name: node, mode: notify, match: { eksNode: true } }',
      '  - { name: any, mode: notify, match: {} }',
    ].join('\n');
    const broadFirst = [
      'version: 1',
      'rules:',
      '  - { name: any, mode: notify, match: {} }',
      '  - { name: node, mode: notify, match: { eksNode: true } }',
    ].join('\n');

    // Act + Assess
    expect(shadowed(narrowFirst)).toEqual([]);
    expect(shadowed(broadFirst)).toHaveLength(1);
  });

  it('counts EKS node containment in the coverage of a runtime type seen on EKS', () => {
    // Prepare: the type as the table would list it for EKS only
    const row = {
      type: 'Execution:Runtime/ReverseShell',
      resource: 'EKSCluster',
      active: true,
      severity: 'High',
      severityVaries: false,
    };

    // Act
    const report = policyCoverage(loadPolicy(['policies']), [row]);

    // Assess
    expect(report.types[0]).toMatchObject({
      family: 'EKSCluster',
      rule: 'runtime-on-eks-node',
      mode: 'approval',
      actions: ['isolate-ec2-instance'],
    });
    expect(report.contained).toBe(1);
  });
});
