import { describe, expect, it } from 'vitest';
import {
  normaliseFindings,
  asffTypesForGuardDutyType,
  guardDutyTypeFromAsffTypes,
  GUARDDUTY_FINDING_TYPES,
  asffSeverity,
  labelForScore,
} from '../../functions/lib/findings/index.js';
import type { Finding, Resource } from '../../functions/lib/findings/model.js';
import {
  clone,
  firstAsff,
  gdDetail,
  guardDutyEvent,
  loadEvent,
  securityHubImportedEvent,
  securityHubTwinOf,
} from './support.js';

function single(event: unknown): Finding {
  const findings = normaliseFindings(event);
  expect(findings).toHaveLength(1);
  return findings[0] as Finding;
}

const typesAndIds = (resources: Resource[]) => resources.map((r) => `${r.type}:${r.id}`);

describe('Findings: GuardDuty and Security Hub twins', () => {
  it('gives a GuardDuty EC2 finding and its Security Hub twin the same key, type, severity and resources', () => {
    // Prepare
    const direct = loadEvent('guardduty-ec2-ssh-bruteforce.envelope-assembled.json');
    const twin = securityHubTwinOf(direct, ['TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce']);

    // Act
    const a = single(direct);
    const b = single(twin);

    // Assess
    expect(b.key).toBe(a.key);
    expect(b.securityHub).toEqual(a.securityHub);
    expect(b.source).toBe('guardduty');
    expect(b.type).toBe(a.type);
    expect(b.severity).toEqual(a.severity);
    expect(b.accountId).toBe(a.accountId);
    expect(b.region).toBe(a.region);
    expect(typesAndIds(b.resources)).toEqual(['ec2-instance:i-081de1d7604b11e4a']);
    expect(b.resources[0]).toMatchObject({
      arn: 'arn:aws:ec2:us-east-1:123456789012:instance/i-081de1d7604b11e4a',
      tags: { tag1: 'val1' },
      vpcId: 'vpc-4a486c30',
      subnetId: 'subnet-48998e66',
      instanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/EC2Dev',
      networkInterfaces: [{ id: 'eni-0fd8e8a70bb7804e3', vpcId: 'vpc-4a486c30', securityGroupIds: [] }],
    });
    expect(a.channel).toBe('guardduty-event');
    expect(b.channel).toBe('securityhub-imported');
  });

  it('gives the Security Hub docs sample and a GuardDuty event built from it the same key', () => {
    // Prepare
    const viaHub = loadEvent('securityhub-imported-guardduty-ec2-sshbruteforce.docs-assembled.json');
    const asff = firstAsff(viaHub);
    const arn = String(asff['Id']);
    const direct = guardDutyEvent({
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      severity: 2,
      region: 'us-east-1',
    });
    Object.assign(gdDetail(direct), {
      arn,
      id: arn.split('/').pop(),
      accountId: '193043430472',
      resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0c10c2c7863d1a356' } },
    });

    // Act
    const a = single(viaHub);
    const b = single(direct);

    // Assess
    expect(b.key).toBe(a.key);
    expect(b.type).toBe(a.type);
    expect(b.severity).toEqual(a.severity);
    expect(typesAndIds(b.resources)).toEqual(typesAndIds(a.resources));
  });

  it('gives an access-key finding and its twin the same key and resources', () => {
    // Prepare
    const direct = loadEvent('guardduty-iam-accesskey-toripcaller.custodian.json');
    const twin = securityHubTwinOf(direct, [
      'TTPs/Command and Control/UnauthorizedAccess:IAMUser-TorIPCaller',
    ]);

    // Act
    const a = single(direct);
    const b = single(twin);

    // Assess
    expect(b.key).toBe(a.key);
    expect(b.type).toBe('UnauthorizedAccess:IAMUser/TorIPCaller');
    expect(b.sample).toBe(true);
    expect(b.resources).toEqual(a.resources);
  });
});

describe('Findings: twins for every GuardDuty type', () => {
  it('normalises each mapped GuardDuty type identically by both paths, for instance and access-key findings', () => {
    // Prepare
    const resources = [
      {
        resourceType: 'Instance',
        instanceDetails: { instanceId: 'i-0123456789abcdef0', tags: [{ key: 'a', value: 'b' }] },
      },
      {
        resourceType: 'AccessKey',
        accessKeyDetails: { accessKeyId: 'AKIAEXAMPLE000000001', userName: 'ci', userType: 'IAMUser' },
      },
      {
        resourceType: 'AccessKey',
        accessKeyDetails: {
          accessKeyId: 'ASIAEXAMPLE',
          principalId: 'AROAX:s1',
          userName: 'r',
          userType: 'AssumedRole',
        },
      },
    ];
    const pairs = GUARDDUTY_FINDING_TYPES.filter((t) => asffTypesForGuardDutyType(t).length > 0).flatMap(
      (type) =>
        resources.map((resource) => {
          const direct = guardDutyEvent({ type, severity: 7.5, resource });
          return [direct, securityHubTwinOf(direct, asffTypesForGuardDutyType(type))] as const;
        }),
    );

    // Act
    const differences = pairs.flatMap(([direct, twin]) => {
      const a = single(direct);
      const b = single(twin);
      const same =
        a.key === b.key &&
        a.type === b.type &&
        a.source === b.source &&
        a.severity.label === b.severity.label &&
        a.severity.score === b.severity.score &&
        a.accountId === b.accountId &&
        a.region === b.region &&
        JSON.stringify(typesAndIds(a.resources)) === JSON.stringify(typesAndIds(b.resources));
      return same
        ? []
        : [
            `${a.type} ${typesAndIds(a.resources).join(',')} vs ${b.type} ${typesAndIds(b.resources).join(',')}`,
          ];
    });

    // Assess
    expect(pairs.length).toBeGreaterThan(500);
    expect(differences).toEqual([]);
  });
});

describe('Findings: resources', () => {
  it('maps an AssumedRole principal to the role and its session', () => {
    // Prepare
    const event = guardDutyEvent({
      type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
      severity: 8,
      resource: {
        resourceType: 'AccessKey',
        accessKeyDetails: {
          accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
          principalId: 'AROAEXAMPLEROLEID:i-0123456789abcdef0',
          userName: 'web-instance-role',
          userType: 'AssumedRole',
        },
      },
    });

    // Act
    const finding = single(event);

    // Assess
    expect(finding.severity).toEqual({ score: 8, label: 'HIGH' });
    expect(finding.resources).toEqual([
      {
        type: 'iam-role',
        id: 'web-instance-role',
        roleName: 'web-instance-role',
        sessionName: 'i-0123456789abcdef0',
        arn: 'arn:aws:iam::222233334444:role/web-instance-role',
        accountId: '222233334444',
        region: 'eu-west-1',
        tags: {},
      },
    ]);
  });

  it('maps a Root principal to the account root, on both paths', () => {
    // Prepare
    const direct = guardDutyEvent({
      type: 'Policy:IAMUser/RootCredentialUsage',
      severity: 2,
      resource: {
        resourceType: 'AccessKey',
        accessKeyDetails: {
          accessKeyId: 'ASIAROOTEXAMPLE00001',
          principalId: '222233334444',
          userType: 'Root',
        },
      },
    });
    const twin = securityHubTwinOf(direct, ['TTPs/Policy:IAMUser-RootCredentialUsage']);

    // Act
    const a = single(direct);
    const b = single(twin);

    // Assess
    const root = {
      type: 'aws-account',
      id: '222233334444',
      arn: 'arn:aws:iam::222233334444:root',
      root: true,
      accountId: '222233334444',
      region: 'eu-west-1',
      tags: {},
    };
    expect(a.resources).toEqual([root]);
    expect(b.resources).toEqual([root]);
    expect(b.type).toBe('Policy:IAMUser/RootCredentialUsage');
  });

  it('extracts S3 buckets (with the caller) and EKS clusters from GuardDuty details', () => {
    // Prepare
    const s3 = guardDutyEvent({
      type: 'Exfiltration:S3/MaliciousIPCaller',
      severity: 8,
      resource: {
        resourceType: 'S3Bucket',
        accessKeyDetails: { accessKeyId: 'AKIAEXAMPLE000000001', userName: 'etl', userType: 'IAMUser' },
        s3BucketDetails: [
          {
            arn: 'arn:aws:s3:::payroll-exports',
            name: 'payroll-exports',
            tags: [{ key: 'team', value: 'hr' }],
          },
        ],
      },
    });
    const eks = guardDutyEvent({
      type: 'Policy:Kubernetes/ExposedDashboard',
      severity: 5,
      resource: {
        resourceType: 'EKSCluster',
        eksClusterDetails: {
          name: 'prod',
          arn: 'arn:aws:eks:eu-west-1:222233334444:cluster/prod',
          vpcId: 'vpc-1',
        },
      },
    });

    // Act
    const s3Finding = single(s3);
    const eksFinding = single(eks);

    // Assess
    expect(typesAndIds(s3Finding.resources)).toEqual([
      's3-bucket:payroll-exports',
      'iam-access-key:AKIAEXAMPLE000000001',
      'iam-user:etl',
    ]);
    expect(s3Finding.resources[0]).toMatchObject({
      arn: 'arn:aws:s3:::payroll-exports',
      tags: { team: 'hr' },
    });
    expect(eksFinding.resources).toEqual([
      {
        type: 'eks-cluster',
        id: 'prod',
        arn: 'arn:aws:eks:eu-west-1:222233334444:cluster/prod',
        accountId: '222233334444',
        region: 'eu-west-1',
        tags: {},
      },
    ]);
  });

  it('builds ARNs in the finding partition (GovCloud)', () => {
    // Prepare
    const event = guardDutyEvent({ type: 'Backdoor:EC2/Spambot', severity: 5, region: 'us-gov-west-1' });
    gdDetail(event)['partition'] = 'aws-us-gov';

    // Act
    const finding = single(event);

    // Assess
    expect(finding.securityHub.productArn).toBe(
      'arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/guardduty',
    );
    expect(finding.resources[0]?.arn).toBe(
      'arn:aws-us-gov:ec2:us-gov-west-1:222233334444:instance/i-0123456789abcdef0',
    );
  });

  it('keeps resource types cordon does not model visible as other', () => {
    // Prepare
    const event = guardDutyEvent({
      type: 'CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin',
      severity: 5,
      resource: { resourceType: 'RDSDBInstance' },
    });

    // Act
    const finding = single(event);

    // Assess
    expect(finding.resources).toEqual([
      {
        type: 'other',
        sourceType: 'RDSDBInstance',
        id: 'RDSDBInstance',
        accountId: '222233334444',
        region: 'eu-west-1',
        tags: {},
      },
    ]);
  });

  it('maps every ASFF resource type cordon knows', () => {
    // Prepare
    const asff = clone(
      firstAsff(loadEvent('securityhub-imported-securityhub-control-iam-user.asr-assembled.json')),
    );
    asff['Resources'] = [
      { Type: 'AwsEc2Instance', Id: 'arn:aws:ec2:us-east-1:333344445555:instance/i-0aaaaaaaaaaaaaaaa' },
      { Type: 'AwsIamUser', Id: 'arn:aws:iam::111111111111:user/ops/alice' },
      {
        Type: 'AwsIamAccessKey',
        Id: 'AWS::IAM::AccessKey:AKIAEXAMPLE000000002',
        Details: { AwsIamAccessKey: { UserName: 'bob' } },
      },
      { Type: 'AwsIamRole', Id: 'arn:aws:iam::111111111111:role/app/deployer', Tags: { env: 'prod' } },
      { Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::logs-bucket' },
      { Type: 'AwsEksCluster', Id: 'arn:aws:eks:us-east-1:111111111111:cluster/blue' },
      { Type: 'AwsAccount', Id: 'AWS::::Account:111111111111' },
      { Type: 'AwsLambdaFunction', Id: 'arn:aws:lambda:us-east-1:111111111111:function:f' },
    ];

    // Act
    const finding = single(securityHubImportedEvent(asff, { region: 'us-east-1' }));

    // Assess
    expect(typesAndIds(finding.resources)).toEqual([
      'ec2-instance:i-0aaaaaaaaaaaaaaaa',
      'iam-user:alice',
      'iam-access-key:AKIAEXAMPLE000000002',
      'iam-user:bob',
      'iam-role:deployer',
      's3-bucket:logs-bucket',
      'eks-cluster:blue',
      'aws-account:111111111111',
      'lambda-function:f',
    ]);
    // The instance lives in another account than the finding: its ARN says so.
    expect(finding.resources[0]?.accountId).toBe('333344445555');
    expect(finding.resources[2]).toMatchObject({ accessKeyId: 'AKIAEXAMPLE000000002', userName: 'bob' });
    expect(finding.resources[4]).toMatchObject({ roleName: 'deployer', tags: { env: 'prod' } });
    expect(finding.resources[7]).toMatchObject({ root: false });
    expect(finding.resources[8]).toMatchObject({ arn: 'arn:aws:lambda:us-east-1:111111111111:function:f' });
  });

  it('keeps a tag named __proto__ as plain data', () => {
    // Prepare
    const asff = clone(
      firstAsff(loadEvent('securityhub-imported-guardduty-ec2-sshbruteforce.docs-assembled.json')),
    );
    const resource = (asff['Resources'] as Record<string, unknown>[])[0] as Record<string, unknown>;
    resource['Tags'] = JSON.parse('{"__proto__": "x", "constructor": "y", "Name": "kubectl"}') as unknown;

    // Act
    const finding = single(securityHubImportedEvent(asff));

    // Assess
    const tags = finding.resources[0]?.tags ?? {};
    expect(Object.keys(tags).sort()).toEqual(['Name', '__proto__', 'constructor']);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});

describe('Findings: types, severity, samples and workflow', () => {
  it('recovers the native type of every GuardDuty type in the reference table from its ASFF types', () => {
    // Prepare
    const mapped = GUARDDUTY_FINDING_TYPES.filter((t) => asffTypesForGuardDutyType(t).length > 0);

    // Act
    const failures = mapped.filter((t) =>
      asffTypesForGuardDutyType(t).some((a) => guardDutyTypeFromAsffTypes([a]) !== t),
    );

    // Assess
    expect(mapped.length).toBeGreaterThan(190);
    expect(failures).toEqual([]);
  });

  it('recovers types newer than the table from their regular ASFF form', () => {
    // Act & Assess
    expect(guardDutyTypeFromAsffTypes(['TTPs/Impact/Impact:EC2-SomethingNew.B!DNS'])).toBe(
      'Impact:EC2/SomethingNew.B!DNS',
    );
    expect(guardDutyTypeFromAsffTypes(['TTPs/AttackSequence:EKS/CompromisedCluster'])).toBe(
      'AttackSequence:EKS/CompromisedCluster',
    );
    expect(
      guardDutyTypeFromAsffTypes(['Software and Configuration Checks/Vulnerabilities/CVE']),
    ).toBeUndefined();
  });

  it('labels scores on GuardDuty bands', () => {
    // Act & Assess
    expect([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(labelForScore)).toEqual([
      'INFORMATIONAL',
      'LOW',
      'LOW',
      'MEDIUM',
      'MEDIUM',
      'HIGH',
      'HIGH',
      'CRITICAL',
      'CRITICAL',
    ]);
  });

  it('scores ASFF severities from Label, Normalized or the Security Hub label field', () => {
    // Act & Assess
    expect(asffSeverity({ Label: 'HIGH' }, { guardDuty: false })).toEqual({ score: 7, label: 'HIGH' });
    expect(asffSeverity({ Normalized: 95 }, { guardDuty: false })).toEqual({ score: 9.5, label: 'CRITICAL' });
    expect(asffSeverity({ Label: 'CRITICAL', Normalized: 90 }, { guardDuty: false })).toEqual({
      score: 9,
      label: 'CRITICAL',
    });
    expect(asffSeverity({ Product: 5 }, { guardDuty: false, productFieldsLabel: 'MEDIUM' })).toEqual({
      score: 4,
      label: 'MEDIUM',
    });
    expect(asffSeverity({ Product: 8.5, Label: 'HIGH', Normalized: 60 }, { guardDuty: true })).toEqual({
      score: 8.5,
      label: 'HIGH',
    });
  });

  it('flags sample findings by GuardDuty flag, newer additionalInfo shape, [SAMPLE] title or ProductFields', () => {
    // Prepare
    const byFlag = guardDutyEvent({ type: 'Backdoor:EC2/Spambot', severity: 5, sample: true });
    const byValue = guardDutyEvent({ type: 'Backdoor:EC2/Spambot', severity: 5 });
    Object.assign(gdDetail(byValue), {
      service: { additionalInfo: { value: '{"sample":true}', type: 'default' } },
    });
    const byTitle = guardDutyEvent({ type: 'Backdoor:EC2/Spambot', severity: 5 });
    Object.assign(gdDetail(byTitle), { title: '[SAMPLE] Spam from i-0123456789abcdef0' });
    const real = guardDutyEvent({ type: 'Backdoor:EC2/Spambot', severity: 5 });
    const viaHub = securityHubTwinOf(byFlag, ['TTPs/Command and Control/Backdoor:EC2-Spambot']);

    // Act
    const flags = [byFlag, byValue, byTitle, real, viaHub].map((e) => single(e).sample);

    // Assess
    expect(flags).toEqual([true, true, true, false, true]);
  });

  it('derives the workflow status from the deprecated WorkflowState when Workflow is absent', () => {
    // Prepare
    const asff = clone(
      firstAsff(loadEvent('securityhub-imported-securityhub-control-iam-user.asr-assembled.json')),
    );
    delete asff['Workflow'];
    asff['WorkflowState'] = 'DEFERRED';
    asff['RecordState'] = 'ARCHIVED';

    // Act
    const finding = single(securityHubImportedEvent(asff));

    // Assess
    expect(finding.workflowStatus).toBe('SUPPRESSED');
    expect(finding.recordState).toBe('ARCHIVED');
  });

  it('takes the region from the ASFF Region, else from the ProductArn', () => {
    // Prepare
    const asff = clone(
      firstAsff(loadEvent('securityhub-imported-guardduty-ec2-sshbruteforce.docs-assembled.json')),
    );
    asff['ProductArn'] = 'arn:aws:securityhub:ap-southeast-2::product/aws/guardduty';

    // Act
    const finding = single(securityHubImportedEvent(asff, { region: 'eu-central-1' }));

    // Assess
    expect(finding.region).toBe('ap-southeast-2');
    expect(finding.securityHub.productArn).toBe('arn:aws:securityhub:ap-southeast-2::product/aws/guardduty');
  });
});
