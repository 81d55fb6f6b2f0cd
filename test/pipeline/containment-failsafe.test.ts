/**
 * End to end (triage → worker → record → notification → metrics): a swap to the isolation group that keeps
 * failing, for longer than the SDK's retries and cordon's own, never ends with an interface in an allow-all
 * group; and when even the rollback fails, the record, the notification and the metrics say so.
 *
 * Faults are SDK middleware on the member EC2 client (moto cannot refuse a call on demand); the resource is read
 * back from moto after every outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeSecurityGroupsCommand, EC2 } from '@aws-sdk/client-ec2';
import type { FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';
import { useMoto } from '../support/moto.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { getIsolation, retryIsolation } from '../../functions/lib/pipeline/service.js';
import { configureSwapRetry } from '../../functions/lib/actions/isolate-ec2-instance/containment.js';
import { createCordonGroup } from '../../functions/lib/actions/isolate-ec2-instance/groups.js';
import { METRIC_NAMES } from '../../functions/lib/observability.js';
import {
  REGION,
  createWorld,
  guardDutyEvent,
  interfaceGroups,
  launchInstance,
  type PipelineWorld,
} from './support.js';

const moto = useMoto({ resetEach: false });
const operator = { type: 'user' as const, id: 'sub-op', name: 'operator' };

/**
 * Every swap onto one of `groups` fails with a 500, on every attempt, until `stop()`. The member client factory
 * caches clients, so the fault is switched off rather than unhooked.
 */
function failSwapsTo(world: PipelineWorld, groups: Set<string>): { stop(): void } {
  let active = true;
  const hooked = new WeakSet<object>();
  const factory = world.deps.memberClients;
  world.deps.memberClients = async (...args) => {
    const clients = await factory(...args);
    if (hooked.has(clients.ec2)) return clients;
    hooked.add(clients.ec2);
    const middleware: FinalizeRequestMiddleware<object, object> = (next, context) => async (call) => {
      const input = (call.input ?? {}) as { Groups?: unknown };
      const target = Array.isArray(input.Groups) && input.Groups.length === 1 ? String(input.Groups[0]) : '';
      if (active && context.commandName === 'ModifyNetworkInterfaceAttributeCommand' && groups.has(target)) {
        const error = new Error('We encountered an internal error. Please try again.');
        error.name = 'InternalError';
        throw error;
      }
      return next(call);
    };
    const ec2: { middlewareStack: Pick<MiddlewareStack<object, object>, 'add'> } = clients.ec2;
    ec2.middlewareStack.add(middleware, { step: 'finalizeRequest', name: 'injectedSwapFault' });
    return clients;
  };
  return {
    stop() {
      active = false;
    },
  };
}

/** The instance's groups that allow all inbound traffic from anywhere (cordon's flow-cut group does). */
async function allowAll(world: PipelineWorld, instanceId: string): Promise<string[]> {
  const groups = await interfaceGroups(world.ec2, instanceId);
  const out = await new EC2(moto.clientConfig(REGION)).send(
    new DescribeSecurityGroupsCommand({ GroupIds: groups }),
  );
  return (out.SecurityGroups ?? [])
    .filter((g) =>
      (g.IpPermissions ?? []).some(
        (p) => p.IpProtocol === '-1' && (p.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0'),
      ),
    )
    .map((g) => g.GroupId ?? '');
}

async function cordonGroups(vpcId: string): Promise<{ isolation: string; flowCut: string }> {
  const ec2 = new EC2(moto.clientConfig(REGION));
  const create = async (role: 'isolation' | 'flow-cut') =>
    (await createCordonGroup(ec2, { prefix: 'cordon', role, vpcId })).group.groupId;
  return { isolation: await create('isolation'), flowCut: await create('flow-cut') };
}

describe('Pipeline: fail-safe EC2 containment', () => {
  let restoreRetry: () => void = () => undefined;
  beforeAll(() => {
    restoreRetry = configureSwapRetry({ delaysMs: [0, 0, 0] });
  });
  afterAll(() => restoreRetry());

  it('ends FAILED with the interfaces back on their original groups when isolation keeps failing', async () => {
    // Prepare
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const groups = await cordonGroups(instance.vpcId);
    failSwapsTo(world, new Set([groups.isolation]));

    // Act
    const triage = await triageEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));
    await world.worker.drain();
    const id = triage.findings[0]?.actions[0]?.isolationId ?? '';
    const record = await getIsolation(world.deps, id);

    // Assess: the record is honest and the resource is as it was, nothing allow-all
    expect(record.status).toBe('FAILED');
    expect(record.failure).toMatchObject({
      step: 'isolate-network-interfaces',
      code: 'ISOLATION_ROLLED_BACK',
    });
    expect(record.failure?.message).toMatch(/rolled back to the recorded original groups/);
    expect(record.failure?.exposure).toBeUndefined();
    expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual([instance.groupId]);
    expect(await allowAll(world, instance.instanceId)).toEqual([]);
    expect(world.metrics.recorded.map((m) => m.name)).not.toContain(METRIC_NAMES.exposed);
  });

  it('says ROLLBACK_FAILED in the record, the notification and a metric, and a retry repairs it', async () => {
    // Prepare: neither the isolation group nor the original group can be set
    const world = await createWorld(moto);
    const instance = await launchInstance(world.ec2);
    const groups = await cordonGroups(instance.vpcId);
    const fault = failSwapsTo(world, new Set([groups.isolation, instance.groupId]));

    // Act
    const triage = await triageEvent(world.deps, guardDutyEvent(instance.instanceId, { severity: 8 }));
    await world.worker.drain();
    const id = triage.findings[0]?.actions[0]?.isolationId ?? '';
    const failed = await getIsolation(world.deps, id);
    const notifications = await world.notifications();

    // Assess: the exposure is reported everywhere, and matches the resource
    expect(failed.status).toBe('FAILED');
    expect(failed.failure?.code).toBe('ROLLBACK_FAILED');
    expect(failed.failure?.exposure).toHaveLength(1);
    expect(await allowAll(world, instance.instanceId)).toEqual([groups.flowCut]);
    expect(world.metrics.recorded).toContainEqual({
      name: METRIC_NAMES.exposed,
      action: 'isolate-ec2-instance',
      value: 1,
    });
    const notice = notifications.find((n) => n.attributes['status'] === 'FAILED');
    expect(notice?.body['summary']).toMatch(/ROLLBACK FAILED/);
    expect(notice?.body['nextStep']).toMatch(/^URGENT/);
    expect(notice?.body['failure']).toMatchObject({
      code: 'ROLLBACK_FAILED',
      exposure: failed.failure?.exposure,
    });
    const writeBack = world.writeBacks().find((w) => w.UserDefinedFields?.['cordonStatus'] === 'FAILED');
    expect(writeBack?.UserDefinedFields?.['cordonExposure']).toBe(failed.failure?.exposure?.join(', '));
    expect(writeBack?.Note?.Text).toMatch(/ROLLBACK_FAILED/);

    // Act: AWS answers again; an operator retries
    fault.stop();
    await retryIsolation(world.deps, id, operator);
    await world.worker.drain();
    const retried = await getIsolation(world.deps, id);

    // Assess
    expect(retried.status, JSON.stringify(retried.failure)).toBe('ISOLATED');
    expect(await interfaceGroups(world.ec2, instance.instanceId)).toEqual([groups.isolation]);
    expect(await allowAll(world, instance.instanceId)).toEqual([]);
  });
});
