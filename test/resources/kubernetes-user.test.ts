/**
 * The IAM role behind the Kubernetes user of an EKS audit-log finding (resources/iam-role.ts, kubernetesUserRole):
 * read only when the finding proves it, so that revoke-role-sessions never cuts off a guessed role.
 */
import { describe, expect, it } from 'vitest';
import { parseCordonEvent } from '../../functions/lib/findings/index.js';

const ACCOUNT = '111122223333';

function eksFinding(user: Record<string, unknown> | undefined) {
  const event = {
    version: '0',
    id: 'c0ffee00-0000-4000-8000-000000000001',
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: ACCOUNT,
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      schemaVersion: '2.0',
      accountId: ACCOUNT,
      region: 'us-east-1',
      partition: 'aws',
      id: 'k8s00000000000000000000000000001',
      arn: `arn:aws:guardduty:us-east-1:${ACCOUNT}:detector/d1/finding/k8s00000000000000000000000000001`,
      type: 'Discovery:Kubernetes/TorIPCaller',
      severity: 5,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      resource: {
        resourceType: 'EKSCluster',
        eksClusterDetails: { name: 'prod', arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod` },
        ...(user ? { kubernetesDetails: { kubernetesUserDetails: user } } : {}),
      },
      service: { serviceName: 'guardduty', detectorId: 'd1', count: 1, archived: false },
    },
  };
  const [finding] = parseCordonEvent(event).findings;
  if (!finding) throw new Error('no finding');
  return finding.resources.map((r) => `${r.type} ${r.id} ${r.accountId}`);
}

const roleUser = {
  username: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/alice`,
  uid: `aws-iam-authenticator:${ACCOUNT}:AROAEXAMPLEEXAMPLE`,
  groups: ['system:authenticated'],
  sessionName: ['alice'],
};

describe('EKS audit findings: the IAM role of the Kubernetes user', () => {
  it('reads the role when the user name is its assumed-role ARN and the uid is a role of that account', () => {
    expect(eksFinding(roleUser)).toEqual([`eks-cluster prod ${ACCOUNT}`, `iam-role deployer ${ACCOUNT}`]);
    // sessionName as a single string (older shapes) is read too.
    expect(eksFinding({ ...roleUser, sessionName: 'alice' })).toContain(`iam-role deployer ${ACCOUNT}`);
  });

  it('keeps the account of the ARN, so that the account boundary refuses another account’s role', () => {
    const other = '444455556666';
    const resources = eksFinding({
      ...roleUser,
      username: `arn:aws:sts::${other}:assumed-role/deployer/alice`,
      uid: `aws-iam-authenticator:${other}:AROAEXAMPLEEXAMPLE`,
    });
    expect(resources).toContain(`iam-role deployer ${other}`);
  });

  it.each([
    ['no Kubernetes user', undefined],
    ['a service account', { username: 'system:serviceaccount:default:app', uid: 'a1b2' }],
    ['anonymous', { username: 'system:anonymous', groups: ['system:unauthenticated'] }],
    [
      'a node',
      {
        username: 'system:node:ip-10-0-1-5.ec2.internal',
        uid: `aws-iam-authenticator:${ACCOUNT}:AROANODEROLE`,
      },
    ],
    ['a custom mapped name', { ...roleUser, username: 'deployer' }],
    [
      'an IAM user signing in (AIDA uid)',
      { ...roleUser, uid: `aws-iam-authenticator:${ACCOUNT}:AIDAEXAMPLE1` },
    ],
    [
      'a uid of another account',
      { ...roleUser, uid: 'aws-iam-authenticator:444455556666:AROAEXAMPLEEXAMPLE' },
    ],
    ['a session other than the one named', { ...roleUser, sessionName: ['mallory'] }],
  ])('names no role for %s', (_title, user) => {
    expect(eksFinding(user)).toEqual([`eks-cluster prod ${ACCOUNT}`]);
  });
});
