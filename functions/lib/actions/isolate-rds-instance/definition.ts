/**
 * `isolate-rds-instance`: cut an RDS DB instance off the network, keeping a snapshot as evidence, reversibly.
 *
 * Apply:
 * 1. records the instance's PubliclyAccessible, its VPC security groups and its cluster membership (for Aurora,
 *    the cluster's groups), and checks the guards against its live tags;
 * 2. starts a snapshot named after the isolation (a cluster snapshot for Aurora), so a resumed run finds it
 *    instead of taking a second one, and makes sure cordon's isolation group (no rules at all) exists in the
 *    instance's VPC (the EC2 action's group, shared per VPC);
 * 3. for Aurora, moves the cluster onto the isolation group (an Aurora instance uses its cluster's groups);
 * 4. turns PubliclyAccessible off and, for an instance outside a cluster, moves it onto the isolation group, in
 *    one ModifyDBInstance call.
 * Every change only narrows access, so a run that stops anywhere leaves the instance as it was or more
 * contained. Changes are applied immediately but asynchronously (the instance passes through `modifying`):
 * containment is recorded when RDS accepted them.
 *
 * Release puts back the recorded groups and PubliclyAccessible, cluster first; snapshots are kept.
 */
import type { RdsDbInstanceResource } from '../../findings/model.js';
import * as z from 'zod';
import { CordonError } from '../../errors.js';
import { DB_INSTANCE_ID } from '../../kernel/id-patterns.js';
import { DB_INSTANCE_NOT_FOUND, dbInstanceArn, readDbInstanceTags } from '../../resources/rds-db-instance.js';
import { checkGuards } from '../guards.js';
import { findCordonGroups, type CordonGroup } from '../isolate-ec2-instance/groups.js';
import {
  describeGroups,
  ensureIsolationGroup,
  groupsToRestore,
  refuseCordonOriginals,
  sameGroups,
} from '../shared/isolation-group.js';
import { defineRunnableAction } from '../runner.js';
import type { StageSpec, StepOutcome } from '../steps.js';
import { recordedRds, rdsBeforeSchema, type DbBefore, type RdsBefore, type SnapshotRef } from './before.js';
import {
  createSnapshot,
  describeCluster,
  describeDb,
  modifyClusterGroups,
  modifyDb,
  snapshotExists,
  snapshotName,
  type LiveCluster,
  type LiveDb,
} from './db.js';
import { isolateRdsInstanceManifest } from './manifest.js';

type Params = z.output<typeof isolateRdsInstanceManifest.params>;

interface ApplyWork {
  db: RdsDbInstanceResource;
  live?: { db: LiveDb; cluster: LiveCluster | undefined };
  cordonGroups?: CordonGroup[];
  isolationGroupId?: string;
}

interface ReleaseWork {
  db: RdsDbInstanceResource;
  recorded: RdsBefore;
}

/** A later step ran without what an earlier one sets: a bug in the stage layout, never AWS's answer. */
class RdsStateMissingError extends CordonError {
  constructor(what: string, step: string) {
    super(`${step} ran before ${what} was known`, { code: 'RDS_STATE_MISSING' });
  }
}

/** The instance is not in a VPC cordon can read: there is nowhere to make the isolation group. */
class DbVpcUnknownError extends CordonError {
  constructor(instanceId: string) {
    super(
      `DB instance ${instanceId} has no DB subnet group with a VPC, so cordon cannot isolate its network; nothing was changed`,
      { code: 'RDS_VPC_UNKNOWN' },
    );
  }
}

function need<T>(value: T | undefined, what: string, step: string): T {
  if (value === undefined) throw new RdsStateMissingError(what, step);
  return value;
}

/** What to record of the live instance (and its cluster). */
function toRecord(db: LiveDb, cluster: LiveCluster | undefined): DbBefore {
  const vpcId = db.vpcId;
  if (vpcId === undefined) throw new DbVpcUnknownError(db.instanceId);
  return {
    instanceId: db.instanceId,
    vpcId,
    publiclyAccessible: db.publiclyAccessible,
    vpcSecurityGroupIds: db.vpcSecurityGroupIds,
    ...(cluster
      ? { cluster: { clusterId: cluster.clusterId, vpcSecurityGroupIds: cluster.vpcSecurityGroupIds } }
      : {}),
  };
}

function describeRecord(db: DbBefore): string {
  const groups = db.cluster
    ? `cluster ${db.cluster.clusterId} groups ${describeGroups(db.cluster.vpcSecurityGroupIds)}`
    : `groups ${describeGroups(db.vpcSecurityGroupIds)}`;
  return `PubliclyAccessible=${String(db.publiclyAccessible)}, ${groups}, VPC ${db.vpcId}`;
}

function applyStages(p: Params): StageSpec<ApplyWork>[] {
  return [
    {
      steps: [
        {
          name: 'capture-db-state',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            const db = await describeDb(ctx.clients.rds, work.db.id);
            const arn = db.arn ?? dbInstanceArn(ctx.region, work.db.accountId, db.instanceId);
            const [tags, cluster] = await Promise.all([
              readDbInstanceTags(ctx.clients, arn),
              db.clusterId !== undefined ? describeCluster(ctx.clients.rds, db.clusterId) : undefined,
            ]);
            const verdict = checkGuards(work.db, ctx.guard, tags);
            if (!verdict.allowed)
              return { status: 'skipped', detail: `refused: ${verdict.reason}`, halt: true };
            work.live = { db, cluster };
            const recorded = recordedRds(before).rdsInstance;
            if (recorded !== undefined) {
              return { status: 'skipped', detail: `state already recorded: ${describeRecord(recorded)}` };
            }
            const record = toRecord(db, cluster);
            return {
              status: 'done',
              detail: `recorded ${describeRecord(record)} of ${db.instanceId}`,
              before: { rdsInstance: record },
            };
          },
        },
        {
          name: 'find-isolation-group',
          async run({ work, ctx }) {
            work.cordonGroups = await findCordonGroups(ctx.clients.ec2);
            return {
              status: 'skipped',
              detail: `lookup only: ${work.cordonGroups.length} cordon group(s) in the region`,
            };
          },
        },
      ],
    },
    {
      steps: [
        {
          name: 'snapshot',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            if (!p.snapshot) return { status: 'skipped', detail: 'disabled (snapshot=false)' };
            const live = need(work.live, 'the instance', 'snapshot');
            const recorded = recordedRds(before);
            const clusterId = recorded.rdsInstance?.cluster?.clusterId ?? live.db.clusterId;
            // An earlier run's snapshot name wins: the prefix setting may have changed since.
            const ref: SnapshotRef = recorded.snapshot ?? {
              kind: clusterId !== undefined ? 'cluster-snapshot' : 'db-snapshot',
              id: snapshotName(ctx.guard.cordonResourcePrefix, ctx.isolationId),
            };
            const source = clusterId ?? live.db.instanceId;
            const what = `${ref.kind === 'db-snapshot' ? 'DB snapshot' : 'cluster snapshot'} ${ref.id} of ${source}`;
            if (await snapshotExists(ctx.clients.rds, ref)) {
              return { status: 'skipped', detail: `${what} already taken`, before: { snapshot: ref } };
            }
            const created = await createSnapshot(ctx.clients.rds, ref, source);
            return created
              ? { status: 'done', detail: `started ${what}`, before: { snapshot: ref } }
              : { status: 'skipped', detail: `${what} started concurrently`, before: { snapshot: ref } };
          },
        },
        {
          name: 'ensure-isolation-group',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            const live = need(work.live, 'the instance', 'ensure-isolation-group');
            const found = need(work.cordonGroups, "cordon's groups", 'ensure-isolation-group');
            const recorded = recordedRds(before).rdsInstance ?? toRecord(live.db, live.cluster);
            refuseCordonOriginals(
              found,
              recorded.cluster?.vpcSecurityGroupIds ?? recorded.vpcSecurityGroupIds,
              recorded.cluster
                ? `cluster ${recorded.cluster.clusterId}`
                : `DB instance ${recorded.instanceId}`,
            );
            const group = await ensureIsolationGroup(ctx.clients.ec2, {
              found,
              vpcId: recorded.vpcId,
              prefix: ctx.guard.cordonResourcePrefix,
            });
            const changes = group.changes;
            work.isolationGroupId = group.groupId;
            const outcome = { before: { isolationGroupId: group.groupId } };
            return changes.length > 0
              ? { status: 'done', detail: changes.join('; '), ...outcome }
              : {
                  status: 'skipped',
                  detail: `isolation group ${group.groupId} in ${recorded.vpcId} is in place`,
                  ...outcome,
                };
          },
        },
      ],
    },
    {
      steps: [
        {
          name: 'isolate-cluster-groups',
          async run({ work, ctx }): Promise<StepOutcome> {
            const live = need(work.live, 'the instance', 'isolate-cluster-groups');
            const groupId = need(work.isolationGroupId, 'the isolation group', 'isolate-cluster-groups');
            if (!live.cluster)
              return { status: 'skipped', detail: 'not in a cluster: its own groups are swapped' };
            if (sameGroups(live.cluster.vpcSecurityGroupIds, [groupId])) {
              return {
                status: 'skipped',
                detail: `cluster ${live.cluster.clusterId} is already in ${groupId} only`,
              };
            }
            await modifyClusterGroups(ctx.clients.rds, live.cluster.clusterId, [groupId]);
            return {
              status: 'done',
              detail: `cluster ${live.cluster.clusterId}: groups ${describeGroups(live.cluster.vpcSecurityGroupIds)} → [${groupId}] (applied immediately; every instance of the cluster is cut off)`,
            };
          },
        },
      ],
    },
    {
      containment: true,
      steps: [
        {
          name: 'isolate-instance',
          async run({ work, ctx }): Promise<StepOutcome> {
            const live = need(work.live, 'the instance', 'isolate-instance');
            const groupId = need(work.isolationGroupId, 'the isolation group', 'isolate-instance');
            const db = live.db;
            // An Aurora instance's groups are its cluster's (previous stage); RDS refuses them per instance.
            const swapGroups = !live.cluster && !sameGroups(db.vpcSecurityGroupIds, [groupId]);
            if (!db.publiclyAccessible && !swapGroups) {
              return {
                status: 'skipped',
                detail: `${db.instanceId} is already not publicly accessible${live.cluster ? '' : ` and in ${groupId} only`}`,
              };
            }
            await modifyDb(ctx.clients.rds, db.instanceId, {
              publiclyAccessible: false,
              ...(live.cluster ? {} : { vpcSecurityGroupIds: [groupId] }),
            });
            const changes = [
              ...(db.publiclyAccessible ? ['PubliclyAccessible true → false'] : []),
              ...(swapGroups ? [`groups ${describeGroups(db.vpcSecurityGroupIds)} → [${groupId}]`] : []),
            ];
            return {
              status: 'done',
              detail: `${db.instanceId}: ${changes.join(', ')} (applied immediately; the instance passes through modifying)`,
            };
          },
        },
      ],
    },
  ];
}

function releaseStages(): StageSpec<ReleaseWork>[] {
  const nothingRecorded: StepOutcome = {
    status: 'skipped',
    detail: 'no instance state was recorded: apply changed nothing',
  };
  return [
    {
      steps: [
        {
          name: 'restore-cluster-groups',
          async run({ work, ctx }): Promise<StepOutcome> {
            const recorded = work.recorded.rdsInstance;
            if (!recorded) return nothingRecorded;
            if (!recorded.cluster) return { status: 'skipped', detail: 'not in a cluster' };
            const cluster = await describeCluster(ctx.clients.rds, recorded.cluster.clusterId);
            const plan = groupsToRestore(
              cluster.vpcSecurityGroupIds,
              recorded.cluster.vpcSecurityGroupIds,
              work.recorded.isolationGroupId,
              `cluster ${cluster.clusterId}`,
            );
            const warnings = plan.warning !== undefined ? { warnings: [plan.warning] } : {};
            if (plan.groups === undefined) return { status: 'skipped', detail: plan.detail, ...warnings };
            await modifyClusterGroups(ctx.clients.rds, cluster.clusterId, plan.groups);
            return { status: 'done', detail: plan.detail, ...warnings };
          },
        },
      ],
    },
    {
      steps: [
        {
          name: 'restore-instance',
          async run({ work, ctx }): Promise<StepOutcome> {
            const recorded = work.recorded.rdsInstance;
            if (!recorded) return nothingRecorded;
            const db = await describeDb(ctx.clients.rds, recorded.instanceId);
            const plan = recorded.cluster
              ? undefined
              : groupsToRestore(
                  db.vpcSecurityGroupIds,
                  recorded.vpcSecurityGroupIds,
                  work.recorded.isolationGroupId,
                  db.instanceId,
                );
            const restorePublic = db.publiclyAccessible !== recorded.publiclyAccessible;
            const details = [
              ...(plan ? [plan.detail] : []),
              restorePublic
                ? `PubliclyAccessible → ${String(recorded.publiclyAccessible)}`
                : `PubliclyAccessible=${String(recorded.publiclyAccessible)}, as before`,
            ];
            const warnings = plan?.warning !== undefined ? { warnings: [plan.warning] } : {};
            if (!restorePublic && plan?.groups === undefined) {
              return { status: 'skipped', detail: details.join('; '), ...warnings };
            }
            await modifyDb(ctx.clients.rds, db.instanceId, {
              ...(restorePublic ? { publiclyAccessible: recorded.publiclyAccessible } : {}),
              ...(plan?.groups !== undefined ? { vpcSecurityGroupIds: plan.groups } : {}),
            });
            return { status: 'done', detail: details.join('; '), ...warnings };
          },
        },
      ],
    },
  ];
}

export const isolateRdsInstance = defineRunnableAction(isolateRdsInstanceManifest, {
  checkResource: (db) =>
    DB_INSTANCE_ID.test(db.id) ? undefined : `${db.id} is not a DB instance identifier`,
  before: rdsBeforeSchema,
  goneErrors: [...DB_INSTANCE_NOT_FOUND, 'DBClusterNotFound', 'DBClusterNotFoundFault'],
  limitations: [
    'Database sessions already open may live on: AWS does not interrupt tracked connections when security groups change, and RDS manages the network interfaces, so the EC2 flow cut cannot be used. End them from the database (pg_terminate_backend, KILL) and rotate the credentials.',
    'Database users, passwords and IAM database authentication are not changed: anyone who can reach the database again (after release) with the stolen credentials gets in.',
    'For Aurora, the security groups belong to the cluster: every instance and endpoint of the cluster is cut off, not only the one named. PubliclyAccessible is turned off on the named instance only.',
    "The RDS Data API (Aurora's HTTP endpoint) and RDS API calls (snapshot copies and sharing, modifications) are not governed by security groups and are not cut off.",
    'Read replicas and instances restored from snapshots are separate instances: they are not contained.',
    'Changes are applied immediately but asynchronously: the instance passes through `modifying`; containment is recorded when RDS accepted them.',
    'The evidence snapshot is started, not awaited, and it is kept after release (delete it under your retention policy). If RDS refuses it (e.g. the instance is being modified), the isolation fails before any change; set snapshot: false to contain without it.',
  ],
  apply: { stages: applyStages, work: ({ resource }): ApplyWork => ({ db: resource }) },
  release: {
    stages: releaseStages,
    work: ({ resource, before }): ReleaseWork => ({ db: resource, recorded: before }),
  },
});
