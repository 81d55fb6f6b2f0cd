import { describe, expect, it } from 'vitest';
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand } from '@aws-sdk/client-securityhub';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { useMoto } from '../support/moto.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { expireAndSweep } from '../../functions/lib/pipeline/expire.js';
import { getIsolation } from '../../functions/lib/pipeline/service.js';
import { REGION, createWorld, guardDutyEvent, interfaceGroups, launchInstance } from './support.js';

const moto = useMoto({ resetEach: false });

function unprocessed(id: string, productArn: string, code: string) {
  return {
    ProcessedFindings: [],
    UnprocessedFindings: [
      { FindingIdentifier: { Id: id, ProductArn: productArn }, ErrorCode: code, ErrorMessage: code },
    ],
  };
}

describe('Pipeline: write-back and notification faults', () => {
  it('retries a ConcurrentUpdateError within the same write-back', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const event = guardDutyEvent(instance.instanceId, { severity: 8 });
    const arn = (event['detail'] as { arn: string }).arn;
    world.securityHub
      .on(BatchUpdateFindingsCommand)
      .resolvesOnce(unprocessed(arn, 'x', 'ConcurrentUpdateError'))
      .resolves({ ProcessedFindings: [], UnprocessedFindings: [] });

    // Act
    const result = await triageEvent(world.deps, event);
    await world.worker.drain();

    // Assess
    const record = await getIsolation(world.deps, result.findings[0]?.actions[0]?.isolationId ?? '');
    expect(world.writeBacks()).toHaveLength(2);
    expect(record.reports.securityhub).toMatchObject({ ok: true, status: 'ISOLATED' });
    expect(record.pendingReports).toEqual([]);
  });

  it('leaves the pending reports of a record a worker is running to that worker', async () => {
    // Prepare: the outcome report failed, then a release started (its worker will report when it ends)
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const event = guardDutyEvent(instance.instanceId, { severity: 8 });
    const arn = (event['detail'] as { arn: string }).arn;
    world.securityHub.on(BatchUpdateFindingsCommand).resolves(unprocessed(arn, 'x', 'FindingNotFound'));
    const result = await triageEvent(world.deps, event);
    await world.worker.drain();
    const id = result.findings[0]?.actions[0]?.isolationId ?? '';
    const operator = { type: 'user' as const, id: 'u-9', name: 'Olga' };
    await world.store.transition(id, {
      from: ['ISOLATED'],
      to: 'RELEASING',
      by: operator,
      at: new Date().toISOString(),
    });
    const writeBacksBefore = world.writeBacks().length;

    // Act
    const sweep = await expireAndSweep(world.deps);

    // Assess
    expect(sweep.reportsRetried).not.toContain(id);
    expect(world.writeBacks()).toHaveLength(writeBacksBefore);
    expect((await getIsolation(world.deps, id)).pendingReports.length).toBeGreaterThan(0);
  });

  it('never fails or undoes a containment; records the failures and the sweep delivers them later', async () => {
    // Prepare: Security Hub keeps refusing the update and the topic is gone
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const event = guardDutyEvent(instance.instanceId, { severity: 8 });
    const arn = (event['detail'] as { arn: string }).arn;
    world.securityHub.on(BatchUpdateFindingsCommand).resolves(unprocessed(arn, 'x', 'FindingNotFound'));
    const sns = new SNSClient(moto.clientConfig(REGION));
    const topicArn = world.deps.config.topicArn;
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));

    // Act
    const result = await triageEvent(world.deps, event);
    await world.worker.drain();
    const id = result.findings[0]?.actions[0]?.isolationId ?? '';
    const failed = await getIsolation(world.deps, id);
    world.securityHub
      .on(BatchUpdateFindingsCommand)
      .resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
    await sns.send(new CreateTopicCommand({ Name: topicArn.split(':').at(-1) }));
    const sweep = await expireAndSweep(world.deps);
    const delivered = await getIsolation(world.deps, id);

    // Assess
    expect(failed.status).toBe('ISOLATED');
    expect(await interfaceGroups(world.ec2, instance.instanceId)).not.toContain(instance.groupId);
    expect(failed.pendingReports.map((p) => p.channel).sort()).toEqual(['securityhub', 'sns']);
    expect(failed.pendingReports.find((p) => p.channel === 'securityhub')?.lastError).toMatch(
      /FindingNotFound/,
    );
    expect(failed.reports.sns).toMatchObject({ ok: false, status: 'ISOLATED' });
    expect(sweep.reportsRetried).toEqual([id]);
    expect(delivered.status).toBe('ISOLATED');
    expect(delivered.pendingReports).toEqual([]);
    expect(delivered.reports).toMatchObject({ securityhub: { ok: true }, sns: { ok: true } });
    expect(world.writeBacks().at(-1)?.UserDefinedFields?.['cordonStatus']).toBe('ISOLATED');
  });

  it('records a write-back still throttled after the SDK retries as pending, without touching the containment', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 },
    });
    world.securityHub.on(BatchUpdateFindingsCommand).rejects(throttled);

    // Act
    const result = await triageEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));
    await world.worker.drain();

    // Assess
    const record = await getIsolation(world.deps, result.findings[0]?.actions[0]?.isolationId ?? '');
    expect(record.status).toBe('ISOLATED');
    expect(record.pendingReports).toEqual([
      expect.objectContaining({ channel: 'securityhub', lastError: 'Rate exceeded' }),
    ]);
    expect(world.securityHub.commandCalls(BatchImportFindingsCommand)).toEqual([]);
  });
});
