/**
 * The ECS and EC2 calls of `isolate-ecs-task`: the task, its network interfaces (from its ENI attachments), the
 * group swap and the stop. Every call goes through `awsCall` so a denial names the missing permission.
 */
import type { EC2 } from '@aws-sdk/client-ec2';
import type { ECS, Task } from '@aws-sdk/client-ecs';
import { CordonError } from '../../errors.js';
import { describeTask } from '../../resources/ecs-task.js';
import { awsCall } from '../steps.js';
import type { TaskDescription } from './before.js';

/** The task as ECS describes it now. */
export interface LiveTask {
  arn: string;
  lastStatus: string;
  desiredStatus: string;
  tags: Record<string, string>;
  /** The interface ids of its ENI attachments (awsvpc mode; none in bridge or host mode). */
  interfaceIds: string[];
  description: TaskDescription;
}

/** A network interface as EC2 describes it now. */
export interface LiveEni {
  networkInterfaceId: string;
  vpcId: string | undefined;
  groups: string[];
  /** `interface`, `branch`, `trunk`...: EC2's InterfaceType. */
  interfaceType: string;
  /** Created and managed by an AWS service for the account (ECS for a task): its groups cannot be changed. */
  requesterManaged: boolean;
}

/** The task has no network interface of its own: its network is its container instance's. */
export class TaskWithoutInterfaceError extends CordonError {
  constructor(taskId: string) {
    super(
      `ECS task ${taskId} has no network interface of its own (it is not in awsvpc network mode: bridge or host), so ` +
        'its traffic is its container instance’s: isolate that instance with isolate-ec2-instance; nothing was changed',
      { code: 'ECS_TASK_NO_INTERFACE' },
    );
  }
}

/**
 * The task's interface is an ECS trunking or EKS branch interface, or EC2 does not list it: cordon cannot
 * confirm that a group change on it takes effect, so it changes nothing rather than report a false isolation.
 */
export class UnsupportedTaskInterfaceError extends CordonError {
  constructor(taskId: string, eniId: string, why: string) {
    super(
      `ECS task ${taskId}: interface ${eniId} ${why}; cordon does not change the groups of branch or trunk ` +
        'interfaces (ENI trunking), so nothing was changed. Stop the task by hand (or re-run with stopTask) or ' +
        'isolate its container instance with isolate-ec2-instance (docs/actions/isolate-ecs-task.md)',
      { code: 'ECS_TASK_INTERFACE_UNSUPPORTED' },
    );
  }
}

/**
 * The task's interface is managed by ECS (requester-managed) and the rule did not allow stopping the task: AWS
 * does not let an account change such an interface, so there is no reversible containment; nothing was changed.
 */
export class ManagedTaskInterfaceError extends CordonError {
  constructor(taskId: string, eniId: string) {
    super(
      `ECS task ${taskId}: interface ${eniId} is managed by ECS (requester-managed), and AWS does not let an ` +
        'account change the security groups of an ECS-managed task interface, so the task cannot be isolated in ' +
        'place. Containing it requires stopping it (stopTask: true, irreversible) or containing its service; ' +
        'nothing was changed (docs/actions/isolate-ecs-task.md)',
      { code: 'ECS_TASK_INTERFACE_MANAGED' },
    );
  }
}

const STOPPED = new Set(['STOPPED', 'DEPROVISIONING', 'STOPPING', 'DEACTIVATING']);

/** Whether the task is stopped or on its way there (ECS never restarts it). */
export function isStopping(task: Pick<LiveTask, 'lastStatus' | 'desiredStatus'>): boolean {
  return STOPPED.has(task.lastStatus) || task.desiredStatus === 'STOPPED';
}

function iso(date: Date | undefined): string | undefined {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

function definedFields<T extends Record<string, string | undefined>>(fields: T): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).flatMap(([k, v]) => (v ? [[k, v]] : [])));
}

/** The part of the task's description worth keeping before any change. */
function toDescription(task: Task, arn: string): TaskDescription {
  return {
    taskArn: arn,
    ...definedFields({
      taskDefinitionArn: task.taskDefinitionArn,
      clusterArn: task.clusterArn,
      containerInstanceArn: task.containerInstanceArn,
      launchType: task.launchType,
      platformVersion: task.platformVersion,
      availabilityZone: task.availabilityZone,
      group: task.group,
      startedBy: task.startedBy,
      startedAt: iso(task.startedAt),
      lastStatus: task.lastStatus,
      desiredStatus: task.desiredStatus,
    }),
    containers: (task.containers ?? []).map((c) =>
      definedFields({
        name: c.name,
        image: c.image,
        imageDigest: c.imageDigest,
        runtimeId: c.runtimeId,
        lastStatus: c.lastStatus,
      }),
    ),
    attachments: (task.attachments ?? [])
      .filter((a) => a.type === 'ElasticNetworkInterface')
      .map((a) =>
        Object.fromEntries((a.details ?? []).flatMap((d) => (d.name && d.value ? [[d.name, d.value]] : []))),
      ),
  };
}

/** @throws EcsTaskNotFoundError when ECS does not describe the task (stopped long ago, or never ran) */
export async function describeLiveTask(ecs: ECS, cluster: string, id: string): Promise<LiveTask> {
  const task = await describeTask(ecs, cluster, id);
  const arn = task.taskArn ?? id;
  const interfaceIds = (task.attachments ?? [])
    .filter((a) => a.type === 'ElasticNetworkInterface')
    .flatMap((a) => (a.details ?? []).filter((d) => d.name === 'networkInterfaceId'))
    .flatMap((d) => (d.value ? [d.value] : []));
  return {
    arn,
    lastStatus: task.lastStatus ?? 'UNKNOWN',
    desiredStatus: task.desiredStatus ?? 'UNKNOWN',
    tags: Object.fromEntries((task.tags ?? []).flatMap((t) => (t.key ? [[t.key, t.value ?? '']] : []))),
    interfaceIds: [...new Set(interfaceIds)],
    description: toDescription(task, arn),
  };
}

/**
 * The interfaces as EC2 describes them now, in the order asked; one EC2 does not list is absent (the caller
 * decides what that means). Filtering by id, not `NetworkInterfaceIds`, so a missing one is not an error.
 */
export async function describeEnis(ec2: EC2, ids: readonly string[]): Promise<Map<string, LiveEni>> {
  if (ids.length === 0) return new Map();
  const out = await awsCall('ec2:DescribeNetworkInterfaces', () =>
    ec2.describeNetworkInterfaces({ Filters: [{ Name: 'network-interface-id', Values: [...ids] }] }),
  );
  const found = new Map<string, LiveEni>();
  for (const eni of out.NetworkInterfaces ?? []) {
    if (!eni.NetworkInterfaceId) continue;
    found.set(eni.NetworkInterfaceId, {
      networkInterfaceId: eni.NetworkInterfaceId,
      vpcId: eni.VpcId || undefined,
      groups: (eni.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
      interfaceType: eni.InterfaceType ?? 'interface',
      requesterManaged: eni.RequesterManaged === true,
    });
  }
  return found;
}

/** Stop the task; ECS records `reason` on it. */
export async function stopTask(ecs: ECS, cluster: string, taskArn: string, reason: string): Promise<void> {
  await awsCall('ecs:StopTask', () => ecs.stopTask({ cluster, task: taskArn, reason: reason.slice(0, 255) }));
}
