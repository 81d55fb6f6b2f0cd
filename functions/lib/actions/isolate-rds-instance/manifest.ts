/**
 * The manifest of `isolate-rds-instance`: cut an RDS DB instance (or its Aurora cluster) off the network after an
 * evidence snapshot, reversibly. Side-effect free: see actions/manifest.ts.
 */
import * as z from 'zod';
import { defineActionManifest } from '../manifest.js';
import { RDS_DB_INSTANCE } from '../../resources/rds-db-instance.js';
import { ISOLATE_RDS_INSTANCE_SCOPING } from '../iam-scopes.js';

const params = z
  .object({
    snapshot: z
      .boolean()
      .default(true)
      .describe(
        'Take a DB snapshot (a cluster snapshot for Aurora) before any change, as evidence; kept after release',
      ),
  })
  .strict();

export const isolateRdsInstanceManifest = defineActionManifest({
  name: 'isolate-rds-instance',
  description:
    "Snapshot an RDS DB instance, turn its public accessibility off and swap its VPC security groups (an Aurora cluster's) for an isolation group with no rules; release restores both exactly.",
  resourceType: RDS_DB_INSTANCE,
  params,
  permissions: [
    'rds:DescribeDBInstances',
    'rds:ListTagsForResource',
    'rds:ModifyDBInstance',
    'rds:CreateDBSnapshot',
    'rds:DescribeDBSnapshots',
    'rds:DescribeDBClusters',
    'rds:ModifyDBCluster',
    'rds:CreateDBClusterSnapshot',
    'rds:DescribeDBClusterSnapshots',
    'ec2:DescribeSecurityGroups',
    'ec2:CreateSecurityGroup',
    'ec2:CreateTags',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:RevokeSecurityGroupEgress',
  ],
  scoping: ISOLATE_RDS_INSTANCE_SCOPING,
});
