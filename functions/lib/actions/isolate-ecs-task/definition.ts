/**
 * `isolate-ecs-task`: cut an ECS task in awsvpc network mode off the network, reversibly; optionally stop it.
 *
 * Apply:
 * 1. reads the task (DescribeTasks) and its interfaces (DescribeNetworkInterfaces), checks the guards against the
 *    task's live tags, refuses a task without an interface of its own or with a branch/trunk interface, and
 *    records each interface with its exact groups and the task's description, before any change;
 * 2. makes sure cordon's isolation group (no rules at all, shared per VPC with the EC2 and RDS actions) exists in
 *    the task's VPC;
 * 3. swaps each interface's groups for the isolation group (ModifyNetworkInterfaceAttribute) ⇒ contained;
 * 4. with stopTask, stops the task (irreversible; its description is in the record).
 * Every change only narrows access, so a run that stops anywhere leaves the task as it was or more contained.
 *
 * Release puts back the recorded groups of each interface that still exists. A stopped task cannot be restarted:
 * release says so and restores nothing for it.
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

/** What to record of the live task: each interface with its exact groups. Refuses what cordon cannot isolate. */
function toRecord(resource: EcsTaskResource, live: LiveTask, enis: ReadonlyMap<string, LiveEni>): TaskBefore {
  if (live.interfaceIds.length === 0) throw new TaskWithoutInterfaceError(resource.id);
  const interfaces = live.interfaceIds.map((id) => {
    const eni = enis.get(id);
    if (!eni)
      throw new UnsupportedTaskInterfaceError(resource.id, id, 'is not listed by EC2 in this account');
    if (eni.interfaceType !== 'interface') {
      throw new UnsupportedTaskInterfaceError(resource.id, id, `is a ${eni.interfaceType} interface`);
    }
    if (eni.vpcId === undefined) throw new TaskVpcUnknownError(resource.id, []);
    return { networkInterfaceId: id, vpcId: eni.vpcId, groups: eni.groups };
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
            const record = toRecord(work.task, live, work.enis);
            return {
              status: 'done',
              detail: `recorded interface(s) ${describeRecord(record)} and the description of task ${work.task.id} (${live.lastStatus})`,
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
      containment: true,
      steps: [
        {
          name: 'isolate-interfaces',
          async run({ work, before, ctx }): Promise<StepOutcome> {
            const recorded = need(recordedEcs(before).ecsTask, 'the task', 'isolate-interfaces');
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
            return {
              status: 'done',
              detail: `stopped task ${work.task.id} (irreversible: release cannot restart it; its service, if any, starts a new task)`,
              warnings: [`task ${work.task.id} was stopped: release cannot restart it`],
            };
          },
        },
      ],
    },
  ];
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
                    ? `task ${work.task.id} is stopped${live ? ` (${live.lastStatus})` : ''} and cannot be restarted; its interface ${eni.networkInterfaceId} was deleted with it`
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
              const stopped = `task ${work.task.id} is ${live.lastStatus} and cannot be restarted`;
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
    'Connections already open may live on: AWS does not interrupt tracked connections when security groups change. End them by stopping the task (stopTask: true, irreversible).',
    'The task keeps its IAM task role credentials, and calls to AWS APIs through VPC endpoints or from inside the task’s network namespace are cut only as far as the isolation group cuts them: revoke the task role’s sessions (revoke-role-sessions) to stop its credentials.',
    'Only the named task is contained. A service replaces a task that stops (stopTask), from the same task definition and image: if the image is compromised, the replacement is too; scale the service down or fix the image.',
    'A task of a service behind a load balancer fails its health checks once isolated: ECS then stops it and starts a replacement, so the isolation ends as a stop (its description is recorded first). Suspend the service’s health-check replacement, or scale it, if the task must stay up for forensics.',
    'ECS manages the task’s interface, and its guide says accounts cannot modify task interfaces; that a security-group change is accepted is not verified against AWS. If EC2 refuses it, isolate-interfaces fails and nothing is changed: stop the task (stopTask: true, or by hand).',
    'Tasks in bridge or host network mode have no interface of their own: the action fails without any change; isolate their container instance with isolate-ec2-instance.',
    'Tasks behind ECS ENI trunking (awsvpcTrunking) use branch interfaces: the action refuses them without any change (it cannot confirm that a group change on a branch interface takes effect).',
    'A stopped task cannot be restarted: release restores the groups of a task still running and says so for a stopped one.',
  ],
  apply: { stages: applyStages, work: ({ resource }): ApplyWork => ({ task: resource }) },
  release: {
    stages: releaseStages,
    work: ({ resource, before }): ReleaseWork => ({ task: resource, recorded: before }),
  },
});
