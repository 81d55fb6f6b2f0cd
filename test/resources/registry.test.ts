/**
 * The registry of resource kinds: every resource type has exactly one kind, and the tables other modules used to
 * hand-write (RESOURCE_TYPES order, REQUESTABLE_TYPES, ASFF types and categories) are what the kinds state.
 */
import { describe, expect, it } from 'vitest';
import {
  KINDS,
  REQUESTABLE_TYPES,
  RESOURCE_TYPES,
  findKind,
  kindOf,
  GUARDDUTY_READERS,
} from '../../functions/lib/resources/registry.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import { WrongResourceKindError } from '../../functions/lib/resources/kind.js';
import { GUARDDUTY_EXAMPLES } from '../../functions/lib/resources/guardduty-examples.js';

/** Before the kinds existed, findings/model.ts listed the types in this order (policy bit masks follow it). */
const TYPES_BEFORE = [
  'ec2-instance',
  'iam-user',
  'iam-access-key',
  'iam-role',
  's3-bucket',
  'eks-cluster',
  'identity-center-user',
  'lambda-function',
  'aws-account',
  'other',
  'rds-db-instance',
  'ecs-task',
];

/** What report/securityhub-payload.ts wrote before: its ASFF_RESOURCE_TYPES table, and VM only for EC2. */
const ASFF_BEFORE: Record<string, [string, string]> = {
  'ec2-instance': ['AwsEc2Instance', 'VM'],
  'iam-user': ['AwsIamUser', 'User'],
  'iam-access-key': ['AwsIamAccessKey', 'User'],
  'iam-role': ['AwsIamRole', 'User'],
  's3-bucket': ['AwsS3Bucket', 'User'],
  'eks-cluster': ['AwsEksCluster', 'User'],
  'identity-center-user': ['AwsIamRole', 'User'],
  'lambda-function': ['AwsLambdaFunction', 'User'],
  'aws-account': ['AwsAccount', 'User'],
  other: ['Other', 'User'],
  'rds-db-instance': ['AwsRdsDbInstance', 'User'],
  'ecs-task': ['AwsEcsTask', 'VM'],
};

describe('Resource kind registry', () => {
  it('has exactly one kind per resource type, in the order the types were listed before', () => {
    // Assess
    expect([...RESOURCE_TYPES]).toEqual(TYPES_BEFORE);
    for (const type of RESOURCE_TYPES) {
      expect(KINDS.filter((kind) => kind.type === type)).toHaveLength(1);
      expect(findKind(type)?.type).toBe(type);
    }
    expect(new Set(KINDS.map((kind) => kind.label)).size).toBe(KINDS.length);
  });

  it('lists as requestable the types the API accepted before, S3 buckets, Identity Center users, Lambda functions, RDS instances and ECS tasks', () => {
    expect([...REQUESTABLE_TYPES]).toEqual([
      'ec2-instance',
      'iam-user',
      'iam-access-key',
      'iam-role',
      's3-bucket',
      'identity-center-user',
      'lambda-function',
      'rds-db-instance',
      'ecs-task',
    ]);
  });

  it('stores each kind with its own strict schema: its type only, and no attribute the kind does not state', () => {
    // Prepare
    const base = { id: 'x', accountId: '111122223333', region: 'eu-west-1', tags: {} };

    for (const kind of KINDS) {
      // Act
      const other = KINDS.find((k) => k !== kind);
      const wrongType = kind.stored.safeParse({ ...base, type: other?.type });
      const extra = kind.stored.safeParse({ ...base, type: kind.type, surprise: true });

      // Assess
      expect(wrongType.success).toBe(false);
      expect(extra.success).toBe(false);
      expect(extra.error?.issues.map((i) => i.code)).toContain('unrecognized_keys');
    }
  });

  it('gives each kind the ASFF resource type and category the Security Hub payload used', () => {
    for (const kind of KINDS) expect([kind.asff.type, kind.asff.category]).toEqual(ASFF_BEFORE[kind.type]);
  });

  it('reads each GuardDuty block with one kind, in the order the blocks were read before', () => {
    expect(GUARDDUTY_READERS.map((r) => r.block)).toEqual([
      'Instance',
      'AccessKey',
      // iam-role.ts: the Kubernetes user of an EKS audit-log finding, when it is a role session.
      'KubernetesUser',
      'S3Bucket',
      'EKSCluster',
      'Lambda',
      'RDSDBInstance',
      'ECSCluster',
    ]);
  });

  it('gives a GuardDuty example for every family a kind reads, for policy coverage', () => {
    // `other` reads blocks no kind models (Lambda today): it names no resource a rule could contain.
    for (const kind of KINDS.filter((k) => k.guardDuty !== undefined && k.type !== 'other')) {
      expect(GUARDDUTY_EXAMPLES[kind.type]?.length ?? 0, kind.type).toBeGreaterThan(0);
    }
  });

  it('reads each ASFF resource type with at most one kind', () => {
    const readTypes = KINDS.flatMap((kind) => (kind.asff.read ? [kind.asff.type] : []));
    expect(new Set(readTypes).size).toBe(readTypes.length);
  });

  it('refuses to hand a kind a resource of another type (a wiring mistake, never silent)', () => {
    // Prepare
    const user: Resource = {
      type: 'iam-user',
      id: 'mallory',
      userName: 'mallory',
      accountId: '111122223333',
      region: 'us-east-1',
      tags: {},
    };
    const ec2 = findKind('ec2-instance');

    // Act / Assess
    expect(kindOf(user).owns(user)).toBe(true);
    expect(ec2?.owns(user)).toBe(false);
    expect(() => ec2?.identifyingArn(user)).toThrow(WrongResourceKindError);
    expect(findKind('s3-object')).toBeUndefined();
  });
});
