/**
 * Evidence of an RDS DB instance: its description (DescribeDBInstances), its Aurora cluster's when it has one
 * (the cluster holds the security groups, the endpoints and the members), and the evidence snapshot the
 * containment took (isolate-rds-instance records its id in the before-state) with its state at collection time.
 * Read after containment through the member role: the groups are the isolation group's; the ones before are in
 * the before-state (`decision.json`).
 */
import { RDS_DB_INSTANCE } from '../resources/rds-db-instance.js';
import type { RdsDbInstanceResource } from '../findings/model.js';
import { RDS_CLUSTERS, RDS_INSTANCES, RDS_SNAPSHOTS } from '../actions/iam-scopes.js';
import { recordedRds } from '../actions/isolate-rds-instance/before.js';
import { defineKindEvidence, withoutMetadata } from './collector.js';

export const rdsDbInstanceEvidence = defineKindEvidence<RdsDbInstanceResource>({
  type: RDS_DB_INSTANCE,
  permissions: [
    'rds:DescribeDBInstances',
    'rds:DescribeDBClusters',
    'rds:DescribeDBSnapshots',
    'rds:DescribeDBClusterSnapshots',
  ],
  scoping: {
    'rds:DescribeDBInstances': [RDS_INSTANCES],
    'rds:DescribeDBClusters': [RDS_CLUSTERS],
    'rds:DescribeDBSnapshots': [RDS_INSTANCES, RDS_SNAPSHOTS],
    'rds:DescribeDBClusterSnapshots': [RDS_CLUSTERS, RDS_SNAPSHOTS],
  },
  steps: [
    {
      name: 'rds/db-instance.json',
      collect: async (ctx, db) =>
        withoutMetadata(
          await ctx.call('rds:DescribeDBInstances', () =>
            ctx.clients.rds.describeDBInstances({ DBInstanceIdentifier: db.id }),
          ),
        ),
    },
    {
      name: 'rds/db-cluster.json',
      // The live membership decides (the finding's cluster id is a hint); a standalone instance has no cluster,
      // which the artifact says rather than leaving it out.
      collect: async (ctx, db) => {
        const described = await ctx.call('rds:DescribeDBInstances', () =>
          ctx.clients.rds.describeDBInstances({ DBInstanceIdentifier: db.id }),
        );
        const clusterId =
          described.DBInstances?.[0]?.DBClusterIdentifier ??
          recordedRds(ctx.before).rdsInstance?.cluster?.clusterId ??
          db.clusterId;
        if (clusterId === undefined) return { DBClusterIdentifier: null, DBClusters: [] };
        return {
          DBClusterIdentifier: clusterId,
          ...withoutMetadata(
            await ctx.call('rds:DescribeDBClusters', () =>
              ctx.clients.rds.describeDBClusters({ DBClusterIdentifier: clusterId }),
            ),
          ),
        };
      },
    },
    {
      name: 'rds/snapshots.json',
      // The snapshot the action recorded (a cluster snapshot for Aurora), as RDS describes it now: its status
      // and progress (it is started, not awaited, by the action). None recorded (snapshot: false, or another
      // action): the artifact says so and makes no call.
      collect: async (ctx) => {
        const recorded = recordedRds(ctx.before).snapshot;
        if (recorded === undefined) return { recorded: null };
        if (recorded.kind === 'db-snapshot') {
          return {
            recorded,
            ...withoutMetadata(
              await ctx.call('rds:DescribeDBSnapshots', () =>
                ctx.clients.rds.describeDBSnapshots({ DBSnapshotIdentifier: recorded.id }),
              ),
            ),
          };
        }
        return {
          recorded,
          ...withoutMetadata(
            await ctx.call('rds:DescribeDBClusterSnapshots', () =>
              ctx.clients.rds.describeDBClusterSnapshots({ DBClusterSnapshotIdentifier: recorded.id }),
            ),
          ),
        };
      },
    },
  ],
});
