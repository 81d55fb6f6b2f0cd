/**
 * A GuardDuty Runtime Monitoring finding on an EKS pod end to end, against moto: the shared sample event
 * (test/events) names, as its node, an instance launched in the emulator; the shipped policy asks for approval
 * (containing a node affects every pod on it), an approver approves, isolate-ec2-instance contains the node, and a
 * release restores it exactly.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { approveIsolation, getIsolation, releaseIsolation } from '../../functions/lib/pipeline/service.js';
import type { Principal } from '../../functions/lib/store/model.js';
import { useMoto } from '../support/moto.js';
import { REGION, createWorld, interfaceGroups, launchInstance } from './support.js';

const moto = useMoto({ resetEach: false });
const bob: Principal = { type: 'user', id: '0a9d4c3b-bob-subject', name: 'bob' };
const carol: Principal = { type: 'user', id: 'e5f6a7b8-carol-subject', name: 'carol' };

/** The shared EKS runtime sample, with a fresh finding id and its node replaced by `instanceId`. */
function eksRuntimeEvent(instanceId: string): unknown {
  const text = readFileSync(
    new URL('../events/guardduty-eks-runtime-reverseshell-node.docs-assembled.json', import.meta.url),
    'utf8',
  );
  const findingId = randomBytes(16).toString('hex');
  return JSON.parse(
    text
      .replaceAll('i-0b1c2d3e4f5a69788', instanceId)
      .replaceAll('a6c6f1d2e3b44a5f8e9d0c1b2a3f4e5d', findingId),
  );
}

/** What isolation changes on the node and release must put back. */
async function nodeState(ec2: EC2Client, instanceId: string) {
  const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const instance = described.Reservations?.[0]?.Instances?.[0];
  const protection = await ec2.send(
    new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'disableApiTermination' }),
  );
  return {
    groups: await interfaceGroups(ec2, instanceId),
    metadata: instance?.MetadataOptions?.HttpEndpoint,
    terminationProtection: protection.DisableApiTermination?.Value ?? false,
  };
}

describe('Pipeline: a GuardDuty runtime finding on an EKS pod', () => {
  it('waits for approval, isolates the node it names, and is released to exactly what it was', async () => {
    // Prepare
    const world = await createWorld(moto);
    const ec2 = new EC2Client(moto.clientConfig(REGION));
    const node = await launchInstance(ec2, { tags: { 'eks:cluster-name': 'payments-prod' } });
    const original = await nodeState(ec2, node.instanceId);

    // Act
    const dispatched = await world.dispatch(eksRuntimeEvent(node.instanceId));
    const delivery = dispatched.deliveries[0];
    const outcome = delivery?.target === 'triage' ? delivery.result.findings[0] : undefined;
    const id = outcome?.actions[0]?.isolationId ?? '';
    const pending = await getIsolation(world.deps, id);
    const untouched = await nodeState(ec2, node.instanceId);
    await approveIsolation(world.deps, id, bob);
    await world.worker.drain();
    const isolated = await getIsolation(world.deps, id);
    const contained = await nodeState(ec2, node.instanceId);
    await releaseIsolation(world.deps, id, carol, 'node replaced, evidence kept');
    await world.worker.drain();
    const released = await getIsolation(world.deps, id);
    const restored = await nodeState(ec2, node.instanceId);

    // Assess
    expect(outcome).toMatchObject({ rule: 'runtime-on-eks-node', mode: 'approval' });
    expect(pending).toMatchObject({
      status: 'PENDING_APPROVAL',
      action: 'isolate-ec2-instance',
      resource: { type: 'ec2-instance', id: node.instanceId, eksNode: { clusterName: 'payments-prod' } },
    });
    expect(untouched).toEqual(original);
    expect(isolated).toMatchObject({ status: 'ISOLATED' });
    expect(contained.groups).toHaveLength(1);
    expect(contained.groups).not.toContain(node.groupId);
    expect(contained).toMatchObject({ metadata: 'disabled', terminationProtection: true });
    expect(released.status).toBe('RELEASED');
    expect(restored).toEqual(original);
  });
});
