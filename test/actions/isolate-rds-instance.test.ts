import { describe, expect, it } from 'vitest';
import { isolateRdsInstance } from '../../functions/lib/actions/isolate-rds-instance/definition.js';
import { useMoto } from '../support/moto.js';
import { appliedTwice, isMutating, motoActionContext } from './support/action-context.js';
import { dbName, dbResource, dbState, groupRules, seedDb } from './support/rds-state.js';

// One emulator for the file and no reset between tests (a reset costs seconds): each test has its own VPC and DB.
// Faults are injected with the project's FaultInjector (SDK middleware in front of moto), not with a mocked client:
// every other call reaches moto, and the DB's state is read back from moto.
const moto = useMoto({ resetEach: false });
const params = isolateRdsInstance.params.parse({});

describe('Action: isolate-rds-instance', () => {
  it('snapshots a standalone instance, makes it private in the isolation group, and restores it exactly', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-rds-standalone' });
    const seeded = await seedDb(ctx.clients.ec2, ctx.clients.rds, dbName('orders'));
    const original = await dbState(ctx.clients.rds, seeded.instanceId);
    const resource = dbResource(seeded);

    // Act
    const applied = await isolateRdsInstance.apply(ctx, resource, params);
    const isolated = await dbState(ctx.clients.rds, seeded.instanceId);
    const groupId = String(applied.before['isolationGroupId']);
    const rules = await groupRules(ctx.clients.ec2, groupId);
    const snapshots = await ctx.clients.rds.describeDBSnapshots({
      DBInstanceIdentifier: seeded.instanceId,
      SnapshotType: 'manual',
    });
    recorder.clear();
    const reapplied = await isolateRdsInstance.apply(ctx, resource, params, applied);
    const mutationsOnReapply = recorder.commands.filter((c) => isMutating(c.command));
    const released = await isolateRdsInstance.release(ctx, resource, params, applied);
    const afterRelease = await dbState(ctx.clients.rds, seeded.instanceId);
    recorder.clear();
    const releasedAgain = await isolateRdsInstance.release(ctx, resource, params, applied);

    // Assess
    expect(original).toEqual({
      publiclyAccessible: true,
      instanceGroups: [...seeded.groupIds].sort(),
      clusterGroups: undefined,
    });
    expect(applied.outcome).toBe('succeeded');
    expect(applied.containedAt).toBeDefined();
    expect(applied.steps.map((s) => [s.name, s.status])).toEqual([
      ['capture-db-state', 'done'],
      ['find-isolation-group', 'skipped'],
      ['snapshot', 'done'],
      ['ensure-isolation-group', 'done'],
      ['isolate-cluster-groups', 'skipped'],
      ['isolate-instance', 'done'],
    ]);
    expect(applied.before['rdsInstance']).toEqual({
      instanceId: seeded.instanceId,
      vpcId: seeded.vpcId,
      publiclyAccessible: true,
      vpcSecurityGroupIds: seeded.groupIds,
    });
    expect(applied.before['snapshot']).toEqual({ kind: 'db-snapshot', id: 'cordon-iso-rds-standalone' });
    expect(isolated).toEqual({
      publiclyAccessible: false,
      instanceGroups: [groupId],
      clusterGroups: undefined,
    });
    expect(rules).toEqual({ ingress: 0, egress: 0 });
    expect((snapshots.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier)).toEqual([
      'cordon-iso-rds-standalone',
    ]);
    expect(reapplied.outcome).toBe('succeeded');
    expect(mutationsOnReapply).toEqual([]);
    expect(released.outcome).toBe('succeeded');
    expect(released.steps.map((s) => [s.name, s.status])).toEqual([
      ['restore-cluster-groups', 'skipped'],
      ['restore-instance', 'done'],
    ]);
    expect(afterRelease).toEqual(original);
    expect(releasedAgain.outcome).toBe('succeeded');
    expect(releasedAgain.steps.map((s) => s.status)).toEqual(['skipped', 'skipped']);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    // Snapshots are evidence: release keeps them.
    const kept = await ctx.clients.rds.describeDBSnapshots({
      DBSnapshotIdentifier: 'cordon-iso-rds-standalone',
    });
    expect(kept.DBSnapshots).toHaveLength(1);
  });

  it('for Aurora, swaps the cluster groups, turns the instance private, snapshots the cluster, and restores both', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-rds-aurora' });
    const cluster = dbName('ledger');
    const seeded = await seedDb(ctx.clients.ec2, ctx.clients.rds, `${cluster}-1`, { cluster });
    const original = await dbState(ctx.clients.rds, seeded.instanceId);

    // Act
    const applied = await isolateRdsInstance.apply(ctx, dbResource(seeded), params);
    const isolated = await dbState(ctx.clients.rds, seeded.instanceId);
    const groupId = String(applied.before['isolationGroupId']);
    expect(applied.error).toBeUndefined();
    const snapshot = await ctx.clients.rds.describeDBClusterSnapshots({
      DBClusterSnapshotIdentifier: 'cordon-iso-rds-aurora',
    });
    const released = await isolateRdsInstance.release(ctx, dbResource(seeded), params, applied);
    const afterRelease = await dbState(ctx.clients.rds, seeded.instanceId);

    // Assess
    expect(original.clusterGroups).toEqual([...seeded.groupIds].sort());
    expect(applied.outcome).toBe('succeeded');
    expect(applied.steps.map((s) => [s.name, s.status])).toEqual([
      ['capture-db-state', 'done'],
      ['find-isolation-group', 'skipped'],
      ['snapshot', 'done'],
      ['ensure-isolation-group', 'done'],
      ['isolate-cluster-groups', 'done'],
      ['isolate-instance', 'done'],
    ]);
    expect(applied.before['rdsInstance']).toMatchObject({
      instanceId: seeded.instanceId,
      publiclyAccessible: true,
      cluster: { clusterId: cluster, vpcSecurityGroupIds: seeded.groupIds },
    });
    expect(applied.before['snapshot']).toEqual({ kind: 'cluster-snapshot', id: 'cordon-iso-rds-aurora' });
    expect(snapshot.DBClusterSnapshots?.[0]?.DBClusterIdentifier).toBe(cluster);
    expect(isolated).toEqual({
      publiclyAccessible: false,
      instanceGroups: [groupId],
      clusterGroups: [groupId],
    });
    expect(released.outcome).toBe('succeeded');
    expect(released.steps.map((s) => [s.name, s.status])).toEqual([
      ['restore-cluster-groups', 'done'],
      ['restore-instance', 'done'],
    ]);
    expect(afterRelease).toEqual(original);
    expect(appliedTwice(recorder)).toEqual([]);
  });

  it('a failed change leaves the instance exactly as it was, and the resumed run takes no second snapshot', async () => {
    // Prepare
    const { ctx, faults, recorder } = motoActionContext(moto, { isolationId: 'iso-rds-resume' });
    const seeded = await seedDb(ctx.clients.ec2, ctx.clients.rds, dbName('billing'));
    const original = await dbState(ctx.clients.rds, seeded.instanceId);
    faults.inject('ModifyDBInstance', 'server-error');

    // Act
    const failed = await isolateRdsInstance.apply(ctx, dbResource(seeded), params);
    const afterFailure = await dbState(ctx.clients.rds, seeded.instanceId);
    const resumed = await isolateRdsInstance.apply(ctx, dbResource(seeded), params, failed);
    const isolated = await dbState(ctx.clients.rds, seeded.instanceId);
    const snapshots = await ctx.clients.rds.describeDBSnapshots({
      DBInstanceIdentifier: seeded.instanceId,
      SnapshotType: 'manual',
    });

    // Assess
    expect(failed.outcome).toBe('failed');
    expect(failed.failedStep).toBe('isolate-instance');
    expect(failed.containedAt).toBeUndefined();
    expect(afterFailure).toEqual(original);
    expect(resumed.outcome).toBe('succeeded');
    expect(resumed.steps.find((s) => s.name === 'snapshot')?.status).toBe('skipped');
    expect(isolated).toMatchObject({
      publiclyAccessible: false,
      instanceGroups: [resumed.before['isolationGroupId']],
    });
    expect((snapshots.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier)).toEqual([
      'cordon-iso-rds-resume',
    ]);
    expect(
      recorder.commands.filter((c) => c.command === 'CreateDBSnapshot' && c.outcome === 'ok'),
    ).toHaveLength(1);
  });

  it('for Aurora, a failure after the cluster swap leaves the cluster contained, never more exposed', async () => {
    // Prepare
    const { ctx, faults } = motoActionContext(moto, { isolationId: 'iso-rds-aurora-fault' });
    const cluster = dbName('payments');
    const seeded = await seedDb(ctx.clients.ec2, ctx.clients.rds, `${cluster}-1`, { cluster });
    const original = await dbState(ctx.clients.rds, seeded.instanceId);
    faults.inject('ModifyDBInstance', 'access-denied');

    // Act
    const failed = await isolateRdsInstance.apply(ctx, dbResource(seeded), params);
    const afterFailure = await dbState(ctx.clients.rds, seeded.instanceId);
    const released = await isolateRdsInstance.release(ctx, dbResource(seeded), params, failed);
    const afterRelease = await dbState(ctx.clients.rds, seeded.instanceId);

    // Assess
    expect(failed.outcome).toBe('failed');
    expect(failed.failedStep).toBe('isolate-instance');
    expect(failed.error?.message).toMatch(/rds:ModifyDBInstance/);
    // The cluster's groups, which govern every instance of it, are cordon's isolation group only.
    expect(afterFailure.clusterGroups).toEqual([failed.before['isolationGroupId']]);
    expect(afterFailure.publiclyAccessible).toBe(original.publiclyAccessible);
    expect(released.outcome).toBe('succeeded');
    expect(afterRelease).toEqual(original);
  });

  it('refuses an exempt instance without changing it', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-rds-exempt' });
    const seeded = await seedDb(ctx.clients.ec2, ctx.clients.rds, dbName('exempt'), {
      tags: { 'cordon:exempt': 'true' },
    });
    const original = await dbState(ctx.clients.rds, seeded.instanceId);
    recorder.clear();

    // Act
    const applied = await isolateRdsInstance.apply(ctx, dbResource(seeded), params);

    // Assess
    expect(applied.outcome).toBe('skipped');
    expect(applied.steps[0]?.detail).toMatch(/refused/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await dbState(ctx.clients.rds, seeded.instanceId)).toEqual(original);
  });

  it('release keeps groups added during the isolation and removes only the isolation group', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto, { isolationId: 'iso-rds-changed' });
    const seeded = await seedDb(ctx.clients.ec2, ctx.clients.rds, dbName('reports'), {
      publiclyAccessible: false,
    });
    const applied = await isolateRdsInstance.apply(ctx, dbResource(seeded), params);
    const groupId = String(applied.before['isolationGroupId']);
    const forensics = await ctx.clients.ec2.createSecurityGroup({
      GroupName: `${seeded.instanceId}-forensics`,
      Description: 'added by the responders',
      VpcId: seeded.vpcId,
    });
    await ctx.clients.rds.modifyDBInstance({
      DBInstanceIdentifier: seeded.instanceId,
      VpcSecurityGroupIds: [groupId, forensics.GroupId ?? ''],
      ApplyImmediately: true,
    });

    // Act
    const released = await isolateRdsInstance.release(ctx, dbResource(seeded), params, applied);
    const afterRelease = await dbState(ctx.clients.rds, seeded.instanceId);

    // Assess
    expect(released.outcome).toBe('succeeded');
    expect(released.warnings.join('\n')).toMatch(/changed during the isolation: removed only/);
    expect(afterRelease).toEqual({
      publiclyAccessible: false,
      instanceGroups: [forensics.GroupId],
      clusterGroups: undefined,
    });
  });

  it('ends skipped when the instance does not exist', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto, { isolationId: 'iso-rds-gone' });

    // Act
    const applied = await isolateRdsInstance.apply(ctx, dbResource({ instanceId: 'never-created' }), params);

    // Assess
    expect(applied.outcome).toBe('skipped');
  });
});
