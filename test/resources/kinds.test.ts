/**
 * Each resource kind on its own: the ARN it builds in each partition (and reads back), the ARNs protection rules
 * match it by, and how it is read from real-shaped GuardDuty and ASFF events (test/events, copies of
 * ../shared/reference/events), edited where no sample names the kind.
 */
import { describe, expect, it } from 'vitest';
import { parseArn } from '../../functions/lib/kernel/arn.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import { asffResources, guardDutyResources } from '../../functions/lib/findings/resources.js';
import {
  findKind,
  iamIdentity,
  identifyingArn,
  protectionArns,
  requestedResource,
} from '../../functions/lib/resources/registry.js';
import { ValidationError } from '../../functions/lib/errors.js';
import { actedOnAccount, crossAccountRefusal } from '../../functions/lib/findings/account.js';
import { asffFinding, guardDutyDetail, PARTITION_CASES } from './support.js';

const ACCOUNT = '111122223333';
const INSTANCE = 'i-0123456789abcdef0';

/** A resource of each kind without an ARN, in `region`. */
function bare(region: string): Resource[] {
  const base = { accountId: ACCOUNT, region, tags: {} };
  return [
    { ...base, type: 'ec2-instance', id: INSTANCE, networkInterfaces: [], securityGroupIds: [] },
    { ...base, type: 'iam-user', id: 'mallory', userName: 'mallory' },
    {
      ...base,
      type: 'iam-access-key',
      id: 'AKIAIOSFODNN7EXAMPLE',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      userName: 'mallory',
    },
    { ...base, type: 'iam-role', id: 'app', roleName: 'app' },
    { ...base, type: 's3-bucket', id: 'evidence-bucket' },
    { ...base, type: 'eks-cluster', id: 'prod' },
    { ...base, type: 'lambda-function', id: 'thumbnailer' },
    { ...base, type: 'aws-account', id: ACCOUNT, root: true },
  ];
}

describe.each(PARTITION_CASES)('Resource kinds in $partition ($region)', ({ region, partition }) => {
  it('builds each ARN in the partition of the region, and the ARN parses back to it', () => {
    // Act
    const arns = bare(region).map(identifyingArn);

    // Assess
    expect(arns).toEqual([
      `arn:${partition}:ec2:${region}:${ACCOUNT}:instance/${INSTANCE}`,
      `arn:${partition}:iam::${ACCOUNT}:user/mallory`,
      // An access key has no ARN: its owner's stands for it.
      `arn:${partition}:iam::${ACCOUNT}:user/mallory`,
      `arn:${partition}:iam::${ACCOUNT}:role/app`,
      `arn:${partition}:s3:::evidence-bucket`,
      `arn:${partition}:eks:${region}:${ACCOUNT}:cluster/prod`,
      `arn:${partition}:lambda:${region}:${ACCOUNT}:function:thumbnailer`,
      `arn:${partition}:iam::${ACCOUNT}:root`,
    ]);
    for (const arn of arns) expect(parseArn(arn)?.partition).toBe(partition);
  });

  it('reads back the resource an API request names by its ARN (round trip)', () => {
    for (const type of ['ec2-instance', 'iam-user', 'iam-role', 'lambda-function'] as const) {
      // Prepare
      const byId = requestedResource(type, {
        accountId: ACCOUNT,
        region,
        resourceId: type === 'ec2-instance' ? INSTANCE : 'mallory',
      });

      // Act
      const byArn = requestedResource(type, { accountId: ACCOUNT, region, resourceId: identifyingArn(byId) });

      // Assess
      expect(byArn).toEqual(byId);
      expect(parseArn(identifyingArn(byArn))?.partition).toBe(partition);
    }
  });

  it('matches protection rules in the partition of the resource', () => {
    // Act
    const arns = bare(region).map(protectionArns);

    // Assess
    expect(arns).toEqual([
      [`arn:${partition}:ec2:${region}:${ACCOUNT}:instance/${INSTANCE}`],
      [`arn:${partition}:iam::${ACCOUNT}:user/mallory`],
      [`arn:${partition}:iam::${ACCOUNT}:user/mallory`],
      [`arn:${partition}:iam::${ACCOUNT}:role/app`],
      [],
      [],
      [`arn:${partition}:lambda:${region}:${ACCOUNT}:function:thumbnailer`],
      [`arn:${partition}:iam::${ACCOUNT}:root`],
    ]);
  });
});

describe('Protection ARNs', () => {
  const base = { accountId: ACCOUNT, region: 'us-east-1', tags: {} };

  it('keeps a user path ARN as the only one (a built path-less ARN would name another user)', () => {
    const user: Resource = {
      ...base,
      type: 'iam-user',
      id: 'mallory',
      userName: 'mallory',
      arn: `arn:aws:iam::${ACCOUNT}:user/staff/mallory`,
    };
    expect(protectionArns(user)).toEqual([`arn:aws:iam::${ACCOUNT}:user/staff/mallory`]);
  });

  it('names a role session by its role and its session, in the partition of the ARN it carries', () => {
    // Prepare: a GovCloud session seen on a role; region says us-east-1 but the ARN wins.
    const role: Resource = {
      ...base,
      type: 'iam-role',
      id: 'app',
      roleName: 'app',
      sessionName: 'i-0abc',
      arn: `arn:aws-us-gov:sts::${ACCOUNT}:assumed-role/app/i-0abc`,
    };

    // Act / Assess
    expect(protectionArns(role)).toEqual([
      `arn:aws-us-gov:sts::${ACCOUNT}:assumed-role/app/i-0abc`,
      `arn:aws-us-gov:iam::${ACCOUNT}:role/app`,
    ]);
  });

  it('protects an access key by its owner, and an Identity Center user by its session ARN only', () => {
    const key = findKind('iam-access-key');
    const ic = findKind('identity-center-user');
    const person: Resource = {
      ...base,
      type: 'identity-center-user',
      id: 'jane@example.com',
      userName: 'jane@example.com',
      roleName: 'AWSReservedSSO_Admin_0123456789abcdef',
      permissionSetName: 'Admin',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com`,
    };
    expect(key?.label).toBe('IAM access key');
    expect(ic?.protectionArns(person, 'aws')).toEqual([person.arn]);
    // No ARN form: the id stands for it.
    const { arn: _arn, ...withoutArn } = person;
    expect(identifyingArn(withoutArn)).toBe('jane@example.com');
  });
});

describe('IAM identities the guards check by name', () => {
  it('names a user, the owner of an access key and a role; no other kind', () => {
    // Act
    const identities = bare('us-east-1').map(iamIdentity);

    // Assess
    expect(identities).toEqual([
      undefined,
      { kind: 'user', name: 'mallory' },
      // A key acts as its owner: a key of a user named root is refused like the user.
      { kind: 'user', name: 'mallory' },
      { kind: 'role', name: 'app' },
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('Reading kinds from GuardDuty findings', () => {
  it('reads an EC2 instance with its interfaces, groups and tags (real SSH brute-force event)', () => {
    // Act
    const [instance] = guardDutyResources(
      guardDutyDetail('guardduty-ec2-ssh-bruteforce.envelope-assembled.json'),
    );

    // Assess
    expect(instance).toMatchObject({
      type: 'ec2-instance',
      id: 'i-081de1d7604b11e4a',
      arn: 'arn:aws:ec2:us-east-1:123456789012:instance/i-081de1d7604b11e4a',
      accountId: '123456789012',
      region: 'us-east-1',
    });
    expect(instance?.type === 'ec2-instance' && instance.networkInterfaces.length).toBeGreaterThan(0);
  });

  it('reads an IAM user principal as its access key and the user (real TorIPCaller event)', () => {
    // Act
    const resources = guardDutyResources(
      guardDutyDetail('guardduty-iam-accesskey-toripcaller.custodian.json'),
    );

    // Assess
    expect(resources.map((r) => [r.type, r.id, r.arn])).toEqual([
      ['iam-access-key', 'GeneratedFindingAccessKeyId', undefined],
      ['iam-user', 'GeneratedFindingUserName', 'arn:aws:iam::883606788610:user/GeneratedFindingUserName'],
    ]);
  });

  it('reads an Identity Center session as its role and the person, in the finding partition', () => {
    // Prepare: the TorIPCaller event, seen in China on an Identity Center role's session.
    const detail = guardDutyDetail('guardduty-iam-accesskey-toripcaller.custodian.json');
    detail.region = 'cn-north-1';
    detail.partition = 'aws-cn';
    detail.resource.accessKeyDetails = {
      userType: 'AssumedRole',
      userName: 'AWSReservedSSO_Admin_0123456789abcdef',
      principalId: 'AROAEXAMPLE:jane@example.com',
      accessKeyId: 'ASIAEXAMPLE',
    };

    // Act
    const resources = guardDutyResources(detail);

    // Assess
    expect(resources).toEqual([
      {
        type: 'iam-role',
        id: 'AWSReservedSSO_Admin_0123456789abcdef',
        roleName: 'AWSReservedSSO_Admin_0123456789abcdef',
        sessionName: 'jane@example.com',
        arn: 'arn:aws-cn:iam::883606788610:role/AWSReservedSSO_Admin_0123456789abcdef',
        accountId: '883606788610',
        region: 'cn-north-1',
        tags: {},
      },
      {
        type: 'identity-center-user',
        id: 'jane@example.com',
        userName: 'jane@example.com',
        roleName: 'AWSReservedSSO_Admin_0123456789abcdef',
        permissionSetName: 'Admin',
        arn: 'arn:aws-cn:sts::883606788610:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com',
        accountId: '883606788610',
        region: 'cn-north-1',
        tags: {},
      },
    ]);
  });

  it('reads the root user as the account, and S3 and EKS blocks after the named one', () => {
    // Prepare
    const detail = guardDutyDetail('guardduty-iam-accesskey-toripcaller.custodian.json');
    detail.region = 'us-gov-west-1';
    detail.partition = 'aws-us-gov';
    detail.resource.resourceType = 'S3Bucket';
    detail.resource.accessKeyDetails = { userType: 'Root', principalId: '883606788610' };
    detail.resource.s3BucketDetails = [{ name: 'evidence-bucket' }];
    detail.resource.eksClusterDetails = { name: 'prod' };

    // Act
    const resources = guardDutyResources(detail);

    // Assess
    expect(resources.map((r) => [r.type, r.id, r.arn])).toEqual([
      ['s3-bucket', 'evidence-bucket', 'arn:aws-us-gov:s3:::evidence-bucket'],
      ['aws-account', '883606788610', 'arn:aws-us-gov:iam::883606788610:root'],
      ['eks-cluster', 'prod', 'arn:aws-us-gov:eks:us-gov-west-1:883606788610:cluster/prod'],
    ]);
  });

  it('keeps a resource type no kind reads visible as other', () => {
    // Prepare
    const detail = guardDutyDetail('guardduty-ec2-ssh-bruteforce.envelope-assembled.json');
    detail.resource.resourceType = 'RDSDBInstance';

    // Act
    const [first] = guardDutyResources(detail);

    // Assess
    expect(first).toMatchObject({ type: 'other', id: 'RDSDBInstance', sourceType: 'RDSDBInstance' });
  });
});

describe('Reading kinds from ASFF findings', () => {
  it('reads an EC2 instance (real imported GuardDuty twin)', () => {
    const finding = asffFinding('securityhub-imported-guardduty-ec2-sshbruteforce.docs-assembled.json');
    expect(asffResources(finding, 'us-east-1')).toEqual([
      expect.objectContaining({
        type: 'ec2-instance',
        id: 'i-0c10c2c7863d1a356',
        arn: 'arn:aws:ec2:us-east-1:193043430472:instance/i-0c10c2c7863d1a356',
        vpcId: 'vpc-a0c2d7c7',
        subnetId: 'subnet-4975b475',
      }),
    ]);
  });

  it('reads an IAM user (real Security Hub control finding)', () => {
    const finding = asffFinding('securityhub-imported-securityhub-control-iam-user.asr-assembled.json');
    expect(asffResources(finding, 'us-east-1')).toEqual([
      expect.objectContaining({
        type: 'iam-user',
        id: 'test-admin2',
        userName: 'test-admin2',
        arn: 'arn:aws:iam::111111111111:user/test-admin2',
      }),
    ]);
  });

  it('reads an access key whose id is "null" as its user only (real custom-action event)', () => {
    const finding = asffFinding('securityhub-custom-action-guardduty-iam-accesskey.custodian.json');
    expect(asffResources(finding, 'us-east-1').map((r) => [r.type, r.id, r.arn])).toEqual([
      ['iam-user', 'kapil', 'arn:aws:iam::644160558196:user/kapil'],
    ]);
  });

  it('reads roles, buckets, clusters, functions and accounts, and keeps other types as other', () => {
    // Prepare: the control finding's resource, swapped for other types in GovCloud.
    const finding = asffFinding('securityhub-imported-securityhub-control-iam-user.asr-assembled.json');
    const region = 'us-gov-west-1';
    finding.Resources = [
      { Type: 'AwsIamRole', Id: 'arn:aws-us-gov:iam::111111111111:role/ops/app', Region: region },
      { Type: 'AwsS3Bucket', Id: 'evidence-bucket', Region: region },
      {
        Type: 'AwsEksCluster',
        Id: 'arn:aws-us-gov:eks:us-gov-west-1:111111111111:cluster/prod',
        Region: region,
      },
      { Type: 'AwsAccount', Id: 'AWS::::Account:222233334444', Region: region },
      { Type: 'AwsEc2Instance', Id: 'not-an-instance', Region: region },
      {
        Type: 'AwsLambdaFunction',
        Id: 'arn:aws-us-gov:lambda:us-gov-west-1:111111111111:function:f',
        Region: region,
      },
    ];

    // Act
    const resources = asffResources(finding, region);

    // Assess
    expect(resources.map((r) => [r.type, r.id, r.accountId, r.arn])).toEqual([
      ['iam-role', 'app', '111111111111', 'arn:aws-us-gov:iam::111111111111:role/ops/app'],
      ['s3-bucket', 'evidence-bucket', '111111111111', 'arn:aws-us-gov:s3:::evidence-bucket'],
      ['eks-cluster', 'prod', '111111111111', 'arn:aws-us-gov:eks:us-gov-west-1:111111111111:cluster/prod'],
      ['aws-account', '222233334444', '222233334444', undefined],
      ['other', 'not-an-instance', '111111111111', undefined],
      ['lambda-function', 'f', '111111111111', 'arn:aws-us-gov:lambda:us-gov-west-1:111111111111:function:f'],
    ]);
  });
});

describe('Requesting kinds through the API', () => {
  const body = { accountId: ACCOUNT, region: 'eu-west-1' };

  it('refuses malformed ids, ARNs of another account and keys without their owner, naming the field', () => {
    const cases: [string, string, string | undefined, RegExp][] = [
      ['ec2-instance', 'i-123', undefined, /resourceId: must be an instance id/],
      [
        'ec2-instance',
        `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${INSTANCE}`,
        undefined,
        /another account or region/,
      ],
      ['iam-user', `arn:aws:iam::${ACCOUNT}:role/app`, undefined, /must be an IAM user name .* or its ARN/],
      ['iam-role', 'arn:aws:iam::999988887777:role/app', undefined, /another account/],
      ['iam-access-key', 'ASIAIOSFODNN7EXAMPLE', 'mallory', /long-term access key id/],
      ['iam-access-key', 'AKIAIOSFODNN7EXAMPLE', undefined, /userName: is required/],
      ['s3-bucket', 'Evidence_Bucket', undefined, /resourceId: must be an S3 bucket name/],
      ['eks-cluster', 'prod', undefined, /resourceType: eks-cluster cannot be requested/],
      ['lambda-function', 'has space', undefined, /resourceId: must be a Lambda function name/],
      [
        'lambda-function',
        `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:f:prod`,
        undefined,
        /unqualified ARN/,
      ],
      ['lambda-function', 'arn:aws:lambda:eu-west-1:999988887777:function:f', undefined, /another account/],
    ];
    for (const [type, resourceId, userName, message] of cases) {
      expect(() => requestedResource(type, { ...body, resourceId, userName })).toThrow(ValidationError);
      expect(() => requestedResource(type, { ...body, resourceId, userName })).toThrow(message);
    }
  });

  it('gives an access key its owner ARN in the partition of the region', () => {
    expect(
      requestedResource('iam-access-key', {
        accountId: ACCOUNT,
        region: 'cn-northwest-1',
        resourceId: 'AKIAIOSFODNN7EXAMPLE',
        userName: 'mallory',
      }),
    ).toEqual({
      type: 'iam-access-key',
      id: 'AKIAIOSFODNN7EXAMPLE',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      userName: 'mallory',
      arn: `arn:aws-cn:iam::${ACCOUNT}:user/mallory`,
      accountId: ACCOUNT,
      region: 'cn-northwest-1',
      tags: {},
    });
  });

  it('requests a bucket by name or ARN in the account the caller names, which the boundary keeps', () => {
    // Act
    const byArn = requestedResource('s3-bucket', {
      accountId: ACCOUNT,
      region: 'us-gov-west-1',
      resourceId: 'arn:aws-us-gov:s3:::evidence-bucket',
    });
    const byName = requestedResource('s3-bucket', { ...body, resourceId: 'evidence-bucket' });

    // Assess
    const expected = {
      type: 's3-bucket',
      id: 'evidence-bucket',
      accountId: ACCOUNT,
      tags: {},
    };
    expect(byArn).toEqual({
      ...expected,
      region: 'us-gov-west-1',
      arn: 'arn:aws-us-gov:s3:::evidence-bucket',
    });
    expect(byName).toEqual({ ...expected, region: 'eu-west-1', arn: 'arn:aws:s3:::evidence-bucket' });
    // An S3 ARN names no account: the account acted on is the one given, never refused as cross-account.
    expect(actedOnAccount(byArn)).toBe(ACCOUNT);
    expect(crossAccountRefusal(byArn, ACCOUNT)).toBeUndefined();
  });
});

describe('S3 buckets named by GuardDuty', () => {
  it("are in the finding's account: not refused as cross-account resources", () => {
    // Prepare
    const detail = guardDutyDetail('guardduty-s3-exfiltration.docs-assembled.json');

    // Act
    const [bucket, key] = guardDutyResources(detail);

    // Assess
    expect(bucket).toEqual({
      type: 's3-bucket',
      id: 'acme-finance-exports',
      arn: 'arn:aws:s3:::acme-finance-exports',
      accountId: '123456789012',
      region: 'us-east-1',
      tags: { team: 'finance' },
    });
    // The caller's key comes next, for a rule that would rather contain the credentials.
    expect(key).toMatchObject({ type: 'iam-access-key', id: 'AKIAI44QH8DHBEXAMPLE' });
    expect(bucket && crossAccountRefusal(bucket, detail.accountId)).toBeUndefined();
  });
});
