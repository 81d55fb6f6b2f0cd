/** RDS for cordon: `RDSClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { RDS, RDSClientConfig } from '@aws-sdk/client-rds';
import {
  RDSClient,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { modularClient } from '../modular.js';

const COMMANDS = {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
};

/** A client with every method of `RDS`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: RDSClientConfig): RDS {
  return modularClient<RDS>(new RDSClient(config), COMMANDS, '@aws-sdk/client-rds');
}
