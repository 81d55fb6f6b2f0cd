/**
 * isolate-ec2-instance never leaves an interface in cordon's allow-all flow-cut group (issue 11, item 1), release
 * reads the interfaces back (item 2), and the metadata endpoint can be turned off and back on (item 5).
 *
 * Faults are injected with SDK middleware on the member clients (moto cannot refuse a call on demand); every
 * outcome is then asserted on the resource as moto reads it back, not only on the record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  ModifyInstanceMetadataOptionsCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import type { FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';
import { useMoto } from '../support/moto.js';
import { CordonError } from '../../functions/lib/errors.js';
import { isolateEc2Instance } from '../../functions/lib/actions/isolate-ec2-instance/definition.js';
import { configureSwapRetry } from '../../functions/lib/actions/isolate-ec2-instance/containment.js';
import { createCordonGroup } from '../../functions/lib/actions/isolate-ec2-instance/groups.js';
import { modifyEniGroups } from '../../functions/lib/actions/isolate-ec2-instance/shared.js';
import type { ActionState, LoggerLike, MemberClients } from '../../functions/lib/actions/contract.js';
import {
  FAULTS,
  Traffic,
  actionContext,
  createNetwork,
  instanceResource,
  launchInstance,
  memberClients,
  readInstance,
  setupClients,
  type Network,
} from './isolate-ec2-instance.world.js';

const moto = useMoto({ resetEach: false });
const params = isolateEc2Instance.params.parse({ snapshotVolumes: false });

interface World {
  network: Network;
  instanceId: string;
  enis: string[];
  isolation: string;
  flowCut: string;
}

/** Two interfaces (app, db); cordon's groups created up front so that faults can target them by id. */
async function world(setup: MemberClients): Promise<World> {
  const network = await createNetwork(setup);
  const { instanceId, enis } = await launchInstance(setup, network, { secondInterface: true });
  const create = async (role: 'isolation' | 'flow-cut') =>
    (await createCordonGroup(setup.ec2, { prefix: 'cordon', role, vpcId: network.vpcId })).group.groupId;
  return {
    network,
    instanceId,
    enis,
    isolation: await create('isolation'),
    flowCut: await create('flow-cut'),
  };
}

/** Groups of each interface whose ingress allows all traffic from anywhere, read back from moto. */
async function allowAllGroups(setup: MemberClients, instanceId: string): Promise<string[]> {
  const instance = await readInstance(setup, instanceId);
  const ids = [...new Set(instance.enis.flatMap((e) => e.groups))];
  const out = await setup.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ids }));
  const open = new Set(
    (out.SecurityGroups ?? [])
      .filter((g) =>
        (g.IpPermissions ?? []).some(
          (p) => p.IpProtocol === '-1' && (p.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0'),
        ),
      )
      .map((g) => g.GroupId ?? ''),
  );
  return instance.enis.filter((e) => e.groups.some((g) => open.has(g))).map((e) => e.id);
}

const groupsIs =
  (group: string) =>
  (input: Record<string, unknown>): boolean =>
    Array.isArray(input['Groups']) && input['Groups'].length === 1 && input['Groups'][0] === group;

function errorLog(): LoggerLike & { errors: string[] } {
  const errors: string[] = [];
  const noop = (): void => undefined;
  return { errors, debug: noop, info: noop, warn: noop, error: (message: string) => errors.push(message) };
}

const FAULT_CLASSES = ['accessDenied', 'throttling', 'server', 'timeout'] as const;

describe('Action: isolate-ec2-instance (fail-safe containment)', () => {
  const setup = () => setupClients(moto);
  let restoreRetry: () => void = () => undefined;
  beforeAll(() => {
    restoreRetry = configureSwapRetry({ delaysMs: [0, 0, 0] });
  });
  afterAll(() => restoreRetry());

  it.each(FAULT_CLASSES)(
    'rolls back to the original groups when the swap to isolation keeps failing (%s)',
    async (kind) => {
      // Prepare: every swap to the isolation group fails, past the SDK retries (one attempt) and cordon's own
      const w = await world(setup());
      const traffic = new Traffic();
      traffic.faults = [
        {
          command: 'ModifyNetworkInterfaceAttribute',
          when: groupsIs(w.isolation),
          count: Infinity,
          error: FAULTS[kind],
        },
      ];
      const ctx = actionContext(memberClients(moto, traffic), traffic);

      // Act
      const result = await isolateEc2Instance.apply(ctx, instanceResource(w.instanceId), params);

      // Assess: FAILED naming the rollback, and the RESOURCE is back on its original groups, nothing allow-all
      expect(result.outcome).toBe('failed');
      expect(result.failedStep).toBe('isolate-network-interfaces');
      expect(result.error?.code).toBe('ISOLATION_ROLLED_BACK');
      expect(result.exposure).toBeUndefined();
      const detail = result.steps.find((s) => s.name === 'isolate-network-interfaces')?.detail ?? '';
      expect(detail).toMatch(/after 4 attempt\(s\)/);
      expect(detail).toMatch(/rolled back to the recorded original groups/);
      expect(result.containedAt).toBeUndefined();
      const instance = await readInstance(setup(), w.instanceId);
      expect(instance.enis.map((e) => e.groups)).toEqual([[w.network.appGroup], [w.network.dbGroup]]);
      expect(await allowAllGroups(setup(), w.instanceId)).toEqual([]);
      // 2 cut + 2 rollback: no swap to isolation ever went through
      expect(traffic.count('ModifyNetworkInterfaceAttribute')).toBe(4);
      expect(traffic.sent.filter((c) => c === 'ModifyNetworkInterfaceAttribute')).toHaveLength(4 + 2 * 4);
    },
  );

  it('absorbs a throttling burst longer than the SDK retries and ends isolated', async () => {
    // Prepare: three throttles in a row on the first swap to isolation; the SDK makes one attempt
    const w = await world(setup());
    const traffic = new Traffic();
    traffic.faults = [
      {
        command: 'ModifyNetworkInterfaceAttribute',
        when: groupsIs(w.isolation),
        count: 3,
        error: FAULTS.throttling,
      },
    ];
    const ctx = actionContext(memberClients(moto, traffic), traffic);

    // Act
    const result = await isolateEc2Instance.apply(ctx, instanceResource(w.instanceId), params);

    // Assess
    expect(result.outcome, JSON.stringify(result.steps)).toBe('succeeded');
    const instance = await readInstance(setup(), w.instanceId);
    expect(instance.enis.map((e) => e.groups)).toEqual([[w.isolation], [w.isolation]]);
  });

  it('trusts the read-back, not the error, when the swap times out after AWS applied it', async () => {
    // Prepare: every swap to isolation is applied, then the response is lost (the SDK reports a timeout)
    const w = await world(setup());
    const traffic = new Traffic();
    const clients = memberClients(moto, traffic);
    const lost: FinalizeRequestMiddleware<object, object> = (next, context) => async (args) => {
      const result = await next(args);
      const input = (args.input ?? {}) as Record<string, unknown>;
      if (context.commandName === 'ModifyNetworkInterfaceAttributeCommand' && groupsIs(w.isolation)(input)) {
        throw FAULTS.timeout();
      }
      return result;
    };
    const target: { middlewareStack: Pick<MiddlewareStack<object, object>, 'add'> } = clients.ec2;
    target.middlewareStack.add(lost, { step: 'finalizeRequest', name: 'lostResponse' });
    const ctx = actionContext(clients, traffic);

    // Act
    const result = await isolateEc2Instance.apply(ctx, instanceResource(w.instanceId), params);

    // Assess: contained, and not rolled back
    expect(result.outcome, JSON.stringify(result.steps)).toBe('succeeded');
    expect(result.steps.find((s) => s.name === 'isolate-network-interfaces')?.detail).toMatch(
      /confirmed by read-back after an error/,
    );
    const instance = await readInstance(setup(), w.instanceId);
    expect(instance.enis.map((e) => e.groups)).toEqual([[w.isolation], [w.isolation]]);
  });

  it('stops at once, without retry or rollback, on an error that is not an AWS answer (a lost lease)', async () => {
    // Prepare: the run is told it no longer owns the record when it tries the swap to isolation
    const w = await world(setup());
    const traffic = new Traffic();
    traffic.faults = [
      {
        command: 'ModifyNetworkInterfaceAttribute',
        when: groupsIs(w.isolation),
        count: Infinity,
        error: () => new CordonError('lease lost to a newer run', { code: 'LEASE_LOST' }),
      },
    ];
    const ctx = actionContext(memberClients(moto, traffic), traffic);

    // Act
    const result = await isolateEc2Instance.apply(ctx, instanceResource(w.instanceId), params);

    // Assess: one attempt per interface, no rollback call, and not reported as a containment failure. The
    // interfaces are where the flow cut left them: the run that holds the lease repairs them first thing.
    expect(result.outcome).toBe('failed');
    expect(result.error?.code).not.toMatch(/ROLLBACK|ROLLED_BACK/);
    expect(result.exposure).toBeUndefined();
    expect(traffic.sent.filter((c) => c === 'ModifyNetworkInterfaceAttribute')).toHaveLength(4);
  });

  it('ends ROLLBACK_FAILED, logs an ERROR and lists the exposed interface when the rollback fails too', async () => {
    // Prepare: isolation never works, and the app interface cannot go back to its original group either
    const w = await world(setup());
    const traffic = new Traffic();
    traffic.faults = [
      {
        command: 'ModifyNetworkInterfaceAttribute',
        when: groupsIs(w.isolation),
        count: Infinity,
        error: FAULTS.server,
      },
      {
        command: 'ModifyNetworkInterfaceAttribute',
        when: groupsIs(w.network.appGroup),
        count: Infinity,
        error: FAULTS.accessDenied,
      },
    ];
    const logger = errorLog();
    const ctx = actionContext(memberClients(moto, traffic), traffic, { logger });
    const resource = instanceResource(w.instanceId);

    // Act
    const failed = await isolateEc2Instance.apply(ctx, resource, params);

    // Assess: the record tells the truth about the exposure, as the resource shows
    expect(failed.outcome).toBe('failed');
    expect(failed.error?.code).toBe('ROLLBACK_FAILED');
    expect(failed.exposure).toEqual([w.enis[0]]);
    expect(failed.error?.message).toMatch(/ALLOW-ALL flow-cut group/);
    expect(logger.errors.some((m) => m.startsWith('ROLLBACK_FAILED'))).toBe(true);
    expect(await allowAllGroups(setup(), w.instanceId)).toEqual([w.enis[0]]);
    const instance = await readInstance(setup(), w.instanceId);
    expect(instance.enis.map((e) => e.groups)).toEqual([[w.flowCut], [w.network.dbGroup]]);

    // Act: once AWS answers again, a resumed run repairs the exposed interface first and completes
    traffic.faults = [];
    const resumed = await isolateEc2Instance.apply(ctx, resource, params, failed);

    // Assess
    expect(resumed.outcome, JSON.stringify(resumed.steps)).toBe('succeeded');
    expect(resumed.steps.find((s) => s.name === 'describe-instance')?.detail).toMatch(
      new RegExp(`repaired interfaces left in the flow-cut group: ${w.enis[0] ?? ''} → ${w.isolation}`),
    );
    const after = await readInstance(setup(), w.instanceId);
    expect(after.enis.map((e) => e.groups)).toEqual([[w.isolation], [w.isolation]]);
    expect(resumed.before['networkInterfaces']).toMatchObject({
      [w.enis[0] ?? '']: { groups: [w.network.appGroup] },
      [w.enis[1] ?? '']: { groups: [w.network.dbGroup] },
    });
  });

  it('moves interfaces already in the flow-cut group on to isolation when the first swap fails half-way', async () => {
    // Prepare: the second interface cannot join the flow-cut group
    const w = await world(setup());
    const traffic = new Traffic();
    traffic.faults = [
      {
        command: 'ModifyNetworkInterfaceAttribute',
        when: groupsIs(w.flowCut),
        nth: 2,
        error: FAULTS.accessDenied,
      },
    ];
    const ctx = actionContext(memberClients(moto, traffic), traffic);

    // Act
    const result = await isolateEc2Instance.apply(ctx, instanceResource(w.instanceId), params);

    // Assess
    expect(result.outcome).toBe('failed');
    expect(result.failedStep).toBe('cut-tracked-flows');
    expect(await allowAllGroups(setup(), w.instanceId)).toEqual([]);
    const groups = (await readInstance(setup(), w.instanceId)).enis.map((e) => e.groups);
    expect(groups).toContainEqual([w.isolation]);
  });

  it('repairs interfaces an interrupted run left in the flow-cut group, first thing on resume', async () => {
    // Prepare: a run died right after the flow cut (both interfaces allow-all)
    const w = await world(setup());
    const traffic = new Traffic();
    let persisted: ActionState | undefined;
    const crashing = actionContext(memberClients(moto, traffic), traffic, {
      onStep: async (step, state) => {
        persisted = state;
        if (step.name === 'cut-tracked-flows') throw new Error('worker killed');
      },
    });
    const resource = instanceResource(w.instanceId);
    await expect(isolateEc2Instance.apply(crashing, resource, params)).rejects.toThrow(/worker killed/);
    expect(await allowAllGroups(setup(), w.instanceId)).toEqual(w.enis);
    // The isolation group cannot be reached on resume either: the repair must roll back instead
    traffic.faults = [
      {
        command: 'ModifyNetworkInterfaceAttribute',
        when: groupsIs(w.isolation),
        count: Infinity,
        error: FAULTS.timeout,
      },
    ];

    // Act
    const resumed = await isolateEc2Instance.apply(
      { ...crashing, onStep: async () => {} },
      resource,
      params,
      persisted,
    );

    // Assess: the describe step repaired (rolled back) before anything else ran
    expect(resumed.outcome).toBe('failed');
    expect(resumed.failedStep).toBe('describe-instance');
    expect(resumed.error?.code).toBe('ISOLATION_ROLLED_BACK');
    expect(resumed.steps.map((s) => s.name)).toEqual(['describe-instance', 'find-isolation-groups']);
    expect(await allowAllGroups(setup(), w.instanceId)).toEqual([]);
    const instance = await readInstance(setup(), w.instanceId);
    expect(instance.enis.map((e) => e.groups)).toEqual([[w.network.appGroup], [w.network.dbGroup]]);
  });

  it('puts flow-cut interfaces back on their original groups when the instance was exempted since', async () => {
    // Prepare: a run died right after the flow cut, then someone tagged the instance exempt
    const w = await world(setup());
    const traffic = new Traffic();
    let persisted: ActionState | undefined;
    const crashing = actionContext(memberClients(moto, traffic), traffic, {
      onStep: async (step, state) => {
        persisted = state;
        if (step.name === 'cut-tracked-flows') throw new Error('worker killed');
      },
    });
    const resource = instanceResource(w.instanceId);
    await expect(isolateEc2Instance.apply(crashing, resource, params)).rejects.toThrow(/worker killed/);
    await setup().ec2.send(
      new CreateTagsCommand({ Resources: [w.instanceId], Tags: [{ Key: 'cordon:exempt', Value: 'true' }] }),
    );

    // Act
    const resumed = await isolateEc2Instance.apply(
      { ...crashing, onStep: async () => {} },
      resource,
      params,
      persisted,
    );

    // Assess: refused, and exactly as it was, not left allow-all nor isolated
    expect(resumed.outcome).toBe('skipped');
    expect(resumed.detail).toMatch(/refused: .*exempt.*rolled back/);
    const instance = await readInstance(setup(), w.instanceId);
    expect(instance.enis.map((e) => e.groups)).toEqual([[w.network.appGroup], [w.network.dbGroup]]);
  });

  it('names the denied permission and the member role when access is denied', async () => {
    // Prepare
    const setup = setupClients(moto);
    const network = await createNetwork(setup);
    const { instanceId } = await launchInstance(setup, network);
    const traffic = new Traffic();
    // The first swap (to the flow-cut group): a denial there is not retried, nothing having moved yet.
    traffic.faults = [{ command: 'ModifyNetworkInterfaceAttribute', nth: 1, error: FAULTS.accessDenied }];
    const ctx = actionContext(memberClients(moto, traffic), traffic);

    // Act
    const result = await isolateEc2Instance.apply(
      ctx,
      instanceResource(instanceId),
      isolateEc2Instance.params.parse({}),
    );

    // Assess
    expect(result.outcome).toBe('failed');
    expect(result.failedStep).toBe('cut-tracked-flows');
    expect(result.error?.code).toBe('AccessDenied');
    expect(result.steps.find((s) => s.name === 'cut-tracked-flows')?.detail).toMatch(
      /^AccessDenied: ec2:ModifyNetworkInterfaceAttribute denied to the member role cordon-member/,
    );
    expect(result.containedAt).toBeUndefined();
    expect(result.steps.find((s) => s.name === 'snapshot-volumes')).toBeUndefined();
  });

  describe('release read-back', () => {
    /** After each restore of the app interface, a stale run puts it back in isolation (`times` times). */
    function interfering(clients: MemberClients, w: World, times: number): void {
      let left = times;
      const middleware: FinalizeRequestMiddleware<object, object> = (next, context) => async (args) => {
        const result = await next(args);
        const input = (args.input ?? {}) as Record<string, unknown>;
        if (
          context.commandName === 'ModifyNetworkInterfaceAttributeCommand' &&
          left > 0 &&
          groupsIs(w.network.appGroup)(input)
        ) {
          left -= 1;
          await modifyEniGroups(setup().ec2, w.enis[0] ?? '', [w.isolation]);
        }
        return result;
      };
      const target: { middlewareStack: Pick<MiddlewareStack<object, object>, 'add'> } = clients.ec2;
      target.middlewareStack.add(middleware, { step: 'finalizeRequest', name: 'staleRun' });
    }

    it('repairs an interface changed in flight and reports RELEASED only once it reads back right', async () => {
      // Prepare
      const w = await world(setup());
      const traffic = new Traffic();
      const clients = memberClients(moto, traffic);
      const ctx = actionContext(clients, traffic);
      const resource = instanceResource(w.instanceId);
      const applied = await isolateEc2Instance.apply(ctx, resource, params);
      expect(applied.outcome).toBe('succeeded');
      interfering(clients, w, 1);

      // Act
      const released = await isolateEc2Instance.release(ctx, resource, params, applied);

      // Assess
      expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
      expect(released.steps.find((s) => s.name === 'restore-network-interfaces')?.detail).toMatch(
        /repaired after read-back/,
      );
      const instance = await readInstance(setup(), w.instanceId);
      expect(instance.enis.map((e) => e.groups)).toEqual([[w.network.appGroup], [w.network.dbGroup]]);
    });

    it('fails the release, never RELEASED, when the interface keeps differing', async () => {
      // Prepare
      const w = await world(setup());
      const traffic = new Traffic();
      const clients = memberClients(moto, traffic);
      const ctx = actionContext(clients, traffic);
      const resource = instanceResource(w.instanceId);
      const applied = await isolateEc2Instance.apply(ctx, resource, params);
      interfering(clients, w, 2);

      // Act
      const released = await isolateEc2Instance.release(ctx, resource, params, applied);

      // Assess
      expect(released.outcome).toBe('failed');
      expect(released.failedStep).toBe('restore-network-interfaces');
      expect(released.steps.find((s) => s.name === 'restore-network-interfaces')?.detail).toMatch(
        new RegExp(`${w.enis[0] ?? ''} reads back as \\[${w.isolation}\\]`),
      );
      const instance = await readInstance(setup(), w.instanceId);
      expect(instance.enis.map((e) => e.groups)).toEqual([[w.isolation], [w.network.dbGroup]]);
    });
  });

  it('turns the metadata endpoint off on isolation and back on at release (moto)', async () => {
    // Prepare
    const w = await world(setup());
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(w.instanceId);
    const withImds = isolateEc2Instance.params.parse({
      snapshotVolumes: false,
      disableMetadataService: true,
    });
    const endpoint = async () =>
      (await setup().ec2.send(new DescribeInstancesCommand({ InstanceIds: [w.instanceId] })))
        .Reservations?.[0]?.Instances?.[0]?.MetadataOptions?.HttpEndpoint;
    expect(await endpoint()).toBe('enabled');

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, withImds);
    const during = await endpoint();
    const again = await isolateEc2Instance.apply(ctx, resource, withImds, applied);
    const released = await isolateEc2Instance.release(ctx, resource, withImds, again);

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(during).toBe('disabled');
    expect(applied.before['metadataOptions']).toMatchObject({ httpEndpoint: 'enabled' });
    expect(again.before['metadataOptions']).toEqual(applied.before['metadataOptions']);
    expect(again.steps.find((s) => s.name === 'disable-metadata-service')?.status).toBe('skipped');
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(released.steps.find((s) => s.name === 'restore-metadata-service')?.status).toBe('done');
    expect(await endpoint()).toBe('enabled');
    expect(traffic.count('ModifyInstanceMetadataOptions')).toBe(2);
  });

  it('keeps IMDSv2 required, the hop limit and tag access while the endpoint is off, and after release', async () => {
    // Prepare
    const w = await world(setup());
    await setup().ec2.send(
      new ModifyInstanceMetadataOptionsCommand({
        InstanceId: w.instanceId,
        HttpEndpoint: 'enabled',
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 2,
        InstanceMetadataTags: 'enabled',
      }),
    );
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const resource = instanceResource(w.instanceId);
    const withImds = isolateEc2Instance.params.parse({
      snapshotVolumes: false,
      disableMetadataService: true,
    });
    const options = async () =>
      (await setup().ec2.send(new DescribeInstancesCommand({ InstanceIds: [w.instanceId] })))
        .Reservations?.[0]?.Instances?.[0]?.MetadataOptions;

    // Act
    const applied = await isolateEc2Instance.apply(ctx, resource, withImds);
    const during = await options();
    const released = await isolateEc2Instance.release(ctx, resource, withImds, applied);
    const after = await options();

    // Assess: only HttpEndpoint ever changed (the emulator resets every option a request leaves out)
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(during).toMatchObject({
      HttpEndpoint: 'disabled',
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
      InstanceMetadataTags: 'enabled',
    });
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    expect(after).toMatchObject({
      HttpEndpoint: 'enabled',
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
      InstanceMetadataTags: 'enabled',
    });
  });
});
