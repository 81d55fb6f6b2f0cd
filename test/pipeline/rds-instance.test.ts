/**
 * A GuardDuty RDS finding end to end, against moto: the shared sample event (test/events) names a public DB
 * instance created in the emulator; the shipped policy asks for approval, an approver approves, the worker
 * snapshots the instance, makes it private and moves it onto the isolation group, and a release restores it.
 */
import { EC2 } from '@aws-sdk/client-ec2';
import { RDS } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { approveIsolation, getIsolation, releaseIsolation } from '../../functions/lib/pipeline/service.js';
import type { Principal } from '../../functions/lib/store/model.js';
import { useMoto } from '../support/moto.js';
import { dbName, dbState, groupRules, rdsFindingEvent, seedDb } from '../actions/support/rds-state.js';
import { REGION, createWorld } from './support.js';

const moto = useMoto({ resetEach: false });
const bob: Principal = { type: 'user', id: '0a9d4c3b-bob-subject', name: 'bob' };
const carol: Principal = { type: 'user', id: 'e5f6a7b8-carol-subject', name: 'carol' };

describe('Pipeline: a GuardDuty RDS finding', () => {
  it('is approved, isolates the instance after a snapshot, and is released to exactly what it was', async () => {
    // Prepare
    const world = await createWorld(moto);
    const config = moto.clientConfig(REGION);
    const rds = new RDS(config);
    const ec2 = new EC2(config);
    const seeded = await seedDb(ec2, rds, dbName('orders'));
    const original = await dbState(rds, seeded.instanceId);

    // Act
    const dispatched = await world.dispatch(rdsFindingEvent({ instanceId: seeded.instanceId }));
    const delivery = dispatched.deliveries[0];
    const outcome = delivery?.target === 'triage' ? delivery.result.findings[0] : undefined;
    const id = outcome?.actions[0]?.isolationId ?? '';
    const pending = await getIsolation(world.deps, id);
    const untouched = await dbState(rds, seeded.instanceId);
    await approveIsolation(world.deps, id, bob);
    await world.worker.drain();
    const isolated = await getIsolation(world.deps, id);
    const contained = await dbState(rds, seeded.instanceId);
    const snapshots = await rds.describeDBSnapshots({ DBInstanceIdentifier: seeded.instanceId });
    const isolationGroup = contained.instanceGroups[0] ?? '';
    const isolationRules = await groupRules(ec2, isolationGroup);
    await releaseIsolation(world.deps, id, carol, 'credentials rotated, sessions ended');
    await world.worker.drain();
    const released = await getIsolation(world.deps, id);
    const restored = await dbState(rds, seeded.instanceId);

    // Assess
    expect(outcome).toMatchObject({ rule: 'rds-successful-login-threat', mode: 'approval' });
    expect(pending.status).toBe('PENDING_APPROVAL');
    expect(untouched).toEqual(original);
    expect(isolated.status).toBe('ISOLATED');
    expect(original.publiclyAccessible).toBe(true);
    expect(contained.publiclyAccessible).toBe(false);
    expect(contained.instanceGroups).toHaveLength(1);
    expect(seeded.groupIds).not.toContain(isolationGroup);
    expect(isolationRules).toEqual({ ingress: 0, egress: 0 });
    // moto also lists the automated snapshot it takes at creation.
    expect(snapshots.DBSnapshots?.map((s) => s.DBSnapshotIdentifier)).toContain(`cordon-${id}`);
    expect(released.status).toBe('RELEASED');
    expect(restored).toEqual(original);
  });
});
