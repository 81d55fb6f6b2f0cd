import { describe, expect, it } from 'vitest';
import { useMoto } from '../support/moto.js';
import {
  buildBatchUpdate,
  buildNote,
  describePrincipal,
  NOTE_MAX,
} from '../../functions/lib/report/securityhub-payload.js';
import {
  approveIsolation,
  getIsolation,
  rejectIsolation,
  releaseIsolation,
  requestIsolation,
} from '../../functions/lib/pipeline/service.js';
import { handleCustomAction } from '../../functions/lib/pipeline/approve.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import type { Ec2InstanceResource } from '../../functions/lib/findings/model.js';
import type { IsolationRecord, Principal } from '../../functions/lib/store/model.js';
import {
  ACCOUNT,
  APPROVE_ARN,
  REGION,
  asffTwin,
  createWorld,
  customActionEvent,
  guardDutyEvent,
  importedEvent,
  launchInstance,
} from './support.js';

const moto = useMoto({ resetEach: false });

const alice: Principal = { type: 'user', id: '7c1f0b2e-alice-subject', name: 'alice' };
const bob: Principal = { type: 'user', id: '0a9d4c3b-bob-subject', name: 'bob' };
const carol: Principal = { type: 'user', id: 'e5f6a7b8-carol-subject', name: 'carol' };
const ID = 'iso-20261128070000000-0123456789';
const ISOLATED_HEAD = `cordon ${ID}: isolate-ec2-instance on ec2-instance i-0123456789abcdef0 in ${ACCOUNT}/${REGION} is ISOLATED (contained, not resolved: investigate).`;

function ec2(instanceId: string): Ec2InstanceResource {
  return {
    type: 'ec2-instance',
    id: instanceId,
    accountId: ACCOUNT,
    region: REGION,
    tags: {},
    networkInterfaces: [],
    securityGroupIds: [],
  };
}

function apiRecord(overrides: Partial<IsolationRecord> = {}): IsolationRecord {
  return {
    id: ID,
    resource: ec2('i-0123456789abcdef0'),
    resourceKey: `${ACCOUNT}#${REGION}#ec2-instance#i-0123456789abcdef0`,
    resourceId: 'i-0123456789abcdef0',
    accountId: ACCOUNT,
    region: REGION,
    action: 'isolate-ec2-instance',
    params: {},
    mode: 'manual',
    status: 'ISOLATED',
    steps: [
      {
        name: 'swap-groups',
        status: 'done',
        detail: 'isolation group attached',
        at: '2026-11-28T07:00:02.000Z',
      },
    ],
    releaseSteps: [],
    before: {},
    requester: alice,
    approver: { ...bob, at: '2026-11-28T07:00:01.000Z' },
    reason: 'Unexpected outbound traffic to a mining pool',
    audit: [],
    warnings: [],
    createdAt: '2026-11-28T07:00:00.000Z',
    updatedAt: '2026-11-28T07:00:02.000Z',
    reports: {},
    pendingReports: [],
    version: 4,
    ...overrides,
  };
}

describe('Report: the Security Hub note names the signed-in principal', () => {
  it('names requester and approver by username and subject on an isolated request', () => {
    // Act
    const note = buildNote(apiRecord());

    // Assess
    expect(note).toBe(
      `${ISOLATED_HEAD} Requested by alice (subject 7c1f0b2e-alice-subject). ` +
        'Approved by bob (subject 0a9d4c3b-bob-subject). 1/1 steps done.',
    );
  });

  it('names the approver who ran an emergency isolation once, as such', () => {
    // Act
    const note = buildNote(
      apiRecord({ immediate: true, approver: { ...bob, at: '2026-11-28T07:00:00.000Z' }, requester: bob }),
    );

    // Assess
    expect(note).toBe(
      `${ISOLATED_HEAD} Emergency isolation by bob (subject 0a9d4c3b-bob-subject). 1/1 steps done.`,
    );
  });

  it('names whoever rejected the request', () => {
    // Act
    const note = buildNote(apiRecord({ status: 'REJECTED', steps: [] }));

    // Assess
    expect(note).toBe(
      `cordon ${ID}: isolate-ec2-instance on ec2-instance i-0123456789abcdef0 in ${ACCOUNT}/${REGION} was rejected. ` +
        'Requested by alice (subject 7c1f0b2e-alice-subject). Rejected by bob (subject 0a9d4c3b-bob-subject).',
    );
  });

  it('names whoever asked for the release, not the worker that ran it', () => {
    // Prepare
    const released = apiRecord({
      status: 'RELEASED',
      audit: [
        {
          at: '2026-11-28T08:00:00.000Z',
          by: carol,
          from: 'ISOLATED',
          to: 'RELEASING',
          note: 'owner fixed it',
        },
        {
          at: '2026-11-28T08:00:01.000Z',
          by: { type: 'system', id: 'worker', name: 'cordon worker' },
          from: 'RELEASING',
          to: 'RELEASING',
          note: 'release started',
        },
      ],
    });

    // Act
    const input = buildBatchUpdate(released, { id: 'f', productArn: 'p', origin: 'imported' });

    // Assess
    expect(input.Note?.Text).toBe(
      `cordon ${ID}: isolate-ec2-instance on ec2-instance i-0123456789abcdef0 in ${ACCOUNT}/${REGION} was released. ` +
        'Requested by alice (subject 7c1f0b2e-alice-subject). Approved by bob (subject 0a9d4c3b-bob-subject). ' +
        'Release requested by carol (subject e5f6a7b8-carol-subject).',
    );
    expect(input.UserDefinedFields).toMatchObject({
      cordonRequestedBy: 'alice (subject 7c1f0b2e-alice-subject)',
      cordonApprovedBy: 'bob (subject 0a9d4c3b-bob-subject)',
      cordonReleasedBy: 'carol (subject e5f6a7b8-carol-subject)',
    });
  });

  it('names a custom-action approval by its action ARN', () => {
    // Prepare
    const record = apiRecord({
      mode: 'approval',
      rule: 'ec2-suspected-compromise',
      requester: { type: 'policy', id: 'ec2-suspected-compromise', name: 'policy rule' },
      approver: {
        type: 'custom-action',
        id: APPROVE_ARN,
        name: 'Security Hub custom action "Cordon approve"',
        at: '2026-11-28T07:00:01.000Z',
      },
    });

    // Act
    const input = buildBatchUpdate(record, { id: 'f', productArn: 'p', origin: 'source' });

    // Assess
    expect(input.Note?.Text).toBe(
      `${ISOLATED_HEAD} Approved by Security Hub custom action "Cordon approve" (${APPROVE_ARN}). ` +
        'Rule ec2-suspected-compromise (approval). 1/1 steps done.',
    );
    expect(input.UserDefinedFields?.['cordonApprovedBy']).toBe(
      `Security Hub custom action "Cordon approve" (${APPROVE_ARN})`,
    );
    expect(input.UserDefinedFields).not.toHaveProperty('cordonRequestedBy');
  });

  it('keeps the principals and stays within 512 characters when the failure text is huge', () => {
    // Prepare
    const failed = apiRecord({
      status: 'FAILED',
      failure: { step: 'swap-groups', code: 'AccessDenied', message: 'x'.repeat(5000) },
    });

    // Act
    const note = buildNote(failed);

    // Assess
    expect(note.length).toBe(NOTE_MAX);
    expect(note.endsWith('…')).toBe(true);
    expect(note).toContain(
      'Requested by alice (subject 7c1f0b2e-alice-subject). Approved by bob (subject 0a9d4c3b-bob-subject). 1/1 steps done. Step swap-groups: AccessDenied: xxx',
    );
  });

  it('bounds a hostile username and flattens its control characters', () => {
    // Prepare
    const mallory: Principal = { type: 'user', id: 'sub-mallory', name: `mal\nlory${'m'.repeat(2000)}` };

    // Act
    const described = describePrincipal(mallory);
    const note = buildNote(apiRecord({ requester: mallory }));

    // Assess
    expect(described.length).toBe(160);
    expect(described.startsWith('mal lorymmm')).toBe(true);
    expect(note.length).toBeLessThanOrEqual(NOTE_MAX);
    expect(note).not.toContain('\n');
    expect(note).toContain('Approved by bob (subject 0a9d4c3b-bob-subject).');
  });
});

describe('Pipeline: Security Hub write-backs name who acted', () => {
  it('names requester, approver and releaser (subject and username) through an API isolation', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const { record } = await requestIsolation(world.deps, {
      resource: ec2(instance.instanceId),
      reason: 'Unexpected outbound traffic to a mining pool',
      requester: alice,
    });

    // Act
    const pendingNote = world.writeBacks().at(-1)?.Note?.Text;
    await approveIsolation(world.deps, record.id, bob);
    await world.worker.drain();
    const isolatedUpdate = world.writeBacks().at(-1);
    await releaseIsolation(world.deps, record.id, carol, 'owner rotated the credentials');
    await world.worker.drain();
    const releasedUpdate = world.writeBacks().at(-1);

    // Assess
    expect((await getIsolation(world.deps, record.id)).status).toBe('RELEASED');
    expect(pendingNote).toContain(
      'is waiting for approval. Requested by alice (subject 7c1f0b2e-alice-subject).',
    );
    expect(isolatedUpdate?.Note?.Text).toContain(
      'is ISOLATED (contained, not resolved: investigate). Requested by alice (subject 7c1f0b2e-alice-subject). ' +
        'Approved by bob (subject 0a9d4c3b-bob-subject).',
    );
    expect(releasedUpdate?.Note?.Text).toContain(
      'Release requested by carol (subject e5f6a7b8-carol-subject).',
    );
    expect(releasedUpdate?.UserDefinedFields).toMatchObject({
      cordonStatus: 'RELEASED',
      cordonRequestedBy: 'alice (subject 7c1f0b2e-alice-subject)',
      cordonApprovedBy: 'bob (subject 0a9d4c3b-bob-subject)',
      cordonReleasedBy: 'carol (subject e5f6a7b8-carol-subject)',
    });
  });

  it('names the approver of an emergency isolation and whoever rejects a request', async () => {
    // Prepare
    const world = await createWorld(moto);
    const first = await launchInstance(world.ec2);
    const second = await launchInstance(world.ec2);

    // Act
    await requestIsolation(world.deps, {
      resource: ec2(first.instanceId),
      reason: 'Active ransomware beacon on the host',
      requester: bob,
      immediate: true,
    });
    await world.worker.drain();
    const emergencyNote = world.writeBacks().at(-1)?.Note?.Text;
    const pending = await requestIsolation(world.deps, {
      resource: ec2(second.instanceId),
      reason: 'Suspicious port scan from this host',
      requester: alice,
    });
    await rejectIsolation(world.deps, pending.record.id, bob, 'known vulnerability scanner');
    const rejected = world.writeBacks().at(-1);

    // Assess
    expect(emergencyNote).toContain('is ISOLATED');
    expect(emergencyNote).toContain('Emergency isolation by bob (subject 0a9d4c3b-bob-subject).');
    expect(rejected?.Note?.Text).toContain(
      'was rejected. Requested by alice (subject 7c1f0b2e-alice-subject). Rejected by bob (subject 0a9d4c3b-bob-subject).',
    );
    expect(rejected?.UserDefinedFields?.['cordonRejectedBy']).toBe('bob (subject 0a9d4c3b-bob-subject)');
  });

  it('names the custom action ARN on a Security Hub approval', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const finding = asffTwin(guardDutyEvent(instance.instanceId, { severity: 5 }));
    await triageEvent(world.deps, importedEvent(finding));

    // Act
    await handleCustomAction(world.deps, customActionEvent({ ...finding, Workflow: { Status: 'NOTIFIED' } }));
    await world.worker.drain();
    const update = world.writeBacks().at(-1);

    // Assess
    expect(update?.Note?.Text).toContain('is ISOLATED');
    expect(update?.Note?.Text).toContain(
      `Approved by Security Hub custom action "Cordon approve" (${APPROVE_ARN}).`,
    );
    expect(update?.UserDefinedFields?.['cordonApprovedBy']).toBe(
      `Security Hub custom action "Cordon approve" (${APPROVE_ARN})`,
    );
  });
});
