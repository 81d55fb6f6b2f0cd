/**
 * `isolate-ecs-task`: contain an ECS task in awsvpc network mode.
 *
 * AWS does not let an account change the interface ECS creates for a task ("Your account can't detach or modify
 * the ENIs", ECS guide; a requester-managed interface's properties other than tags cannot be changed, EC2 guide),
 * so for such an interface (`RequesterManaged: true`, every real ECS task) the only containment is stopping the
 * task. The group swap is kept only for an interface that is not requester-managed (seen only in the emulator).
 *
 * Apply:
 * 1. reads the task (DescribeTasks) and its interfaces (DescribeNetworkInterfaces), checks the guards against the
 *    task's live tags, refuses a task without an interface of its own or with a branch/trunk interface, refuses
 *    a requester-managed interface unless stopTask is set, and records each interface with its exact groups and
 *    the task's description, before any change;
 * 2. (swap only) makes sure cordon's isolation group (no rules, shared per VPC with the EC2 and RDS actions) exists;
 * 3. (swap only) swaps each interface's groups for the isolation group (ModifyNetworkInterfaceAttribute);
 * 4. with stopTask, stops the task (irreversible; its description is in the record).
 * The containment stage is the swap without stopTask, and the stop with it (then the task is contained once it
 * is stopped). Every change only narrows access, so a run that stops anywhere leaves the task as it was or more
 * contained.
 *
 * Release puts back the recorded groups of each swapped interface that still exists. A stopped task cannot be
 * restarted: release says so and restores nothing for it.
 */
import type { EcsTaskResource } from '../../findings/model.js';
import * as z from 'zod';
import { awsErrorName } from '../../aws/errors.js';
import { CordonError } from '../../errors.js';
import { ECS_TASK_ID } from '../../kernel/id-patterns.js';
import { ECS_TASK_NOT_FOUND } from '../../resources/ecs-task.js';
import { checkGuards } from '../guards.js';
import { findCordonGroups, type CordonGroup } from '../isolate-ec2-instance/groups.js';
import { modifyEniGroups } from '../isolate-ec2-instance/shared.js';
import {
  describeGroups,
  ensureIsolationGroup,
  groupsToRestore,
  refuseCordonOriginals,
  sameGroups,
} from '../shared/isolation-group.js';
import { defineRunnableAction } from '../runner.js';
import type { StageSpec, StepOutcome } from '../steps.js';
import { ecsBeforeSchema, recordedEcs, type EcsBefore, type TaskBefore } from './before.js';
import { isolateEcsTaskManifest } from './manifest.js';
import {
  ManagedTaskInterfaceError,
  TaskWithoutInterfaceError,
  UnsupportedTaskInterfaceError,
  describeEnis,
  describeLiveTask,
  isStopping,
  stopTask,
  type LiveEni,
  type LiveTask,
} from './task.js';

const NOT_FOUND: ReadonlySet<string> = new Set(ECS_TASK_NOT_FOUND);

type Params = z.output<typeof isolateEcsTaskManifest.params>;

interface ApplyWork {
  task: EcsTaskResource;
  live?: LiveTask;
  /** The task's interfaces as EC2 lists them now (absent: deleted with a stopped task). */
  enis?: Map<string, LiveEni>;
  cordonGroups?: CordonGroup[];
  isolationGroupId?: string;
}

interface ReleaseWork {
  task: EcsTaskResource;
  recorded: EcsBefore;
}

/** A later step ran without what an earlier one sets: a bug in the stage layout, never AWS's answer. */
class EcsStateMissingError extends CordonError {
  constructor(what: string, step: string) {
    super(`${step} ran before ${what} was known`, { code: 'ECS_STATE_MISSING' });
  }
}

/** The task's interfaces are in no VPC cordon can read (or in several): nowhere to make one isolation group. */
class TaskVpcUnknownError extends CordonError {
  constructor(taskId: string, vpcs: string[]) {
    super(
      `ECS task ${taskId}: its interfaces are in ${vpcs.length === 0 ? 'no VPC' : `VPCs ${vpcs.join(', ')}`}, ` +
        'so cordon cannot pick the VPC of its isolation group; nothing was changed',
      { code: 'ECS_TASK_VPC_UNKNOWN' },
    );
  }
}

function need<T>(value: T | undefined, what: string, step: string): T {
  if (value === undefined) throw new EcsStateMissingError(what, step);
  return value;
}

/** Whether containment is stopping the task: an ECS-managed interface cannot be changed by the account. */
function managedByEcs(task: TaskBefore): boolean {
  return task.interfaces.some((i) => i.requesterManaged);
}

/**
 * What to record of the live task: each interface with its exact groups. Refuses what cordon cannot contain,
 * before any change: a requester-managed interface without stopTask has no containment cordon may apply.
 */
function toRecord(
  resource: EcsTaskResource,
  live: LiveTask,
  enis: ReadonlyMap<string, LiveEni>,
  stop: boolean,
): TaskBefore {
  if (live.interfaceIds.length === 0) throw new TaskWithoutInterfaceError(resource.id);
  const interfaces = live.interfaceIds.map((id) => {
    const eni = enis.get(id);
    if (!eni)
      throw new UnsupportedTaskInterfaceError(resource.id, id, 'is not listed by EC2 in this account');
    if (eni.interfaceType !== 'interface') {
      throw new UnsupportedTaskInterfaceError(resource.id, id, `is a ${eni.interfaceType} interface`);
    }
    if (eni.requesterManaged && !stop) throw new ManagedTaskInterfaceError(resource.id, id);
    if (eni.vpcId === undefined) throw new TaskVpcUnknownError(resource.id, []);
    return {
      networkInterfaceId: id,
      vpcId: eni.vpcId,
      groups: eni.groups,
      requesterManaged: eni.requesterManaged,
    };
  });
  const vpcs = [...new Set(interfaces.map((i) => i.vpcId))];
  if (vpcs.length !== 1) throw new TaskVpcUnknownError(resource.id, vpcs);
  return { cluster: resource.cluster, taskArn: live.arn, lastStatus: live.lastStatus, interfaces };
}

function describeRecord(task: TaskBefore): string {
  return task.interfaces.map((i) => `${i.networkInterfaceId} ${describeGroups(i.groups)}`).join(', ');
}

function applyStages(p: Params): StageSpec<ApplyWork>[] {
  return [
    {
      steps: [
        {
          name: 'capture-task-state',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            const live = await describeLiveTask(ctx.clients.ecs, work.task.cluster, work.task.id);
            const verdict = checkGuards(work.task, ctx.guard, live.tags);
            if (!verdict.allowed)
              return { status: 'skipped', detail: `refused: ${verdict.reason}`, halt: true };
            work.live = live;
            work.enis = await describeEnis(ctx.clients.ec2, live.interfaceIds);
            const recorded = recordedEcs(before).ecsTask;
            if (recorded !== undefined) {
              return { status: 'skipped', detail: `state already recorded: ${describeRecord(recorded)}` };
            }
            if (isStopping(live)) {
              return {
                status: 'skipped',
                detail: `task ${work.task.id} is already ${live.lastStatus} (desired ${live.desiredStatus}): its network is gone with it, nothing to isolate`,
                halt: true,
              };
            }
            const record = toRecord(work.task, live, work.enis, p.stopTask);
            const plan = managedByEcs(record)
              ? 'ECS manages its interface, which AWS does not let an account change: containment is stopping the task'
              : 'its interface is not requester-managed: containment swaps its groups';
            return {
              status: 'done',
              detail: `recorded interface(s) ${describeRecord(record)} and the description of task ${work.task.id} (${live.lastStatus}); ${plan}`,
              before: { ecsTask: record, taskDescription: live.description },
            };
          },
        },
        {
          name: 'find-isolation-group',
          async run({ work, ctx }) {
            work.cordonGroups = await findCordonGroups(ctx.clients.ec2);
            return {
              status: 'skipped',
              detail: `lookup only: ${work.cordonGroups.length} cordon group(s) in the region`,
            };
          },
        },
      ],
    },
    {
      steps: [
        {
          name: 'ensure-isolation-group',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            const recorded = need(recordedEcs(before).ecsTask, 'the task', 'ensure-isolation-group');
            if (managedByEcs(recorded)) {
              return { status: 'skipped', detail: 'not needed: the task is contained by stopping it' };
            }
            const found = need(work.cordonGroups, "cordon's groups", 'ensure-isolation-group');
            for (const eni of recorded.interfaces) {
              refuseCordonOriginals(found, eni.groups, `interface ${eni.networkInterfaceId}`);
            }
            const vpcId = need(recorded.interfaces[0]?.vpcId, 'the VPC', 'ensure-isolation-group');
            const group = await ensureIsolationGroup(ctx.clients.ec2, {
              found,
              vpcId,
              prefix: ctx.guard.cordonResourcePrefix,
            });
            work.isolationGroupId = group.groupId;
            const outcome = { before: { isolationGroupId: group.groupId } };
            return group.changes.length > 0
              ? { status: 'done', detail: group.changes.join('; '), ...outcome }
              : {
                  status: 'skipped',
                  detail: `isolation group ${group.groupId} in ${vpcId} is in place`,
                  ...outcome,
                };
          },
        },
      ],
    },
    {
      // With stopTask the task is contained once it is stopped (the only containment of an ECS-managed interface).
      containment: !p.stopTask,
      steps: [
        {
          name: 'isolate-interfaces',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            const recorded = need(recordedEcs(before).ecsTask, 'the task', 'isolate-interfaces');
            if (managedByEcs(recorded)) {
              return {
                status: 'skipped',
                detail: `not attempted: interface(s) ${recorded.interfaces.map((i) => i.networkInterfaceId).join(', ')} are managed by ECS (requester-managed), which AWS does not let an account change; the task is contained by stopping it`,
              };
            }
            const live = need(work.live, 'the task', 'isolate-interfaces');
            const enis = need(work.enis, 'the interfaces', 'isolate-interfaces');
            const groupId = need(work.isolationGroupId, 'the isolation group', 'isolate-interfaces');
            const results = await Promise.all(
              recorded.interfaces.map(async ({ networkInterfaceId: id }) => {
                const eni = enis.get(id);
                if (!eni) {
                  // Gone only with a stopped task (a resumed run after stopTask): nothing reaches it any more.
                  if (isStopping(live))
                    return { changed: false, text: `${id} deleted with the stopped task` };
                  throw new UnsupportedTaskInterfaceError(work.task.id, id, 'is no longer listed by EC2');
                }
                if (sameGroups(eni.groups, [groupId]))
                  return { changed: false, text: `${id} already in ${groupId} only` };
                await modifyEniGroups(ctx.clients.ec2, id, [groupId]);
                return { changed: true, text: `${id}: ${describeGroups(eni.groups)} → [${groupId}]` };
              }),
            );
            const detail = results.map((r) => r.text).join('; ');
            return { status: results.some((r) => r.changed) ? 'done' : 'skipped', detail };
          },
        },
      ],
    },
    {
      containment: p.stopTask,
      steps: [
        {
          name: 'stop-task',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            if (!p.stopTask) return { status: 'skipped', detail: 'disabled (stopTask=false)' };
            // Never stop a task whose description is not in the record: it would be lost with the task.
            need(recordedEcs(before).taskDescription, 'the task description', 'stop-task');
            const live = need(work.live, 'the task', 'stop-task');
            if (isStopping(live)) {
              return { status: 'skipped', detail: `task ${work.task.id} is already ${live.lastStatus}` };
            }
            await stopTask(
              ctx.clients.ecs,
              work.task.cluster,
              live.arn,
              `cordon isolation ${ctx.isolationId}`,
            );
            const how = managedByEcs(need(recordedEcs(before).ecsTask, 'the task', 'stop-task'))
              ? 'contained by stopping it: its interface was not changed (ECS manages it)'
              : 'stopped after its interface was isolated';
            return {
              status: 'done',
              detail: `stopped task ${work.task.id}, ${how} (irreversible: release cannot restart it; its service, if any, starts a replacement)`,
              warnings: [
                `task ${work.task.id} was stopped: it cannot be restarted; its service, if any, starts a replacement`,
              ],
            };
          },
        },
      ],
    },
  ];
}

/**
 * Release of a task contained by stopping it (its ECS-managed interface was never changed): nothing can be
 * restored, and release says so rather than report a restoration.
 */
function releaseStopped(taskId: string, live: LiveTask | undefined): StepOutcome {
  if (live !== undefined && !isStopping(live)) {
    return {
      status: 'skipped',
      detail: `nothing to restore: task ${taskId} is ${live.lastStatus}, apply did not stop it and changed nothing on it`,
    };
  }
  const stopped = `task ${taskId} was stopped${live ? ` (${live.lastStatus})` : ''} and cannot be restarted; its service, if any, starts a replacement`;
  return {
    status: 'skipped',
    detail: `NOT restored: ${stopped}`,
    warnings: [`not restored: ${stopped}; start a new task from its task definition if it is needed`],
  };
}

function releaseStages(): StageSpec<ReleaseWork>[] {
  return [
    {
      steps: [
        {
          name: 'restore-interfaces',
          async run({ work, ctx }): Promise<StepOutcome> {
            const recorded = work.recorded.ecsTask;
            if (!recorded) {
              return { status: 'skipped', detail: 'no task state was recorded: apply changed nothing' };
            }
            const live = await describeLiveTask(ctx.clients.ecs, recorded.cluster, work.task.id).catch(
              (error: unknown) => {
                // Forgotten by ECS (stopped over an hour ago) or its cluster deleted: the task is not running.
                if (NOT_FOUND.has(awsErrorName(error))) return undefined;
                throw error;
              },
            );
            if (managedByEcs(recorded)) return releaseStopped(work.task.id, live);
            const enis = await describeEnis(
              ctx.clients.ec2,
              recorded.interfaces.map((i) => i.networkInterfaceId),
            );
            const details: string[] = [];
            const warnings: string[] = [];
            let changed = false;
            for (const eni of recorded.interfaces) {
              const now = enis.get(eni.networkInterfaceId);
              if (!now) {
                const why =
                  live === undefined || isStopping(live)
                    ? `task ${work.task.id} was stopped${live ? ` (${live.lastStatus})` : ''} and cannot be restarted (its service, if any, starts a replacement); its interface ${eni.networkInterfaceId} was deleted with it`
                    : `interface ${eni.networkInterfaceId} no longer exists`;
                details.push(`NOT restored: ${why}`);
                warnings.push(
                  `not restored: ${why}; start a new task from its task definition if it is needed`,
                );
                continue;
              }
              const plan = groupsToRestore(
                now.groups,
                eni.groups,
                work.recorded.isolationGroupId,
                `interface ${eni.networkInterfaceId}`,
              );
              if (plan.warning !== undefined) warnings.push(plan.warning);
              details.push(plan.detail);
              if (plan.groups === undefined) continue;
              await modifyEniGroups(ctx.clients.ec2, eni.networkInterfaceId, plan.groups);
              changed = true;
            }
            if (live !== undefined && isStopping(live) && enis.size > 0) {
              const stopped = `task ${work.task.id} was stopped (${live.lastStatus}) and cannot be restarted; its service, if any, starts a replacement`;
              details.push(stopped);
              warnings.push(stopped);
            }
            return {
              status: changed ? 'done' : 'skipped',
              detail: details.join('; '),
              ...(warnings.length > 0 ? { warnings } : {}),
            };
          },
        },
      ],
    },
  ];
}

export const isolateEcsTask = defineRunnableAction(isolateEcsTaskManifest, {
  checkResource: (task) => (ECS_TASK_ID.test(task.id) ? undefined : `${task.id} is not an ECS task id`),
  before: ecsBeforeSchema,
  goneErrors: ECS_TASK_NOT_FOUND,
  limitations: [
    'AWS does not let an account change the interface ECS creates for a task (requester-managed; ECS guide "Allocate a network interface for an Amazon ECS task": "Your account can\'t detach or modify the ENIs"). So a real ECS task is contained only by stopping it (stopTask: true, irreversible; its description is recorded first); without stopTask the action fails and changes nothing. The group swap runs only for an interface that is not requester-managed.',
    'A stopped task loses its memory and processes; its description (images, digests, runtime ids) is recorded before the stop.',
    'The task’s IAM task role credentials already issued stay valid after the stop: revoke the task role’s sessions (revoke-role-sessions).',
    'Only the named task is contained. A service replaces a task that stops, from the same task definition and image: if the image is compromised, the replacement is too; scale the service down or fix the image.',
    'Tasks in bridge or host network mode have no interface of their own: the action fails without any change; isolate their container instance with isolate-ec2-instance.',
    'Tasks behind ECS ENI trunking (awsvpcTrunking) use branch interfaces: the action refuses them without any change (it cannot confirm that a group change on a branch interface takes effect).',
    'A stopped task cannot be restarted: release says so and restores nothing for it (its service, if any, starts a replacement).',
  ],
  apply: { stages: applyStages, work: ({ resource }): ApplyWork => ({ task: resource }) },
  release: {
    stages: releaseStages,
    work: ({ resource, before }): ReleaseWork => ({ task: resource, recorded: before }),
  },
});
