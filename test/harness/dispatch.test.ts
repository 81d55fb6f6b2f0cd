/**
 * The local pipeline harness's `dispatch`: an event goes to the target of every deployed rule (rules/) it matches,
 * as EventBridge delivers it, and the worker runs it started have finished when dispatch returns.
 */
import { describe, expect, it } from 'vitest';
import { useMoto } from '../support/moto.js';
import {
  asffTwin,
  createWorld,
  customActionEvent,
  guardDutyEvent,
  importedEvent,
  interfaceGroups,
  isReadOnly,
  launchInstance,
} from '../pipeline/support.js';

const moto = useMoto({ resetEach: false });

describe('Harness: dispatch routes by rule target', () => {
  it('delivers an Imported finding to triage and its approval to approve, then runs the worker', async () => {
    // Prepare: a medium-severity backdoor finding is parked for approval by the default policy
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const finding = asffTwin(guardDutyEvent(instance.instanceId, { severity: 5 }));

    // Act
    const parked = await world.dispatch(importedEvent(finding));
    const approved = await world.dispatch(
      customActionEvent({ ...finding, Workflow: { Status: 'NOTIFIED' } }),
    );

    // Assess
    expect(parked.reached).toEqual(['triage-securityhub-imported']);
    expect(parked.deliveries).toEqual([
      expect.objectContaining({ rule: 'triage-securityhub-imported', target: 'triage' }),
    ]);
    expect(parked.workerResults).toEqual([]);
    const id =
      parked.deliveries[0]?.target === 'triage'
        ? parked.deliveries[0].result.findings[0]?.actions[0]?.isolationId
        : undefined;
    expect(approved.reached).toEqual(['approve-custom-action']);
    expect(approved.deliveries).toEqual([
      expect.objectContaining({
        rule: 'approve-custom-action',
        target: 'approve',
        result: expect.objectContaining({ verb: 'approve' }),
      }),
    ]);
    expect(approved.workerResults).toEqual([expect.objectContaining({ id, outcome: 'isolated' })]);
    expect((await world.store.get(id ?? ''))?.status).toBe('ISOLATED');
    expect(await interfaceGroups(world.ec2, instance.instanceId)).not.toContain(instance.groupId);
    expect(world.writeBacks().at(-1)?.Note?.Text).toMatch(/ISOLATED/);
  });

  it('delivers nothing, and changes nothing, for an event no deployed rule matches', async () => {
    // Prepare: a GuardDuty sample finding (the deployed rules drop samples)
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const event = guardDutyEvent(instance.instanceId, { severity: 8 });
    const detail = event['detail'] as { service: { additionalInfo: Record<string, unknown> } };
    detail.service.additionalInfo = { sample: true };
    const before = world.recorder.commands.length;

    // Act
    const dispatched = await world.dispatch(event);

    // Assess
    expect(dispatched).toEqual({ reached: [], deliveries: [], workerResults: [] });
    expect(world.recorder.commands.slice(before).filter((c) => !isReadOnly(c.command))).toEqual([]);
    expect(await interfaceGroups(world.ec2, instance.instanceId)).toContain(instance.groupId);
    expect(world.writeBacks()).toEqual([]);
  });
});
