import { describe, expect, it } from 'vitest';
import { useMoto } from '../support/moto.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { handleCustomAction } from '../../functions/lib/pipeline/approve.js';
import { expireAndSweep } from '../../functions/lib/pipeline/expire.js';
import { getIsolation, releaseIsolation } from '../../functions/lib/pipeline/service.js';
import {
  APPROVE_ARN,
  REJECT_ARN,
  asffTwin,
  createWorld,
  customActionEvent,
  guardDutyEvent,
  importedEvent,
  interfaceGroups,
  launchInstance,
  type PipelineWorld,
} from './support.js';

const moto = useMoto({ resetEach: false });

/** A Security Hub Imported event whose policy decision is `approval` (medium-severity backdoor). */
async function parkedFinding(world: PipelineWorld) {
  const instance = await launchInstance(world.ec2);
  const finding = asffTwin(guardDutyEvent(instance.instanceId, { severity: 5 }));
  const triage = await triageEvent(world.deps, importedEvent(finding));
  const id = triage.findings[0]?.actions[0]?.isolationId ?? '';
  return { instance, finding, triage, id };
}

describe('Pipeline: approval through Security Hub custom actions', () => {
  it('parks an approval-mode finding, then isolates it when the approve action is clicked', async () => {
    // Prepare
    const world = await createWorld(moto);
    const { instance, finding, triage, id } = await parkedFinding(world);
    const pending = await getIsolation(world.deps, id);
    const pendingWriteBacks = world.writeBacks().length;
    const pendingNotifications = (await world.notifications()).map((n) => n.attributes['status']);

    // Act
    const approval = await handleCustomAction(
      world.deps,
      customActionEvent({ ...finding, Workflow: { Status: 'NOTIFIED' } }),
    );
    const runs = await world.worker.drain();

    // Assess
    expect(triage.findings[0]).toMatchObject({ rule: 'ec2-suspected-compromise', mode: 'approval' });
    expect(pending.status).toBe('PENDING_APPROVAL');
    expect(pendingWriteBacks).toBe(1);
    expect(world.writeBacks()[0]?.Note?.Text).toMatch(/waiting for approval/);
    expect(pendingNotifications).toEqual(['PENDING_APPROVAL']);
    expect(approval).toMatchObject({
      verb: 'approve',
      findings: [{ isolations: [{ id, status: 'APPROVED' }] }],
    });
    expect(runs).toEqual([expect.objectContaining({ outcome: 'isolated' })]);
    const record = await getIsolation(world.deps, id);
    expect(record.status).toBe('ISOLATED');
    expect(record.approver).toMatchObject({ type: 'custom-action', id: APPROVE_ARN });
    expect(record.approver?.at).toBeDefined();
    expect(record.audit.map((a) => a.to)).toEqual([
      'PENDING_APPROVAL',
      'APPROVED',
      'IN_PROGRESS',
      'ISOLATED',
    ]);
    expect(await interfaceGroups(world.ec2, instance.instanceId)).not.toContain(instance.groupId);
    expect(world.writeBacks().at(-1)?.UserDefinedFields?.['cordonStatus']).toBe('ISOLATED');
  });

  it('rejects a parked request with the reject action and never touches the instance', async () => {
    // Prepare
    const world = await createWorld(moto);
    const { instance, finding, id } = await parkedFinding(world);

    // Act
    const result = await handleCustomAction(
      world.deps,
      customActionEvent(finding, { actionArn: REJECT_ARN }),
    );
    const runs = await world.worker.drain();

    // Assess
    expect(result).toMatchObject({
      verb: 'reject',
      findings: [{ isolations: [{ id, status: 'REJECTED' }] }],
    });
    expect(runs).toEqual([]);
    const record = await getIsolation(world.deps, id);
    expect(record.status).toBe('REJECTED');
    expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual([instance.groupId]);
    expect(world.writeBacks().at(-1)?.UserDefinedFields?.['cordonStatus']).toBe('REJECTED');
    expect((await world.notifications()).map((n) => n.attributes['status'])).toEqual([
      'PENDING_APPROVAL',
      'REJECTED',
    ]);
  });

  it('expires a pending approval after the policy expiry, with a write-back', async () => {
    // Prepare
    const world = await createWorld(moto);
    const { id } = await parkedFinding(world);
    const early = await expireAndSweep(world.deps);

    // Act
    world.clock.advance((world.deps.policy.settings.approvalExpiryMinutes + 1) * 60_000);
    const late = await expireAndSweep(world.deps);

    // Assess
    expect(early.expired).toEqual([]);
    expect(late.expired).toEqual([id]);
    expect((await getIsolation(world.deps, id)).status).toBe('EXPIRED');
    expect(world.writeBacks().at(-1)?.UserDefinedFields?.['cordonStatus']).toBe('EXPIRED');
    expect((await world.notifications()).map((n) => n.attributes['status'])).toEqual([
      'PENDING_APPROVAL',
      'EXPIRED',
    ]);
  });

  it('an approval of a finding that was never parked runs the matching rule', async () => {
    // Prepare: a high-severity finding that triage never saw
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const finding = asffTwin(guardDutyEvent(instance.instanceId, { severity: 8 }));

    const event = customActionEvent(finding);

    // Act
    const result = await handleCustomAction(world.deps, event);
    await world.worker.drain();

    // Assess
    const created = result.findings[0]?.created?.[0];
    expect(created).toMatchObject({ created: true, status: 'APPROVED' });
    const record = await getIsolation(world.deps, created?.isolationId ?? '');
    expect(record).toMatchObject({ status: 'ISOLATED', rule: 'ec2-backdoor-trojan-high' });
    expect(record.approver).toMatchObject({ type: 'custom-action', id: APPROVE_ARN });
    // The custom action's event is the one this request came from: kept as received, for evidence.
    expect(record.receivedEvent?.body).toBe(JSON.stringify(event));
    expect(record.explanation?.length).toBeGreaterThan(0);
  });

  it('says on the finding when an approval matches no rule with an action', async () => {
    // Prepare: low-severity inbound brute force is notify-only in the default policy
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const finding = asffTwin(
      guardDutyEvent(instance.instanceId, { severity: 2, type: 'UnauthorizedAccess:EC2/SSHBruteForce' }),
    );

    // Act
    const result = await handleCustomAction(world.deps, customActionEvent(finding));

    // Assess
    expect(result.findings[0]?.note).toMatch(/no policy rule with an action matches/);
    expect(world.writeBacks()).toEqual([
      expect.objectContaining({
        FindingIdentifiers: [{ Id: finding['Id'], ProductArn: finding['ProductArn'] }],
        Note: expect.objectContaining({ UpdatedBy: 'cordon' }),
      }),
    ]);
    expect(await world.store.findByFindingKey(String(finding['Id']))).toEqual([]);
  });

  it('releases an isolation through the worker and restores the original groups', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const triage = await triageEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));
    await world.worker.drain();
    const id = triage.findings[0]?.actions[0]?.isolationId ?? '';

    // Act
    const releasing = await releaseIsolation(
      world.deps,
      id,
      { type: 'user', id: 'sub-approver', name: 'bob' },
      'false positive: scheduled scanner',
    );
    const runs = await world.worker.drain();

    // Assess
    expect(releasing.status).toBe('RELEASING');
    expect(runs).toEqual([expect.objectContaining({ kind: 'release', outcome: 'released' })]);
    const record = await getIsolation(world.deps, id);
    expect(record.status).toBe('RELEASED');
    expect(record.releaseSteps.every((s) => s.status !== 'failed')).toBe(true);
    expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual([instance.groupId]);
    expect(await world.store.findActiveByResource(record.resourceKey)).toEqual([]);
    expect((await world.notifications()).map((n) => n.attributes['status'])).toEqual([
      'ISOLATED',
      'RELEASED',
    ]);
  });
});
