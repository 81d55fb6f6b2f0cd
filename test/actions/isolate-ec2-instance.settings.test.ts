/**
 * isolate-ec2-instance: Spot instances, volumes kept on termination, Auto Scaling (Standby fallback, scale-in
 * protection, release at the group's maximum size), load balancers (IP targets, Classic Load Balancers,
 * `unused` registrations) and crash-consistent snapshots. Against moto, except where a comment says why not.
 */
import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import {
  DescribeAutoScalingInstancesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing';
import { useMoto } from '../support/moto.js';
import { isolateEc2Instance } from '../../functions/lib/actions/isolate-ec2-instance/definition.js';
import { readTargetRegistrations } from '../../functions/lib/actions/isolate-ec2-instance/load-balancers.js';
import type { ActionResult, MemberClients } from '../../functions/lib/actions/contract.js';
import {
  FAULTS,
  Traffic,
  actionContext,
  awsError,
  createAutoScalingGroup,
  createClassicLoadBalancer,
  createIpTargetGroup,
  createNetwork,
  createTargetGroup,
  instanceResource,
  launchInstance,
  memberClients,
  readAutoScaling,
  readCordonGroups,
  readInstance,
  readSnapshots,
  readTargets,
  setupClients,
  unique,
  type Network,
} from './isolate-ec2-instance.world.js';

// One emulator for the file, not reset between tests: each test builds its own VPC and uses its own names.
const moto = useMoto({ resetEach: false });
const defaults = isolateEc2Instance.params.parse({});

function step(result: ActionResult, name: string): { status?: string; detail?: string } {
  return result.steps.find((s) => s.name === name) ?? {};
}

async function isolationGroupOf(setup: MemberClients, network: Network): Promise<string> {
  const groups = await readCordonGroups(setup, network.vpcId);
  return groups.find((g) => g.role === 'isolation')?.groupId ?? 'missing';
}

async function protectedFromScaleIn(setup: MemberClients, instanceId: string): Promise<boolean | undefined> {
  const out = await setup.autoScaling.send(
    new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }),
  );
  return out.AutoScalingInstances?.[0]?.ProtectedFromScaleIn;
}

describe('Action: isolate-ec2-instance (Spot, volumes, Auto Scaling, load balancers, snapshots)', () => {
  it('isolates a Spot instance without asking AWS for termination protection, and ends succeeded', async () => {
    // Prepare: AWS refuses DisableApiTermination on Spot instances; moto accepts it, so the refusal is injected.
    const setup = setupClients(moto);
    const network = await createNetwork(setup, '10.41.0.0/16');
    const { instanceId, enis } = await launchInstance(setup, network, { spot: true });
    const traffic = new Traffic();
    traffic.faults = [
      {
        command: 'ModifyInstanceAttribute',
        when: (input) => input['DisableApiTermination'] !== undefined,
        error: () =>
          awsError('UnsupportedOperation', 'Spot instances do not support termination protection', 400),
      },
    ];
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, defaults);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(applied.containedAt).toBeDefined();
    expect(step(applied, 'protect-from-termination')).toMatchObject({
      status: 'done',
      detail: expect.stringMatching(
        /termination protection skipped: AWS does not allow it on Spot Instances/,
      ),
    });
    expect(traffic.inputs.some((c) => c.input['DisableApiTermination'] !== undefined)).toBe(false);
    const isolated = await readInstance(setup, instanceId);
    expect(isolated.enis).toEqual([{ id: enis[0], groups: [await isolationGroupOf(setup, network)] }]);
    expect(isolated.shutdownBehavior).toBe('stop');

    // Act: release
    const released = await isolateEc2Instance.release(ctx, resource, defaults, applied);

    // Assess
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    const restored = await readInstance(setup, instanceId);
    expect(restored.enis).toEqual([{ id: enis[0], groups: [network.appGroup] }]);
    expect(restored.shutdownBehavior).toBe('terminate');
    expect(restored.disableApiTermination).toBe(false);
  });

  it('keeps every attached volume on termination while isolated and restores each device exactly', async () => {
    // Prepare: the root volume is deleted on termination, the data volume is not
    const setup = setupClients(moto);
    const network = await createNetwork(setup, '10.42.0.0/16');
    const { instanceId } = await launchInstance(setup, network, {
      volumes: { rootDeleteOnTermination: true, dataVolume: true },
    });
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, defaults);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect((await readInstance(setup, instanceId)).deleteOnTermination).toEqual({
      '/dev/sda1': false,
      '/dev/sdf': false,
    });
    const volumeCalls = traffic.inputs.filter((c) => c.input['BlockDeviceMappings'] !== undefined);
    expect(volumeCalls.map((c) => c.input['BlockDeviceMappings'])).toEqual([
      [{ DeviceName: '/dev/sda1', Ebs: { DeleteOnTermination: false } }],
    ]);
    expect(applied.before['volumeDeleteOnTermination']).toEqual({
      '/dev/sda1': { volumeId: expect.stringMatching(/^vol-/), deleteOnTermination: true },
      '/dev/sdf': { volumeId: expect.stringMatching(/^vol-/), deleteOnTermination: false },
    });

    // Act: apply again (resume), then release
    const again = await isolateEc2Instance.apply(ctx, resource, defaults, applied);
    const released = await isolateEc2Instance.release(ctx, resource, defaults, again);

    // Assess: the re-run did not overwrite the record; release restored exactly the recorded values
    expect(again.before['volumeDeleteOnTermination']).toEqual(applied.before['volumeDeleteOnTermination']);
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect((await readInstance(setup, instanceId)).deleteOnTermination).toEqual({
      '/dev/sda1': true,
      '/dev/sdf': false,
    });
  });

  it('fails honestly when a volume cannot be kept, with the instance still contained', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup, '10.43.0.0/16');
    const { instanceId, enis } = await launchInstance(setup, network, {
      volumes: { rootDeleteOnTermination: true },
    });
    const traffic = new Traffic();
    traffic.faults = [
      {
        command: 'ModifyInstanceAttribute',
        when: (input) => input['BlockDeviceMappings'] !== undefined,
        error: FAULTS.accessDenied,
      },
    ];
    const ctx = actionContext(memberClients(moto, traffic), traffic);

    // Act
    const failed = await isolateEc2Instance.apply(ctx, instanceResource(instanceId), defaults);

    // Assess: the record and the resource
    expect(failed.outcome).toBe('failed');
    expect(failed.failedStep).toBe('keep-volumes-on-termination');
    expect(step(failed, 'keep-volumes-on-termination').detail).toMatch(/ec2:ModifyInstanceAttribute denied/);
    const state = await readInstance(setup, instanceId);
    expect(state.enis).toEqual([{ id: enis[0], groups: [await isolationGroupOf(setup, network)] }]);
    expect(state.deleteOnTermination).toEqual({ '/dev/sda1': true });
  });

  it('takes one crash-consistent snapshot set tagged with the isolation id, and never a second one', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup, '10.44.0.0/16');
    const { instanceId, volumes } = await launchInstance(setup, network, {
      volumes: { rootDeleteOnTermination: true, dataVolume: true },
      tags: { Name: 'web-1', team: 'payments' },
    });
    await setup.ec2.send(
      new CreateTagsCommand({ Resources: volumes, Tags: [{ Key: 'backup', Value: 'daily' }] }),
    );
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, defaults);

    // Assess: one CreateSnapshots for the instance; moto ignores CopyTagsFromSource, so the request is asserted
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    const calls = traffic.inputs.filter((c) => c.command === 'CreateSnapshots');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.input).toMatchObject({
      InstanceSpecification: { InstanceId: instanceId, ExcludeBootVolume: false },
      CopyTagsFromSource: 'volume',
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: [
            { Key: 'cordon:isolation-id', Value: ctx.isolationId },
            { Key: 'cordon:instance-id', Value: instanceId },
            { Key: 'cordon:instance-tag:Name', Value: 'web-1' },
            { Key: 'cordon:instance-tag:team', Value: 'payments' },
          ],
        },
      ],
    });
    expect(traffic.sent).not.toContain('CreateSnapshot');
    const snapshots = await readSnapshots(setup, ctx.isolationId);
    expect(snapshots.map((s) => s.volumeId).sort()).toEqual([...volumes].sort());
    expect(applied.before['evidenceSnapshots']).toEqual(
      Object.fromEntries(snapshots.map((s) => [s.volumeId, s.snapshotId])),
    );

    // Act: re-run
    traffic.reset();
    const again = await isolateEc2Instance.apply(ctx, resource, defaults, applied);

    // Assess
    expect(step(again, 'snapshot-volumes').status).toBe('skipped');
    expect(traffic.sent).not.toContain('CreateSnapshots');
    expect(await readSnapshots(setup, ctx.isolationId)).toHaveLength(2);
  });

  it('protects an Auto Scaling instance from scale-in while in Standby, and takes the protection off on release', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup, '10.45.0.0/16');
    const { groupName, instanceId } = await createAutoScalingGroup(setup, network);
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, defaults);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(await readAutoScaling(setup, instanceId, groupName)).toMatchObject({ lifecycleState: 'Standby' });
    expect(await protectedFromScaleIn(setup, instanceId)).toBe(true);
    expect(applied.before['scaleInProtection']).toEqual({ groupName, protectedBefore: false });
    // cordon never suspends group-wide processes: Standby is not health-checked.
    expect(traffic.sent).not.toContain('SuspendProcesses');

    // Act
    const released = await isolateEc2Instance.release(ctx, resource, defaults, applied);

    // Assess
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(await readAutoScaling(setup, instanceId, groupName)).toMatchObject({
      lifecycleState: 'InService',
    });
    expect(await protectedFromScaleIn(setup, instanceId)).toBe(false);
  });

  it('falls back to detaching when EnterStandby fails, and re-attaches with the protection as it was', async () => {
    // Prepare: moto has no way to make EnterStandby fail, so the failure is injected
    const setup = setupClients(moto);
    const network = await createNetwork(setup, '10.46.0.0/16');
    const { groupName, instanceId } = await createAutoScalingGroup(setup, network);
    const traffic = new Traffic();
    traffic.faults = [{ command: 'EnterStandby', error: FAULTS.server }];
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, defaults);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(step(applied, 'auto-scaling').detail).toMatch(/EnterStandby failed .*; detached from .* instead/);
    expect(applied.warnings?.some((w) => w.includes('detached from'))).toBe(true);
    expect((await readAutoScaling(setup, instanceId, groupName)).groupName).toBeUndefined();
    const detachCall = traffic.inputs.find((c) => c.command === 'DetachInstances');
    expect(detachCall?.input['ShouldDecrementDesiredCapacity']).toBe(false);

    // Act
    traffic.faults = [];
    const released = await isolateEc2Instance.release(ctx, resource, defaults, applied);

    // Assess
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(await readAutoScaling(setup, instanceId, groupName)).toMatchObject({ groupName });
    expect(await protectedFromScaleIn(setup, instanceId)).toBe(false);
  });

  it('fails when both Standby and detach fail, leaving the instance contained and protected from scale-in', async () => {
    // Prepare: injected, as above
    const setup = setupClients(moto);
    const network = await createNetwork(setup, '10.47.0.0/16');
    const { groupName, instanceId } = await createAutoScalingGroup(setup, network);
    const traffic = new Traffic();
    traffic.faults = [
      { command: 'EnterStandby', error: FAULTS.server },
      { command: 'DetachInstances', error: FAULTS.accessDenied },
    ];
    const ctx = actionContext(memberClients(moto, traffic), traffic);

    // Act
    const failed = await isolateEc2Instance.apply(ctx, instanceResource(instanceId), defaults);

    // Assess: the record and the resource
    expect(failed.outcome).toBe('failed');
    expect(failed.failedStep).toBe('auto-scaling');
    expect(step(failed, 'auto-scaling').detail).toMatch(
      /EnterStandby failed .*DetachInstances failed too .*scale-in protection is on/,
    );
    expect(await readAutoScaling(setup, instanceId, groupName)).toMatchObject({
      groupName,
      lifecycleState: 'InService',
    });
    expect(await protectedFromScaleIn(setup, instanceId)).toBe(true);
    const state = await readInstance(setup, instanceId);
    expect(state.enis.map((e) => e.groups)).toEqual([[await isolationGroupOf(setup, network)]]);
  });

  it('leaves scale-in protection on after release when it was on before isolation', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup, '10.48.0.0/16');
    const { groupName, instanceId } = await createAutoScalingGroup(setup, network);
    await setup.autoScaling.setInstanceProtection({
      AutoScalingGroupName: groupName,
      InstanceIds: [instanceId],
      ProtectedFromScaleIn: true,
    });
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, defaults);
    const released = await isolateEc2Instance.release(ctx, resource, defaults, applied);

    // Assess
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(traffic.sent).not.toContain('SetInstanceProtection');
    expect(await protectedFromScaleIn(setup, instanceId)).toBe(true);
  });

  it('refuses a release that would re-attach into a group at its maximum size, before changing anything', async () => {
    // Prepare: a group of at most one instance; detaching keeps the desired capacity, so a replacement runs
    const setup = setupClients(moto);
    const network = await createNetwork(setup, '10.49.0.0/16');
    const { groupName, instanceId } = await createAutoScalingGroup(setup, network, unique('full-asg'), 1);
    const original = (await readInstance(setup, instanceId)).enis.map((e) => e.groups);
    const params = isolateEc2Instance.params.parse({ autoScaling: 'detach' });
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);
    const applied = await isolateEc2Instance.apply(ctx, resource, params);
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    const isolation = await isolationGroupOf(setup, network);
    traffic.reset();

    // Act
    const refused = await isolateEc2Instance.release(ctx, resource, params, applied);

    // Assess: the record names the cause and the way out; nothing was changed, the instance is still contained
    expect(refused.outcome).toBe('failed');
    expect(refused.failedStep).toBe('check-auto-scaling-room');
    expect(step(refused, 'check-auto-scaling-room').detail).toMatch(
      /release refused before any change: Auto Scaling group .* is at its maximum size \(desired 1, max 1\).*Raise the maximum size/,
    );
    expect(traffic.mutations()).toEqual([]);
    const state = await readInstance(setup, instanceId);
    expect(state.enis.map((e) => e.groups)).toEqual([[isolation]]);
    expect(state.disableApiTermination).toBe(true);
    expect(state.tags['cordon:isolation-id']).toBe(ctx.isolationId);
    expect((await readAutoScaling(setup, instanceId, groupName)).groupName).toBeUndefined();

    // Act: the operator raises the maximum, then releases again
    await setup.autoScaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: groupName, MaxSize: 2 }),
    );
    const released = await isolateEc2Instance.release(ctx, resource, params, {
      steps: refused.steps,
      before: applied.before,
    });

    // Assess
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(await readAutoScaling(setup, instanceId, groupName)).toMatchObject({
      groupName,
      desiredCapacity: 2,
    });
    expect((await readInstance(setup, instanceId)).enis.map((e) => e.groups)).toEqual(original);
  });

  it('deregisters the instance from IP-type target groups and Classic Load Balancers, and registers it back', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup, '10.50.0.0/16');
    const { instanceId } = await launchInstance(setup, network);
    const { privateIp } = await readInstance(setup, instanceId);
    const instanceGroup = await createTargetGroup(setup, network, instanceId);
    const ipGroup = await createIpTargetGroup(setup, network, privateIp);
    const classic = await createClassicLoadBalancer(setup, network, instanceId);
    const classicMembers = async (): Promise<string[]> =>
      (
        (await setup.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: [classic] })))
          .LoadBalancerDescriptions?.[0]?.Instances ?? []
      ).map((i) => i.InstanceId ?? '');
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, defaults);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(await readTargets(setup, instanceGroup)).toEqual([]);
    expect(await readTargets(setup, ipGroup)).toEqual([]);
    expect(await classicMembers()).toEqual([]);
    expect(applied.before['targetRegistrations']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ targetGroupArn: ipGroup, id: privateIp, port: 9000 }),
        expect.objectContaining({ targetGroupArn: instanceGroup, id: instanceId, port: 8080 }),
      ]),
    );
    expect(applied.before['classicLoadBalancers']).toEqual([classic]);

    // Act
    const released = await isolateEc2Instance.release(ctx, resource, defaults, applied);

    // Assess
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(await readTargets(setup, instanceGroup)).toEqual([`${instanceId}:8080`]);
    expect(await readTargets(setup, ipGroup)).toEqual([`${privateIp}:9000`]);
    expect(await classicMembers()).toEqual([instanceId]);
  });

  it('counts an `unused` target as a registration and ignores a draining one', async () => {
    // Prepare: moto reports every target healthy, so these health states come from aws-sdk-client-mock.
    const elbv2 = new ElasticLoadBalancingV2({ region: 'us-east-1' });
    const mock = mockClient(elbv2);
    mock.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [{ TargetGroupArn: 'arn:tg/ip', TargetType: 'ip', VpcId: 'vpc-1' }],
    });
    mock.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: '10.0.0.5', Port: 80, AvailabilityZone: 'all' }, TargetHealth: { State: 'unused' } },
        { Target: { Id: '10.0.0.6', Port: 80 }, TargetHealth: { State: 'draining' } },
        { Target: { Id: '10.0.0.9', Port: 80 }, TargetHealth: { State: 'healthy' } },
      ],
    });

    // Act
    const found = await readTargetRegistrations(elbv2, {
      instanceId: 'i-0123456789abcdef0',
      privateIps: ['10.0.0.5', '10.0.0.6'],
      vpcIds: ['vpc-1'],
    });

    // Assess
    expect(found).toEqual([
      { targetGroupArn: 'arn:tg/ip', id: '10.0.0.5', port: 80, availabilityZone: 'all', state: 'unused' },
    ]);
  });
});
