import { describe, expect, it } from 'vitest';
import { isolateEcsTask } from '../../functions/lib/actions/isolate-ecs-task/definition.js';
import { useMoto } from '../support/moto.js';
import { appliedTwice, isMutating, motoActionContext } from './support/action-context.js';
import { groupRules } from './support/rds-state.js';
import {
  deleteTaskEni,
  eniGroups,
  markRequesterManaged,
  seedTask,
  taskResource,
  taskStatus,
} from './support/ecs-state.js';

// One emulator for the file and no reset between tests (a reset costs seconds): each test has its own VPC, cluster
// and task. moto gives an awsvpc task a real ENI in its EC2 (support/ecs-state.ts). Faults are injected with the
// project's FaultInjector (SDK middleware in front of moto): every other call reaches moto, and the interface's
// groups are read back from moto after each failure.
//
// In AWS every ECS task interface is requester-managed (DescribeNetworkInterfaces: `RequesterManaged: true`) and
// the account cannot change it; moto's are plain interfaces. So the main path rewrites that flag to true with SDK
// middleware (markRequesterManaged, support/ecs-state.ts), as AWS answers; the swap path (a plain interface) is
// tested after it and runs only in the emulator.
const moto = useMoto({ resetEach: false });
const params = isolateEcsTask.params.parse({});
const stopParams = isolateEcsTask.params.parse({ stopTask: true });

describe('Action: isolate-ecs-task (requester-managed interface, as in AWS)', () => {
  it('without stopTask fails before any change: the groups are unchanged and the task still runs', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-ecs-managed-nostop' });
    const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs);
    const original = await eniGroups(ctx.clients.ec2, task.eniId);
    markRequesterManaged(ctx.clients.ec2);
    recorder.clear();

    // Act
    const applied = await isolateEcsTask.apply(ctx, taskResource(task), params);

    // Assess
    expect(applied.outcome).toBe('failed');
    expect(applied.failedStep).toBe('capture-task-state');
    expect(applied.containedAt).toBeUndefined();
    expect(applied.error?.message).toMatch(
      /managed by ECS .*AWS does not let an account change .*stopTask: true.*service.*nothing was changed/,
    );
    expect(applied.before['ecsTask']).toBeUndefined();
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await eniGroups(ctx.clients.ec2, task.eniId)).toEqual(original);
    expect(await taskStatus(ctx.clients.ecs, task)).toBe('RUNNING');
  });

  it('with stopTask, records the task then stops it without touching its interface; release says it cannot restart', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-ecs-managed-stop' });
    const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs);
    const original = await eniGroups(ctx.clients.ec2, task.eniId);
    markRequesterManaged(ctx.clients.ec2);
    const resource = taskResource(task);
    recorder.clear();

    // Act
    const applied = await isolateEcsTask.apply(ctx, resource, stopParams);
    const calls = recorder.commands.map((c) => c.command);
    const mutations = recorder.commands.filter((c) => isMutating(c.command)).map((c) => c.command);
    const status = await taskStatus(ctx.clients.ecs, task);
    const groupsAfter = await eniGroups(ctx.clients.ec2, task.eniId);
    const reapplied = await isolateEcsTask.apply(ctx, resource, stopParams, applied);
    // Fargate deletes a stopped task's interface; moto does not (support/ecs-state.ts).
    await deleteTaskEni(ctx.clients.ec2, task);
    recorder.clear();
    const released = await isolateEcsTask.release(ctx, resource, stopParams, applied);

    // Assess
    expect(applied.error).toBeUndefined();
    expect(applied.outcome).toBe('succeeded');
    expect(applied.containedAt).toBeDefined();
    expect(applied.steps.map((s) => [s.name, s.status])).toEqual([
      ['capture-task-state', 'done'],
      ['find-isolation-group', 'skipped'],
      ['ensure-isolation-group', 'skipped'],
      ['isolate-interfaces', 'skipped'],
      ['stop-task', 'done'],
    ]);
    expect(applied.steps.find((s) => s.name === 'isolate-interfaces')?.detail).toMatch(/not attempted/);
    expect(applied.steps.find((s) => s.name === 'stop-task')?.detail).toMatch(
      /contained by stopping it: its interface was not changed/,
    );
    expect(applied.before['ecsTask']).toEqual({
      cluster: task.cluster,
      taskArn: task.taskArn,
      lastStatus: 'RUNNING',
      interfaces: [
        { networkInterfaceId: task.eniId, vpcId: task.vpcId, groups: task.groupIds, requesterManaged: true },
      ],
    });
    // The description was read (DescribeTasks) and recorded by the first stage, before StopTask was sent.
    expect(applied.before['taskDescription']).toMatchObject({ taskArn: task.taskArn, lastStatus: 'RUNNING' });
    expect(calls.indexOf('DescribeTasks')).toBeLessThan(calls.indexOf('StopTask'));
    expect(mutations).toEqual(['StopTask']);
    expect(applied.before['isolationGroupId']).toBeUndefined();
    expect(status).toBe('STOPPED');
    expect(groupsAfter).toEqual(original);
    expect(applied.warnings.join('\n')).toMatch(
      /cannot be restarted; its service, if any, starts a replacement/,
    );
    expect(reapplied.outcome).toBe('succeeded');
    expect(reapplied.steps.find((s) => s.name === 'stop-task')?.status).toBe('skipped');
    expect(released.outcome).toBe('succeeded');
    expect(released.steps.map((s) => [s.name, s.status])).toEqual([['restore-interfaces', 'skipped']]);
    expect(released.steps[0]?.detail).toMatch(
      /NOT restored: task .* was stopped .*cannot be restarted; its service, if any, starts a replacement/,
    );
    expect(released.steps[0]?.detail).not.toMatch(/as before|→|restored [^:]/);
    expect(released.warnings.join('\n')).toMatch(/not restored/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
  });

  // Every call the real path sends, denied: FAILED at that step, the interface untouched and the task running
  // unless it was stopped; a retry completes the stop.
  const MANAGED_FAULTS = [
    ['DescribeTasks', 'capture-task-state'],
    ['DescribeNetworkInterfaces', 'capture-task-state'],
    ['DescribeSecurityGroups', 'find-isolation-group'],
    ['StopTask', 'stop-task'],
  ] as const;
  for (const [command, step] of MANAGED_FAULTS) {
    for (const kind of ['access-denied', 'server-error'] as const) {
      it(`${command} ${kind}: FAILED at ${step} with the task running and unchanged, and a retry stops it`, async () => {
        // Prepare
        const { ctx, faults, recorder } = motoActionContext(moto, {
          isolationId: `iso-ecs-managed-fault-${command}-${kind}`,
        });
        const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs);
        const original = await eniGroups(ctx.clients.ec2, task.eniId);
        markRequesterManaged(ctx.clients.ec2);
        faults.inject(command, kind);

        // Act
        const failed = await isolateEcsTask.apply(ctx, taskResource(task), stopParams);
        const afterFailure = await eniGroups(ctx.clients.ec2, task.eniId);
        const statusAfterFailure = await taskStatus(ctx.clients.ecs, task);
        const resumed = await isolateEcsTask.apply(ctx, taskResource(task), stopParams, failed);

        // Assess
        expect(failed.outcome).toBe('failed');
        expect(failed.failedStep).toBe(step);
        expect(failed.containedAt).toBeUndefined();
        expect(afterFailure).toEqual(original);
        expect(statusAfterFailure).toBe('RUNNING');
        if (step === 'stop-task') expect(failed.before['taskDescription']).toBeDefined();
        expect(resumed.outcome).toBe('succeeded');
        expect(resumed.containedAt).toBeDefined();
        expect(await eniGroups(ctx.clients.ec2, task.eniId)).toEqual(original);
        expect(await taskStatus(ctx.clients.ecs, task)).toBe('STOPPED');
        expect(recorder.commands.some((c) => c.command === 'ModifyNetworkInterfaceAttribute')).toBe(false);
        expect(appliedTwice(recorder)).toEqual([]);
      });
    }
  }
});

// A plain (not requester-managed) interface: the swap path. Only the emulator has one; the path exists so that
// such an interface, if AWS ever gives one, is isolated reversibly rather than refused.
describe('Action: isolate-ecs-task (interface not requester-managed, emulator only)', () => {
  it("swaps the task interface's groups for the isolation group, and release restores them exactly", async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-ecs-basic' });
    const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs);
    const original = await eniGroups(ctx.clients.ec2, task.eniId);
    const resource = taskResource(task);

    // Act
    const applied = await isolateEcsTask.apply(ctx, resource, params);
    const groupId = String(applied.before['isolationGroupId']);
    const isolated = await eniGroups(ctx.clients.ec2, task.eniId);
    const rules = await groupRules(ctx.clients.ec2, groupId);
    recorder.clear();
    const reapplied = await isolateEcsTask.apply(ctx, resource, params, applied);
    const mutationsOnReapply = recorder.commands.filter((c) => isMutating(c.command));
    const released = await isolateEcsTask.release(ctx, resource, params, applied);
    const afterRelease = await eniGroups(ctx.clients.ec2, task.eniId);
    recorder.clear();
    const releasedAgain = await isolateEcsTask.release(ctx, resource, params, applied);

    // Assess
    expect(original).toEqual([...task.groupIds].sort());
    expect(applied.error).toBeUndefined();
    expect(applied.outcome).toBe('succeeded');
    expect(applied.containedAt).toBeDefined();
    expect(applied.steps.map((s) => [s.name, s.status])).toEqual([
      ['capture-task-state', 'done'],
      ['find-isolation-group', 'skipped'],
      ['ensure-isolation-group', 'done'],
      ['isolate-interfaces', 'done'],
      ['stop-task', 'skipped'],
    ]);
    expect(applied.before['ecsTask']).toEqual({
      cluster: task.cluster,
      taskArn: task.taskArn,
      lastStatus: 'RUNNING',
      interfaces: [
        { networkInterfaceId: task.eniId, vpcId: task.vpcId, groups: task.groupIds, requesterManaged: false },
      ],
    });
    expect(applied.before['taskDescription']).toMatchObject({
      taskArn: task.taskArn,
      launchType: 'FARGATE',
      containers: [expect.objectContaining({ name: 'app' })],
      attachments: [expect.objectContaining({ networkInterfaceId: task.eniId })],
    });
    expect(isolated).toEqual([groupId]);
    expect(rules).toEqual({ ingress: 0, egress: 0 });
    expect(await taskStatus(ctx.clients.ecs, task)).toBe('RUNNING');
    expect(reapplied.outcome).toBe('succeeded');
    expect(mutationsOnReapply).toEqual([]);
    expect(released.outcome).toBe('succeeded');
    expect(released.steps.map((s) => [s.name, s.status])).toEqual([['restore-interfaces', 'done']]);
    expect(released.warnings).toEqual([]);
    expect(afterRelease).toEqual(original);
    expect(releasedAgain.steps.map((s) => s.status)).toEqual(['skipped']);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
  });

  it('with stopTask, stops the task after recording it, and release says truthfully that it cannot restart it', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-ecs-stop' });
    const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs);
    const resource = taskResource(task);

    // Act
    const applied = await isolateEcsTask.apply(ctx, resource, stopParams);
    const status = await taskStatus(ctx.clients.ecs, task);
    const stopCall = recorder.commands.findIndex((c) => c.command === 'StopTask');
    const swapCall = recorder.commands.findIndex((c) => c.command === 'ModifyNetworkInterfaceAttribute');
    const reapplied = await isolateEcsTask.apply(ctx, resource, stopParams, applied);
    // Fargate deletes a stopped task's interface; moto does not (support/ecs-state.ts).
    await deleteTaskEni(ctx.clients.ec2, task);
    const released = await isolateEcsTask.release(ctx, resource, stopParams, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(applied.steps.find((s) => s.name === 'stop-task')?.status).toBe('done');
    expect(applied.before['taskDescription']).toBeDefined();
    expect(status).toBe('STOPPED');
    expect(swapCall).toBeGreaterThanOrEqual(0);
    expect(stopCall).toBeGreaterThan(swapCall);
    expect(applied.warnings.join('\n')).toMatch(/cannot be restarted/);
    expect(reapplied.outcome).toBe('succeeded');
    expect(reapplied.steps.find((s) => s.name === 'stop-task')?.status).toBe('skipped');
    expect(released.outcome).toBe('succeeded');
    expect(released.steps[0]?.status).toBe('skipped');
    expect(released.steps[0]?.detail).toMatch(/NOT restored: task .* was stopped .*cannot be restarted/);
    expect(released.steps[0]?.detail).not.toMatch(/as before|→/);
    expect(released.warnings.join('\n')).toMatch(/not restored/);
  });

  // Every call the action sends, denied: the run ends FAILED at the step that sent it, and the interface is
  // either exactly as it was or in the isolation group only, never anything else; a retry completes it.
  const FAULTS = [
    ['DescribeTasks', 'capture-task-state'],
    ['DescribeNetworkInterfaces', 'capture-task-state'],
    ['DescribeSecurityGroups', 'find-isolation-group'],
    ['CreateSecurityGroup', 'ensure-isolation-group'],
    ['RevokeSecurityGroupEgress', 'ensure-isolation-group'],
    ['ModifyNetworkInterfaceAttribute', 'isolate-interfaces'],
    ['StopTask', 'stop-task'],
  ] as const;
  for (const [command, step] of FAULTS) {
    for (const kind of ['access-denied', 'server-error'] as const) {
      it(`${command} ${kind}: FAILED at ${step}, the interface as it was or isolated, and a retry completes`, async () => {
        // Prepare
        const { ctx, faults, recorder } = motoActionContext(moto, {
          isolationId: `iso-ecs-fault-${command}-${kind}`,
        });
        const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs);
        const original = await eniGroups(ctx.clients.ec2, task.eniId);
        faults.inject(command, kind);

        // Act
        const failed = await isolateEcsTask.apply(ctx, taskResource(task), stopParams);
        const afterFailure = await eniGroups(ctx.clients.ec2, task.eniId);
        const statusAfterFailure = await taskStatus(ctx.clients.ecs, task);
        const resumed = await isolateEcsTask.apply(ctx, taskResource(task), stopParams, failed);
        const afterResume = await eniGroups(ctx.clients.ec2, task.eniId);

        // Assess
        expect(failed.outcome).toBe('failed');
        expect(failed.failedStep).toBe(step);
        const groupId = failed.before['isolationGroupId'];
        // With stopTask the task counts as contained only once it is stopped.
        expect(failed.containedAt).toBeUndefined();
        if (step === 'stop-task') {
          expect(afterFailure).toEqual([groupId]);
        } else {
          expect(afterFailure).toEqual(original);
        }
        expect(statusAfterFailure).toBe('RUNNING');
        expect(resumed.outcome).toBe('succeeded');
        expect(afterResume).toEqual([resumed.before['isolationGroupId']]);
        expect(await taskStatus(ctx.clients.ecs, task)).toBe('STOPPED');
        expect(appliedTwice(recorder)).toEqual([]);
      });
    }
  }

  it('a task without an interface of its own (bridge mode) fails without any change', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-ecs-bridge' });
    const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs, { networkMode: 'bridge' });
    recorder.clear();

    // Act
    const applied = await isolateEcsTask.apply(ctx, taskResource(task), stopParams);

    // Assess
    expect(applied.outcome).toBe('failed');
    expect(applied.failedStep).toBe('capture-task-state');
    expect(applied.error?.message).toMatch(/no network interface of its own .*isolate-ec2-instance/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await taskStatus(ctx.clients.ecs, task)).toBe('RUNNING');
  });

  it('a branch interface (ENI trunking) is refused without any change', async () => {
    // Prepare: moto's EC2 makes no branch interfaces (it ignores InterfaceType), so an SDK middleware rewrites
    // the InterfaceType of DescribeNetworkInterfaces answers to `branch`; everything else is moto's.
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-ecs-branch' });
    const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs);
    const original = await eniGroups(ctx.clients.ec2, task.eniId);
    ctx.clients.ec2.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName !== 'DescribeNetworkInterfacesCommand') return out;
        const body: unknown = out.output;
        if (
          typeof body === 'object' &&
          body !== null &&
          'NetworkInterfaces' in body &&
          Array.isArray(body.NetworkInterfaces)
        ) {
          for (const eni of body.NetworkInterfaces as { InterfaceType?: string }[])
            eni.InterfaceType = 'branch';
        }
        return out;
      },
      { step: 'initialize', name: 'branchInterface' },
    );
    recorder.clear();

    // Act
    const applied = await isolateEcsTask.apply(ctx, taskResource(task), stopParams);

    // Assess
    expect(applied.outcome).toBe('failed');
    expect(applied.failedStep).toBe('capture-task-state');
    expect(applied.error?.message).toMatch(/is a branch interface.*nothing was changed/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await eniGroups(ctx.clients.ec2, task.eniId)).toEqual(original);
    expect(await taskStatus(ctx.clients.ecs, task)).toBe('RUNNING');
  });

  it('refuses an exempt task without changing it', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-ecs-exempt' });
    const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs, {
      tags: { 'cordon:exempt': 'true' },
    });
    const original = await eniGroups(ctx.clients.ec2, task.eniId);
    recorder.clear();

    // Act
    const applied = await isolateEcsTask.apply(ctx, taskResource(task), stopParams);

    // Assess
    expect(applied.outcome).toBe('skipped');
    expect(applied.steps[0]?.detail).toMatch(/refused/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await eniGroups(ctx.clients.ec2, task.eniId)).toEqual(original);
  });

  it('release keeps groups added during the isolation and removes only the isolation group', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto, { isolationId: 'iso-ecs-changed' });
    const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs);
    const applied = await isolateEcsTask.apply(ctx, taskResource(task), params);
    const groupId = String(applied.before['isolationGroupId']);
    const forensics = await ctx.clients.ec2.createSecurityGroup({
      GroupName: `${task.cluster}-forensics`,
      Description: 'added by the responders',
      VpcId: task.vpcId,
    });
    await ctx.clients.ec2.modifyNetworkInterfaceAttribute({
      NetworkInterfaceId: task.eniId,
      Groups: [groupId, forensics.GroupId ?? ''],
    });

    // Act
    const released = await isolateEcsTask.release(ctx, taskResource(task), params, applied);

    // Assess
    expect(released.outcome).toBe('succeeded');
    expect(released.warnings.join('\n')).toMatch(/changed during the isolation: removed only/);
    expect(await eniGroups(ctx.clients.ec2, task.eniId)).toEqual([forensics.GroupId]);
  });

  it('ends skipped when the task does not exist', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto, { isolationId: 'iso-ecs-gone' });
    const task = await seedTask(ctx.clients.ec2, ctx.clients.ecs);

    // Act
    const applied = await isolateEcsTask.apply(
      ctx,
      taskResource({ cluster: task.cluster, taskId: '0123456789abcdef0123456789abcdef' }),
      params,
    );

    // Assess
    expect(applied.outcome).toBe('skipped');
    expect(await eniGroups(ctx.clients.ec2, task.eniId)).toEqual([...task.groupIds].sort());
  });
});
