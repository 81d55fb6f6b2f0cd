/** What `isolate-rds-instance` records before acting; release reads it. */
import * as z from 'zod';

/** The instance as it was, and for an Aurora instance its cluster's groups (they belong to the cluster). */
const dbSchema = z.object({
  instanceId: z.string(),
  /** The VPC of its DB subnet group, where the isolation group is made. */
  vpcId: z.string(),
  publiclyAccessible: z.boolean(),
  /** The instance's VPC security groups as RDS listed them (an Aurora instance lists its cluster's). */
  vpcSecurityGroupIds: z.array(z.string()),
  /** Cluster membership: the Aurora cluster and the groups cordon swaps on it. */
  cluster: z.object({ clusterId: z.string(), vpcSecurityGroupIds: z.array(z.string()) }).optional(),
});
export type DbBefore = z.output<typeof dbSchema>;

const snapshotSchema = z.object({ kind: z.enum(['db-snapshot', 'cluster-snapshot']), id: z.string() });
export type SnapshotRef = z.output<typeof snapshotSchema>;

/** The whole before-state: each part is absent until the step that records it ran. */
export const rdsBeforeSchema = z.object({
  rdsInstance: dbSchema.optional(),
  /** cordon's isolation group the instance (or cluster) was moved to. */
  isolationGroupId: z.string().optional(),
  /** The evidence snapshot taken before the change (kept after release). */
  snapshot: snapshotSchema.optional(),
});
export type RdsBefore = z.output<typeof rdsBeforeSchema>;

/** The recorded before-state, parsed (never cast); parts that do not parse are absent. */
export function recordedRds(before: Readonly<Record<string, unknown>>): RdsBefore {
  const db = dbSchema.safeParse(before['rdsInstance']);
  const group = z.string().safeParse(before['isolationGroupId']);
  const snapshot = snapshotSchema.safeParse(before['snapshot']);
  return {
    ...(db.success ? { rdsInstance: db.data } : {}),
    ...(group.success ? { isolationGroupId: group.data } : {}),
    ...(snapshot.success ? { snapshot: snapshot.data } : {}),
  };
}
