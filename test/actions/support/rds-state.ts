/** Test support: seed RDS instances (standalone or Aurora) in moto and read back what isolate-rds-instance changes. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EC2 } from '@aws-sdk/client-ec2';
import type { RDS } from '@aws-sdk/client-rds';
import * as z from 'zod';
import type { RdsDbInstanceResource } from '../../../functions/lib/findings/model.js';
import { TEST_ACCOUNT } from '../../support/moto.js';

let seq = 0;
/** A DB identifier unique in this process (RDS identifiers: letters, digits, single hyphens). */
export function dbName(base: string): string {
  return `${base}-${process.pid}-${++seq}-${randomBytes(2).toString('hex')}`;
}

export interface DbSeed {
  /** Put the instance in an Aurora cluster of this name (its groups are then the cluster's). */
  cluster?: string;
  publiclyAccessible?: boolean;
  tags?: Record<string, string>;
  /** How many customer groups the instance (or cluster) starts with. */
  groups?: number;
}

export interface SeededDb {
  instanceId: string;
  clusterId: string | undefined;
  vpcId: string;
  groupIds: string[];
}

/** A VPC with two subnets, a DB subnet group and the customer's groups, then the instance (and its cluster). */
export async function seedDb(ec2: EC2, rds: RDS, instanceId: string, seed: DbSeed = {}): Promise<SeededDb> {
  const vpc = await ec2.createVpc({ CidrBlock: '10.40.0.0/16' });
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnets = await Promise.all(
    ['10.40.1.0/24', '10.40.2.0/24'].map((cidr, i) =>
      ec2.createSubnet({
        VpcId: vpcId,
        CidrBlock: cidr,
        AvailabilityZone: `us-east-1${i === 0 ? 'a' : 'b'}`,
      }),
    ),
  );
  const subnetGroup = `${instanceId}-subnets`;
  await rds.createDBSubnetGroup({
    DBSubnetGroupName: subnetGroup,
    DBSubnetGroupDescription: 'test',
    SubnetIds: subnets.map((s) => s.Subnet?.SubnetId ?? ''),
  });
  const groupIds: string[] = [];
  for (let i = 0; i < (seed.groups ?? 2); i++) {
    const group = await ec2.createSecurityGroup({
      GroupName: `${instanceId}-app-${i}`,
      Description: 'customer group',
      VpcId: vpcId,
    });
    groupIds.push(group.GroupId ?? '');
  }
  const Tags = Object.entries(seed.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  if (seed.cluster !== undefined) {
    await rds.createDBCluster({
      DBClusterIdentifier: seed.cluster,
      Engine: 'aurora-postgresql',
      MasterUsername: 'admin_user',
      MasterUserPassword: 'not-a-real-password-1',
      DBSubnetGroupName: subnetGroup,
      VpcSecurityGroupIds: groupIds,
    });
  }
  await rds.createDBInstance({
    DBInstanceIdentifier: instanceId,
    DBInstanceClass: 'db.t3.micro',
    ...(seed.cluster !== undefined
      ? { Engine: 'aurora-postgresql', DBClusterIdentifier: seed.cluster, DBSubnetGroupName: subnetGroup }
      : {
          Engine: 'postgres',
          MasterUsername: 'admin_user',
          MasterUserPassword: 'not-a-real-password-1',
          AllocatedStorage: 20,
          DBSubnetGroupName: subnetGroup,
          VpcSecurityGroupIds: groupIds,
        }),
    PubliclyAccessible: seed.publiclyAccessible ?? true,
    ...(Tags.length > 0 ? { Tags } : {}),
  });
  return { instanceId, clusterId: seed.cluster, vpcId, groupIds };
}

/** What isolate-rds-instance changes, as RDS reports it. */
export interface DbState {
  publiclyAccessible: boolean | undefined;
  instanceGroups: string[];
  clusterGroups: string[] | undefined;
}

export async function dbState(rds: RDS, instanceId: string): Promise<DbState> {
  const out = await rds.describeDBInstances({ DBInstanceIdentifier: instanceId });
  const db = out.DBInstances?.[0];
  const clusterId = db?.DBClusterIdentifier;
  const cluster = clusterId
    ? (await rds.describeDBClusters({ DBClusterIdentifier: clusterId })).DBClusters?.[0]
    : undefined;
  return {
    publiclyAccessible: db?.PubliclyAccessible,
    instanceGroups: (db?.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').sort(),
    clusterGroups: cluster
      ? (cluster.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').sort()
      : undefined,
  };
}

/** The ingress and egress rule counts of a security group. */
export async function groupRules(ec2: EC2, groupId: string): Promise<{ ingress: number; egress: number }> {
  const out = await ec2.describeSecurityGroups({ GroupIds: [groupId] });
  const group = out.SecurityGroups?.[0];
  return { ingress: group?.IpPermissions?.length ?? 0, egress: group?.IpPermissionsEgress?.length ?? 0 };
}

export function dbResource(db: {
  instanceId: string;
  clusterId?: string | undefined;
}): RdsDbInstanceResource {
  return {
    type: 'rds-db-instance',
    id: db.instanceId,
    arn: `arn:aws:rds:us-east-1:${TEST_ACCOUNT}:db:${db.instanceId}`,
    accountId: TEST_ACCOUNT,
    region: 'us-east-1',
    tags: {},
    ...(db.clusterId !== undefined ? { clusterId: db.clusterId } : {}),
  };
}

const SampleSchema = z.looseObject({
  detail: z.looseObject({
    arn: z.string(),
    resource: z.looseObject({ rdsDbInstanceDetails: z.looseObject({}) }),
  }),
});

/**
 * The shared RDS sample event (test/events), naming `instanceId` (and its cluster, or none) in the test account,
 * with a finding id of its own.
 */
export function rdsFindingEvent(db: {
  instanceId: string;
  clusterId?: string | undefined;
}): Record<string, unknown> {
  const sample = SampleSchema.parse(
    JSON.parse(
      readFileSync(
        new URL('../../events/guardduty-rds-successful-bruteforce.docs-assembled.json', import.meta.url),
        'utf8',
      ),
    ),
  );
  const id = randomBytes(16).toString('hex');
  const { dbClusterIdentifier: _cluster, ...details } = sample.detail.resource.rdsDbInstanceDetails;
  return {
    ...sample,
    id: randomBytes(16).toString('hex'),
    account: TEST_ACCOUNT,
    detail: {
      ...sample.detail,
      accountId: TEST_ACCOUNT,
      id,
      arn: sample.detail.arn
        .replace(/:\d{12}:/, `:${TEST_ACCOUNT}:`)
        .replace(/finding\/.*$/, `finding/${id}`),
      resource: {
        ...sample.detail.resource,
        rdsDbInstanceDetails: {
          ...details,
          dbInstanceIdentifier: db.instanceId,
          dbInstanceArn: `arn:aws:rds:us-east-1:${TEST_ACCOUNT}:db:${db.instanceId}`,
          ...(db.clusterId !== undefined ? { dbClusterIdentifier: db.clusterId } : {}),
        },
      },
    },
  };
}
