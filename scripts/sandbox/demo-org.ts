/**
 * The sandbox's demo organisation, created in the emulator inside the demo member account (through the same
 * AssumeRole into the member role that the isolation worker uses):
 *   - a VPC with one subnet and two security groups;
 *   - `web-1`, an instance with two network interfaces and the `app-server` instance profile;
 *   - `worker`, an instance launched by the `workers` Auto Scaling group;
 *   - `bastion`, an instance tagged `cordon:exempt=true` (cordon must never touch it);
 *   - `batch-1`, a plain instance;
 *   - IAM users with active access keys (and console passwords for two of them);
 *   - the `app-server` role with its instance profile, and cordon's member role.
 */
import {
  AttachNetworkInterfaceCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateLaunchTemplateCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  AddRoleToInstanceProfileCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { MemberClients } from '../../functions/lib/actions/contract.js';
import { CordonError } from '../../functions/lib/errors.js';
import { SANDBOX_LOOKUP_ROLE, SANDBOX_MEMBER_ROLE, SANDBOX_SECURITY_ACCOUNT } from './environment.js';
import { iamArn } from '../../functions/lib/kernel/arn.js';

export interface DemoInstance {
  name: string;
  instanceId: string;
  description: string;
}

export interface DemoUserAccount {
  userName: string;
  accessKeyId: string;
  consolePassword: boolean;
}

export interface DemoOrganisation {
  accountId: string;
  region: string;
  vpcId: string;
  subnetId: string;
  securityGroups: { web: string; admin: string };
  instances: { web: DemoInstance; worker: DemoInstance; bastion: DemoInstance; batch: DemoInstance };
  users: DemoUserAccount[];
  role: { roleName: string; instanceProfileArn: string };
}

const TRUST_EC2 = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

async function anyImage(clients: MemberClients): Promise<string> {
  const images = await clients.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
  const id = images.Images?.find((i) => i.ImageId)?.ImageId;
  if (!id) throw new CordonError('the emulator offers no AMI to launch demo instances from');
  return id;
}

function idOf(instance: Instance | undefined, what: string): string {
  const id = instance?.InstanceId;
  if (!id) throw new CordonError(`the emulator did not launch ${what}`);
  return id;
}

/**
 * Create the demo organisation.
 * @param clients member-account clients (from the pipeline's member client factory)
 */
export async function createDemoOrganisation(
  clients: MemberClients,
  accountId: string,
  region: string,
): Promise<DemoOrganisation> {
  const { ec2, iam, autoScaling } = clients;
  const tag = (name: string, extra: Record<string, string> = {}) =>
    Object.entries({ Name: name, Environment: 'sandbox', ...extra }).map(([Key, Value]) => ({ Key, Value }));

  // cordon's member role, trusted by the security account (what the member-role Terraform module creates).
  await iam.send(
    new CreateRoleCommand({
      RoleName: SANDBOX_MEMBER_ROLE,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: iamArn(region, SANDBOX_SECURITY_ACCOUNT, 'root') },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
      Description: 'cordon isolation role (sandbox)',
    }),
  );

  // The API's read-only lookup role (the member-role module with lookup_role_enabled): the request form resolves
  // Name tags through it. moto does not enforce its trust or policy; the API tests inject the denials.
  await iam.send(
    new CreateRoleCommand({
      RoleName: SANDBOX_LOOKUP_ROLE,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: iamArn(region, SANDBOX_SECURITY_ACCOUNT, 'root') },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
      Description: 'cordon lookup role (sandbox): ec2:DescribeInstances only',
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: SANDBOX_LOOKUP_ROLE,
      PolicyName: 'cordon-lookup',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }],
      }),
    }),
  );

  const vpc = await ec2.send(
    new CreateVpcCommand({
      CidrBlock: '10.42.0.0/16',
      TagSpecifications: [{ ResourceType: 'vpc', Tags: tag('sandbox-vpc') }],
    }),
  );
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnet = await ec2.send(
    new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.42.1.0/24', AvailabilityZone: `${region}a` }),
  );
  const subnetId = subnet.Subnet?.SubnetId ?? '';
  const web = await ec2.send(
    new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'web', Description: 'HTTPS from anywhere' }),
  );
  const admin = await ec2.send(
    new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'admin', Description: 'SSH from the office' }),
  );
  const webSg = web.GroupId ?? '';
  const adminSg = admin.GroupId ?? '';
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: webSg,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }),
  );
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: adminSg,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
    }),
  );

  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: 'app-server',
      AssumeRolePolicyDocument: TRUST_EC2,
      Description: 'web tier',
    }),
  );
  const profile = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'app-server' }));
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'app-server', RoleName: 'app-server' }),
  );
  const instanceProfileArn = profile.InstanceProfile?.Arn ?? '';
  void role;

  const imageId = await anyImage(clients);
  const run = async (
    name: string,
    groups: string[],
    extraTags: Record<string, string> = {},
    withProfile = false,
  ) => {
    const out = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        // Groups on the interface, as the console launches them (moto also keeps instance-level groups apart and
        // would report them on every interface).
        NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId, Groups: groups }],
        ...(withProfile ? { IamInstanceProfile: { Arn: instanceProfileArn } } : {}),
        TagSpecifications: [{ ResourceType: 'instance', Tags: tag(name, extraTags) }],
      }),
    );
    return idOf(out.Instances?.[0], name);
  };

  const webId = await run('web-1', [webSg, adminSg], { Owner: 'team-web' }, true);
  const secondEni = await ec2.send(
    new CreateNetworkInterfaceCommand({
      SubnetId: subnetId,
      Groups: [adminSg],
      Description: 'web-1 management',
    }),
  );
  await ec2.send(
    new AttachNetworkInterfaceCommand({
      InstanceId: webId,
      NetworkInterfaceId: secondEni.NetworkInterface?.NetworkInterfaceId ?? '',
      DeviceIndex: 1,
    }),
  );
  const bastionId = await run('bastion', [adminSg], { 'cordon:exempt': 'true' });
  const batchId = await run('batch-1', [webSg], { Owner: 'team-data' });

  await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'workers',
      LaunchTemplateData: { ImageId: imageId, InstanceType: 't3.micro', SecurityGroupIds: [webSg] },
    }),
  );
  await autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'workers',
      LaunchTemplate: { LaunchTemplateName: 'workers', Version: '$Latest' },
      MinSize: 1,
      MaxSize: 2,
      DesiredCapacity: 1,
      VPCZoneIdentifier: subnetId,
      Tags: [{ Key: 'Name', Value: 'worker', PropagateAtLaunch: true }],
    }),
  );
  const group = await autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['workers'] }),
  );
  const workerId = group.AutoScalingGroups?.[0]?.Instances?.[0]?.InstanceId;
  if (!workerId) throw new CordonError('the emulator did not launch the Auto Scaling group instance');

  const users: DemoUserAccount[] = [];
  for (const [userName, consolePassword] of [
    ['dev-carol', true],
    ['ci-deployer', false],
    ['ops-dan', true],
  ] as const) {
    await iam.send(
      new CreateUserCommand({ UserName: userName, Tags: [{ Key: 'Environment', Value: 'sandbox' }] }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    if (consolePassword) {
      await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'Sandbox-Passw0rd!' }));
    }
    users.push({ userName, accessKeyId: key.AccessKey?.AccessKeyId ?? '', consolePassword });
  }

  return {
    accountId,
    region,
    vpcId,
    subnetId,
    securityGroups: { web: webSg, admin: adminSg },
    instances: {
      web: {
        name: 'web-1',
        instanceId: webId,
        description: 'two network interfaces, instance profile app-server',
      },
      worker: { name: 'worker', instanceId: workerId, description: 'in the Auto Scaling group "workers"' },
      bastion: { name: 'bastion', instanceId: bastionId, description: 'tagged cordon:exempt=true' },
      batch: { name: 'batch-1', instanceId: batchId, description: 'plain instance' },
    },
    users,
    role: { roleName: 'app-server', instanceProfileArn },
  };
}

/** Live details of an instance, for building realistic GuardDuty events about it. */
export async function describeInstance(clients: MemberClients, instanceId: string): Promise<Instance> {
  const out = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const instance = out.Reservations?.[0]?.Instances?.[0];
  if (!instance) throw new CordonError(`instance ${instanceId} is not in the sandbox`);
  return instance;
}
