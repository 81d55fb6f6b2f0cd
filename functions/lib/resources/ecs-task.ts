/**
 * ECS tasks: named by GuardDuty's `ECSCluster` block (`resource.ecsClusterDetails.taskDetails`, Runtime
 * Monitoring findings on ECS, Fargate included) and ASFF `AwsEcsTask`; requestable through the API by task ARN
 * (the ARN names the cluster, which every ECS task call needs).
 *
 * The resource is one task (`id` its task id, `cluster` its cluster's name). A task of a service is replaced by
 * the service when it stops: containment acts on the task named, never on the service.
 */
import * as z from 'zod';
import type { ECS } from '@aws-sdk/client-ecs';
import { awsCall } from '../actions/steps.js';
import type { MemberClients } from '../actions/contract.js';
import { tagListToRecord } from '../findings/string-maps.js';
import { CordonError } from '../errors.js';
import { buildArn, parseArn } from '../kernel/arn.js';
import { ECS_CLUSTER_NAME, ECS_TASK_ID, PARTITION, part } from '../kernel/id-patterns.js';
import { AccountIdSchema, RegionSchema } from '../kernel/ids.js';
import { defineKind, nonEmpty, storedResourceBase, type ResourceBase } from './kind.js';

const TYPE = 'ecs-task';
/** The type name, for the actions that contain this kind. */
export { TYPE as ECS_TASK };

export interface EcsTaskResource extends ResourceBase {
  type: typeof TYPE;
  /** The name of the cluster the task runs in. */
  cluster: string;
  /** The task definition the finding names, when it does. */
  taskDefinitionArn?: string;
  /** `FARGATE` or `EC2`, when the finding says. */
  launchType?: string;
}

const EcsTaskIdSchema = z
  .string()
  .regex(ECS_TASK_ID, 'must be an ECS task id: 32 hex digits (or a UUID for an old-format task)');
const EcsClusterNameSchema = z.string().regex(ECS_CLUSTER_NAME, 'must be an ECS cluster name');

/** The task's ARN: `arn:<partition>:ecs:<region>:<account>:task/<cluster>/<id>`. */
export function ecsTaskArn(
  region: string,
  account: string,
  cluster: string,
  id: string,
  partition?: string,
): string {
  return buildArn({
    region,
    service: 'ecs',
    account,
    resource: `task/${cluster}/${id}`,
    ...(partition !== undefined ? { partition } : {}),
  });
}

/** The cluster and task id of a task ARN (`...:task/<cluster>/<id>`), or undefined for any other ARN. */
export function taskOfArn(arn: string): { cluster: string; id: string } | undefined {
  const parts = parseArn(arn);
  if (parts?.service !== 'ecs') return undefined;
  const [kind, cluster, id, ...rest] = parts.resource.split('/');
  if (kind !== 'task' || cluster === undefined || id === undefined || rest.length > 0) return undefined;
  return ECS_CLUSTER_NAME.test(cluster) && ECS_TASK_ID.test(id) ? { cluster, id } : undefined;
}

/** The cluster name of a cluster ARN (`...:cluster/<name>`) or of a plain name. */
function clusterNameOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const name = value.startsWith('arn:') ? value.split('/').pop() : value;
  return name !== undefined && ECS_CLUSTER_NAME.test(name) ? name : undefined;
}

/** ECS answered a DescribeTasks without the task: it has stopped long enough ago to be forgotten, or never ran. */
export class EcsTaskNotFoundError extends CordonError {
  constructor(cluster: string, id: string, reason: string | undefined) {
    super(`ECS task ${id} was not found in cluster ${cluster}${reason ? ` (${reason})` : ''}`, {
      code: 'ECS_TASK_NOT_FOUND',
    });
  }
}

/** ECS's answers for a task whose cluster does not exist, and cordon's for a task ECS does not list. */
export const ECS_TASK_NOT_FOUND = ['EcsTaskNotFoundError', 'ClusterNotFoundException'] as const;

/** @throws EcsTaskNotFoundError when ECS does not describe the task */
export async function describeTask(ecs: ECS, cluster: string, id: string) {
  const out = await awsCall('ecs:DescribeTasks', () =>
    ecs.describeTasks({ cluster, tasks: [id], include: ['TAGS'] }),
  );
  const task = out.tasks?.[0];
  if (!task) throw new EcsTaskNotFoundError(cluster, id, out.failures?.[0]?.reason);
  return task;
}

/** The task's live tags (DescribeTasks with its tags). @throws EcsTaskNotFoundError for a task ECS does not list */
export async function readTaskTags(
  clients: Pick<MemberClients, 'ecs'>,
  cluster: string,
  id: string,
): Promise<Record<string, string>> {
  const task = await describeTask(clients.ecs, cluster, id);
  return Object.fromEntries((task.tags ?? []).flatMap((t) => (t.key ? [[t.key, t.value ?? '']] : [])));
}

const TagTarget = z.strictObject({
  type: z.literal(TYPE),
  accountId: AccountIdSchema,
  region: RegionSchema,
  cluster: EcsClusterNameSchema,
  id: EcsTaskIdSchema,
});

const REQUESTED_TASK_ARN = new RegExp(
  `^arn:${part(PARTITION)}:ecs:(?<region>[a-z0-9-]+):(?<account>\\d{12}):task/(?<cluster>${part(ECS_CLUSTER_NAME)})/(?<id>${part(ECS_TASK_ID)})$`,
);

export const ecsTask = defineKind<EcsTaskResource, z.infer<typeof TagTarget>>({
  type: TYPE,
  label: 'ECS task',
  consolePage: { path: '/ecs/v2/clusters/{arn/1}/tasks/{id}/configuration?region={region}' },
  idSchema: EcsTaskIdSchema,
  stored: z.strictObject({
    ...storedResourceBase,
    type: z.literal(TYPE),
    cluster: z.string(),
    taskDefinitionArn: z.string().optional(),
    launchType: z.string().optional(),
  }),
  arn: (r) => ecsTaskArn(r.region, r.accountId, r.cluster, r.id),
  // Protecting a cluster protects its tasks.
  protectionArns: (r, partition) => [
    ecsTaskArn(r.region, r.accountId, r.cluster, r.id, partition),
    buildArn({
      region: r.region,
      service: 'ecs',
      account: r.accountId,
      resource: `cluster/${r.cluster}`,
      partition,
    }),
  ],
  guardDuty: {
    block: 'ECSCluster',
    read: (detail, scope) => {
      const cluster = detail.resource.ecsClusterDetails;
      const task = cluster?.taskDetails;
      const arn = nonEmpty(task?.arn);
      const named = arn !== undefined ? taskOfArn(arn) : undefined;
      // An old-format task ARN (no cluster in it) takes the cluster from the block.
      const clusterName = named?.cluster ?? clusterNameOf(nonEmpty(cluster?.name) ?? nonEmpty(cluster?.arn));
      const id = named?.id ?? (arn !== undefined ? arn.split('/').pop() : undefined);
      if (!task || clusterName === undefined || id === undefined || !ECS_TASK_ID.test(id)) return undefined;
      const definition = nonEmpty(task.definitionArn);
      const launchType = nonEmpty(task.launchType);
      const resource: EcsTaskResource = {
        type: TYPE,
        id,
        arn: ecsTaskArn(scope.region, scope.accountId, clusterName, id, scope.partition),
        accountId: scope.accountId,
        region: scope.region,
        tags: tagListToRecord(task.tags),
        cluster: clusterName,
        ...(definition !== undefined ? { taskDefinitionArn: definition } : {}),
        ...(launchType !== undefined ? { launchType } : {}),
      };
      return [resource];
    },
  },
  asff: {
    type: 'AwsEcsTask',
    category: 'VM',
    read: ({ resource: r, scope, tags }) => {
      const named = taskOfArn(r.Id);
      if (named === undefined) return undefined;
      return [
        {
          accountId: scope.accountId,
          region: scope.region,
          tags,
          type: TYPE,
          id: named.id,
          arn: ecsTaskArn(scope.region, scope.accountId, named.cluster, named.id, scope.partition),
          cluster: named.cluster,
        },
      ];
    },
  },
  tags: {
    target: TagTarget,
    targetOf: (r) => ({ type: TYPE, accountId: r.accountId, region: r.region, cluster: r.cluster, id: r.id }),
    services: ['ecs'],
    read: (clients, target) => readTaskTags(clients, target.cluster, target.id),
  },
  request: {
    hint: 'Task ARN (arn:aws:ecs:<region>:<account>:task/<cluster>/<task id>).',
    idPattern: REQUESTED_TASK_ARN,
    idMessage:
      'must be an ECS task ARN that names its cluster: arn:aws:ecs:<region>:<account>:task/<cluster>/<id>',
    toResource: (body, { id }) => {
      // The pattern matched, so the ARN names the cluster.
      const cluster = REQUESTED_TASK_ARN.exec(body.resourceId)?.groups?.['cluster'] ?? '';
      return {
        type: TYPE,
        accountId: body.accountId,
        region: body.region,
        tags: {},
        id,
        cluster,
        arn: ecsTaskArn(body.region, body.accountId, cluster, id),
      };
    },
  },
});
