/**
 * GovCloud (aws-us-gov) and China (aws-cn) end to end: every ARN cordon builds takes its partition from the region
 * (functions/lib/kernel/arn.ts): the member role it assumes, the Security Hub products and custom actions, the resource
 * ARNs in records and imported findings, the generated EventBridge rules, and the shipped protected-ARN globs.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { useMoto } from '../support/moto.js';
import {
  buildArn,
  customActionArn,
  defaultProductArn,
  guardDutyProductArn,
  memberRoleArn,
  arnPartition,
  regionPartition,
  resourcePartition,
} from '../../functions/lib/kernel/arn.js';
import { identifyingArn } from '../../functions/lib/resources/registry.js';
import { CommandRecorder } from '../../functions/lib/aws/command-recorder.js';
import { createMemberClientFactory } from '../../functions/lib/aws/member-clients.js';
import type { InstrumentableClient } from '../../functions/lib/aws/command-recorder.js';
import { customActionArn as configActionArn } from '../../functions/lib/config.js';
import { normaliseFindings } from '../../functions/lib/findings/index.js';
import type { Finding } from '../../functions/lib/findings/model.js';
import { evaluatePolicy } from '../../functions/lib/policy/evaluate.js';
import { loadPolicy } from '../../functions/lib/policy/index.js';
import { loadRuleFiles, rulesReachedBy } from '../../functions/lib/eventbridge/rules.js';
import { buildImportedFinding, importedFindingRef } from '../../functions/lib/report/securityhub-payload.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import { checkGuards } from '../../functions/lib/actions/guards.js';
import { awsDenyAllPolicyArn } from '../../functions/lib/aws/iam-policies.js';
import { parseIsolationRequest } from '../../functions/lib/api/validation.js';
import { guardSettings } from '../../functions/lib/pipeline/guard-settings.js';

const moto = useMoto({ resetEach: false });

const ACCOUNT = '111122223333';
const SECURITY = '999988887777';
const CASES = [
  { region: 'us-east-1', partition: 'aws' },
  { region: 'us-gov-west-1', partition: 'aws-us-gov' },
  { region: 'cn-north-1', partition: 'aws-cn' },
] as const;

function event(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`test/events/${file}`, 'utf8')) as Record<string, unknown>;
}

/** The sample GuardDuty EC2 event, moved to a region (and its partition). */
function guardDutyEventIn(region: string, partition: string): Record<string, unknown> {
  const e = event('guardduty-ec2-ssh-bruteforce.envelope-assembled.json');
  const detail = e['detail'] as Record<string, unknown>;
  e['region'] = region;
  detail['region'] = region;
  detail['partition'] = partition;
  detail['accountId'] = ACCOUNT;
  detail['arn'] = `arn:${partition}:guardduty:${region}:${ACCOUNT}:detector/d1/finding/f1`;
  return e;
}

describe.each(CASES)('Partitions: $region ($partition)', ({ region, partition }) => {
  it('derives the partition from the region and builds every ARN in it', () => {
    expect(regionPartition(region)).toBe(partition);
    expect(memberRoleArn(region, ACCOUNT, 'cordon-member')).toBe(
      `arn:${partition}:iam::${ACCOUNT}:role/cordon-member`,
    );
    expect(guardDutyProductArn(region)).toBe(`arn:${partition}:securityhub:${region}::product/aws/guardduty`);
    expect(defaultProductArn(region, SECURITY)).toBe(
      `arn:${partition}:securityhub:${region}:${SECURITY}:product/${SECURITY}/default`,
    );
    expect(customActionArn(region, SECURITY, 'CordonApprove')).toBe(
      `arn:${partition}:securityhub:${region}:${SECURITY}:action/custom/CordonApprove`,
    );
    expect(configActionArn({ region, securityAccountId: SECURITY }, 'CordonReject')).toBe(
      `arn:${partition}:securityhub:${region}:${SECURITY}:action/custom/CordonReject`,
    );
    expect(buildArn({ region, service: 's3', resource: 'bucket', global: true })).toBe(
      `arn:${partition}:s3:::bucket`,
    );
    expect(arnPartition(`arn:${partition}:iam::${ACCOUNT}:root`)).toBe(partition);
    // AWSDenyAll (isolate-iam-user) for a user whose finding gave no ARN.
    expect(awsDenyAllPolicyArn(resourcePartition(undefined, region))).toBe(
      `arn:${partition}:iam::aws:policy/AWSDenyAll`,
    );
  });

  it('assumes the member role of the partition', async () => {
    // Prepare
    const recorder = new CommandRecorder();
    const factory = createMemberClientFactory({
      memberRoleName: 'cordon-member',
      endpoint: moto.endpoint,
      securityCredentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
      instrument: (client: InstrumentableClient) => void recorder.attach(client),
    });

    // Act
    await factory(ACCOUNT, region, 'iso-1');

    // Assess
    const assume = recorder.commands.find((c) => c.command === 'AssumeRole');
    expect(assume?.input).toMatchObject({ RoleArn: `arn:${partition}:iam::${ACCOUNT}:role/cordon-member` });
  });

  it('normalises a GuardDuty finding with the Security Hub product and resource ARNs of the partition', () => {
    // Act
    const [finding] = normaliseFindings(guardDutyEventIn(region, partition));

    // Assess
    expect(finding?.securityHub.productArn).toBe(
      `arn:${partition}:securityhub:${region}::product/aws/guardduty`,
    );
    const instance = finding?.resources.find((r) => r.type === 'ec2-instance');
    expect(instance?.arn).toMatch(new RegExp(`^arn:${partition}:ec2:${region}:${ACCOUNT}:instance/i-`));
  });

  it('records and imports resource ARNs of the partition', () => {
    // Prepare
    const resource = {
      type: 'iam-user' as const,
      id: 'mallory',
      userName: 'mallory',
      accountId: ACCOUNT,
      region,
      tags: {},
    };
    const record: IsolationRecord = {
      id: 'iso-20261205000000000-0123456789',
      resource,
      resourceKey: `${ACCOUNT}#${region}#iam-user#mallory`,
      resourceId: 'mallory',
      accountId: ACCOUNT,
      region,
      action: 'isolate-iam-user',
      params: {},
      mode: 'manual',
      status: 'ISOLATED',
      steps: [],
      releaseSteps: [],
      before: {},
      requester: { type: 'user', id: 'sub-1', name: 'alice' },
      audit: [],
      warnings: [],
      createdAt: '2026-12-05T00:00:00.000Z',
      updatedAt: '2026-12-05T00:00:00.000Z',
      reports: {},
      pendingReports: [],
      version: 1,
    };
    const config = { region, securityAccountId: SECURITY };

    // Act
    const ref = importedFindingRef(record, config);
    const imported = buildImportedFinding(record, config, new Date());

    // Assess
    expect(identifyingArn(resource)).toBe(`arn:${partition}:iam::${ACCOUNT}:user/mallory`);
    expect(ref.productArn).toBe(
      `arn:${partition}:securityhub:${region}:${SECURITY}:product/${SECURITY}/default`,
    );
    expect(imported.Resources?.[0]).toMatchObject({
      Id: `arn:${partition}:iam::${ACCOUNT}:user/mallory`,
      Partition: partition,
    });
  });

  it('records the ARN of a resource requested through the API in the partition', () => {
    // Act
    const request = parseIsolationRequest({
      resourceType: 'ec2-instance',
      accountId: ACCOUNT,
      region,
      resourceId: 'i-0123456789abcdef0',
      reason: 'suspicious outbound traffic',
    });

    // Assess
    expect(request.resource.arn).toBe(
      `arn:${partition}:ec2:${region}:${ACCOUNT}:instance/i-0123456789abcdef0`,
    );
  });

  it("delivers cordon's custom actions through the generated approve rule, and nobody else's", () => {
    // Prepare
    const rules = loadRuleFiles('rules');
    const action = (arn: string) => ({
      ...event('securityhub-custom-action-guardduty-iam-accesskey.custodian.json'),
      account: SECURITY,
      region,
      resources: [arn],
    });

    // Act
    const ours = rulesReachedBy(action(customActionArn(region, SECURITY, 'CordonApprove')), rules);
    const otherPartition = rulesReachedBy(
      action(
        `arn:${partition === 'aws' ? 'aws-cn' : 'aws'}:securityhub:${region}:${SECURITY}:action/custom/CordonApprove`,
      ),
      rules,
    );

    // Assess
    expect(ours).toContain('approve-custom-action');
    expect(otherPartition).not.toContain('approve-custom-action');
  });

  it('never contains the shipped protected roles in the partition', () => {
    // Prepare
    const policy = loadPolicy(['policies']);
    const protectedRole = {
      type: 'iam-role' as const,
      id: 'OrganizationAccountAccessRole',
      roleName: 'OrganizationAccountAccessRole',
      accountId: ACCOUNT,
      region,
      tags: {},
    };
    const finding: Finding = {
      key: `arn:${partition}:guardduty:${region}:${ACCOUNT}:detector/d/finding/f2`,
      source: 'guardduty',
      productName: 'GuardDuty',
      type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
      title: 't',
      severity: { score: 8, label: 'HIGH' },
      accountId: ACCOUNT,
      region,
      createdAt: '2026-12-05T00:00:00Z',
      updatedAt: '2026-12-05T00:00:00Z',
      sample: false,
      securityHub: { id: 'x', productArn: guardDutyProductArn(region) },
      resources: [protectedRole],
      channel: 'guardduty-event',
    };

    // Act
    const decision = evaluatePolicy(policy, finding);
    const verdict = checkGuards(
      protectedRole,
      guardSettings(policy, { resourcePrefix: 'cordon', memberRoleName: 'cordon-member' }),
    );

    // Assess
    expect(decision.actions).toEqual([]);
    expect(decision.reasons.join(' ')).toContain(
      `arn:${partition}:iam::${ACCOUNT}:role/OrganizationAccountAccessRole matches protected "arn:aws*:iam::*:role/OrganizationAccountAccessRole"`,
    );
    expect(verdict.allowed).toBe(false);
  });
});
