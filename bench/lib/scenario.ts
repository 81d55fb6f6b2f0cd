/**
 * Resources in moto and the events about them, for the containment and burst benchmarks: a policy that contains
 * every kind of resource automatically, GuardDuty finding events built from the repository's samples, and their
 * Security Hub (ASFF) twins.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { asffTypesForGuardDutyType } from '../../functions/lib/findings/index.js';
import { loadPolicyFromStrings } from '../../functions/lib/policy/index.js';
import type { CompiledPolicy } from '../../functions/lib/policy/model.js';
import { ACCOUNT, CREDENTIALS, REGION } from './world.js';
import { EC2_INSTANCE } from '../../functions/lib/resources/ec2-instance.js';
import { IAM_USER } from '../../functions/lib/resources/iam-user.js';
import { IAM_ACCESS_KEY } from '../../functions/lib/resources/iam-access-key.js';
import { IAM_ROLE } from '../../functions/lib/resources/iam-role.js';
import { IDENTITY_CENTER_USER } from '../../functions/lib/resources/identity-center-user.js';

export const EC2_TYPE = 'Backdoor:EC2/C&CActivity.B!DNS';
export const EC2_SECOND_TYPE = 'Backdoor:EC2/DenialOfService.Tcp';
export const IAM_USER_TYPE = 'UnauthorizedAccess:IAMUser/TorIPCaller';
export const ACCESS_KEY_TYPE = 'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom';
export const ROLE_TYPE = 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS';
export const IDENTITY_CENTER_TYPE = 'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom';

/** An automatic rule a caller adds to the benchmark policy (the resilience suite's subjects bring their own). */
export interface BenchRule {
  name: string;
  /** GuardDuty finding type. */
  type: string;
  resourceType: string;
  action: string;
}

/**
 * One automatic rule per benchmarked action (plus one approval rule), then `extra`, and limits high enough for
 * the burst's 50 isolations.
 */
export function benchPolicy(extra: readonly BenchRule[] = []): CompiledPolicy {
  const text = stringify({
    version: 1,
    settings: {
      limits: { autoPerAccountPerHour: 10_000, autoGlobalPerHour: 10_000 },
      // Identity Center is administered in the member account itself here (the resilience suite's subject).
      identityCenter: { accountId: ACCOUNT, region: REGION },
    },
    rules: [
      {
        name: 'bench-ec2-instance',
        match: { type: 'Backdoor:EC2/*', resourceType: EC2_INSTANCE },
        action: 'isolate-ec2-instance',
        mode: 'auto',
      },
      {
        // Not used by the benchmarks; the resilience suite parks requests with it.
        name: 'bench-ec2-instance-approval',
        match: { type: 'Trojan:EC2/*', resourceType: EC2_INSTANCE },
        action: 'isolate-ec2-instance',
        mode: 'approval',
      },
      {
        name: 'bench-iam-user',
        match: { type: IAM_USER_TYPE, resourceType: IAM_USER },
        action: 'isolate-iam-user',
        mode: 'auto',
      },
      {
        name: 'bench-access-key',
        match: { type: ACCESS_KEY_TYPE, resourceType: IAM_ACCESS_KEY },
        action: 'disable-access-key',
        mode: 'auto',
      },
      {
        name: 'bench-role',
        match: { type: ROLE_TYPE, resourceType: IAM_ROLE },
        action: 'revoke-role-sessions',
        mode: 'auto',
      },
      {
        name: 'bench-identity-center-user',
        match: { type: IDENTITY_CENTER_TYPE, resourceType: IDENTITY_CENTER_USER },
        action: 'isolate-identity-center-user',
        mode: 'auto',
      },
      ...extra.map((rule) => ({
        name: rule.name,
        match: { type: rule.type, resourceType: rule.resourceType },
        action: rule.action,
        mode: 'auto',
      })),
    ],
  });
  return loadPolicyFromStrings([{ file: 'bench-policy.yaml', text }]);
}

/** Uninstrumented clients for setting up the world (their calls are not measured). */
export function setupClients(endpoint: string): { ec2: EC2Client; iam: IAMClient } {
  const config = { region: REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 3 };
  return { ec2: new EC2Client(config), iam: new IAMClient(config) };
}

export interface Network {
  vpcId: string;
  subnetId: string;
  groupId: string;
}

let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** A new VPC with a subnet and an application security group. */
export async function createNetwork(ec2: EC2Client): Promise<Network> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.30.1.0/24' }));
  const group = await ec2.send(
    new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: unique('app'), Description: 'application' }),
  );
  return { vpcId, subnetId: subnet.Subnet?.SubnetId ?? '', groupId: group.GroupId ?? '' };
}

/** An instance with one interface in the network. */
export async function launchInstance(ec2: EC2Client, network: Network): Promise<string> {
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: network.subnetId, Groups: [network.groupId] }],
    }),
  );
  return run.Instances?.[0]?.InstanceId ?? '';
}

/** A user with one active access key and an inline policy. */
export async function createUser(iam: IAMClient): Promise<{ userName: string; accessKeyId: string }> {
  const userName = unique('bench-user');
  await iam.send(new CreateUserCommand({ UserName: userName }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: userName,
      PolicyName: 'app',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      }),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  return { userName, accessKeyId: key.AccessKey?.AccessKeyId ?? '' };
}

/** A role that an instance could use. */
export async function createRole(iam: IAMClient): Promise<string> {
  const roleName = unique('bench-role');
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  return roleName;
}

function sample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`test/events/${name}`, 'utf8')) as Record<string, unknown>;
}

/** What a GuardDuty finding is about. */
export type Subject =
  | { kind: 'instance'; instanceId: string }
  | {
      kind: 'access-key';
      userName: string;
      accessKeyId: string;
      userType: 'IAMUser' | 'AssumedRole';
      /** Role session name of an AssumedRole principal (e.g. an Identity Center user's user name). */
      sessionName?: string;
    };

/** A GuardDuty Finding event (not a sample finding) about `subject`. */
export function guardDutyEvent(
  subject: Subject,
  options: { type: string; findingId?: string; severity?: number },
): Record<string, unknown> {
  const event = sample(
    subject.kind === 'instance'
      ? 'guardduty-ec2-backdoor-ccactivity-b-dns.custodian.json'
      : 'guardduty-iam-accesskey-toripcaller.custodian.json',
  );
  delete event['debug'];
  const detail = event['detail'] as Record<string, unknown>;
  const findingId = options.findingId ?? randomBytes(16).toString('hex');
  const now = new Date().toISOString();
  event['id'] = randomBytes(16).toString('hex');
  event['account'] = ACCOUNT;
  event['region'] = REGION;
  event['time'] = now;
  detail['accountId'] = ACCOUNT;
  detail['region'] = REGION;
  detail['id'] = findingId;
  detail['arn'] =
    `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/0123456789abcdef0123456789abcdef/finding/${findingId}`;
  detail['type'] = options.type;
  detail['severity'] = options.severity ?? 8;
  detail['createdAt'] = now;
  detail['updatedAt'] = now;
  (detail['service'] as Record<string, unknown>)['additionalInfo'] = {};
  detail['resource'] =
    subject.kind === 'instance'
      ? { resourceType: 'Instance', instanceDetails: { instanceId: subject.instanceId } }
      : {
          resourceType: 'AccessKey',
          accessKeyDetails: {
            userName: subject.userName,
            userType: subject.userType,
            principalId:
              subject.sessionName === undefined
                ? `AIDA${subject.userName.length}`
                : `AROABENCH${subject.userName.length}:${subject.sessionName}`,
            accessKeyId: subject.accessKeyId,
          },
        };
  return event;
}

/** The same event delivered again by GuardDuty (a new event id, an updated finding). */
export function republished(event: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(event);
  copy['id'] = randomBytes(16).toString('hex');
  const detail = copy['detail'] as Record<string, unknown>;
  detail['updatedAt'] = new Date().toISOString();
  const service = detail['service'] as Record<string, unknown>;
  service['count'] = Number(service['count'] ?? 1) + 1;
  return copy;
}

/** The Security Hub Findings - Imported event carrying the ASFF twin of a GuardDuty finding event. */
export function importedTwin(gdEvent: Record<string, unknown>, subject: Subject): Record<string, unknown> {
  const detail = gdEvent['detail'] as {
    arn: string;
    type: string;
    severity: number;
    createdAt: string;
    updatedAt: string;
  };
  const productArn = `arn:aws:securityhub:${REGION}::product/aws/guardduty`;
  const resource =
    subject.kind === 'instance'
      ? {
          Type: 'AwsEc2Instance',
          Id: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${subject.instanceId}`,
          Partition: 'aws',
          Region: REGION,
        }
      : {
          Type: 'AwsIamAccessKey',
          Id: `AWS::IAM::AccessKey:${subject.accessKeyId}`,
          Partition: 'aws',
          Region: REGION,
          Details: {
            AwsIamAccessKey: {
              PrincipalName: subject.userName,
              PrincipalType: subject.userType,
              AccessKeyId: subject.accessKeyId,
            },
          },
        };
  const finding = {
    SchemaVersion: '2018-10-08',
    Id: detail.arn,
    ProductArn: productArn,
    GeneratorId: detail.arn.replace(/\/finding\/.*/, ''),
    AwsAccountId: ACCOUNT,
    Types: asffTypesForGuardDutyType(detail.type),
    CreatedAt: detail.createdAt,
    UpdatedAt: detail.updatedAt,
    Severity: { Product: detail.severity, Label: 'HIGH', Normalized: Math.round(detail.severity * 10) },
    Title: 'GuardDuty finding',
    Description: 'GuardDuty finding imported into Security Hub.',
    ProductFields: {
      'aws/securityhub/FindingId': `${productArn}/${detail.arn}`,
      'aws/securityhub/ProductName': 'GuardDuty',
      'aws/securityhub/CompanyName': 'Amazon',
    },
    Resources: [resource],
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
  return {
    version: '0',
    id: randomBytes(16).toString('hex'),
    'detail-type': 'Security Hub Findings - Imported',
    source: 'aws.securityhub',
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: REGION,
    resources: [`${productArn}/${detail.arn}`],
    detail: { findings: [finding] },
  };
}
