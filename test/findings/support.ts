/** Helpers shared by the findings and rules tests: sample events and their Security Hub / GuardDuty twins. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const EVENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'events');

/** Names of every sample event file in test/events. */
export function sampleEventFiles(): string[] {
  return readdirSync(EVENTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

/** A fresh, mutable copy of a sample event. */
export function loadEvent(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8')) as Record<string, unknown>;
}

/** Deep copy through JSON, so tests can mutate freely. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error('expected an object');
  return value as Json;
}

/** The detail of a GuardDuty event. */
export function gdDetail(event: Json): Json {
  return obj(event['detail']);
}

/** The first ASFF finding of a Security Hub event. */
export function firstAsff(event: Json): Json {
  const findings = obj(event['detail'])['findings'];
  if (!Array.isArray(findings)) throw new Error('expected detail.findings');
  return obj(findings[0]);
}

/** A GuardDuty `Instance` event built from scratch. */
export function guardDutyEvent(overrides: {
  type: string;
  severity: number;
  accountId?: string;
  region?: string;
  resource?: Json;
  sample?: boolean;
}): Json {
  const accountId = overrides.accountId ?? '222233334444';
  const region = overrides.region ?? 'eu-west-1';
  const findingId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  return {
    version: '0',
    id: '11111111-2222-3333-4444-555555555555',
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: '999988887777',
    time: '2026-11-28T07:00:00Z',
    region,
    resources: [],
    detail: {
      schemaVersion: '2.0',
      accountId,
      region,
      partition: 'aws',
      id: findingId,
      arn: `arn:aws:guardduty:${region}:${accountId}:detector/d0d0d0d0d0d0/finding/${findingId}`,
      type: overrides.type,
      resource: overrides.resource ?? {
        resourceType: 'Instance',
        instanceDetails: { instanceId: 'i-0123456789abcdef0' },
      },
      severity: overrides.severity,
      createdAt: '2026-11-28T06:59:00.000Z',
      updatedAt: '2026-11-28T06:59:30.000Z',
      title: `Finding of type ${overrides.type}`,
      description: 'generated for a test',
      service: {
        serviceName: 'guardduty',
        archived: false,
        additionalInfo: overrides.sample ? { sample: true } : {},
      },
    },
  };
}

/** A Security Hub Imported event carrying one ASFF finding. */
export function securityHubImportedEvent(
  finding: Json,
  envelope: { account?: string; region?: string } = {},
): Json {
  const region = envelope.region ?? 'eu-west-1';
  return {
    version: '0',
    id: '66666666-7777-8888-9999-000000000000',
    'detail-type': 'Security Hub Findings - Imported',
    source: 'aws.securityhub',
    account: envelope.account ?? '999988887777',
    time: '2026-11-28T07:00:05Z',
    region,
    resources: [`${String(finding['ProductArn'])}/${String(finding['Id'])}`],
    detail: { findings: [finding] },
  };
}

/**
 * The Security Hub twin of a GuardDuty event: the ASFF finding GuardDuty would import for it.
 * `asffTypes` are the mapped `Types` (from the reference table).
 */
export function securityHubTwinOf(event: Json, asffTypes: string[]): Json {
  const d = gdDetail(event);
  const region = String(d['region']);
  const accountId = String(d['accountId']);
  const resource = obj(d['resource']);
  const resources: Json[] = [];
  if (resource['instanceDetails']) {
    const inst = obj(resource['instanceDetails']);
    const tags = Array.isArray(inst['tags'])
      ? Object.fromEntries((inst['tags'] as { key: string; value: string }[]).map((t) => [t.key, t.value]))
      : undefined;
    const enis = Array.isArray(inst['networkInterfaces']) ? (inst['networkInterfaces'] as Json[]) : [];
    resources.push({
      Type: 'AwsEc2Instance',
      Id: `arn:aws:ec2:${region}:${accountId}:instance/${String(inst['instanceId'])}`,
      Partition: 'aws',
      Region: region,
      ...(tags ? { Tags: tags } : {}),
      Details: {
        AwsEc2Instance: {
          ...(enis[0] ? { VpcId: enis[0]['vpcId'], SubnetId: enis[0]['subnetId'] } : {}),
          ...(inst['iamInstanceProfile']
            ? { IamInstanceProfileArn: obj(inst['iamInstanceProfile'])['arn'] }
            : {}),
          NetworkInterfaces: enis.map((n) => ({ NetworkInterfaceId: n['networkInterfaceId'] })),
        },
      },
    });
  }
  if (resource['accessKeyDetails']) {
    const key = obj(resource['accessKeyDetails']);
    resources.push({
      Type: 'AwsIamAccessKey',
      Id: `AWS::IAM::AccessKey:${String(key['accessKeyId'])}`,
      Partition: 'aws',
      Region: region,
      Details: {
        AwsIamAccessKey: {
          PrincipalId: key['principalId'],
          PrincipalName: key['userName'],
          PrincipalType: key['userType'],
        },
      },
    });
  }
  const severity = Number(d['severity']);
  const service = obj(d['service'] ?? {});
  const sample = obj(service['additionalInfo'] ?? {})['sample'] === true;
  const finding: Json = {
    SchemaVersion: '2018-10-08',
    Id: d['arn'],
    ProductArn: `arn:aws:securityhub:${region}::product/aws/guardduty`,
    GeneratorId: String(d['arn']).replace(/\/finding\/.*$/, ''),
    AwsAccountId: accountId,
    Types: asffTypes,
    CreatedAt: d['createdAt'],
    UpdatedAt: d['updatedAt'],
    Severity: { Product: severity, Normalized: Math.round(severity * 10) },
    Title: d['title'],
    Description: d['description'] ?? 'description',
    ProductFields: {
      'aws/guardduty/service/serviceName': 'guardduty',
      ...(sample ? { 'aws/guardduty/service/additionalInfo/sample': 'true' } : {}),
      'aws/securityhub/ProductName': 'GuardDuty',
    },
    Resources: resources,
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
  return securityHubImportedEvent(finding, { region });
}
