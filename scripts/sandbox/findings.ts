/**
 * Findings for the sandbox: GuardDuty events about demo resources (the "simulate finding" panel), and the
 * shared sample events in `test/events` rewritten to the demo organisation for the start-up replay.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Instance } from '@aws-sdk/client-ec2';
import { ValidationError } from '../../functions/lib/errors.js';
import type { DemoOrganisation } from './demo-org.js';
import { buildArn } from '../../functions/lib/kernel/arn.js';

export type TargetKind = 'instance' | 'access-key' | 'role';

/** A GuardDuty finding type the simulate panel offers, and what it is about. */
export interface SimulatedType {
  type: string;
  target: TargetKind;
  severity: number;
  /** For network findings: the instance attacked others (ACTOR/OUTBOUND) or was attacked (TARGET/INBOUND). */
  direction?: 'INBOUND' | 'OUTBOUND';
}

/** Chosen to show each mode of the default policy: auto, approval and notify. */
export const SIMULATED_TYPES: readonly SimulatedType[] = [
  { type: 'Backdoor:EC2/C&CActivity.B!DNS', target: 'instance', severity: 8 },
  { type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', target: 'instance', severity: 8 },
  { type: 'Trojan:EC2/DNSDataExfiltration', target: 'instance', severity: 5 },
  { type: 'UnauthorizedAccess:EC2/SSHBruteForce', target: 'instance', severity: 8, direction: 'OUTBOUND' },
  { type: 'UnauthorizedAccess:EC2/SSHBruteForce', target: 'instance', severity: 2, direction: 'INBOUND' },
  { type: 'UnauthorizedAccess:IAMUser/TorIPCaller', target: 'access-key', severity: 5 },
  { type: 'PenTest:IAMUser/KaliLinux', target: 'access-key', severity: 5 },
  {
    type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
    target: 'role',
    severity: 8,
  },
];

/** What a simulated finding is about. */
export type SimTarget =
  | { kind: 'instance'; instance: Instance }
  | { kind: 'access-key'; accessKeyId: string; userName: string }
  | { kind: 'role'; roleName: string };

/** Label a simulated type for the panel (the same type may come in two directions). */
export function simulatedTypeLabel(t: SimulatedType): string {
  const direction = t.direction
    ? ` (${t.direction === 'OUTBOUND' ? 'from the instance' : 'against the instance'})`
    : '';
  return `${t.type}${direction}, severity ${t.severity}`;
}

function gdInstanceDetails(instance: Instance): Record<string, unknown> {
  return {
    instanceId: instance.InstanceId,
    instanceType: instance.InstanceType,
    instanceState: 'running',
    imageId: instance.ImageId,
    availabilityZone: instance.Placement?.AvailabilityZone,
    tags: (instance.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
    ...(instance.IamInstanceProfile?.Arn
      ? { iamInstanceProfile: { arn: instance.IamInstanceProfile.Arn, id: instance.IamInstanceProfile.Id } }
      : {}),
    networkInterfaces: (instance.NetworkInterfaces ?? []).map((n) => ({
      networkInterfaceId: n.NetworkInterfaceId,
      subnetId: n.SubnetId,
      vpcId: n.VpcId,
      privateIpAddress: n.PrivateIpAddress,
      securityGroups: (n.Groups ?? []).map((g) => ({ groupId: g.GroupId, groupName: g.GroupName })),
    })),
  };
}

/**
 * A GuardDuty Finding event, as EventBridge delivers it to the security account, about a demo resource.
 * @throws ValidationError when the finding type is about another kind of resource
 */
export function guardDutyEvent(options: {
  simulated: SimulatedType;
  target: SimTarget;
  memberAccount: string;
  securityAccount: string;
  region: string;
  now?: Date;
}): Record<string, unknown> {
  const { simulated, target, memberAccount, region } = options;
  if (simulated.target !== target.kind) {
    throw new ValidationError(
      `${simulated.type} is about ${simulated.target === 'instance' ? 'an instance' : `an ${simulated.target}`}, not a ${target.kind}`,
      [`resourceId: choose a ${simulated.target} for ${simulated.type}`],
    );
  }
  const now = (options.now ?? new Date()).toISOString();
  const findingId = randomBytes(16).toString('hex');
  const detectorId = 'b2c4sandbox0000000000000000000de';
  let resource: Record<string, unknown>;
  let subject: string;
  let action: Record<string, unknown>;
  if (target.kind === 'instance') {
    subject = target.instance.InstanceId ?? 'the instance';
    resource = { resourceType: 'Instance', instanceDetails: gdInstanceDetails(target.instance) };
    action = {
      actionType: 'NETWORK_CONNECTION',
      networkConnectionAction: {
        connectionDirection: simulated.direction ?? 'OUTBOUND',
        protocol: 'TCP',
        blocked: false,
        remoteIpDetails: { ipAddressV4: '198.51.100.23', country: { countryName: 'Sandbox' } },
      },
    };
  } else {
    const keyDetails =
      target.kind === 'access-key'
        ? {
            accessKeyId: target.accessKeyId,
            principalId: `AIDA${randomBytes(8).toString('hex').toUpperCase()}`,
            userName: target.userName,
            userType: 'IAMUser',
          }
        : {
            accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
            principalId: `AROA${randomBytes(8).toString('hex').toUpperCase()}:i-sandbox`,
            userName: target.roleName,
            userType: 'AssumedRole',
          };
    subject = keyDetails.userName;
    resource = { resourceType: 'AccessKey', accessKeyDetails: keyDetails };
    action = {
      actionType: 'AWS_API_CALL',
      awsApiCallAction: {
        api: 'ListBuckets',
        serviceName: 's3.amazonaws.com',
        callerType: 'Remote IP',
        remoteIpDetails: { ipAddressV4: '198.51.100.23' },
      },
    };
  }
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: options.securityAccount,
    time: now,
    region,
    resources: [],
    detail: {
      schemaVersion: '2.0',
      accountId: memberAccount,
      region,
      partition: 'aws',
      id: findingId,
      arn: buildArn({
        region,
        service: 'guardduty',
        account: memberAccount,
        resource: `detector/${detectorId}/finding/${findingId}`,
      }),
      type: simulated.type,
      resource,
      severity: simulated.severity,
      createdAt: now,
      updatedAt: now,
      title: `Simulated ${simulated.type} involving ${subject}`,
      description: `Simulated in the cordon sandbox: ${simulated.type} involving ${subject}.`,
      service: {
        serviceName: 'guardduty',
        detectorId,
        action,
        resourceRole: simulated.direction === 'INBOUND' ? 'TARGET' : 'ACTOR',
        additionalInfo: {},
        eventFirstSeen: now,
        eventLastSeen: now,
        archived: false,
        count: 1,
      },
    },
  };
}

/** One sample event rewritten for the sandbox. */
export interface SampleEvent {
  file: string;
  event: Record<string, unknown>;
  /** What was changed, for the progress line. */
  rewrites: string[];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Strip GuardDuty's sample markers: in the sandbox the samples stand in for real findings. */
function clearSampleMarkers(event: Record<string, unknown>): boolean {
  let cleared = false;
  const detail = asRecord(event['detail']);
  const info = asRecord(asRecord(detail?.['service'])?.['additionalInfo']);
  if (info && 'sample' in info) {
    delete info['sample'];
    cleared = true;
  }
  const findings = Array.isArray(detail?.['findings']) ? (detail['findings'] as unknown[]) : [];
  for (const f of findings) {
    const fields = asRecord(asRecord(f)?.['ProductFields']);
    for (const key of Object.keys(fields ?? {})) {
      if (fields && /(^|\/)sample$/.test(key)) {
        delete fields[key];
        cleared = true;
      }
    }
  }
  for (const holder of [detail, ...findings.map(asRecord)]) {
    for (const key of ['title', 'Title', 'type']) {
      const v = holder?.[key];
      if (holder && typeof v === 'string' && /^\s*\[SAMPLE\]\s*/i.test(v)) {
        holder[key] = v.replace(/^\s*\[SAMPLE\]\s*/i, '');
        cleared = true;
      }
    }
  }
  return cleared;
}

/**
 * Load `test/events/*.json` and rewrite each to the demo organisation: accounts, region, instance ids,
 * access keys and user names; the envelope becomes a delivery to the security account, now; custom actions
 * become cordon's approve action; sample markers are cleared.
 */
export function sandboxSamples(options: {
  dir: string;
  org: DemoOrganisation;
  live: { web: Instance; worker: Instance; bastion: Instance };
  securityAccount: string;
  approveActionArn: string;
  now?: Date;
}): SampleEvent[] {
  const { org, live } = options;
  const [carol, ci, dan] = org.users;
  const files = readdirSync(options.dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((file) => {
    const original = JSON.parse(readFileSync(join(options.dir, file), 'utf8')) as Record<string, unknown>;
    const rewrites: string[] = [];
    const map = new Map<string, string>();
    // Which demo resource each sample is about: chosen so that the replay shows auto, approval, notify,
    // a custom-action approval and an exempt resource.
    let instance: Instance | undefined;
    if (file.includes('backdoor')) instance = live.worker;
    // The EKS runtime sample's node: the Auto Scaling worker, as a node group's instance would be.
    else if (file.includes('eks-runtime')) instance = live.worker;
    else if (file.startsWith('guardduty-ec2-ssh')) instance = live.web;
    else if (file.includes('sshbruteforce')) instance = live.bastion;
    const text = JSON.stringify(original);
    for (const id of new Set(text.match(/\bi-[0-9a-f]{8,17}\b/g) ?? [])) {
      if (instance?.InstanceId) map.set(id, instance.InstanceId);
    }
    const key = file.includes('custom-action') ? ci : carol;
    if (key) {
      map.set('AWS::IAM::AccessKey:null', `AWS::IAM::AccessKey:${key.accessKeyId}`);
      map.set('GeneratedFindingAccessKeyId', key.accessKeyId);
      map.set('GeneratedFindingUserName', key.userName);
      map.set('"kapil"', `"${key.userName}"`);
    }
    if (dan) map.set('test-admin2', dan.userName);
    for (const account of new Set(text.match(/\b\d{12}\b/g) ?? [])) map.set(account, org.accountId);
    map.set('us-east-1', org.region);
    // Replace inside the serialised form so ARNs, ids and keys change consistently everywhere.
    let serial = text;
    for (const [from, to] of map) serial = serial.split(from).join(to);
    const rewritten = JSON.parse(serial) as Record<string, unknown>;
    rewritten['account'] = options.securityAccount;
    rewritten['time'] = (options.now ?? new Date()).toISOString();
    if (instance) rewrites.push(`instance → ${instance.InstanceId ?? ''}`);
    if (file.includes('accesskey') && key) rewrites.push(`access key → ${key.userName}'s`);
    const detail = asRecord(rewritten['detail']);
    const instanceDetails = asRecord(asRecord(detail?.['resource'])?.['instanceDetails']);
    if (instance && instanceDetails) Object.assign(instanceDetails, gdInstanceDetails(instance));
    if (rewritten['detail-type'] === 'Security Hub Findings - Custom Action') {
      rewritten['resources'] = [options.approveActionArn];
      rewrites.push('custom action → cordon approve');
    }
    if (clearSampleMarkers(rewritten)) rewrites.push('sample flag cleared');
    rewrites.push(`account → ${org.accountId}, region → ${org.region}`);
    return { file, event: rewritten, rewrites };
  });
}
