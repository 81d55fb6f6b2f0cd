/**
 * The EKS node of a finding: which instance a finding about a pod lets a rule contain, and which it never does.
 * The node comes only from GuardDuty's own `instanceDetails.instanceId` (or Security Hub's `AwsEc2Instance`),
 * checked against the instance-id pattern; pod names, labels and other workload text never name a target.
 */
import { describe, expect, it } from 'vitest';
import { parseCordonEvent } from '../../functions/lib/findings/index.js';
import type { Finding } from '../../functions/lib/findings/model.js';
import { evaluatePolicy, loadPolicy } from '../../functions/lib/policy/index.js';
import { clone, firstAsff, gdDetail, loadEvent } from './support.js';

const policy = loadPolicy(['policies']);
const EKS_SAMPLE = 'guardduty-eks-runtime-reverseshell-node.docs-assembled.json';
const NODE = 'i-0b1c2d3e4f5a69788';

type Json = Record<string, unknown>;

function findingOf(event: unknown): Finding {
  const [finding] = parseCordonEvent(event).findings;
  if (!finding) throw new Error('the event has no finding');
  return finding;
}

function gdResource(event: Json): Json {
  const resource = gdDetail(event)['resource'];
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource))
    throw new Error('no resource block');
  return resource as Json;
}

function decide(finding: Finding) {
  const decision = evaluatePolicy(policy, finding);
  return {
    rule: decision.rule,
    mode: decision.mode,
    actions: decision.actions.map((a) => `${a.action} ${a.resource.type} ${a.resource.id}`),
  };
}

/** Where an attacker who runs a pod can write text that looks like an instance id. */
function attackerShapedWorkload(resource: Json): void {
  resource['kubernetesDetails'] = {
    kubernetesWorkloadDetails: {
      name: 'i-0fedcba9876543210',
      type: 'pods',
      namespace: 'i-0aaaaaaaaaaaaaaaa',
      labels: { 'node.kubernetes.io/instance-id': 'i-0ccccccccccccccccc', 'eks:nodegroup-name': 'general' },
      containers: [{ name: 'i-0dddddddddddddddd', image: 'evil/i-0eeeeeeeeeeeeeeee:latest' }],
    },
  };
}

describe('Findings: the EKS node a runtime finding names', () => {
  it('reads the node from instanceDetails, marks it as the cluster node, and a rule isolates it after approval', () => {
    // Prepare
    const event = loadEvent(EKS_SAMPLE);

    // Act
    const finding = findingOf(event);

    // Assess
    const node = finding.resources.find((r) => r.type === 'ec2-instance');
    expect(node).toMatchObject({ id: NODE, eksNode: { clusterName: 'payments-prod' } });
    expect(finding.resources.map((r) => `${r.type} ${r.id}`)).toEqual([
      'eks-cluster payments-prod',
      `ec2-instance ${NODE}`,
    ]);
    expect(decide(finding)).toEqual({
      rule: 'runtime-on-eks-node',
      mode: 'approval',
      actions: [`isolate-ec2-instance ec2-instance ${NODE}`],
    });
  });

  it('never takes a target from pod names, namespaces, labels or images', () => {
    // Prepare: workload text full of instance ids, and no node block at all
    const event = clone(loadEvent(EKS_SAMPLE));
    const resource = gdResource(event);
    attackerShapedWorkload(resource);
    delete resource['instanceDetails'];

    // Act
    const finding = findingOf(event);

    // Assess
    expect(finding.resources.map((r) => r.type)).toEqual(['eks-cluster']);
    expect(decide(finding)).toEqual({ rule: 'runtime-without-node', mode: 'notify', actions: [] });
  });

  it('keeps the node GuardDuty names when the workload text names other instances', () => {
    // Prepare
    const event = clone(loadEvent(EKS_SAMPLE));
    attackerShapedWorkload(gdResource(event));

    // Act
    const finding = findingOf(event);

    // Assess
    expect(decide(finding).actions).toEqual([`isolate-ec2-instance ec2-instance ${NODE}`]);
  });

  it.each([
    ['an id with extra text', `${NODE}; aws ec2 terminate-instances`],
    ['an ARN', `arn:aws:ec2:us-east-1:123456789012:instance/${NODE}`],
    ['a path', `../${NODE}`],
    ['upper-case hex', 'i-0B1C2D3E4F5A69788'],
    ['a wrong length', 'i-0b1c2d3e4f'],
    ['blank', '  '],
  ])('names no instance when instanceDetails.instanceId is %s', (_what, instanceId) => {
    // Prepare
    const event = clone(loadEvent(EKS_SAMPLE));
    const instance = gdResource(event)['instanceDetails'];
    if (instance === null || typeof instance !== 'object') throw new Error('no instanceDetails');
    Object.assign(instance, { instanceId });

    // Act
    const finding = findingOf(event);

    // Assess: nothing to isolate; the finding is notified, never contained on a guessed id
    expect(finding.resources.some((r) => r.type === 'ec2-instance')).toBe(false);
    expect(decide(finding)).toEqual({ rule: 'runtime-without-node', mode: 'notify', actions: [] });
  });

  it('still marks the node, without a name, when the cluster name is not a valid EKS name', () => {
    // Prepare
    const event = clone(loadEvent(EKS_SAMPLE));
    gdResource(event)['eksClusterDetails'] = { name: 'payments prod; drop', arn: null };

    // Act
    const finding = findingOf(event);

    // Assess: still an EKS node, so still approval
    expect(finding.resources.find((r) => r.type === 'ec2-instance')).toMatchObject({ id: NODE, eksNode: {} });
    expect(decide(finding).rule).toBe('runtime-on-eks-node');
  });

  it('leaves an instance outside EKS to the instance rules (no EKS block, no node mark)', () => {
    // Prepare
    const event = clone(loadEvent(EKS_SAMPLE));
    const resource = gdResource(event);
    resource['resourceType'] = 'Instance';
    delete resource['eksClusterDetails'];
    delete resource['kubernetesDetails'];

    // Act
    const finding = findingOf(event);
    const decision = evaluatePolicy(policy, finding);

    // Assess
    expect(finding.resources.find((r) => r.type === 'ec2-instance')).not.toHaveProperty('eksNode');
    expect(decision.rule).toBe('runtime-backdoor-on-instance');
    expect(decision.explanation.find((e) => e.rule === 'runtime-on-eks-node')?.reason).toBe(
      'no ec2-instance resource is an EKS node',
    );
  });

  it('marks the node of a GuardDuty EKS finding that arrives through Security Hub', () => {
    // Prepare: the imported EC2 finding, with the cluster Security Hub lists beside the instance
    const event = clone(loadEvent('securityhub-imported-guardduty-ec2-sshbruteforce.docs-assembled.json'));
    const asff = firstAsff(event);
    const resources = asff['Resources'];
    if (!Array.isArray(resources)) throw new Error('no Resources');
    resources.push({
      Type: 'AwsEksCluster',
      Id: 'arn:aws:eks:us-east-1:123456789012:cluster/payments-prod',
      Details: { AwsEksCluster: { Name: 'payments-prod' } },
    });

    // Act
    const finding = findingOf(event);

    // Assess
    expect(finding.resources.find((r) => r.type === 'ec2-instance')).toMatchObject({
      eksNode: { clusterName: 'payments-prod' },
    });
  });
});

describe('Findings: EKS audit-log findings name no node', () => {
  function auditLogEvent(type: string): Json {
    const event = clone(loadEvent(EKS_SAMPLE));
    const detail = gdDetail(event);
    detail['type'] = type;
    const resource = gdResource(event);
    delete resource['instanceDetails'];
    resource['kubernetesDetails'] = {
      kubernetesUserDetails: { username: 'system:serviceaccount:checkout:default', uid: 'abc', groups: [] },
      kubernetesWorkloadDetails: { name: 'i-0fedcba9876543210', type: 'pods', namespace: 'kube-system' },
    };
    return event;
  }

  it.each([
    'Execution:Kubernetes/ExecInKubeSystemPod',
    'PrivilegeEscalation:Kubernetes/AnomalousBehavior.WorkloadDeployed!PrivilegedContainer',
    'Policy:Kubernetes/AdminAccessToDefaultServiceAccount',
  ])('%s is notified with the reason, and contains nothing', (type) => {
    // Prepare
    const event = auditLogEvent(type);

    // Act
    const finding = findingOf(event);
    const decision = evaluatePolicy(policy, finding);

    // Assess
    expect(finding.resources.map((r) => r.type)).toEqual(['eks-cluster']);
    expect(decision).toMatchObject({
      rule: 'eks-api-call-other-caller-or-misconfiguration',
      mode: 'notify',
      actions: [],
    });
    expect(decision.reasons.join(' ')).toContain('eks-api-call-other-caller-or-misconfiguration');
  });
});
