/**
 * The evidence collectors against moto: each kind's steps call exactly the member-role permissions the kind
 * declares (the member role is generated from them, like the actions'), and a step that fails is listed as
 * failed with its error while the others are still collected.
 */
import { describe, expect, it } from 'vitest';
import {
  AssociateIamInstanceProfileCommand,
  CreateFlowLogsCommand,
  EC2Client,
  GetConsoleScreenshotCommand,
} from '@aws-sdk/client-ec2';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AddUserToGroupCommand,
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { KIND_EVIDENCE } from '../../functions/lib/evidence/kinds.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import { TEST_ACCOUNT, useMoto } from '../support/moto.js';
import { motoActionContext } from '../actions/support/action-context.js';
import { seedUser } from '../actions/support/iam-state.js';
import { launchInstance, unique } from '../pipeline/support.js';
import { collect, containedRecord } from './support.js';

const moto = useMoto({ resetEach: false });
const REGION = 'us-east-1';
function recordFor(resource: Resource, before: Record<string, unknown> = {}): IsolationRecord {
  return containedRecord(resource, { before });
}

function declared(type: Resource['type']): string[] {
  return [...(KIND_EVIDENCE.find((k) => k.type === type)?.permissions ?? [])].sort();
}

/** A role with an inline and a managed policy, in an instance profile. */
async function instanceProfile(
  iam: IAMClient,
): Promise<{ profileName: string; roleName: string; policyArn: string }> {
  const roleName = unique('app-role');
  const profileName = unique('app-profile');
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
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'app-inline',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      }),
    }),
  );
  const policy = await iam.send(
    new CreatePolicyCommand({
      PolicyName: unique('app-managed'),
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }],
      }),
    }),
  );
  const policyArn = policy.Policy?.Arn ?? '';
  await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: profileName }));
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: roleName }),
  );
  return { profileName, roleName, policyArn };
}

function ec2Resource(instanceId: string): Resource {
  return {
    type: 'ec2-instance',
    id: instanceId,
    accountId: TEST_ACCOUNT,
    region: REGION,
    tags: {},
    networkInterfaces: [],
    securityGroupIds: [],
  };
}

describe('Evidence: collectors declare exactly the member-account reads they make', () => {
  it('EC2 instance: every declared permission is called, nothing else, and nothing mutates', async () => {
    // Prepare: an instance with an instance profile whose role has an inline and a managed policy, in a VPC
    // with a flow log. moto lacks GetConsoleScreenshot: that one call is answered by aws-sdk-client-mock,
    // every other goes to moto (callThrough).
    const test = motoActionContext(moto);
    const ec2 = new EC2Client(moto.clientConfig(REGION));
    const instance = await launchInstance(ec2);
    const profile = await instanceProfile(new IAMClient(moto.clientConfig(REGION)));
    await ec2.send(
      new AssociateIamInstanceProfileCommand({
        InstanceId: instance.instanceId,
        IamInstanceProfile: { Name: profile.profileName },
      }),
    );
    const flowLogBucket = unique('flow-logs');
    await new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: flowLogBucket }),
    );
    await ec2.send(
      new CreateFlowLogsCommand({
        ResourceIds: [instance.vpcId],
        ResourceType: 'VPC',
        TrafficType: 'ALL',
        LogDestinationType: 's3',
        LogDestination: `arn:aws:s3:::${flowLogBucket}`,
      }),
    );
    const screenshot = mockClient(test.ctx.clients.ec2);
    screenshot.send.callThrough();
    screenshot.on(GetConsoleScreenshotCommand).resolves({
      $metadata: { requestId: 'mock-screenshot' },
      InstanceId: instance.instanceId,
      ImageData: 'aGVsbG8=',
    });
    const record = recordFor(ec2Resource(instance.instanceId), {
      networkInterfaces: { 'eni-1': { vpcId: instance.vpcId, deviceIndex: 0, groups: [instance.groupId] } },
    });

    // Act
    const { manifest, read } = await collect(test, record);
    screenshot.restore();

    // Assess
    const called = [
      ...new Set([
        ...test.recorder.commands.map((c) => c.iamAction),
        ...screenshot.commandCalls(GetConsoleScreenshotCommand).map(() => 'ec2:GetConsoleScreenshot'),
      ]),
    ].sort();
    expect(called).toEqual(declared('ec2-instance'));
    expect(manifest.artifacts.filter((a) => a.status === 'failed')).toEqual([]);
    for (const artifact of manifest.artifacts) {
      for (const call of artifact.calls) expect(declared('ec2-instance')).toContain(call.api);
    }
    expect(read('ec2/console-screenshot.json')).toMatchObject({ ImageData: 'aGVsbG8=' });
    expect(read('ec2/flow-logs.json')).toMatchObject({
      resourceIds: expect.arrayContaining([instance.vpcId]),
      FlowLogs: [{ ResourceId: instance.vpcId }],
    });
    expect(read('iam/instance-profile.json')).toMatchObject({
      InstanceProfile: { InstanceProfileName: profile.profileName },
      Roles: [
        {
          Role: {
            RoleName: profile.roleName,
            AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow' }] },
          },
          InlinePolicies: [
            { PolicyName: 'app-inline', PolicyDocument: { Statement: [{ Action: 's3:GetObject' }] } },
          ],
          AttachedPolicies: [
            { PolicyArn: profile.policyArn, PolicyDocument: { Statement: [{ Action: 'sqs:*' }] } },
          ],
        },
      ],
    });
  });

  it('IAM user: policies with documents, groups, keys with last use, MFA and login profile, with exactly the declared reads', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const iam = new IAMClient(moto.clientConfig(REGION));
    const userName = unique('evidence-user');
    await seedUser(iam, userName);
    const policy = await iam.send(
      new CreatePolicyCommand({
        PolicyName: unique('managed'),
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }],
        }),
      }),
    );
    await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: policy.Policy?.Arn ?? '' }));
    const group = unique('group');
    await iam.send(new CreateGroupCommand({ GroupName: group }));
    await iam.send(new AddUserToGroupCommand({ GroupName: group, UserName: userName }));
    const mfa = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: unique('mfa') }));
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: userName,
        SerialNumber: mfa.VirtualMFADevice?.SerialNumber ?? '',
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
    const record = recordFor({
      type: 'iam-user',
      id: userName,
      userName,
      accountId: TEST_ACCOUNT,
      region: REGION,
      tags: {},
    });

    // moto lacks CloudTrail LookupEvents: aws-sdk-client-mock answers it.
    const trail = mockClient(test.ctx.clients.cloudTrail);
    trail.on(LookupEventsCommand).resolves({
      $metadata: { requestId: 'mock-lookup' },
      Events: [{ EventId: 'e-1', EventName: 'ListBuckets' }],
    });

    // Act
    const { manifest, read } = await collect(test, record);

    // Assess
    const called = [
      ...new Set([
        ...test.recorder.commands.map((c) => c.iamAction),
        ...trail.commandCalls(LookupEventsCommand).map(() => 'cloudtrail:LookupEvents'),
      ]),
    ].sort();
    expect(called).toEqual(declared('iam-user'));
    expect(trail.commandCalls(LookupEventsCommand)[0]?.args[0].input.LookupAttributes).toEqual([
      { AttributeKey: 'Username', AttributeValue: userName },
    ]);
    expect(manifest.artifacts.map((a) => [a.name, a.status])).toEqual([
      ['finding.json', 'collected'],
      ['decision.json', 'collected'],
      ['iam/user.json', 'collected'],
      ['iam/inline-policies.json', 'collected'],
      ['iam/attached-policies.json', 'collected'],
      ['iam/groups.json', 'collected'],
      ['iam/access-keys.json', 'collected'],
      ['iam/mfa-devices.json', 'collected'],
      ['iam/login-profile.json', 'collected'],
      ['cloudtrail/events.json', 'collected'],
    ]);
    expect(read('iam/attached-policies.json')).toMatchObject({
      AttachedPolicies: [
        { PolicyArn: policy.Policy?.Arn, PolicyDocument: { Statement: [{ Action: 's3:ListBucket' }] } },
      ],
    });
    expect(read('iam/inline-policies.json')).toMatchObject({ Policies: [{ PolicyName: 'customer-read' }] });
    expect(read('iam/groups.json')).toMatchObject({ Groups: [{ GroupName: group }] });
    expect(read('iam/access-keys.json')).toMatchObject({
      AccessKeys: [{ UserName: userName }, { UserName: userName }],
    });
    expect(read('iam/mfa-devices.json')).toMatchObject({ MFADevices: [{ UserName: userName }] });
    expect(read('iam/login-profile.json')).toMatchObject({ LoginProfile: { UserName: userName } });
  });

  it('lists a step AccessDenied refused as failed with its error and request id, and still collects the others', async () => {
    // Prepare: moto allows every call; the denial is injected (aws-sdk middleware), as the resilience tests do.
    const test = motoActionContext(moto);
    const instance = await launchInstance(new EC2Client(moto.clientConfig(REGION)));
    test.faults.inject('GetConsoleOutput', 'access-denied');
    // moto lacks GetConsoleScreenshot: aws-sdk-client-mock answers it, everything else goes to moto.
    const screenshot = mockClient(test.ctx.clients.ec2);
    screenshot.send.callThrough();
    screenshot
      .on(GetConsoleScreenshotCommand)
      .resolves({ $metadata: { requestId: 'mock-screenshot' }, ImageData: 'aGVsbG8=' });

    // Act
    const { manifest } = await collect(test, recordFor(ec2Resource(instance.instanceId)));
    screenshot.restore();

    // Assess
    const failed = manifest.artifacts.filter((a) => a.status === 'failed');
    expect(failed).toEqual([
      {
        name: 'ec2/console-output.json',
        status: 'failed',
        calls: [
          {
            api: 'ec2:GetConsoleOutput',
            region: REGION,
            account: TEST_ACCOUNT,
            requestId: expect.any(String),
          },
        ],
        error: {
          code: expect.stringMatching(/AccessDenied|UnauthorizedOperation/),
          message: expect.any(String),
        },
        collectedAt: expect.any(String),
      },
    ]);
    expect(manifest.artifacts.filter((a) => a.status === 'collected').map((a) => a.name)).toContain(
      'ec2/instance.json',
    );
  });
});
