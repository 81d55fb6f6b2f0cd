/**
 * Test support: run ECS tasks "in awsvpc mode" in moto and read back what isolate-ecs-task changes.
 *
 * moto cannot give a task a network interface: its RunTask for an awsvpc task definition creates the ENI and then
 * fails (moto 5.2: `'NetworkInterface' object has no attribute 'private_dns_name'`). So the glue, and only it:
 * the task runs in moto with a bridge-mode definition, its ENI is created in moto's EC2 (in the task's subnet,
 * with its security groups, as ECS does), and {@link ECSClient}'s `send` is wrapped in this test process to add
 * the `ElasticNetworkInterface` attachment that ECS lists for an awsvpc task to DescribeTasks answers about that
 * task. Every other call, and every group change, is moto's. Two more gaps are covered: moto advances a task's
 * status on every DescribeTasks (RUNNING → DEACTIVATING → ... → STOPPED, for waiters), turned off by
 * {@link holdTasksRunning}; and moto does not delete a stopped task's ENI as Fargate does ({@link deleteTaskEni}).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DescribeNetworkInterfacesCommand, EC2Client, type EC2 } from '@aws-sdk/client-ec2';
import { DescribeTasksCommand, ECSClient, type ECS } from '@aws-sdk/client-ecs';
import * as z from 'zod';
import type { EcsTaskResource } from '../../../functions/lib/findings/model.js';
import { TEST_ACCOUNT } from '../../support/moto.js';

/** Task ARN → the ENI moto's EC2 holds for it (the glue above). */
const TASK_ENIS = new Map<string, { eniId: string; subnetId: string }>();

const originalSend = ECSClient.prototype.send;
// The glue: DescribeTasks answers list the glued task's ENI attachment, as ECS does for an awsvpc task.
ECSClient.prototype.send = async function send(this: ECSClient, ...args: Parameters<ECSClient['send']>) {
  const out: unknown = await Reflect.apply(originalSend, this, args);
  if (args[0] instanceof DescribeTasksCommand && typeof out === 'object' && out !== null && 'tasks' in out) {
    const tasks = Array.isArray(out.tasks)
      ? (out.tasks as { taskArn?: string; attachments?: unknown[] }[])
      : [];
    for (const task of tasks) {
      const glued = task.taskArn !== undefined ? TASK_ENIS.get(task.taskArn) : undefined;
      if (!glued) continue;
      task.attachments = [
        {
          id: `glue-${glued.eniId}`,
          type: 'ElasticNetworkInterface',
          status: 'ATTACHED',
          details: [
            { name: 'subnetId', value: glued.subnetId },
            { name: 'networkInterfaceId', value: glued.eniId },
          ],
        },
      ];
    }
  }
  return out;
} as ECSClient['send'];

let seq = 0;
/** A name unique in this process (ECS cluster names: letters, digits, `-` and `_`). */
export function ecsName(base: string): string {
  return `${base}-${process.pid}-${++seq}-${randomBytes(2).toString('hex')}`;
}

/** Keep moto's tasks RUNNING across DescribeTasks (see the file comment), on the moto `ecs` talks to. */
export async function holdTasksRunning(ecs: ECS): Promise<void> {
  const provider = ecs.config.endpoint;
  if (!provider) throw new Error('the ECS client has no endpoint: tests run against moto');
  const { protocol, hostname, port } = await provider();
  const endpoint = `${protocol.replace(/:?$/, ':')}//${hostname}${port !== undefined ? `:${port}` : ''}`;
  const response = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    body: JSON.stringify({
      model_name: 'ecs::task',
      transition: { progression: 'manual', times: 1_000_000 },
    }),
  });
  if (!response.ok) throw new Error(`moto state manager: HTTP ${response.status}`);
}

export interface SeededTask {
  cluster: string;
  taskId: string;
  taskArn: string;
  eniId: string;
  vpcId: string;
  groupIds: string[];
}

/** A VPC, a subnet and the customer's groups, a cluster, an awsvpc task definition, and one Fargate task. */
export async function seedTask(
  ec2: EC2,
  ecs: ECS,
  seed: { tags?: Record<string, string>; groups?: number; networkMode?: 'awsvpc' | 'bridge' } = {},
): Promise<SeededTask> {
  await holdTasksRunning(ecs);
  const cluster = ecsName('cluster');
  const vpc = await ec2.createVpc({ CidrBlock: '10.50.0.0/16' });
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnet = await ec2.createSubnet({
    VpcId: vpcId,
    CidrBlock: '10.50.1.0/24',
    AvailabilityZone: 'us-east-1a',
  });
  const groupIds: string[] = [];
  for (let i = 0; i < (seed.groups ?? 2); i++) {
    const group = await ec2.createSecurityGroup({
      GroupName: `${cluster}-app-${i}`,
      Description: 'customer group',
      VpcId: vpcId,
    });
    groupIds.push(group.GroupId ?? '');
  }
  await ecs.createCluster({ clusterName: cluster });
  // Bridge mode in moto whatever the seed says: moto cannot run an awsvpc task (file comment).
  const definition = await ecs.registerTaskDefinition({
    family: cluster,
    networkMode: 'bridge',
    containerDefinitions: [
      {
        name: 'app',
        image: 'public.ecr.aws/docker/library/busybox:1.36',
        essential: true,
        cpu: 256,
        memory: 512,
      },
    ],
  });
  const tags = Object.entries(seed.tags ?? {}).map(([key, value]) => ({ key, value }));
  const run = await ecs.runTask({
    cluster,
    taskDefinition: definition.taskDefinition?.taskDefinitionArn ?? '',
    launchType: 'FARGATE',
    ...(tags.length > 0 ? { tags } : {}),
  });
  const taskArn = run.tasks?.[0]?.taskArn ?? '';
  let eniId = '';
  if ((seed.networkMode ?? 'awsvpc') === 'awsvpc') {
    const subnetId = subnet.Subnet?.SubnetId ?? '';
    const eni = await ec2.createNetworkInterface({
      SubnetId: subnetId,
      Groups: groupIds,
      Description: `ECS task ${taskArn} (test glue: moto cannot run awsvpc tasks)`,
    });
    eniId = eni.NetworkInterface?.NetworkInterfaceId ?? '';
    TASK_ENIS.set(taskArn, { eniId, subnetId });
  }
  return { cluster, taskId: taskArn.split('/').pop() ?? '', taskArn, eniId, vpcId, groupIds };
}

/** The groups of an interface, sorted; undefined when EC2 no longer lists it. */
export async function eniGroups(ec2: EC2, eniId: string): Promise<string[] | undefined> {
  const out = await ec2.describeNetworkInterfaces({
    Filters: [{ Name: 'network-interface-id', Values: [eniId] }],
  });
  const eni = out.NetworkInterfaces?.[0];
  return eni ? (eni.Groups ?? []).map((g) => g.GroupId ?? '').sort() : undefined;
}

/** The task's status in ECS. */
export async function taskStatus(ecs: ECS, task: SeededTask): Promise<string | undefined> {
  const out = await ecs.describeTasks({ cluster: task.cluster, tasks: [task.taskArn] });
  return out.tasks?.[0]?.lastStatus;
}

/** What Fargate does to a stopped task's interface and moto does not: delete it. */
export async function deleteTaskEni(ec2: EC2, task: SeededTask): Promise<void> {
  await ec2.deleteNetworkInterface({ NetworkInterfaceId: task.eniId });
}

export function taskResource(task: Pick<SeededTask, 'cluster' | 'taskId'>): EcsTaskResource {
  return {
    type: 'ecs-task',
    id: task.taskId,
    arn: `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:task/${task.cluster}/${task.taskId}`,
    accountId: TEST_ACCOUNT,
    region: 'us-east-1',
    tags: {},
    cluster: task.cluster,
  };
}

const SampleSchema = z.looseObject({
  detail: z.looseObject({
    arn: z.string(),
    resource: z.looseObject({
      ecsClusterDetails: z.looseObject({ taskDetails: z.looseObject({}) }),
    }),
  }),
});

/** The shared ECS runtime sample event (test/events), naming `task` in the test account, with a finding id of its own. */
export function ecsFindingEvent(task: Pick<SeededTask, 'cluster' | 'taskArn'>): Record<string, unknown> {
  const sample = SampleSchema.parse(
    JSON.parse(
      readFileSync(
        new URL(
          '../../events/guardduty-ecs-fargate-runtime-cryptominer.docs-assembled.json',
          import.meta.url,
        ),
        'utf8',
      ),
    ),
  );
  const id = randomBytes(16).toString('hex');
  const details = sample.detail.resource.ecsClusterDetails;
  return {
    ...sample,
    id: randomBytes(16).toString('hex'),
    account: TEST_ACCOUNT,
    detail: {
      ...sample.detail,
      accountId: TEST_ACCOUNT,
      id,
      arn: sample.detail.arn
        .replace(/:\d{12}:/, `:${TEST_ACCOUNT}:`)
        .replace(/finding\/.*$/, `finding/${id}`),
      resource: {
        ...sample.detail.resource,
        ecsClusterDetails: {
          ...details,
          name: task.cluster,
          arn: `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:cluster/${task.cluster}`,
          taskDetails: { ...details.taskDetails, arn: task.taskArn },
        },
      },
    },
  };
}

/**
 * Make DescribeNetworkInterfaces answers on `ec2` say `RequesterManaged: true`, as EC2 does for every real ECS task
 * interface. moto's interfaces (created by the glue above) are plain ones; an SDK middleware, on this client only,
 * rewrites the flag, and everything else is moto's.
 */
export function markRequesterManaged(ec2: EC2): void {
  ec2.middlewareStack.add(
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
        for (const eni of body.NetworkInterfaces as { RequesterManaged?: boolean }[])
          eni.RequesterManaged = true;
      }
      return out;
    },
    { step: 'initialize', name: 'requesterManagedInterface' },
  );
}

/**
 * {@link markRequesterManaged} for every EC2 client of this process (the pipeline makes its own): wraps
 * `EC2Client.prototype.send` as the ECS glue above wraps ECS's. Returns the undo.
 */
export function markAllRequesterManaged(): () => void {
  const original = EC2Client.prototype.send;
  EC2Client.prototype.send = async function send(this: EC2Client, ...args: Parameters<EC2Client['send']>) {
    const out: unknown = await Reflect.apply(original, this, args);
    if (
      args[0] instanceof DescribeNetworkInterfacesCommand &&
      typeof out === 'object' &&
      out !== null &&
      'NetworkInterfaces' in out &&
      Array.isArray(out.NetworkInterfaces)
    ) {
      for (const eni of out.NetworkInterfaces as { RequesterManaged?: boolean }[])
        eni.RequesterManaged = true;
    }
    return out;
  } as EC2Client['send'];
  return () => {
    EC2Client.prototype.send = original;
  };
}
