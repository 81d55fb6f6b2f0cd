import { describe, expect, it } from 'vitest';
import { BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import { useMoto } from '../support/moto.js';
import {
  approveIsolation,
  getIsolation,
  listIsolations,
  rejectIsolation,
  requestIsolation,
} from '../../functions/lib/pipeline/service.js';
import { evaluateEvent } from '../../functions/lib/pipeline/evaluate-event.js';
import {
  ForbiddenError,
  RefusedResourceError,
  UnsupportedEventError,
  ValidationError,
} from '../../functions/lib/errors.js';
import type { Ec2InstanceResource, IamRoleResource } from '../../functions/lib/findings/model.js';
import type { Principal } from '../../functions/lib/store/model.js';
import { ACCOUNT, REGION, createWorld, guardDutyEvent, interfaceGroups, launchInstance } from './support.js';

const moto = useMoto({ resetEach: false });

const alice: Principal = { type: 'user', id: 'sub-alice', name: 'alice' };
const bob: Principal = { type: 'user', id: 'sub-bob', name: 'bob' };

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

describe('Pipeline service: isolations requested from the API', () => {
  it('imports a cordon finding, enforces four eyes, and isolates once someone else approves', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);

    // Act
    const requested = await requestIsolation(world.deps, {
      resource: ec2(instance.instanceId),
      reason: 'Unexpected outbound traffic to a mining pool',
      ticket: 'SEC-42',
      requester: alice,
    });
    const selfApproval = approveIsolation(world.deps, requested.record.id, alice);
    await expect(selfApproval).rejects.toBeInstanceOf(ForbiddenError);
    await approveIsolation(world.deps, requested.record.id, bob, 'confirmed with the owner');
    await world.worker.drain();

    // Assess
    expect(requested).toMatchObject({
      created: true,
      record: { status: 'PENDING_APPROVAL', mode: 'manual' },
    });
    const record = await getIsolation(world.deps, requested.record.id);
    expect(record.status).toBe('ISOLATED');
    expect(record.requester).toEqual(alice);
    expect(record.approver).toMatchObject(bob);
    expect(record.securityHub).toEqual({
      id: `cordon/isolation/${record.id}`,
      productArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
      origin: 'imported',
    });
    const imports = world.securityHub
      .commandCalls(BatchImportFindingsCommand)
      .map((c) => c.args[0].input.Findings?.[0]);
    expect(imports.length).toBeGreaterThanOrEqual(2);
    const first = imports[0];
    for (const field of [
      'SchemaVersion',
      'Id',
      'ProductArn',
      'GeneratorId',
      'AwsAccountId',
      'CreatedAt',
      'UpdatedAt',
      'Title',
      'Description',
      'Resources',
      'Severity',
      'Types',
    ] as const) {
      expect(first?.[field], field).toBeDefined();
    }
    expect(first).toMatchObject({
      SchemaVersion: '2018-10-08',
      AwsAccountId: ACCOUNT,
      Severity: { Label: 'HIGH' },
    });
    expect(first?.Resources?.[0]).toMatchObject({
      Type: 'AwsEc2Instance',
      Id: expect.stringContaining(instance.instanceId),
    });
    expect(first?.Description).toContain('SEC-42');
    expect(imports.at(-1)?.ProductFields?.['cordon/status']).toBe('ISOLATED');
    expect(world.writeBacks().at(-1)?.FindingIdentifiers).toEqual([
      { Id: record.securityHub?.id, ProductArn: record.securityHub?.productArn },
    ]);
    expect(await interfaceGroups(world.ec2, instance.instanceId)).not.toContain(instance.groupId);
  });

  it("runs an approver's emergency isolation at once and records it as such", async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);

    // Act
    const requested = await requestIsolation(world.deps, {
      resource: ec2(instance.instanceId),
      reason: 'Active ransomware encryption in progress',
      requester: bob,
      immediate: true,
    });
    await world.worker.drain();

    // Assess
    const record = await getIsolation(world.deps, requested.record.id);
    expect(record).toMatchObject({ status: 'ISOLATED', immediate: true, approver: { id: bob.id } });
    expect(record.audit[0]?.note).toMatch(/emergency/);
    expect((await world.notifications()).at(-1)?.body['requester']).toMatchObject({ name: 'bob' });
  });

  it('returns the active isolation instead of creating a second one for the same resource', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const input = { resource: ec2(instance.instanceId), reason: 'Suspicious process tree', requester: alice };
    const first = await requestIsolation(world.deps, input);

    // Act
    const second = await requestIsolation(world.deps, { ...input, requester: bob });

    // Assess
    expect(second).toMatchObject({
      created: false,
      duplicateOf: 'resource',
      record: { id: first.record.id },
    });
  });

  it('refuses protected resources, unknown actions and bad parameters', async () => {
    // Prepare
    const world = await createWorld(moto);
    const role: IamRoleResource = {
      type: 'iam-role',
      id: 'cordon-member',
      roleName: 'cordon-member',
      accountId: ACCOUNT,
      region: REGION,
      tags: {},
    };
    const base = { reason: 'Testing the guard rails', requester: alice };

    // Act
    const protectedRole = requestIsolation(world.deps, { ...base, resource: role });
    const unknown = requestIsolation(world.deps, {
      ...base,
      resource: ec2('i-0123456789abcdef0'),
      action: 'delete-everything',
    });
    const badParams = requestIsolation(world.deps, {
      ...base,
      resource: ec2('i-0123456789abcdef0'),
      params: { snapshotVolumes: 'yes' },
    });

    // Assess
    await expect(protectedRole).rejects.toBeInstanceOf(RefusedResourceError);
    await expect(unknown).rejects.toBeInstanceOf(ValidationError);
    await expect(badParams).rejects.toThrow(/Invalid parameters for isolate-ec2-instance/);
    expect(world.securityHub.calls()).toEqual([]);
  });

  it('lists, rejects and evaluates without acting', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const { record } = await requestIsolation(world.deps, {
      resource: ec2(instance.instanceId),
      reason: 'Looks compromised',
      requester: alice,
    });

    // Act
    const rejected = await rejectIsolation(world.deps, record.id, bob, 'Known scanner, not compromised');
    const listed = await listIsolations(world.deps, { status: 'REJECTED' });
    const evaluation = evaluateEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));

    // Assess
    expect(rejected.status).toBe('REJECTED');
    expect(listed.items.map((r) => r.id)).toEqual([record.id]);
    expect(evaluation.findings[0]?.decision.rule).toBe('ec2-backdoor-trojan-high');
    expect(evaluation.findings[0]?.actions[0]).toMatchObject({
      action: 'isolate-ec2-instance',
      guard: { allowed: true },
    });
    expect(() => evaluateEvent(world.deps, { hello: 'world' })).toThrow(UnsupportedEventError);
  });
});
