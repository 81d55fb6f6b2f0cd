import { describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { useMoto } from '../support/moto.js';
import { IsolationStore, newIsolationId } from '../../functions/lib/store/isolations.js';
import { ensureIsolationTable } from '../../functions/lib/store/table.js';
import { emulatorDynamoHandler } from '../../functions/lib/pipeline/deps.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { getIsolation, releaseIsolation } from '../../functions/lib/pipeline/service.js';
import { normaliseFindings } from '../../functions/lib/findings/index.js';
import type {
  FindingTrigger,
  IsolationStatus,
  NewIsolation,
  Principal,
} from '../../functions/lib/store/model.js';
import type { Ec2InstanceResource } from '../../functions/lib/findings/model.js';
import {
  ACCOUNT,
  REGION,
  asffTwin,
  createWorld,
  guardDutyEvent,
  importedEvent,
  interfaceGroups,
  launchInstance,
  unique,
} from './support.js';

const moto = useMoto({ resetEach: false });

const policy: Principal = { type: 'policy', id: 'ec2-backdoor-trojan-high', name: 'policy rule' };
const person: Principal = { type: 'user', id: 'sub-1', name: 'alice' };
const T0 = '2026-12-01T10:00:00.000Z';
const T1 = '2026-12-01T16:00:00.000Z';

async function newStore(): Promise<IsolationStore> {
  const client = new DynamoDBClient({
    ...moto.clientConfig(REGION),
    requestHandler: emulatorDynamoHandler(),
  });
  const tableName = unique('isolations');
  await ensureIsolationTable(client, tableName);
  return new IsolationStore(
    DynamoDBDocument.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  );
}

function instance(): Ec2InstanceResource {
  return {
    type: 'ec2-instance',
    id: `i-${Math.random().toString(16).slice(2, 19).padEnd(17, '0')}`,
    accountId: ACCOUNT,
    region: REGION,
    tags: {},
    networkInterfaces: [],
    securityGroupIds: [],
  };
}

function request(
  resource: Ec2InstanceResource,
  trigger: FindingTrigger,
  status: NewIsolation['status'] = 'APPROVED',
): NewIsolation {
  return {
    findingKey: `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/d/finding/${resource.id}`,
    trigger,
    resource,
    action: 'isolate-ec2-instance',
    params: {},
    mode: status === 'APPROVED' ? 'auto' : 'approval',
    rule: 'ec2-backdoor-trojan-high',
    status,
    requester: policy,
  };
}

async function create(store: IsolationStore, input: NewIsolation) {
  const now = new Date();
  return store.create(input, { id: newIsolationId(now), now });
}

/** Walk a record through the state machine to an ended (or active) status. */
async function endAs(store: IsolationStore, id: string, status: IsolationStatus): Promise<void> {
  const at = new Date().toISOString();
  const move = (from: IsolationStatus, to: IsolationStatus) =>
    store.transition(id, { from: [from], to, by: person, at });
  if (status === 'REJECTED' || status === 'EXPIRED') {
    await move('PENDING_APPROVAL', status);
    return;
  }
  await move('APPROVED', 'IN_PROGRESS');
  await move('IN_PROGRESS', 'ISOLATED');
  if (status === 'ISOLATED') return;
  await move('ISOLATED', 'RELEASING');
  await move('RELEASING', 'RELEASED');
}

describe('Renewal: new activity on a finding whose isolation ended', () => {
  it('keeps the same activity a duplicate after release, and stores the trigger on the record', async () => {
    // Prepare
    const store = await newStore();
    const resource = instance();
    const first = await create(store, request(resource, { updatedAt: T0, count: 3 }));
    await endAs(store, first.record.id, 'RELEASED');

    // Act
    const again = await create(store, request(resource, { updatedAt: T0, count: 3 }));

    // Assess
    expect(first.record.trigger).toEqual({ updatedAt: T0, count: 3 });
    expect((await store.get(first.record.id))?.trigger).toEqual({ updatedAt: T0, count: 3 });
    expect(again).toMatchObject({ created: false, duplicateOf: 'finding', record: { id: first.record.id } });
  });

  it.each([
    ['a newer updatedAt', 'RELEASED', { updatedAt: T1, count: 3 }],
    ['a higher count', 'RELEASED', { updatedAt: T0, count: 4 }],
    ['a newer updatedAt', 'REJECTED', { updatedAt: T1 }],
    ['a newer updatedAt', 'EXPIRED', { updatedAt: T1 }],
  ] as const)('decides again on %s after the isolation was %s', async (_what, ended, trigger) => {
    // Prepare
    const store = await newStore();
    const resource = instance();
    const initial = ended === 'RELEASED' ? 'APPROVED' : 'PENDING_APPROVAL';
    const first = await create(store, request(resource, { updatedAt: T0, count: 3 }, initial));
    await endAs(store, first.record.id, ended);

    // Act
    const renewed = await create(store, request(resource, trigger));

    // Assess
    expect(renewed.created).toBe(true);
    expect(renewed.record.id).not.toBe(first.record.id);
    expect(renewed.record).toMatchObject({ renews: first.record.id, trigger, status: 'APPROVED' });
    expect(renewed.record.audit[0]?.note).toContain(`after ${first.record.id} was ${ended}`);
    // The finding now points at the new request, which holds the resource's lock.
    const byFinding = await store.findByFindingKey(renewed.record.findingKey ?? '');
    expect(byFinding.map((r) => r.id)).toEqual([renewed.record.id]);
    const active = await store.findActiveByResource(renewed.record.resourceKey);
    expect(active.map((r) => r.id)).toEqual([renewed.record.id]);
    // The ended record is left as it was.
    expect((await store.get(first.record.id))?.status).toBe(ended);
  });

  it('keeps new activity a duplicate while the isolation is active or pending', async () => {
    // Prepare
    const store = await newStore();
    const isolated = instance();
    const pending = instance();
    const a = await create(store, request(isolated, { updatedAt: T0, count: 1 }));
    await endAs(store, a.record.id, 'ISOLATED');
    const b = await create(store, request(pending, { updatedAt: T0, count: 1 }, 'PENDING_APPROVAL'));

    // Act
    const onIsolated = await create(store, request(isolated, { updatedAt: T1, count: 9 }));
    const onPending = await create(store, request(pending, { updatedAt: T1, count: 9 }));

    // Assess
    expect(onIsolated).toMatchObject({ created: false, duplicateOf: 'finding', record: { id: a.record.id } });
    expect(onPending).toMatchObject({ created: false, duplicateOf: 'finding', record: { id: b.record.id } });
  });

  it('creates exactly one renewal from concurrent deliveries of the new activity', async () => {
    // Prepare
    const store = await newStore();
    const resource = instance();
    const first = await create(store, request(resource, { updatedAt: T0 }));
    await endAs(store, first.record.id, 'RELEASED');

    // Act
    const results = await Promise.all(
      Array.from({ length: 8 }, () => create(store, request(resource, { updatedAt: T1 }))),
    );

    // Assess
    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    expect(new Set(results.map((r) => r.record.id))).toEqual(new Set([created[0]?.record.id]));
  });

  it('reads the activity count from GuardDuty and from its Security Hub twin', () => {
    // Prepare
    const event = guardDutyEvent('i-0123456789abcdef0');
    const detail = event['detail'] as { service: Record<string, unknown> };
    detail.service['count'] = 7;
    const twin = asffTwin(event);
    (twin['ProductFields'] as Record<string, string>)['aws/guardduty/service/count'] = '7';

    // Act
    const direct = normaliseFindings(event);
    const imported = normaliseFindings(importedEvent(twin));

    // Assess
    expect(direct[0]?.count).toBe(7);
    expect(imported[0]?.count).toBe(7);
  });

  it('isolates again end to end when GuardDuty re-publishes a released finding with new activity', async () => {
    // Prepare: isolated, then released by a person
    const world = await createWorld(moto);
    const vm = await launchInstance(world.ec2);
    const event = guardDutyEvent(vm.instanceId, { severity: 8 });
    const first = await triageEvent(world.deps, event);
    await world.worker.drain();
    const firstId = first.findings[0]?.actions[0]?.isolationId ?? '';
    await releaseIsolation(world.deps, firstId, person, 'looked benign');
    await world.worker.drain();
    expect(await interfaceGroups(world.ec2, vm.instanceId)).toEqual([vm.groupId]);
    const duplicate = await triageEvent(world.deps, event);
    const detail = event['detail'] as { updatedAt: string; service: Record<string, unknown> };
    detail.updatedAt = new Date(Date.parse(detail.updatedAt) + 6 * 3600_000).toISOString();
    detail.service['count'] = 2;

    // Act
    const renewed = await triageEvent(world.deps, event);
    await world.worker.drain();

    // Assess
    expect(duplicate.findings[0]?.actions[0]).toMatchObject({ isolationId: firstId, duplicateOf: 'finding' });
    const outcome = renewed.findings[0]?.actions[0];
    expect(outcome).toMatchObject({ created: true });
    const record = await getIsolation(world.deps, outcome?.isolationId ?? '');
    expect(record).toMatchObject({ status: 'ISOLATED', renews: firstId, trigger: { count: 2 } });
    expect(await interfaceGroups(world.ec2, vm.instanceId)).not.toEqual([vm.groupId]);
  });
});
