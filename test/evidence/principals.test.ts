/**
 * Evidence of IAM access keys and roles, GuardDuty's current copy of the finding, and the CloudTrail history
 * window. IAM reads go to moto; moto lacks CloudTrail LookupEvents and GuardDuty GetFindings, so those two are
 * answered by aws-sdk-client-mock (and only those).
 */
import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GetFindingsCommand } from '@aws-sdk/client-guardduty';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CLOUDTRAIL_MAX_PAGES } from '../../functions/lib/evidence/cloudtrail.js';
import { evidenceWindow } from '../../functions/lib/evidence/collect.js';
import { guardDutyFindingRef } from '../../functions/lib/evidence/finding.js';
import { EVIDENCE_DECLARERS } from '../../functions/lib/evidence/kinds.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import { TEST_ACCOUNT, useMoto } from '../support/moto.js';
import { motoActionContext } from '../actions/support/action-context.js';
import { seedUser } from '../actions/support/iam-state.js';
import { unique } from '../pipeline/support.js';
import { collect, containedRecord } from './support.js';

const moto = useMoto({ resetEach: false });
const REGION = 'us-east-1';
const NOW = new Date('2026-12-05T12:00:00.000Z');
const FIRST_SEEN = '2026-12-05T09:30:00.000Z';
const DETECTOR = '6eb7d75a6563c71411485bf5e38adb2f';
const FINDING = '70b7e42a3241b4c73d8d8cf7b1781f7e';
const FINDING_ARN = `arn:aws:guardduty:${REGION}:${TEST_ACCOUNT}:detector/${DETECTOR}/finding/${FINDING}`;

function recordFor(resource: Resource, findingKey?: string): IsolationRecord {
  return containedRecord(
    resource,
    findingKey === undefined
      ? {}
      : {
          finding: {
            key: findingKey,
            source: 'guardduty',
            productName: 'GuardDuty',
            type: 'UnauthorizedAccess:IAMUser/TorIPCaller',
            title: 'Tor',
            severity: { score: 5, label: 'MEDIUM' },
            createdAt: '2026-12-05T09:45:00.000Z',
            firstSeenAt: FIRST_SEEN,
          },
        },
  );
}

function declared(name: string): string[] {
  return [...(EVIDENCE_DECLARERS.find((d) => d.name === name)?.permissions ?? [])].sort();
}

const metadata = (requestId: string) => ({ $metadata: { requestId } });

describe('Evidence: IAM access keys and roles', () => {
  it('access key: its owner described like a user, and the CloudTrail events made with this key', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const iam = new IAMClient(moto.clientConfig(REGION));
    const userName = unique('key-owner');
    const { activeKeyId: accessKeyId } = await seedUser(iam, userName);
    const trail = mockClient(test.ctx.clients.cloudTrail);
    trail.on(LookupEventsCommand).resolves({
      ...metadata('lookup-1'),
      Events: [
        {
          EventId: 'e-1',
          EventName: 'GetCallerIdentity',
          EventTime: new Date('2026-12-05T09:31:00.000Z'),
          AccessKeyId: accessKeyId,
          CloudTrailEvent: JSON.stringify({ sourceIPAddress: '198.51.100.7' }),
        },
      ],
    });
    const record = recordFor({
      type: 'iam-access-key',
      id: accessKeyId,
      accessKeyId,
      userName,
      accountId: TEST_ACCOUNT,
      region: REGION,
      tags: {},
    });

    // Act
    const { manifest, read } = await collect(test, record, { now: NOW });

    // Assess
    const called = [
      ...new Set([
        ...test.recorder.commands.map((c) => c.iamAction),
        ...trail.commandCalls(LookupEventsCommand).map(() => 'cloudtrail:LookupEvents'),
      ]),
    ].sort();
    // GetPolicy/GetPolicyVersion are declared for attached managed policies; this user has none.
    expect(called).toEqual(
      declared('evidence:iam-access-key').filter(
        (p) => p !== 'iam:GetPolicy' && p !== 'iam:GetPolicyVersion',
      ),
    );
    expect(manifest.artifacts.filter((a) => a.status === 'failed')).toEqual([]);
    expect(trail.commandCalls(LookupEventsCommand)[0]?.args[0].input.LookupAttributes).toEqual([
      { AttributeKey: 'AccessKeyId', AttributeValue: accessKeyId },
    ]);
    expect(read('iam/user.json')).toMatchObject({ User: { UserName: userName } });
    expect(read('cloudtrail/events.json')).toMatchObject({
      lookup: { AttributeKey: 'AccessKeyId', AttributeValue: accessKeyId },
      truncated: false,
      events: [{ EventName: 'GetCallerIdentity', CloudTrailEvent: { sourceIPAddress: '198.51.100.7' } }],
    });
  });

  it('role: trust policy and policies with documents, and the events naming the role by its ARN', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const iam = new IAMClient(moto.clientConfig(REGION));
    const roleName = unique('suspect-role');
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'wide',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      }),
    );
    const trail = mockClient(test.ctx.clients.cloudTrail);
    trail.on(LookupEventsCommand).resolves({ ...metadata('lookup-2'), Events: [] });
    const roleArn = created.Role?.Arn ?? '';
    const record = recordFor({
      type: 'iam-role',
      id: roleName,
      roleName,
      arn: roleArn,
      accountId: TEST_ACCOUNT,
      region: REGION,
      tags: {},
    });

    // Act
    const { manifest, read } = await collect(test, record, { now: NOW });

    // Assess
    expect(manifest.artifacts.map((a) => [a.name, a.status])).toEqual([
      ['finding.json', 'collected'],
      ['decision.json', 'collected'],
      ['iam/role.json', 'collected'],
      ['cloudtrail/events.json', 'collected'],
    ]);
    const called = [
      ...new Set([
        ...test.recorder.commands.map((c) => c.iamAction),
        ...trail.commandCalls(LookupEventsCommand).map(() => 'cloudtrail:LookupEvents'),
      ]),
    ].sort();
    // GetPolicy/GetPolicyVersion are declared for attached managed policies; this role has none.
    expect(called).toEqual(
      declared('evidence:iam-role').filter((p) => p !== 'iam:GetPolicy' && p !== 'iam:GetPolicyVersion'),
    );
    expect(read('iam/role.json')).toMatchObject({
      Role: { RoleName: roleName, AssumeRolePolicyDocument: { Statement: [{ Principal: { AWS: '*' } }] } },
      InlinePolicies: [{ PolicyName: 'wide', PolicyDocument: { Statement: [{ Action: '*' }] } }],
      AttachedPolicies: [],
    });
    expect(trail.commandCalls(LookupEventsCommand)[0]?.args[0].input.LookupAttributes).toEqual([
      { AttributeKey: 'ResourceName', AttributeValue: roleArn },
    ]);
  });
});

describe('Evidence: the finding as GuardDuty holds it now', () => {
  it('reads the GuardDuty finding the key names, from its detector, for any kind', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const guardDuty = mockClient(test.ctx.clients.guardDuty);
    guardDuty.on(GetFindingsCommand).resolves({
      ...metadata('gd-1'),
      Findings: [
        {
          Id: FINDING,
          Arn: FINDING_ARN,
          AccountId: TEST_ACCOUNT,
          Region: REGION,
          Type: 'UnauthorizedAccess:IAMUser/TorIPCaller',
          SchemaVersion: '2.0',
          Severity: 5,
          CreatedAt: '2026-12-05T09:45:00.000Z',
          UpdatedAt: '2026-12-05T11:58:00.000Z',
          Resource: {},
          Service: { Count: 42 },
        },
      ],
    });
    const trail = mockClient(test.ctx.clients.cloudTrail);
    trail.on(LookupEventsCommand).resolves({ ...metadata('lookup-3'), Events: [] });
    const userName = unique('gd-user');
    await seedUser(new IAMClient(moto.clientConfig(REGION)), userName);
    const record = recordFor(
      { type: 'iam-user', id: userName, userName, accountId: TEST_ACCOUNT, region: REGION, tags: {} },
      FINDING_ARN,
    );

    // Act
    const { manifest, read } = await collect(test, record, { now: NOW });

    // Assess
    expect(guardDuty.commandCalls(GetFindingsCommand).map((c) => c.args[0].input)).toEqual([
      { DetectorId: DETECTOR, FindingIds: [FINDING] },
    ]);
    expect(manifest.artifacts.find((a) => a.name === 'guardduty/finding.json')).toMatchObject({
      status: 'collected',
      calls: [{ api: 'guardduty:GetFindings', region: REGION, account: TEST_ACCOUNT, requestId: 'gd-1' }],
    });
    expect(read('guardduty/finding.json')).toMatchObject({
      Findings: [{ Id: FINDING, UpdatedAt: '2026-12-05T11:58:00.000Z', Service: { Count: 42 } }],
    });
    expect(declared('evidence:finding')).toEqual(['guardduty:GetFindings']);
  });

  it('names only GuardDuty finding ARNs', () => {
    expect(guardDutyFindingRef(FINDING_ARN)).toEqual({
      accountId: TEST_ACCOUNT,
      region: REGION,
      detectorId: DETECTOR,
      findingId: FINDING,
    });
    expect(guardDutyFindingRef(undefined)).toBeUndefined();
    expect(
      guardDutyFindingRef(
        'arn:aws:securityhub:us-east-1:123456789012:subscription/aws-foundational/v/1.0.0/IAM.1/finding/x',
      ),
    ).toBeUndefined();
    expect(
      guardDutyFindingRef(`arn:aws:guardduty:${REGION}:${TEST_ACCOUNT}:detector/${DETECTOR}`),
    ).toBeUndefined();
  });
});

describe('Evidence: the CloudTrail window and cap', () => {
  it('reads from lookbackHours before the first activity to collection time, and stops at the cap saying so', async () => {
    // Prepare: every page says there is another one.
    const test = motoActionContext(moto);
    const userName = unique('noisy-user');
    await seedUser(new IAMClient(moto.clientConfig(REGION)), userName);
    const trail = mockClient(test.ctx.clients.cloudTrail);
    let page = 0;
    trail.on(LookupEventsCommand).callsFake(async () => {
      page += 1;
      return { ...metadata(`page-${page}`), Events: [{ EventId: `e-${page}` }], NextToken: `token-${page}` };
    });
    const record = recordFor(
      { type: 'iam-user', id: userName, userName, accountId: TEST_ACCOUNT, region: REGION, tags: {} },
      FINDING_ARN,
    );

    // Act
    const { read } = await collect(test, record, { lookbackHours: 6, now: NOW });

    // Assess
    const calls = trail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(CLOUDTRAIL_MAX_PAGES);
    expect(calls[0]).toMatchObject({
      StartTime: new Date('2026-12-05T03:30:00.000Z'),
      EndTime: NOW,
      MaxResults: 50,
    });
    expect(calls[0]?.NextToken).toBeUndefined();
    expect(calls[1]?.NextToken).toBe('token-1');
    expect(read('cloudtrail/events.json')).toMatchObject({
      window: { start: '2026-12-05T03:30:00.000Z', end: NOW.toISOString(), lookbackHours: 6 },
      pages: CLOUDTRAIL_MAX_PAGES,
      truncated: true,
      nextToken: `token-${CLOUDTRAIL_MAX_PAGES}`,
    });
  });

  it('anchors the window on the first activity, else the finding, else the request, never after now', () => {
    const base = { createdAt: '2026-12-05T10:00:00.000Z' };
    expect(evidenceWindow(base, NOW, 24).start).toBe('2026-12-04T10:00:00.000Z');
    expect(
      evidenceWindow(
        {
          ...base,
          finding: recordFor(
            { type: 'iam-user', id: 'u', userName: 'u', accountId: TEST_ACCOUNT, region: REGION, tags: {} },
            FINDING_ARN,
          ).finding,
        },
        NOW,
        24,
      ).start,
    ).toBe('2026-12-04T09:30:00.000Z');
    expect(evidenceWindow({ createdAt: '2027-01-01T00:00:00.000Z' }, NOW, 1).start).toBe(
      '2026-12-05T11:00:00.000Z',
    );
  });
});
