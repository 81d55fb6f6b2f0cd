import { describe, expect, it } from 'vitest';
import { BatchUpdateFindingsCommand } from '@aws-sdk/client-securityhub';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { useMoto } from '../support/moto.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { getIsolation } from '../../functions/lib/pipeline/service.js';
import {
  ACCOUNT,
  asffTwin,
  createWorld,
  guardDutyEvent,
  importedEvent,
  interfaceGroups,
  isReadOnly,
  launchInstance,
  policyWith,
} from './support.js';

const moto = useMoto({ resetEach: false });

describe('Pipeline: duplicates, limits and protected resources', () => {
  it('turns 20 concurrent deliveries of one finding and its Security Hub twins into one isolation', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const event = guardDutyEvent(instance.instanceId, { severity: 8 });
    const twin = importedEvent(asffTwin(event));
    const deliveries = [...Array.from({ length: 20 }, () => event), twin, twin];

    // Act
    const results = await Promise.all(deliveries.map((e) => triageEvent(world.deps, e)));
    const runs = await world.worker.drain();

    // Assess
    const actions = results.flatMap((r) => r.findings.flatMap((f) => f.actions));
    expect(actions).toHaveLength(22);
    expect(actions.filter((a) => a.created)).toHaveLength(1);
    expect(new Set(actions.map((a) => a.isolationId)).size).toBe(1);
    expect(actions.filter((a) => !a.created).every((a) => a.duplicateOf === 'finding')).toBe(true);
    expect(runs.filter((r) => r.outcome === 'isolated')).toHaveLength(1);
    expect((await world.store.list({ resourceId: instance.instanceId })).items).toHaveLength(1);
    // One write-back and one notification: duplicates never report (a write-back would emit another event).
    expect(world.writeBacks()).toHaveLength(1);
    expect(await world.notifications()).toHaveLength(1);
  });

  it('a second finding about the same instance joins the active isolation', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    await triageEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));
    await world.worker.drain();

    // Act
    const second = await triageEvent(
      world.deps,
      guardDutyEvent(instance.instanceId, { severity: 9, type: 'Trojan:EC2/DNSDataExfiltration' }),
    );
    const runs = await world.worker.drain();

    // Assess
    expect(second.findings[0]?.actions[0]).toMatchObject({
      created: false,
      duplicateOf: 'resource',
      status: 'ISOLATED',
    });
    expect(runs).toEqual([]);
  });

  it('downgrades automatic isolation to approval past the hourly limit, and says why', async () => {
    // Prepare
    const world = await createWorld(moto, {
      policy: policyWith({ limits: { perAccountPerHour: 1, globalPerHour: 50 } }),
    });
    const first = await launchInstance(world.ec2);
    const second = await launchInstance(world.ec2);

    // Act
    const a = await triageEvent(world.deps, guardDutyEvent(first.instanceId, { severity: 8 }));
    const b = await triageEvent(world.deps, guardDutyEvent(second.instanceId, { severity: 8 }));
    await world.worker.drain();

    // Assess
    expect(a.findings[0]?.actions[0]).toMatchObject({ created: true, status: 'APPROVED' });
    const parked = b.findings[0]?.actions[0];
    expect(parked).toMatchObject({ created: true, status: 'PENDING_APPROVAL' });
    expect(parked?.downgraded).toMatch(/per-account limit of 1 automatic isolations per hour/);
    const record = await getIsolation(world.deps, parked?.isolationId ?? '');
    expect(record.approvalReason).toMatch(/limit/);
    expect(record.mode).toBe('auto');
    expect(await interfaceGroups(world.ec2, second.instanceId)).toEqual([second.groupId]);
    const pendingNote = world
      .writeBacks()
      .find((w) => w.UserDefinedFields?.['cordonStatus'] === 'PENDING_APPROVAL');
    expect(pendingNote?.Note?.Text).toMatch(/limit/);
  });

  it('never touches an instance that carries the exemption tag', async () => {
    // Prepare: the tag is on the live instance only, not in the finding
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2, { tags: { 'cordon:exempt': 'true' } });
    const before = world.recorder.commands.length;

    // Act
    const result = await triageEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));
    const runs = await world.worker.drain();

    // Assess
    const id = result.findings[0]?.actions[0]?.isolationId ?? '';
    expect(runs).toEqual([expect.objectContaining({ outcome: 'skipped' })]);
    const record = await getIsolation(world.deps, id);
    expect(record.status).toBe('SKIPPED');
    expect(record.failure?.message).toMatch(/exempt|cordon:exempt/);
    const memberMutations = world.recorder.commands
      .slice(before)
      .filter((c) => !['DynamoDB', 'SNS', 'STS'].includes(c.service) && !isReadOnly(c.command));
    expect(memberMutations).toEqual([]);
    expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual([instance.groupId]);
    expect(await world.store.findActiveByResource(record.resourceKey)).toEqual([]);
  });

  it('refuses in triage when the finding itself shows the exemption tag', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2, { tags: { 'cordon:exempt': 'true' } });
    const event = guardDutyEvent(instance.instanceId, { severity: 8 });
    const details = (event['detail'] as { resource: { instanceDetails: Record<string, unknown> } }).resource
      .instanceDetails;
    details['tags'] = [{ key: 'cordon:exempt', value: 'true' }];

    // Act
    const result = await triageEvent(world.deps, event);
    const runs = await world.worker.drain();

    // Assess: refused before any worker run, and recorded SKIPPED with the reason (never a silent log line)
    expect(result.findings[0]?.rule).toBe('ec2-backdoor-trojan-high');
    expect(result.findings[0]?.actions).toEqual([
      expect.objectContaining({
        resourceId: instance.instanceId,
        status: 'SKIPPED',
        created: true,
        refused: expect.stringMatching(/exemption tag cordon:exempt=true/),
      }),
    ]);
    expect(result.findings[0]?.reasons.join(' ')).toMatch(/exemption tag cordon:exempt/);
    expect(runs).toEqual([]);
    const records = (await world.store.list({ resourceId: instance.instanceId })).items;
    expect(records.map((r) => [r.status, r.failure?.code, r.failure?.refusal, r.rule])).toEqual([
      ['SKIPPED', 'REFUSED', 'exempt-tag', 'ec2-backdoor-trojan-high'],
    ]);
    expect(records[0]?.audit.map((a) => [a.from, a.to])).toEqual([[null, 'SKIPPED']]);
    // Terminal from the start: no active lock holds the resource.
    expect(await world.store.findActiveByResource(records[0]?.resourceKey ?? '')).toEqual([]);
    expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual([instance.groupId]);
  });

  it('never applies an exemption tag silently: the finding is noted and people are told, once', async () => {
    // Prepare: a finding whose instance carries the exemption tag (a tag anyone with ec2:CreateTags can set)
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2, { tags: { 'cordon:exempt': 'true' } });
    const event = guardDutyEvent(instance.instanceId, { severity: 8 });
    const details = (event['detail'] as { resource: { instanceDetails: Record<string, unknown> } }).resource
      .instanceDetails;
    details['tags'] = [{ key: 'cordon:exempt', value: 'true' }];

    // Act: delivered twice
    const first = await triageEvent(world.deps, event);
    const second = await triageEvent(world.deps, event);

    // Assess: one SKIPPED record, noted on the finding and notified once; nothing was contained
    expect(first.findings[0]?.actions[0]).toMatchObject({ created: true, status: 'SKIPPED' });
    expect(second.findings[0]?.actions[0]).toMatchObject({ created: false, duplicateOf: 'finding' });
    const records = (await world.store.list({ resourceId: instance.instanceId })).items;
    expect(records).toHaveLength(1);
    const notes = world.writeBacks().map((w) => w.Note?.Text ?? '');
    expect(notes.filter((n) => n.includes(`ec2-instance ${instance.instanceId}`))).toHaveLength(1);
    expect(notes.join(' ')).toMatch(/was skipped.*REFUSED: .*exemption tag cordon:exempt=true/);
    expect(notes.join(' ')).toMatch(/check it was set on purpose/);
    const told = await world.notifications();
    expect(told).toHaveLength(1);
    expect(JSON.stringify(told[0]?.body)).toContain(instance.instanceId);
    expect(JSON.stringify(told[0]?.body)).toContain(records[0]?.id ?? 'missing');
    expect(told[0]?.attributes['status']).toBe('SKIPPED');
    expect(told[0]?.attributes['refusal']).toBe('exempt-tag');
    const groups = await world.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance.instanceId] }));
    const nic = groups.Reservations?.[0]?.Instances?.[0]?.NetworkInterfaces?.[0];
    expect(nic?.Groups?.map((g) => g.GroupName)).not.toContain(expect.stringMatching(/^cordon-/));
  });

  it('tells people once about a notify-only finding, however often it arrives', async () => {
    // Prepare: low-severity inbound SSH brute force is notify-only in the default policy
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const event = guardDutyEvent(instance.instanceId, {
      severity: 2,
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    });

    // Act
    const results = await Promise.all([1, 2, 3].map(() => triageEvent(world.deps, event)));
    await world.worker.drain();

    // Assess
    expect(results.map((r) => r.findings[0]?.notified).sort()).toEqual([false, false, true]);
    expect(world.writeBacks()).toEqual([
      expect.objectContaining({
        Workflow: { Status: 'NOTIFIED' },
        UserDefinedFields: expect.objectContaining({ cordonRule: 'ec2-inbound-brute-force' }),
      }),
    ]);
    const notifications = await world.notifications();
    expect(notifications.map((n) => n.attributes)).toEqual([
      { account: ACCOUNT, severity: 'LOW', action: 'none', status: 'NOTIFIED' },
    ]);
    expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual([instance.groupId]);
  });

  it('throws when a notify-only write-back is not processed, and the retried event notifies', async () => {
    // Prepare: Security Hub leaves the first write-back unprocessed
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const event = guardDutyEvent(instance.instanceId, {
      severity: 2,
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    });
    world.securityHub
      .on(BatchUpdateFindingsCommand)
      .resolvesOnce({
        ProcessedFindings: [],
        UnprocessedFindings: [
          {
            FindingIdentifier: { Id: 'x', ProductArn: 'y' },
            ErrorCode: 'ConcurrentUpdateError',
            ErrorMessage: 'busy',
          },
        ],
      })
      .resolves({ ProcessedFindings: [], UnprocessedFindings: [] });

    // Act
    const first = triageEvent(world.deps, event);
    await expect(first).rejects.toThrow(/ConcurrentUpdateError/);
    const retried = await triageEvent(world.deps, event);

    // Assess
    expect(retried.findings[0]?.notified).toBe(true);
    expect(world.writeBacks()).toHaveLength(2);
    expect((await world.notifications()).map((n) => n.attributes.status)).toEqual(['NOTIFIED']);
  });
});
