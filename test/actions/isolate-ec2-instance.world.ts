/**
 * Test world for the isolate-ec2-instance integration tests: a VPC with instances in moto, the member
 * clients, an action context, and SDK middleware for injected faults and for counting what really changed.
 *
 * moto quirk (see /work/shared/reference/aws-emulator.md): an interface reads back as the union of its own
 * groups and the instance-level groups. Instances here are launched with per-interface groups only
 * (RunInstances `NetworkInterfaces[].Groups`), which is what AWS itself keeps, so read-backs are exact.
 */
import {
  AttachNetworkInterfaceCommand,
  CreateLaunchTemplateCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
} from '@aws-sdk/client-iam';
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateTargetGroupCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateLoadBalancerCommand,
  RegisterInstancesWithLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import { testMemberClients } from '../support/member-clients.js';
import type {
  ActionContext,
  ActionState,
  GuardSettings,
  MemberClients,
  StepRecord,
} from '../../functions/lib/actions/contract.js';
import type { FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';
import type { Ec2InstanceResource } from '../../functions/lib/findings/model.js';
import type { MotoHandle } from '../support/moto.js';
import { readInstance } from './isolate-ec2-instance.world-read.js';

export const ACCOUNT = '123456789012';

let counter = 0;
/**
 * A name unique within the test file. The moto server is shared by the tests of a file (a reset costs
 * seconds of EC2 backend start-up), so every test builds its own VPC, groups and names.
 */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}
export const REGION = 'us-east-1';
export const MEMBER_ROLE = 'cordon-member';

export const GUARD: GuardSettings = {
  exemptionTag: { key: 'cordon:exempt' },
  protectedArns: [],
  cordonResourcePrefix: 'cordon',
  memberRoleName: MEMBER_ROLE,
};

/** Commands that change state in AWS; everything else the action sends is a read. */
export const MUTATING = new Set([
  'AssociateIamInstanceProfile',
  'AttachInstances',
  'AuthorizeSecurityGroupEgress',
  'AuthorizeSecurityGroupIngress',
  'CreateSecurityGroup',
  'CreateSnapshots',
  'CreateTags',
  'DeleteRolePolicy',
  'DeleteTags',
  'DeregisterInstancesFromLoadBalancer',
  'DeregisterTargets',
  'DetachInstances',
  'DisassociateIamInstanceProfile',
  'EnterStandby',
  'ExitStandby',
  'ModifyInstanceAttribute',
  'ModifyInstanceMetadataOptions',
  'ModifyNetworkInterfaceAttribute',
  'PutRolePolicy',
  'RegisterInstancesWithLoadBalancer',
  'RegisterTargets',
  'RevokeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'SetDesiredCapacity',
  'SetInstanceProtection',
]);

/** A fault to inject: which command (and which call of it, 1-based), and the error to throw. */
export interface Fault {
  command: string;
  /** Only this call of the command fails (default: the first). */
  nth?: number;
  /** How many matching calls fail from the nth on (default 1; `Infinity`: every one). */
  count?: number;
  /** Only calls whose input matches fail (counted among matching calls). */
  when?: (input: Record<string, unknown>) => boolean;
  error: () => Error;
}

type Middleware = FinalizeRequestMiddleware<object, object>;

/** Any SDK v3 client (same shape the command recorder instruments). */
interface Instrumentable {
  middlewareStack: Pick<MiddlewareStack<object, object>, 'add'>;
}

/** Everything the action's clients did, counted when AWS (moto) answered successfully. */
export class Traffic {
  readonly sent: string[] = [];
  /** Inputs of the commands that succeeded, in order (to assert on request fields moto ignores). */
  readonly inputs: { command: string; input: Record<string, unknown> }[] = [];
  readonly succeeded: string[] = [];
  /** Commands that completed before the containment marker fired. */
  readonly beforeContainment: string[] = [];
  contained = false;
  faults: Fault[] = [];
  #seen = new Map<Fault, number>();

  count(command: string): number {
    return this.succeeded.filter((c) => c === command).length;
  }

  mutations(): string[] {
    return this.succeeded.filter((c) => MUTATING.has(c));
  }

  reset(): void {
    this.sent.length = 0;
    this.inputs.length = 0;
    this.succeeded.length = 0;
    this.beforeContainment.length = 0;
    this.contained = false;
    this.#seen.clear();
  }

  middleware(): Middleware {
    return (next, context) => async (args) => {
      const command = (context.commandName ?? '').replace(/Command$/, '');
      this.sent.push(command);
      const input = (args.input ?? {}) as Record<string, unknown>;
      for (const fault of this.faults) {
        if (fault.command !== command || (fault.when && !fault.when(input))) continue;
        const seen = (this.#seen.get(fault) ?? 0) + 1;
        this.#seen.set(fault, seen);
        const from = fault.nth ?? 1;
        if (seen >= from && seen < from + (fault.count ?? 1)) throw fault.error();
      }
      const result = await next(args);
      this.succeeded.push(command);
      this.inputs.push({ command, input });
      if (!this.contained) this.beforeContainment.push(command);
      return result;
    };
  }
}

/** An AWS-shaped error as the SDK would surface it. */
export function awsError(
  name: string,
  message: string,
  status: number,
  fault: 'client' | 'server' = 'client',
): Error {
  const error = new Error(message) as Error & { $metadata: object; $fault: string };
  error.name = name;
  error.$metadata = { httpStatusCode: status };
  error.$fault = fault;
  return error;
}

export const FAULTS = {
  throttling: () => awsError('ThrottlingException', 'Rate exceeded', 400),
  accessDenied: () =>
    awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403),
  server: () => awsError('InternalError', 'An internal error has occurred', 500, 'server'),
  /** What the SDK's request handler raises when the socket or request times out (no HTTP status). */
  timeout: () => {
    const error = new Error('Connection timed out after 3000 ms');
    error.name = 'TimeoutError';
    return error;
  },
} as const;

/** Member clients against moto, with fault injection and traffic counting on every client. */
export function memberClients(moto: MotoHandle, traffic: Traffic, maxAttempts = 1): MemberClients {
  const config = { ...moto.clientConfig(REGION), maxAttempts };
  const clients: MemberClients = testMemberClients(config);
  // Inside the retry loop (finalizeRequest, low priority): an injected throttle is retried like a real one.
  const options = { step: 'finalizeRequest', priority: 'low', name: 'cordonTestTraffic' } as const;
  const instrumented: Instrumentable[] = [
    clients.ec2,
    clients.iam,
    clients.autoScaling,
    clients.elbv2,
    clients.elb,
  ];
  for (const client of instrumented) client.middlewareStack.add(traffic.middleware(), options);
  return clients;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export function actionContext(
  clients: MemberClients,
  traffic: Traffic,
  overrides: Partial<ActionContext> & { persisted?: { state?: ActionState; records: StepRecord[] } } = {},
): ActionContext {
  const { persisted, ...rest } = overrides;
  return {
    isolationId: unique('iso'),
    accountId: ACCOUNT,
    region: REGION,
    clients,
    guard: GUARD,
    logger: silent,
    now: () => new Date('2026-11-28T07:00:00.000Z'),
    onContained: () => {
      traffic.contained = true;
    },
    onStep: async (step, state) => {
      if (persisted) {
        persisted.state = state;
        persisted.records.push(step);
      }
    },
    ...rest,
  };
}

export function instanceResource(instanceId: string, tags: Record<string, string> = {}): Ec2InstanceResource {
  return {
    type: 'ec2-instance',
    id: instanceId,
    accountId: ACCOUNT,
    region: REGION,
    tags,
    networkInterfaces: [],
    securityGroupIds: [],
  };
}

export interface Network {
  vpcId: string;
  subnetId: string;
  appGroup: string;
  dbGroup: string;
}

/** A setup client without faults or counting. */
export function setupClients(moto: MotoHandle): MemberClients {
  const config = moto.clientConfig(REGION);
  return testMemberClients(config);
}

export async function createNetwork(setup: MemberClients, cidr = '10.0.0.0/16'): Promise<Network> {
  const vpc = await setup.ec2.send(new CreateVpcCommand({ CidrBlock: cidr }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnet = await setup.ec2.send(
    new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr.replace('.0.0/16', '.1.0/24') }),
  );
  const group = async (name: string) =>
    (
      await setup.ec2.send(
        new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: name, Description: name }),
      )
    ).GroupId ?? '';
  return {
    vpcId,
    subnetId: subnet.Subnet?.SubnetId ?? '',
    appGroup: await group('app'),
    dbGroup: await group('db'),
  };
}

/**
 * An instance whose primary interface is in `app` (and, with `secondInterface`, a second interface in `db`),
 * with shutdown behaviour `terminate` so that release has a non-default value to restore.
 */
export async function launchInstance(
  setup: MemberClients,
  network: Network,
  options: {
    secondInterface?: boolean;
    profileArn?: string;
    /** Launch as a Spot Instance. */
    spot?: boolean;
    /** Root volume DeleteOnTermination (moto defaults to false), plus a data volume kept on termination. */
    volumes?: { rootDeleteOnTermination: boolean; dataVolume?: boolean };
    tags?: Record<string, string>;
  } = {},
): Promise<{ instanceId: string; enis: string[]; volumes: string[] }> {
  const run = await setup.ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: network.subnetId, Groups: [network.appGroup] }],
      BlockDeviceMappings: options.volumes
        ? [
            {
              DeviceName: '/dev/sda1',
              Ebs: { VolumeSize: 8, DeleteOnTermination: options.volumes.rootDeleteOnTermination },
            },
            ...(options.volumes.dataVolume
              ? [{ DeviceName: '/dev/sdf', Ebs: { VolumeSize: 4, DeleteOnTermination: false } }]
              : []),
          ]
        : [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 8 } }],
      InstanceMarketOptions: options.spot ? { MarketType: 'spot' } : undefined,
      TagSpecifications: options.tags
        ? [
            {
              ResourceType: 'instance',
              Tags: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })),
            },
          ]
        : undefined,
      IamInstanceProfile: options.profileArn ? { Arn: options.profileArn } : undefined,
      InstanceInitiatedShutdownBehavior: 'terminate',
    }),
  );
  const instanceId = run.Instances?.[0]?.InstanceId ?? '';
  if (options.secondInterface) {
    const eni = await setup.ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: network.subnetId, Groups: [network.dbGroup] }),
    );
    await setup.ec2.send(
      new AttachNetworkInterfaceCommand({
        InstanceId: instanceId,
        NetworkInterfaceId: eni.NetworkInterface?.NetworkInterfaceId,
        DeviceIndex: 1,
      }),
    );
  }
  const state = await readInstance(setup, instanceId);
  return { instanceId, enis: state.enis.map((e) => e.id), volumes: state.volumes };
}

export async function createProfile(
  setup: MemberClients,
  name = unique('web'),
): Promise<{ profileArn: string; roleName: string }> {
  const roleName = `${name}-role`;
  await setup.iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: '{}' }));
  const profile = await setup.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }));
  await setup.iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: roleName }),
  );
  return { profileArn: profile.InstanceProfile?.Arn ?? '', roleName };
}

/** An Auto Scaling group of one instance (interfaces from a launch template, so no instance-level groups). */
export async function createAutoScalingGroup(
  setup: MemberClients,
  network: Network,
  name = unique('web-asg'),
  maxSize = 4,
): Promise<{ groupName: string; instanceId: string }> {
  const template = await setup.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${name}-lt`,
      LaunchTemplateData: {
        ImageId: 'ami-12c6146b',
        InstanceType: 't3.micro',
        NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: network.subnetId, Groups: [network.appGroup] }],
      },
    }),
  );
  await setup.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      MinSize: 1,
      MaxSize: maxSize,
      DesiredCapacity: 1,
      VPCZoneIdentifier: network.subnetId,
      LaunchTemplate: { LaunchTemplateId: template.LaunchTemplate?.LaunchTemplateId, Version: '$Latest' },
    }),
  );
  const instances = await setup.autoScaling.send(new DescribeAutoScalingInstancesCommand({}));
  const instanceId =
    instances.AutoScalingInstances?.find((i) => i.AutoScalingGroupName === name)?.InstanceId ?? '';

  return { groupName: name, instanceId };
}

export async function createTargetGroup(
  setup: MemberClients,
  network: Network,
  instanceId: string,
  port = 8080,
): Promise<string> {
  const created = await setup.elbv2.send(
    new CreateTargetGroupCommand({
      Name: unique('tg'),
      Protocol: 'HTTP',
      Port: 80,
      VpcId: network.vpcId,
      TargetType: 'instance',
    }),
  );
  const arn = created.TargetGroups?.[0]?.TargetGroupArn ?? '';
  await setup.elbv2.send(
    new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId, Port: port }] }),
  );
  return arn;
}

/** An IP-type target group with the instance's private address registered on `port`. */
export async function createIpTargetGroup(
  setup: MemberClients,
  network: Network,
  privateIp: string,
  port = 9000,
): Promise<string> {
  const created = await setup.elbv2.send(
    new CreateTargetGroupCommand({
      Name: unique('ip-tg'),
      Protocol: 'HTTP',
      Port: 80,
      VpcId: network.vpcId,
      TargetType: 'ip',
    }),
  );
  const arn = created.TargetGroups?.[0]?.TargetGroupArn ?? '';
  await setup.elbv2.send(
    new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: privateIp, Port: port }] }),
  );
  return arn;
}

/** A Classic Load Balancer in the network's subnet with the instance registered; returns its name. */
export async function createClassicLoadBalancer(
  setup: MemberClients,
  network: Network,
  instanceId: string,
): Promise<string> {
  const name = unique('clb');
  await setup.elb.send(
    new CreateLoadBalancerCommand({
      LoadBalancerName: name,
      Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: 80 }],
      Subnets: [network.subnetId],
    }),
  );
  await setup.elb.send(
    new RegisterInstancesWithLoadBalancerCommand({
      LoadBalancerName: name,
      Instances: [{ InstanceId: instanceId }],
    }),
  );
  return name;
}

export * from './isolate-ec2-instance.world-read.js';
