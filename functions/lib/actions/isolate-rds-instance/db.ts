/**
 * The RDS calls of `isolate-rds-instance`: reading an instance and its cluster, swapping their groups, and the
 * evidence snapshots. Every call goes through `awsCall` so a denial names the missing permission.
 */
import type { RDS, VpcSecurityGroupMembership } from '@aws-sdk/client-rds';
import { awsErrorName } from '../../aws/errors.js';
import { CordonError } from '../../errors.js';
import { awsCall } from '../steps.js';
import type { SnapshotRef } from './before.js';

/** The instance as RDS describes it now. */
export interface LiveDb {
  instanceId: string;
  arn: string | undefined;
  status: string;
  vpcId: string | undefined;
  publiclyAccessible: boolean;
  vpcSecurityGroupIds: string[];
  clusterId: string | undefined;
}

export interface LiveCluster {
  clusterId: string;
  vpcSecurityGroupIds: string[];
}

/** RDS answered without the instance or cluster it was asked for (never expected: it answers a NotFound fault). */
export class DbDescribeError extends CordonError {
  constructor(what: string) {
    super(`RDS did not describe ${what}`, { code: 'RDS_DESCRIBE_EMPTY' });
  }
}

/**
 * The groups a resource is in or joining. A group RDS lists as `removing` is on its way out (a change already
 * accepted), so it is not one of the resource's groups any more.
 */
function groupIds(memberships: readonly VpcSecurityGroupMembership[] | undefined): string[] {
  return (memberships ?? []).flatMap((m) =>
    m.VpcSecurityGroupId && m.Status !== 'removing' ? [m.VpcSecurityGroupId] : [],
  );
}

/** @throws the SDK's DBInstanceNotFoundFault when the instance does not exist (a gone resource) */
export async function describeDb(rds: RDS, instanceId: string): Promise<LiveDb> {
  const out = await awsCall('rds:DescribeDBInstances', () =>
    rds.describeDBInstances({ DBInstanceIdentifier: instanceId }),
  );
  const db = out.DBInstances?.[0];
  if (!db) throw new DbDescribeError(`DB instance ${instanceId}`);
  return {
    instanceId: db.DBInstanceIdentifier ?? instanceId,
    arn: db.DBInstanceArn,
    status: db.DBInstanceStatus ?? 'unknown',
    vpcId: db.DBSubnetGroup?.VpcId || undefined,
    publiclyAccessible: db.PubliclyAccessible === true,
    vpcSecurityGroupIds: groupIds(db.VpcSecurityGroups),
    clusterId: db.DBClusterIdentifier || undefined,
  };
}

/** @throws the SDK's DBClusterNotFoundFault when the cluster does not exist */
export async function describeCluster(rds: RDS, clusterId: string): Promise<LiveCluster> {
  const out = await awsCall('rds:DescribeDBClusters', () =>
    rds.describeDBClusters({ DBClusterIdentifier: clusterId }),
  );
  const cluster = out.DBClusters?.[0];
  if (!cluster) throw new DbDescribeError(`DB cluster ${clusterId}`);
  return { clusterId, vpcSecurityGroupIds: groupIds(cluster.VpcSecurityGroups) };
}

/** Change the instance now (ApplyImmediately): only the fields given. */
export async function modifyDb(
  rds: RDS,
  instanceId: string,
  change: { publiclyAccessible?: boolean; vpcSecurityGroupIds?: string[] },
): Promise<void> {
  await awsCall('rds:ModifyDBInstance', () =>
    rds.modifyDBInstance({
      DBInstanceIdentifier: instanceId,
      ApplyImmediately: true,
      ...(change.publiclyAccessible !== undefined ? { PubliclyAccessible: change.publiclyAccessible } : {}),
      ...(change.vpcSecurityGroupIds !== undefined
        ? { VpcSecurityGroupIds: change.vpcSecurityGroupIds }
        : {}),
    }),
  );
}

/** Set the cluster's VPC security groups now (ApplyImmediately). */
export async function modifyClusterGroups(rds: RDS, clusterId: string, groups: string[]): Promise<void> {
  await awsCall('rds:ModifyDBCluster', () =>
    rds.modifyDBCluster({
      DBClusterIdentifier: clusterId,
      VpcSecurityGroupIds: groups,
      ApplyImmediately: true,
    }),
  );
}

/**
 * The evidence snapshot's name: cordon's prefix and the isolation id, so a resumed run finds the snapshot an
 * earlier run took instead of taking a second one. Made to fit RDS's identifier rule (letters, digits and single
 * hyphens, starting with a letter, not ending with a hyphen, at most 255).
 */
export function snapshotName(prefix: string, isolationId: string): string {
  const name = `${prefix}-${isolationId}`
    .replace(/[^a-zA-Z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 255)
    .replace(/-+$/, '');
  return /^[a-zA-Z]/.test(name) ? name : `c${name.slice(0, 254)}`;
}

/**
 * Whether an RDS error is `code`. RDS's wire codes name some faults with the `Fault` suffix and some without
 * (`DBInstanceNotFound` but `DBClusterNotFoundFault`), while the SDK's exception names always have it.
 */
export function isRdsError(error: unknown, code: string): boolean {
  return awsErrorName(error).replace(/Fault$/, '') === code.replace(/Fault$/, '');
}

const SNAPSHOT_NOT_FOUND = {
  'db-snapshot': 'DBSnapshotNotFound',
  'cluster-snapshot': 'DBClusterSnapshotNotFound',
};
const SNAPSHOT_EXISTS = {
  'db-snapshot': 'DBSnapshotAlreadyExists',
  'cluster-snapshot': 'DBClusterSnapshotAlreadyExists',
};

/** Whether the snapshot exists already (taken by an earlier run of the same isolation). */
export async function snapshotExists(rds: RDS, ref: SnapshotRef): Promise<boolean> {
  try {
    if (ref.kind === 'db-snapshot') {
      const out = await awsCall('rds:DescribeDBSnapshots', () =>
        rds.describeDBSnapshots({ DBSnapshotIdentifier: ref.id }),
      );
      return (out.DBSnapshots ?? []).length > 0;
    }
    const out = await awsCall('rds:DescribeDBClusterSnapshots', () =>
      rds.describeDBClusterSnapshots({ DBClusterSnapshotIdentifier: ref.id }),
    );
    return (out.DBClusterSnapshots ?? []).length > 0;
  } catch (error) {
    if (isRdsError(error, SNAPSHOT_NOT_FOUND[ref.kind])) return false;
    throw error;
  }
}

/**
 * Start the snapshot of the instance (or of its cluster). Returns false when a concurrent run started it first.
 * RDS takes it in the background: cordon does not wait for it to complete.
 */
export async function createSnapshot(rds: RDS, ref: SnapshotRef, source: string): Promise<boolean> {
  try {
    if (ref.kind === 'db-snapshot') {
      await awsCall('rds:CreateDBSnapshot', () =>
        rds.createDBSnapshot({ DBSnapshotIdentifier: ref.id, DBInstanceIdentifier: source }),
      );
    } else {
      await awsCall('rds:CreateDBClusterSnapshot', () =>
        rds.createDBClusterSnapshot({ DBClusterSnapshotIdentifier: ref.id, DBClusterIdentifier: source }),
      );
    }
    return true;
  } catch (error) {
    if (isRdsError(error, SNAPSHOT_EXISTS[ref.kind])) return false;
    throw error;
  }
}
