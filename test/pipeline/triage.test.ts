import { describe, expect, it } from 'vitest';
import { useMoto } from '../support/moto.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { getIsolation } from '../../functions/lib/pipeline/service.js';
import { METRIC_NAMES } from '../../functions/lib/observability.js';
import { runWorker } from '../../functions/lib/pipeline/worker.js';
import { expireAndSweep } from '../../functions/lib/pipeline/expire.js';
import type { WorkerJob } from '../../functions/lib/pipeline/deps.js';
import { FUNCTION_PERMISSIONS } from '../../functions/lib/permissions.js';
import { ACCOUNT, REGION, createWorld, guardDutyEvent, interfaceGroups, launchInstance } from './support.js';

const moto = useMoto({ resetEach: false });

describe('Pipeline: triage of a GuardDuty finding', () => {
  it('isolates the instance, writes NOTIFIED back to the finding and notifies', async () => {
    // Prepare
    const world = await createWorld(moto);
    const { instanceId, groupId } = await launchInstance(world.ec2);
    const event = guardDutyEvent(instanceId, { severity: 8 });
    const findingArn = (event['detail'] as { arn: string }).arn;

    // Act
    const result = await triageEvent(world.deps, event);
    const runs = await world.worker.drain();

    // Assess: the decision and the record
    expect(result.findings).toEqual([
      expect.objectContaining({ rule: 'ec2-backdoor-trojan-high', mode: 'auto', findingKey: findingArn }),
    ]);
    const created = result.findings[0]?.actions[0];
    expect(created).toMatchObject({ created: true, status: 'APPROVED', resourceId: instanceId });
    expect(runs).toEqual([expect.objectContaining({ outcome: 'isolated' })]);
    const record = await getIsolation(world.deps, created?.isolationId ?? '');
    expect(record.status).toBe('ISOLATED');
    expect(record.containedAt).toBeDefined();
    expect(record.steps.length).toBeGreaterThan(3);
    expect(record.steps.every((s) => s.status !== 'failed')).toBe(true);
    expect(record.audit.map((a) => a.to)).toEqual(['APPROVED', 'IN_PROGRESS', 'ISOLATED']);
    expect(record.before).not.toEqual({});

    // Assess: the emulator's state (the interface no longer carries the application group)
    const groups = await interfaceGroups(world.ec2, instanceId);
    expect(groups).not.toContain(groupId);
    expect(groups).toHaveLength(1);

    // Assess: the write-back payload
    const writeBacks = world.writeBacks();
    expect(writeBacks).toHaveLength(1);
    const writeBack = writeBacks[0];
    expect(writeBack?.FindingIdentifiers).toEqual([
      { Id: findingArn, ProductArn: `arn:aws:securityhub:${REGION}::product/aws/guardduty` },
    ]);
    expect(writeBack?.Workflow).toEqual({ Status: 'NOTIFIED' });
    expect(writeBack?.Note?.UpdatedBy).toBe('cordon');
    expect(writeBack?.Note?.Text).toContain('ISOLATED');
    expect(writeBack?.Note?.Text?.length).toBeLessThanOrEqual(512);
    expect(writeBack?.UserDefinedFields).toEqual({
      cordonIsolationId: record.id,
      cordonAction: 'isolate-ec2-instance',
      cordonStatus: 'ISOLATED',
      cordonRule: 'ec2-backdoor-trojan-high',
    });

    // Assess: the notification
    const notifications = await world.notifications();
    expect(notifications).toHaveLength(1);
    const notification = notifications[0];
    expect(notification?.subject?.length).toBeLessThanOrEqual(100);
    expect(notification?.attributes).toEqual({
      account: ACCOUNT,
      severity: 'HIGH',
      action: 'isolate-ec2-instance',
      status: 'ISOLATED',
    });
    expect(notification?.body).toMatchObject({ isolationId: record.id, status: 'ISOLATED' });
    expect(String(notification?.body['summary'])).toContain(instanceId);

    // Assess: metrics
    const names = world.metrics.recorded.map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining([
        METRIC_NAMES.started,
        METRIC_NAMES.succeeded,
        METRIC_NAMES.timeToContainFromFinding,
        METRIC_NAMES.timeToContainFromReceipt,
      ]),
    );
  });
});

describe('Permissions: the security-account calls each function makes', () => {
  it('are all declared in FUNCTION_PERMISSIONS', async () => {
    // Prepare
    const world = await createWorld(moto);
    const { instanceId } = await launchInstance(world.ec2);
    const started: WorkerJob[] = [];
    const triageDeps = { ...world.deps, startWorker: async (job: WorkerJob) => void started.push(job) };
    const securityHubCalls = () =>
      world.securityHub
        .calls()
        .map((call) => `securityhub:${call.args[0].constructor.name.replace(/Command$/, '')}`);
    const used = (from: number, shFrom: number) => [
      ...world.recorder.commands
        .slice(from)
        .filter((c) => c.service === 'DynamoDB' || c.service === 'SNS' || c.service === 'STS')
        .flatMap((c) =>
          // A transaction is authorised per item operation; the store's transactions put, update and delete.
          c.command === 'TransactWriteItems'
            ? ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']
            : [c.iamAction],
        ),
      ...securityHubCalls().slice(shFrom),
    ];

    // Act
    let mark = world.recorder.commands.length;
    let shMark = securityHubCalls().length;
    await triageEvent(triageDeps, guardDutyEvent(instanceId, { severity: 8 }));
    const triageUsed = [...used(mark, shMark), ...(started.length > 0 ? ['lambda:InvokeFunction'] : [])];
    mark = world.recorder.commands.length;
    shMark = securityHubCalls().length;
    await runWorker(world.deps, { kind: 'apply', id: started[0]?.id ?? '' });
    const isolateUsed = used(mark, shMark);
    mark = world.recorder.commands.length;
    shMark = securityHubCalls().length;
    await expireAndSweep(world.deps);
    const expireUsed = used(mark, shMark);

    // Assess
    expect(triageUsed.filter((a) => !FUNCTION_PERMISSIONS.triage.includes(a))).toEqual([]);
    expect(isolateUsed.filter((a) => !FUNCTION_PERMISSIONS.isolate.includes(a))).toEqual([]);
    expect(expireUsed.filter((a) => !FUNCTION_PERMISSIONS.expire.includes(a))).toEqual([]);
    expect(isolateUsed).toEqual(
      expect.arrayContaining(['sts:AssumeRole', 'securityhub:BatchUpdateFindings', 'sns:Publish']),
    );
    expect(triageUsed).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'lambda:InvokeFunction']));
  });
});
