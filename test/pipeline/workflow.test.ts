/**
 * Write-back respects the finding as people left it: workflow status and notes.
 *
 * moto has no BatchUpdateFindings and its GetFindings ignores Filters, so the pipeline tests answer GetFindings
 * with aws-sdk-client-mock (the finding an analyst resolved, suppressed or annotated). The mapping of a real
 * GetFindings answer is tested against moto, with a finding imported there.
 */
import { describe, expect, it } from 'vitest';
import {
  BatchImportFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  SecurityHub,
  type AwsSecurityFinding,
} from '@aws-sdk/client-securityhub';
import { useMoto } from '../support/moto.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { getIsolation } from '../../functions/lib/pipeline/service.js';
import { reportStatus, writeFindingNote } from '../../functions/lib/report/reporter.js';
import { reconcileUpdate } from '../../functions/lib/report/finding-state.js';
import { AwsSecurityHubWriter } from '../../functions/lib/report/securityhub-writer.js';
import type { WorkflowStatus } from '../../functions/lib/findings/model.js';
import {
  ACCOUNT,
  REGION,
  createWorld,
  guardDutyEvent,
  launchInstance,
  type PipelineWorld,
} from './support.js';

const moto = useMoto({ resetEach: false });

const PRODUCT_ARN = `arn:aws:securityhub:${REGION}::product/aws/guardduty`;
const ANALYST_NOTE = {
  Text: 'Known pentest, see ticket SEC-42',
  UpdatedBy: 'arn:aws:iam::123456789012:user/ana',
};

function currentFinding(
  id: string,
  workflow: WorkflowStatus,
  extra: Partial<AwsSecurityFinding> = {},
): AwsSecurityFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: PRODUCT_ARN,
    GeneratorId: 'detector',
    AwsAccountId: ACCOUNT,
    CreatedAt: new Date().toISOString(),
    UpdatedAt: new Date().toISOString(),
    Title: 't',
    Description: 'd',
    Resources: [{ Type: 'Other', Id: 'x' }],
    Severity: { Label: 'HIGH' },
    Workflow: { Status: workflow },
    ...extra,
  };
}

/** Isolate an instance from a GuardDuty finding whose Security Hub twin currently reads as `workflow`. */
async function isolateWith(
  workflow: WorkflowStatus,
  extra: Partial<AwsSecurityFinding> = {},
): Promise<{ world: PipelineWorld; id: string; arn: string }> {
  const world = await createWorld(moto);
  const instance = await launchInstance(world.ec2);
  const event = guardDutyEvent(instance.instanceId, { severity: 8 });
  const arn = (event['detail'] as { arn: string }).arn;
  world.securityHub.on(GetFindingsCommand).resolves({ Findings: [currentFinding(arn, workflow, extra)] });
  const result = await triageEvent(world.deps, event);
  await world.worker.drain();
  return { world, id: result.findings[0]?.actions[0]?.isolationId ?? '', arn };
}

describe('Write-back: workflow status', () => {
  it('sets NOTIFIED on a NEW finding, after reading it', async () => {
    // Act
    const { world, id, arn } = await isolateWith('NEW');

    // Assess
    expect((await getIsolation(world.deps, id)).status).toBe('ISOLATED');
    const reads = world.securityHub.commandCalls(GetFindingsCommand).map((c) => c.args[0].input.Filters);
    expect(reads).toContainEqual({
      Id: [{ Value: arn, Comparison: 'EQUALS' }],
      ProductArn: [{ Value: PRODUCT_ARN, Comparison: 'EQUALS' }],
    });
    expect(world.writeBacks().at(-1)?.Workflow).toEqual({ Status: 'NOTIFIED' });
  });

  it.each(['RESOLVED', 'SUPPRESSED', 'NOTIFIED'] as const)(
    'never reopens or rewrites a %s finding, and still reports the outcome',
    async (workflow) => {
      // Act
      const { world, id } = await isolateWith(workflow);

      // Assess: the containment happened and was reported, the workflow was left alone
      const record = await getIsolation(world.deps, id);
      expect(record.status).toBe('ISOLATED');
      expect(record.reports.securityhub).toMatchObject({ ok: true, status: 'ISOLATED' });
      const update = world.writeBacks().at(-1);
      expect(update?.Workflow).toBeUndefined();
      expect(update?.UserDefinedFields?.['cordonStatus']).toBe('ISOLATED');
      expect(update?.Note?.Text).toContain('ISOLATED');
    },
  );

  it('leaves a SUPPRESSED finding suppressed under a notify rule too', async () => {
    // Prepare: a low-severity brute force (notify only) whose Security Hub twin an analyst suppressed
    const world = await createWorld(moto);
    const event = guardDutyEvent('i-0123456789abcdef0', {
      severity: 2,
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    });
    const arn = (event['detail'] as { arn: string }).arn;
    world.securityHub.on(GetFindingsCommand).resolves({ Findings: [currentFinding(arn, 'SUPPRESSED')] });

    // Act
    const result = await triageEvent(world.deps, event);

    // Assess
    expect(result.findings[0]).toMatchObject({
      rule: 'ec2-inbound-brute-force',
      mode: 'notify',
      notified: true,
    });
    const update = world.writeBacks().at(-1);
    expect(update?.Workflow).toBeUndefined();
    expect(update?.UserDefinedFields).toMatchObject({ cordonStatus: 'NOTIFIED' });
    expect(update?.Note?.Text).toContain('ec2-inbound-brute-force');
  });

  it('fails the write-back, to be retried, when the finding cannot be read: it never writes blind', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const denied = Object.assign(new Error('not authorized to perform securityhub:GetFindings'), {
      name: 'AccessDeniedException',
    });
    world.securityHub.on(GetFindingsCommand).rejects(denied);

    // Act
    const result = await triageEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));
    await world.worker.drain();

    // Assess
    const record = await getIsolation(world.deps, result.findings[0]?.actions[0]?.isolationId ?? '');
    expect(record.status).toBe('ISOLATED');
    expect(world.writeBacks()).toEqual([]);
    expect(record.pendingReports).toEqual([
      expect.objectContaining({ channel: 'securityhub', status: 'ISOLATED' }),
    ]);
  });
});

describe('Write-back: notes', () => {
  it("replaces an analyst's note when cordon's status changed, and keeps it when it did not", async () => {
    // Prepare: the analyst wrote a note before cordon reported
    const { world, id, arn } = await isolateWith('NOTIFIED', { Note: { ...ANALYST_NOTE, UpdatedAt: 'x' } });
    const first = world.writeBacks().at(-1);
    world.securityHub.on(GetFindingsCommand).resolves({
      Findings: [
        currentFinding(arn, 'NOTIFIED', {
          Note: { ...ANALYST_NOTE, UpdatedAt: 'x' },
          UserDefinedFields: { cordonIsolationId: id, cordonStatus: 'ISOLATED' },
        }),
      ],
    });

    // Act: the same status reported again (a retry)
    await reportStatus(world.deps, await getIsolation(world.deps, id), ['securityhub']);

    // Assess
    expect(first?.Note?.Text).toContain('ISOLATED');
    const again = world.writeBacks().at(-1);
    expect(again?.Note).toBeUndefined();
    expect(again?.UserDefinedFields?.['cordonStatus']).toBe('ISOLATED');
  });

  it("keeps an analyst's note for a note that changes no status, and writes nothing at all then", async () => {
    // Prepare
    const world = await createWorld(moto);
    const target = { id: 'finding-1', productArn: PRODUCT_ARN };
    world.securityHub.on(GetFindingsCommand).resolves({
      Findings: [currentFinding('finding-1', 'NEW', { Note: { ...ANALYST_NOTE, UpdatedAt: 'x' } })],
    });

    // Act
    await writeFindingNote(world.deps, target, 'cordon: nothing to approve.');

    // Assess
    expect(world.writeBacks()).toEqual([]);
  });

  it("overwrites cordon's own note freely", () => {
    // Act
    const decision = reconcileUpdate(
      {
        FindingIdentifiers: [{ Id: 'f', ProductArn: PRODUCT_ARN }],
        Note: { Text: 'new', UpdatedBy: 'cordon' },
        UserDefinedFields: { cordonStatus: 'ISOLATED' },
      },
      {
        workflowStatus: 'NOTIFIED',
        note: { text: 'old', updatedBy: 'cordon' },
        userDefinedFields: { cordonStatus: 'ISOLATED' },
      },
    );

    // Assess
    expect(decision.input.Note).toEqual({ Text: 'new', UpdatedBy: 'cordon' });
    expect(decision.kept).toEqual([]);
  });
});

describe('Security Hub writer: reading the current finding', () => {
  it('maps workflow, note and fields of a finding read back from moto, and ignores findings of another identity', async () => {
    // Prepare: moto's GetFindings ignores Filters, so asking for another finding returns this one
    const client = new SecurityHubClient(moto.clientConfig(REGION));
    const wanted = currentFinding(`wanted-${Date.now()}`, 'SUPPRESSED', {
      ProductArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
      Note: { ...ANALYST_NOTE, UpdatedAt: new Date().toISOString() },
      UserDefinedFields: { cordonStatus: 'ISOLATED' },
    });
    const imported = await client.send(new BatchImportFindingsCommand({ Findings: [wanted] }));
    const writer = new AwsSecurityHubWriter(new SecurityHub(moto.clientConfig(REGION)));

    // Act
    const current = await writer.getFinding({ id: wanted.Id ?? '', productArn: wanted.ProductArn ?? '' });
    const missing = await writer.getFinding({ id: 'nope', productArn: wanted.ProductArn ?? '' });

    // Assess
    expect(imported.FailedCount).toBe(0);
    expect(current).toEqual({
      workflowStatus: 'SUPPRESSED',
      note: { text: ANALYST_NOTE.Text, updatedBy: ANALYST_NOTE.UpdatedBy },
      userDefinedFields: { cordonStatus: 'ISOLATED' },
    });
    expect(missing).toBeUndefined();
  });
});
