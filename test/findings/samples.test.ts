import { describe, expect, it } from 'vitest';
import { parseCordonEvent, normaliseFindings } from '../../functions/lib/findings/index.js';
import type { Finding } from '../../functions/lib/findings/model.js';
import { loadEvent, sampleEventFiles } from './support.js';

/** Parse one sample event and return its only finding. */
function only(file: string): Finding {
  const findings = normaliseFindings(loadEvent(file));
  expect(findings).toHaveLength(1);
  return findings[0] as Finding;
}

describe('Findings: sample events', () => {
  it('parses every sample event in test/events', () => {
    // Prepare
    const files = sampleEventFiles();

    // Act
    const kinds = files.map((f) => parseCordonEvent(loadEvent(f)).kind);

    // Assess
    expect(files).toHaveLength(11);
    expect(kinds).toEqual([
      'guardduty-finding',
      'guardduty-finding',
      'guardduty-finding',
      'guardduty-finding',
      'guardduty-finding',
      'guardduty-finding',
      'guardduty-finding',
      'guardduty-finding',
      'securityhub-custom-action',
      'securityhub-imported',
      'securityhub-imported',
    ]);
  });

  it('normalises the GuardDuty RDS sample into the Aurora instance it names', () => {
    // Act
    const finding = only('guardduty-rds-successful-bruteforce.docs-assembled.json');

    // Assess
    expect(finding.type).toBe('CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce');
    expect(finding.resources).toEqual([
      {
        type: 'rds-db-instance',
        id: 'orders-db-instance-1',
        arn: 'arn:aws:rds:us-east-1:123456789012:db:orders-db-instance-1',
        accountId: '123456789012',
        region: 'us-east-1',
        tags: { team: 'orders' },
        clusterId: 'orders-db',
        engine: 'aurora-postgresql',
      },
    ]);
  });

  it('normalises the Custodian GuardDuty backdoor sample (tolerating its debug artifact)', () => {
    // Prepare
    const file = 'guardduty-ec2-backdoor-ccactivity-b-dns.custodian.json';
    expect(loadEvent(file)['debug']).toBe(true);

    // Act
    const finding = only(file);

    // Assess
    expect(finding).toEqual({
      key: 'arn:aws:guardduty:us-east-1:883606788610:detector/883606788610/finding/b4b01b60fc24a199139f8f5f490edd81',
      source: 'guardduty',
      productName: 'GuardDuty',
      type: 'Backdoor:EC2/C&CActivity.B!DNS',
      title: 'Command and Control server domain name queried by EC2 instance i-99999999.',
      severity: { score: 5, label: 'MEDIUM' },
      accountId: '883606788610',
      region: 'us-east-1',
      createdAt: '2017-12-08T15:32:49.865Z',
      count: 1,
      updatedAt: '2017-12-08T15:32:49.865Z',
      firstSeenAt: '2017-12-08T15:32:49.000Z',
      sample: true,
      recordState: 'ACTIVE',
      securityHub: {
        id: 'arn:aws:guardduty:us-east-1:883606788610:detector/883606788610/finding/b4b01b60fc24a199139f8f5f490edd81',
        productArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
      },
      resources: [
        {
          type: 'ec2-instance',
          id: 'i-99999999',
          arn: 'arn:aws:ec2:us-east-1:883606788610:instance/i-99999999',
          accountId: '883606788610',
          region: 'us-east-1',
          tags: {},
          networkInterfaces: [],
          securityGroupIds: [],
        },
      ],
      channel: 'guardduty-event',
    });
  });

  it('takes the member account from the finding, not from the envelope', () => {
    // Prepare
    const event = loadEvent('guardduty-iam-accesskey-toripcaller.custodian.json');

    // Act
    const parsed = parseCordonEvent(event);

    // Assess
    expect(parsed.envelope.account).toBe('101010101111');
    expect(parsed.findings[0]?.accountId).toBe('883606788610');
    expect(parsed.findings[0]?.resources.map((r) => r.accountId)).toEqual(['883606788610', '883606788610']);
  });

  it('normalises the SSH brute-force GuardDuty event with interfaces, groups, tags and profile', () => {
    // Act
    const finding = only('guardduty-ec2-ssh-bruteforce.envelope-assembled.json');

    // Assess
    expect(finding.key).toBe(
      'arn:aws:guardduty:us-east-1:123456789012:detector/6eb7d75a6563c71411485bf5e38adb2f/finding/70b7e42a3241b4c73d8d8cf7b1781f7e',
    );
    expect(finding.type).toBe('UnauthorizedAccess:EC2/SSHBruteForce');
    expect(finding.severity).toEqual({ score: 2, label: 'LOW' });
    expect(finding.accountId).toBe('123456789012');
    expect(finding.region).toBe('us-east-1');
    expect(finding.sample).toBe(false);
    expect(finding.createdAt).toBe('2018-08-26T14:17:23.000Z');
    expect(finding.securityHub).toEqual({
      id: finding.key,
      productArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
    });
    expect(finding.resources).toEqual([
      {
        type: 'ec2-instance',
        id: 'i-081de1d7604b11e4a',
        arn: 'arn:aws:ec2:us-east-1:123456789012:instance/i-081de1d7604b11e4a',
        accountId: '123456789012',
        region: 'us-east-1',
        tags: { tag1: 'val1' },
        vpcId: 'vpc-4a486c30',
        subnetId: 'subnet-48998e66',
        instanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/EC2Dev',
        securityGroupIds: ['sg-0225c1ef2723cd87d'],
        networkInterfaces: [
          {
            id: 'eni-0fd8e8a70bb7804e3',
            vpcId: 'vpc-4a486c30',
            subnetId: 'subnet-48998e66',
            privateIpAddress: '172.31.81.237',
            securityGroupIds: ['sg-0225c1ef2723cd87d'],
          },
        ],
      },
    ]);
  });

  it('normalises the Tor access-key sample into the key and the user who owns it', () => {
    // Act
    const finding = only('guardduty-iam-accesskey-toripcaller.custodian.json');

    // Assess
    expect(finding.key).toBe(
      'arn:aws:guardduty:us-east-1:883606788610:detector/883606788610/finding/36b01b60fc22bb4edb19d62d9899e953',
    );
    expect(finding.type).toBe('UnauthorizedAccess:IAMUser/TorIPCaller');
    expect(finding.severity).toEqual({ score: 5, label: 'MEDIUM' });
    expect(finding.sample).toBe(true);
    expect(finding.resources).toEqual([
      {
        type: 'iam-access-key',
        id: 'GeneratedFindingAccessKeyId',
        accessKeyId: 'GeneratedFindingAccessKeyId',
        userName: 'GeneratedFindingUserName',
        accountId: '883606788610',
        region: 'us-east-1',
        tags: {},
      },
      {
        type: 'iam-user',
        id: 'GeneratedFindingUserName',
        arn: 'arn:aws:iam::883606788610:user/GeneratedFindingUserName',
        userName: 'GeneratedFindingUserName',
        accountId: '883606788610',
        region: 'us-east-1',
        tags: {},
      },
    ]);
  });

  it('normalises the custom-action event: action ARN, GuardDuty type recovered, unknown key id left out', () => {
    // Prepare
    const event = loadEvent('securityhub-custom-action-guardduty-iam-accesskey.custodian.json');

    // Act
    const parsed = parseCordonEvent(event);

    // Assess
    expect(parsed.kind).toBe('securityhub-custom-action');
    if (parsed.kind !== 'securityhub-custom-action') return;
    expect(parsed.actionArn).toBe('arn:aws:securityhub:us-east-1:644160558196:action/custom/aws');
    expect(parsed.actionName).toBe('Ec2 aws');
    expect(parsed.envelope).toEqual({
      id: '25a1be76-1141-cb5d-be5c-bbaa5461e626',
      account: '644160558196',
      region: 'us-east-1',
      time: '2019-07-11T17:52:40Z',
      detailType: 'Security Hub Findings - Custom Action',
      source: 'aws.securityhub',
    });
    const finding = parsed.findings[0];
    expect(finding).toMatchObject({
      key: 'arn:aws:guardduty:us-east-1:644160558196:detector/06b01209ca77b0865dd973df0355fc1e/finding/4cb5a629e9757b650d102f683cdbcd7b',
      source: 'guardduty',
      productName: 'GuardDuty',
      type: 'UnauthorizedAccess:IAMUser/ConsoleLogin',
      severity: { score: 5, label: 'MEDIUM' },
      accountId: '644160558196',
      region: 'us-east-1',
      sample: false,
      workflowStatus: 'NEW',
      recordState: 'ACTIVE',
      channel: 'securityhub-custom-action',
      securityHub: {
        id: 'arn:aws:guardduty:us-east-1:644160558196:detector/06b01209ca77b0865dd973df0355fc1e/finding/4cb5a629e9757b650d102f683cdbcd7b',
        productArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
      },
    });
    // `AWS::IAM::AccessKey:null`: a console login has no key, so only the user is a resource.
    expect(finding?.resources).toEqual([
      {
        type: 'iam-user',
        id: 'kapil',
        arn: 'arn:aws:iam::644160558196:user/kapil',
        userName: 'kapil',
        accountId: '644160558196',
        region: 'us-east-1',
        tags: {},
      },
    ]);
  });

  it('normalises the Security Hub copy of a GuardDuty EC2 finding', () => {
    // Act
    const finding = only('securityhub-imported-guardduty-ec2-sshbruteforce.docs-assembled.json');

    // Assess
    expect(finding).toEqual({
      key: 'arn:aws:guardduty:us-east-1:193043430472:detector/d4b040365221be2b54a6264dc9a4bc64/finding/46ba0ac2845071e23ccdeb2ae03bfdea',
      source: 'guardduty',
      productName: 'GuardDuty',
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      title: '199.241.229.197 is performing SSH brute force attacks against i-0c10c2c7863d1a356.',
      // Security Hub's copy says MEDIUM; cordon scores GuardDuty's native 2 on GuardDuty's scale on both paths.
      severity: { score: 2, label: 'LOW' },
      accountId: '193043430472',
      region: 'us-east-1',
      createdAt: '2020-08-22T09:34:34.146Z',
      count: 74,
      updatedAt: '2020-09-30T12:14:00.206Z',
      firstSeenAt: '2020-08-22T09:15:57.000Z',
      // GuardDuty's remote end, as Security Hub flattens it into ProductFields (findings/remote.ts).
      remote: {
        ip: '199.241.229.197',
        country: 'United States',
        city: 'Dubuque',
        organization: 'CENTURYLINK-US-LEGACY-QWEST',
      },
      sample: false,
      workflowStatus: 'NEW',
      recordState: 'ACTIVE',
      securityHub: {
        id: 'arn:aws:guardduty:us-east-1:193043430472:detector/d4b040365221be2b54a6264dc9a4bc64/finding/46ba0ac2845071e23ccdeb2ae03bfdea',
        productArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
      },
      resources: [
        {
          type: 'ec2-instance',
          id: 'i-0c10c2c7863d1a356',
          arn: 'arn:aws:ec2:us-east-1:193043430472:instance/i-0c10c2c7863d1a356',
          accountId: '193043430472',
          region: 'us-east-1',
          tags: { Name: 'kubectl' },
          vpcId: 'vpc-a0c2d7c7',
          subnetId: 'subnet-4975b475',
          networkInterfaces: [],
          securityGroupIds: [],
        },
      ],
      channel: 'securityhub-imported',
    });
  });

  it('normalises a Security Hub control finding with the <ProductArn>/<Id> key', () => {
    // Act
    const finding = only('securityhub-imported-securityhub-control-iam-user.asr-assembled.json');

    // Assess
    expect(finding.key).toBe(
      'arn:aws:securityhub:us-east-1::product/aws/securityhub/arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/IAM.3/finding/882c084c-8772-446e-9c3b-e926c4a1a8ef',
    );
    expect(finding.source).toBe('securityhub');
    expect(finding.productName).toBe('Security Hub');
    expect(finding.type).toBe(
      'Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices',
    );
    expect(finding.severity).toEqual({ score: 4, label: 'MEDIUM' });
    expect(finding.accountId).toBe('111111111111');
    expect(finding.workflowStatus).toBe('NEW');
    expect(finding.securityHub).toEqual({
      id: 'arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/IAM.3/finding/882c084c-8772-446e-9c3b-e926c4a1a8ef',
      productArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
    });
    expect(finding.resources).toEqual([
      {
        type: 'iam-user',
        id: 'test-admin2',
        arn: 'arn:aws:iam::111111111111:user/test-admin2',
        userName: 'test-admin2',
        accountId: '111111111111',
        region: 'us-east-1',
        tags: {},
      },
    ]);
  });
});
