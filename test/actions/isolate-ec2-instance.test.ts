import { describe, expect, it } from 'vitest';
import { GetRolePolicyCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { DescribeIamInstanceProfileAssociationsCommand } from '@aws-sdk/client-ec2';
import { useMoto } from '../support/moto.js';
import { isolateEc2Instance } from '../../functions/lib/actions/isolate-ec2-instance/definition.js';
import type { ActionResult, MemberClients } from '../../functions/lib/actions/contract.js';
import {
  Traffic,
  actionContext,
  awsError,
  createAutoScalingGroup,
  createNetwork,
  createProfile,
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
} from './isolate-ec2-instance.world.js';

// One emulator for the file, not reset between tests: each test builds its own VPC and uses its own names.
const moto = useMoto({ resetEach: false });
const defaults = isolateEc2Instance.params.parse({});

function statuses(result: ActionResult): Record<string, string> {
  return Object.fromEntries(result.steps.map((s) => [s.name, s.status]));
}

function allSkipped(result: ActionResult): boolean {
  return result.steps.length > 0 && result.steps.every((s) => s.status === 'skipped');
}

async function profileAssociations(setup: MemberClients, instanceId: string): Promise<string[]> {
  const out = await setup.ec2.send(
    new DescribeIamInstanceProfileAssociationsCommand({
      Filters: [{ Name: 'instance-id', Values: [instanceId] }],
    }),
  );
  return (out.IamInstanceProfileAssociations ?? [])
    .filter((a) => a.State === 'associated' || a.State === 'associating')
    .map((a) => a.IamInstanceProfile?.Arn ?? '');
}

describe('Action: isolate-ec2-instance', () => {
  it('declares defaults, steps and permissions', () => {
    // Prepare / Act
    const params = isolateEc2Instance.params.parse({});

    // Assess
    expect(params).toEqual({
      cutTrackedFlows: true,
      autoScaling: 'standby',
      deregisterTargets: true,
      removeInstanceProfile: false,
      revokeRoleSessions: false,
      snapshotVolumes: true,
      restoreDesiredCapacity: false,
      disableMetadataService: false,
    });
    expect(isolateEc2Instance.steps.apply.slice(0, 6)).toEqual([
      'describe-instance',
      'find-isolation-groups',
      'ensure-isolation-groups',
      'set-isolation-group-rules',
      'cut-tracked-flows',
      'isolate-network-interfaces',
    ]);
    expect(isolateEc2Instance.permissions).toContain('ec2:ModifyNetworkInterfaceAttribute');
    expect(isolateEc2Instance.permissions).not.toContain('ec2:ModifyNetworkInterface');
    expect(() => isolateEc2Instance.params.parse({ autoScaling: 'terminate' })).toThrow();
  });

  it('isolates a single-interface instance, is a no-op when re-applied, and restores it on release', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const { instanceId, enis, volumes } = await launchInstance(setup, network);
    const targetGroupArn = await createTargetGroup(setup, network, instanceId);
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, defaults);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(applied.containedAt).toBe('2026-11-28T07:00:00.000Z');
    const groups = await readCordonGroups(setup, network.vpcId);
    const isolation = groups.find((g) => g.role === 'isolation');
    const flowCut = groups.find((g) => g.role === 'flow-cut');
    expect(isolation).toMatchObject({ vpcId: network.vpcId, ingress: [], egress: [] });
    expect(flowCut).toMatchObject({
      vpcId: network.vpcId,
      ingress: ['-1 0.0.0.0/0', '-1 ::/0'],
      egress: ['-1 0.0.0.0/0', '-1 ::/0'],
    });
    const isolated = await readInstance(setup, instanceId);
    expect(isolated.enis).toEqual([{ id: enis[0], groups: [isolation?.groupId] }]);
    expect(isolated.disableApiTermination).toBe(true);
    expect(isolated.shutdownBehavior).toBe('stop');
    expect(isolated.tags).toMatchObject({
      'cordon:isolation-id': ctx.isolationId,
      'cordon:isolated-at': '2026-11-28T07:00:00.000Z',
    });
    expect((await readSnapshots(setup, ctx.isolationId)).map((s) => s.volumeId)).toEqual(volumes);
    expect(await readTargets(setup, targetGroupArn)).toEqual([]);
    expect(applied.before['networkInterfaces']).toEqual({
      [enis[0] ?? '']: { vpcId: network.vpcId, deviceIndex: 0, groups: [network.appGroup] },
    });
    // Two swaps on the interface: flow cut, then isolation.
    expect(traffic.count('ModifyNetworkInterfaceAttribute')).toBe(2);

    // Act: apply again, with the persisted state
    traffic.reset();
    const again = await isolateEc2Instance.apply(ctx, resource, defaults, applied);

    // Assess: nothing changed, every step skipped, original groups still recorded
    expect(again.outcome).toBe('succeeded');
    expect(allSkipped(again), JSON.stringify(again.steps)).toBe(true);
    expect(traffic.mutations()).toEqual([]);
    expect(again.before['networkInterfaces']).toEqual(applied.before['networkInterfaces']);

    // Act: release
    traffic.reset();
    const released = await isolateEc2Instance.release(ctx, resource, defaults, again);

    // Assess
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    const restored = await readInstance(setup, instanceId);
    expect(restored.enis).toEqual([{ id: enis[0], groups: [network.appGroup] }]);
    expect(restored.disableApiTermination).toBe(false);
    expect(restored.shutdownBehavior).toBe('terminate');
    expect(restored.tags['cordon:isolation-id']).toBeUndefined();
    expect(restored.tags['cordon:isolated-at']).toBeUndefined();
    expect(await readTargets(setup, targetGroupArn)).toEqual([`${instanceId}:8080`]);
    expect((await readSnapshots(setup, ctx.isolationId)).map((s) => s.volumeId)).toEqual(volumes);

    // Act: release again
    traffic.reset();
    const releasedAgain = await isolateEc2Instance.release(ctx, resource, defaults, again);

    // Assess
    expect(releasedAgain.outcome).toBe('succeeded');
    expect(allSkipped(releasedAgain), JSON.stringify(releasedAgain.steps)).toBe(true);
    expect(traffic.mutations()).toEqual([]);
  });

  it('restores the original groups of each interface on a two-interface instance, never using instance-level Groups', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const { instanceId, enis } = await launchInstance(setup, network, { secondInterface: true });
    const traffic = new Traffic();
    // What real AWS answers to instance-level Groups on a multi-ENI instance (moto accepts it silently).
    traffic.faults = [
      {
        command: 'ModifyInstanceAttribute',
        when: (input) => input['Groups'] !== undefined,
        error: () =>
          awsError(
            'InvalidInstanceID',
            `There are multiple interfaces attached to instance '${instanceId}'. Please specify an interface ID for the operation instead.`,
            400,
          ),
      },
    ];
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, defaults);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    const isolation = (await readCordonGroups(setup, network.vpcId)).find(
      (g) => g.role === 'isolation',
    )?.groupId;
    expect((await readInstance(setup, instanceId)).enis).toEqual([
      { id: enis[0], groups: [isolation] },
      { id: enis[1], groups: [isolation] },
    ]);
    expect(traffic.count('ModifyNetworkInterfaceAttribute')).toBe(4);
    expect(applied.before['networkInterfaces']).toEqual({
      [enis[0] ?? '']: { vpcId: network.vpcId, deviceIndex: 0, groups: [network.appGroup] },
      [enis[1] ?? '']: { vpcId: network.vpcId, deviceIndex: 1, groups: [network.dbGroup] },
    });

    // Act: apply again, release, release again
    traffic.reset();
    const again = await isolateEc2Instance.apply(ctx, resource, defaults, applied);
    const noOpMutations = traffic.mutations();
    const released = await isolateEc2Instance.release(ctx, resource, defaults, again);
    const restored = await readInstance(setup, instanceId);
    traffic.reset();
    const releasedAgain = await isolateEc2Instance.release(ctx, resource, defaults, again);

    // Assess
    expect(allSkipped(again)).toBe(true);
    expect(noOpMutations).toEqual([]);
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(restored.enis).toEqual([
      { id: enis[0], groups: [network.appGroup] },
      { id: enis[1], groups: [network.dbGroup] },
    ]);
    expect(allSkipped(releasedAgain)).toBe(true);
    expect(traffic.mutations()).toEqual([]);
  });

  it('takes a network isolation to three sequential round trips when the VPC already has cordon groups', async () => {
    // Prepare: a first isolation creates the groups in the VPC
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const first = await launchInstance(setup, network);
    const second = await launchInstance(setup, network, { secondInterface: true });
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    await isolateEc2Instance.apply(ctx, instanceResource(first.instanceId), defaults);
    traffic.reset();

    // Act
    const result = await isolateEc2Instance.apply(
      actionContext(memberClients(moto, traffic), traffic, { isolationId: unique('iso') }),
      instanceResource(second.instanceId),
      defaults,
    );

    // Assess: before containment only the describe pair and the two swaps (per interface) were sent
    expect(result.outcome).toBe('succeeded');
    expect(traffic.beforeContainment.slice(0, 2).sort()).toEqual([
      'DescribeInstances',
      'DescribeSecurityGroups',
    ]);
    expect(traffic.beforeContainment.slice(2)).toEqual([
      'ModifyNetworkInterfaceAttribute',
      'ModifyNetworkInterfaceAttribute',
      'ModifyNetworkInterfaceAttribute',
      'ModifyNetworkInterfaceAttribute',
    ]);
    expect(statuses(result)['ensure-isolation-groups']).toBe('skipped');
    expect(traffic.count('CreateSecurityGroup')).toBe(0);
  });

  it('creates cordon groups once when two isolations in a new VPC race', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const a = await launchInstance(setup, network);
    const b = await launchInstance(setup, network);
    const traffic = new Traffic();

    // Act
    const [ra, rb] = await Promise.all([
      isolateEc2Instance.apply(
        actionContext(memberClients(moto, traffic), traffic),
        instanceResource(a.instanceId),
        defaults,
      ),
      isolateEc2Instance.apply(
        actionContext(memberClients(moto, traffic), traffic, { isolationId: unique('iso') }),
        instanceResource(b.instanceId),
        defaults,
      ),
    ]);

    // Assess
    expect(ra.outcome, JSON.stringify(ra.steps)).toBe('succeeded');
    expect(rb.outcome, JSON.stringify(rb.steps)).toBe('succeeded');
    const groups = await readCordonGroups(setup, network.vpcId);
    expect(groups.map((g) => g.role).sort()).toEqual(['flow-cut', 'isolation']);
    const isolation = groups.find((g) => g.role === 'isolation');
    expect(isolation?.egress).toEqual([]);
    expect((await readInstance(setup, a.instanceId)).enis[0]?.groups).toEqual([isolation?.groupId]);
    expect((await readInstance(setup, b.instanceId)).enis[0]?.groups).toEqual([isolation?.groupId]);
  });

  it('repairs a tampered isolation group before using it', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const a = await launchInstance(setup, network);
    const b = await launchInstance(setup, network);
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    await isolateEc2Instance.apply(ctx, instanceResource(a.instanceId), defaults);
    const isolation =
      (await readCordonGroups(setup, network.vpcId)).find((g) => g.role === 'isolation')?.groupId ?? '';
    const { AuthorizeSecurityGroupIngressCommand } = await import('@aws-sdk/client-ec2');
    await setup.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: isolation,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );

    // Act
    const result = await isolateEc2Instance.apply(
      actionContext(memberClients(moto, traffic), traffic, { isolationId: unique('iso') }),
      instanceResource(b.instanceId),
      defaults,
    );

    // Assess
    expect(result.outcome).toBe('succeeded');
    expect(result.steps.find((s) => s.name === 'set-isolation-group-rules')?.detail).toMatch(
      /revoked 1 ingress/,
    );
    expect((await readCordonGroups(setup, network.vpcId)).find((g) => g.role === 'isolation')).toMatchObject({
      ingress: [],
      egress: [],
    });
  });

  it('puts an Auto Scaling instance in Standby without decrementing capacity, and back on release', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const { groupName, instanceId } = await createAutoScalingGroup(setup, network);
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, defaults);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(await readAutoScaling(setup, instanceId, groupName)).toMatchObject({
      groupName,
      lifecycleState: 'Standby',
      desiredCapacity: 1,
    });
    expect(applied.before['autoScaling']).toEqual({ member: true, groupName, lifecycleState: 'InService' });

    // Act: apply again
    traffic.reset();
    const again = await isolateEc2Instance.apply(ctx, resource, defaults, applied);

    // Assess
    expect(allSkipped(again)).toBe(true);
    expect(traffic.mutations()).toEqual([]);

    // Act: release twice
    const released = await isolateEc2Instance.release(ctx, resource, defaults, again);
    const afterRelease = await readAutoScaling(setup, instanceId, groupName);
    traffic.reset();
    const releasedAgain = await isolateEc2Instance.release(ctx, resource, defaults, again);

    // Assess
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(afterRelease).toMatchObject({ groupName, lifecycleState: 'InService' });
    expect(released.warnings.join(' ')).toMatch(/desired capacity/);
    expect(allSkipped(releasedAgain)).toBe(true);
    expect(traffic.mutations()).toEqual([]);
  });

  it('sets the desired capacity back on release when restoreDesiredCapacity is set, once', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const { groupName, instanceId } = await createAutoScalingGroup(setup, network);
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);
    const params = isolateEc2Instance.params.parse({ restoreDesiredCapacity: true });
    const applied = await isolateEc2Instance.apply(ctx, resource, params);
    const isolated = await readAutoScaling(setup, instanceId, groupName);

    // Act
    const released = await isolateEc2Instance.release(ctx, resource, params, applied);
    const afterRelease = await readAutoScaling(setup, instanceId, groupName);
    traffic.reset();
    const releasedAgain = await isolateEc2Instance.release(ctx, resource, params, {
      steps: [...applied.steps, ...released.steps],
      before: released.before,
    });

    // Assess
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    const step = released.steps.find((s) => s.name === 'restore-desired-capacity');
    expect(step?.status, step?.detail).toBe('done');
    expect(step?.detail).toMatch(
      new RegExp(`desired capacity of ${groupName} back to ${String(isolated.desiredCapacity)}`),
    );
    expect(released.before['autoScalingReturn']).toEqual({
      groupName,
      desiredBeforeReturn: isolated.desiredCapacity,
    });
    expect(afterRelease.desiredCapacity).toBe(isolated.desiredCapacity);
    expect(released.warnings.join(' ')).toMatch(/termination policy/);
    expect(releasedAgain.outcome).toBe('succeeded');
    expect(traffic.mutations()).toEqual([]);
  });

  it('detaches an Auto Scaling instance without decrementing capacity, and re-attaches it on release', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const { groupName, instanceId } = await createAutoScalingGroup(setup, network);
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);
    const params = isolateEc2Instance.params.parse({ autoScaling: 'detach' });

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, params);
    const detached = await readAutoScaling(setup, instanceId, groupName);
    traffic.reset();
    const again = await isolateEc2Instance.apply(ctx, resource, params, applied);
    const noOp = traffic.mutations();
    const released = await isolateEc2Instance.release(ctx, resource, params, again);
    const attached = await readAutoScaling(setup, instanceId, groupName);
    traffic.reset();
    const releasedAgain = await isolateEc2Instance.release(ctx, resource, params, again);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(detached).toMatchObject({ groupName: undefined, desiredCapacity: 1 });
    expect(traffic.sent).not.toContain('EnterStandby');
    expect(allSkipped(again)).toBe(true);
    expect(noOp).toEqual([]);
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(attached).toMatchObject({ groupName });
    expect(allSkipped(releasedAgain)).toBe(true);
    expect(traffic.mutations()).toEqual([]);
  });

  it('removes the instance profile, revokes older role sessions with a blast-radius warning, and undoes both', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const { profileArn, roleName } = await createProfile(setup);
    const { instanceId } = await launchInstance(setup, network, { profileArn });
    const neighbour = await launchInstance(setup, network, { profileArn });
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(instanceId);
    const params = isolateEc2Instance.params.parse({ removeInstanceProfile: true, revokeRoleSessions: true });

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, params);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(await profileAssociations(setup, instanceId)).toEqual([]);
    const policy = await setup.iam.send(
      new GetRolePolicyCommand({
        RoleName: roleName,
        PolicyName: `cordon-revoke-older-sessions-${ctx.isolationId}`,
      }),
    );
    expect(JSON.parse(decodeURIComponent(policy.PolicyDocument ?? ''))).toMatchObject({
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-11-28T07:00:00.000Z' } },
        },
      ],
    });
    expect(applied.warnings.join('\n')).toContain(neighbour.instanceId);
    expect(applied.before['roleSessionRevocation']).toMatchObject({ roleName, addedByCordon: true });

    // Act: apply again, release, release again
    traffic.reset();
    const again = await isolateEc2Instance.apply(ctx, resource, params, applied);
    const noOp = traffic.mutations();
    const released = await isolateEc2Instance.release(ctx, resource, params, again);
    const profilesAfterRelease = await profileAssociations(setup, instanceId);
    const policies = await setup.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
    traffic.reset();
    const releasedAgain = await isolateEc2Instance.release(ctx, resource, params, again);

    // Assess
    expect(allSkipped(again), JSON.stringify(again.steps)).toBe(true);
    expect(noOp).toEqual([]);
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(profilesAfterRelease).toEqual([profileArn]);
    expect(policies.PolicyNames).toEqual([]);
    expect(allSkipped(releasedAgain), JSON.stringify(releasedAgain.steps)).toBe(true);
    expect(traffic.mutations()).toEqual([]);
  });

  it('isolates without the flow cut when cutTrackedFlows is off', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const { instanceId } = await launchInstance(setup, network);
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const params = isolateEc2Instance.params.parse({ cutTrackedFlows: false, snapshotVolumes: false });

    // Act
    const result = await isolateEc2Instance.apply(ctx, instanceResource(instanceId), params);

    // Assess
    expect(result.outcome, JSON.stringify(result.steps)).toBe('succeeded');
    const groups = await readCordonGroups(setup, network.vpcId);
    expect(groups.map((g) => g.role)).toEqual(['isolation']);
    expect((await readInstance(setup, instanceId)).enis[0]?.groups).toEqual([groups[0]?.groupId]);
    expect(traffic.count('ModifyNetworkInterfaceAttribute')).toBe(1);
    expect(statuses(result)).toMatchObject({ 'cut-tracked-flows': 'skipped', 'snapshot-volumes': 'skipped' });
    expect(traffic.count('CreateSnapshots')).toBe(0);
  });

  it("refuses to record cordon's own group as an original group when the isolation record was lost", async () => {
    // Prepare: isolated once, then the record is lost (apply again without the previous state)
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const { instanceId } = await launchInstance(setup, network);
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    await isolateEc2Instance.apply(ctx, instanceResource(instanceId), defaults);
    traffic.reset();

    // Act
    const result = await isolateEc2Instance.apply(ctx, instanceResource(instanceId), defaults);

    // Assess
    expect(result.outcome).toBe('failed');
    expect(result.failedStep).toBe('ensure-isolation-groups');
    expect(result.error?.message).toMatch(/original groups .*unknown/);
    expect(traffic.mutations()).toEqual([]);
  });

  it("still removes cordon's role policy on release when the instance was terminated", async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const { profileArn, roleName } = await createProfile(setup);
    const { instanceId } = await launchInstance(setup, network, { profileArn });
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const params = isolateEc2Instance.params.parse({ revokeRoleSessions: true });
    const applied = await isolateEc2Instance.apply(ctx, instanceResource(instanceId), params);
    const { ModifyInstanceAttributeCommand, TerminateInstancesCommand } = await import('@aws-sdk/client-ec2');
    await setup.ec2.send(
      new ModifyInstanceAttributeCommand({ InstanceId: instanceId, DisableApiTermination: { Value: false } }),
    );
    await setup.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));

    // Act
    const released = await isolateEc2Instance.release(ctx, instanceResource(instanceId), params, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(statuses(released)).toMatchObject({
      'restore-network-interfaces': 'skipped',
      'remove-session-revocation': 'done',
    });
    const policies = await setup.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
    expect(policies.PolicyNames).toEqual([]);
  });

  it('reports a vanished instance as skipped, not as a crash', async () => {
    // Prepare
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);

    // Act
    const result = await isolateEc2Instance.apply(ctx, instanceResource('i-0123456789abcdef0'), defaults);

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.detail).toMatch(/InvalidInstanceID.NotFound|no longer exists/);
    expect(traffic.mutations()).toEqual([]);
  });

  it('refuses an instance carrying the exemption tag, read live from AWS', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const { instanceId } = await launchInstance(setup, network);
    const { CreateTagsCommand } = await import('@aws-sdk/client-ec2');
    await setup.ec2.send(
      new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: 'cordon:exempt', Value: 'yes' }] }),
    );
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);

    // Act
    const result = await isolateEc2Instance.apply(ctx, instanceResource(instanceId), defaults);

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.detail).toMatch(/exempt/);
    expect(traffic.mutations()).toEqual([]);
  });
});
