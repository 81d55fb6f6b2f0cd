/** What `isolate-ecs-task` records before its first change; release reads it. */
import * as z from 'zod';

/** One network interface of the task, with its exact groups before isolation. */
const eniSchema = z.object({
  networkInterfaceId: z.string(),
  vpcId: z.string(),
  groups: z.array(z.string()),
  /** Managed by ECS: its groups cannot be changed, so containment is stopping the task (never a swap). */
  requesterManaged: z.boolean().default(false),
});
export type EniBefore = z.output<typeof eniSchema>;

const taskSchema = z.object({
  cluster: z.string(),
  taskArn: z.string(),
  lastStatus: z.string(),
  /** The task's interfaces (awsvpc: one), from its ENI attachments. */
  interfaces: z.array(eniSchema),
});
export type TaskBefore = z.output<typeof taskSchema>;

/**
 * The task's description as ECS gave it before any change: kept so that stopping it (stopTask) loses nothing
 * the investigation needs from ECS (images and digests, runtime ids, start time, who started it).
 */
const containerSchema = z.object({
  name: z.string().optional(),
  image: z.string().optional(),
  imageDigest: z.string().optional(),
  runtimeId: z.string().optional(),
  lastStatus: z.string().optional(),
});
export const descriptionSchema = z.object({
  taskArn: z.string(),
  taskDefinitionArn: z.string().optional(),
  clusterArn: z.string().optional(),
  containerInstanceArn: z.string().optional(),
  launchType: z.string().optional(),
  platformVersion: z.string().optional(),
  availabilityZone: z.string().optional(),
  group: z.string().optional(),
  startedBy: z.string().optional(),
  startedAt: z.string().optional(),
  lastStatus: z.string().optional(),
  desiredStatus: z.string().optional(),
  containers: z.array(containerSchema),
  /** The ENI attachments' details (subnet, interface id, private address). */
  attachments: z.array(z.record(z.string(), z.string())),
});
export type TaskDescription = z.output<typeof descriptionSchema>;

export const ecsBeforeSchema = z.object({
  ecsTask: taskSchema.optional(),
  taskDescription: descriptionSchema.optional(),
  /** cordon's isolation group the interfaces were moved to. */
  isolationGroupId: z.string().optional(),
});
export type EcsBefore = z.output<typeof ecsBeforeSchema>;

/** The recorded before-state, parsed (never cast); parts that do not parse are absent. */
export function recordedEcs(before: Readonly<Record<string, unknown>>): EcsBefore {
  const task = taskSchema.safeParse(before['ecsTask']);
  const description = descriptionSchema.safeParse(before['taskDescription']);
  const group = z.string().safeParse(before['isolationGroupId']);
  return {
    ...(task.success ? { ecsTask: task.data } : {}),
    ...(description.success ? { taskDescription: description.data } : {}),
    ...(group.success ? { isolationGroupId: group.data } : {}),
  };
}
