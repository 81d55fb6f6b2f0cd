import { describe, expect, it, onTestFinished } from 'vitest';
import {
  buildNote,
  buildBatchUpdate,
  buildImportedFinding,
  NOTE_MAX,
} from '../../functions/lib/report/securityhub-payload.js';
import { buildNotification, SUBJECT_MAX } from '../../functions/lib/report/notification.js';
import { customActionArn, loadConfig } from '../../functions/lib/config.js';
import { ConfigurationError } from '../../functions/lib/errors.js';
import { FUNCTION_NAMES, FUNCTION_PERMISSIONS } from '../../functions/lib/permissions.js';
import { readdirSync } from 'node:fs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createPipelineDeps } from '../../functions/lib/pipeline/deps.js';
import { loadPolicy } from '../../functions/lib/policy/index.js';
import { silentLogger } from '../../functions/lib/observability.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';

function record(overrides: Partial<IsolationRecord> = {}): IsolationRecord {
  return {
    id: 'iso-20261128070000000-0123456789',
    resource: {
      type: 'iam-user',
      id: 'deploy-bot',
      userName: 'deploy-bot',
      accountId: '111122223333',
      region: 'eu-west-1',
      tags: {},
    },
    resourceKey: '111122223333#eu-west-1#iam-user#deploy-bot',
    resourceId: 'deploy-bot',
    accountId: '111122223333',
    region: 'eu-west-1',
    action: 'isolate-iam-user',
    params: {},
    mode: 'approval',
    rule: 'iam-user-anomalous-console-login',
    status: 'FAILED',
    steps: [
      { name: 'attach-deny-all', status: 'failed', detail: 'AccessDenied', at: '2026-11-28T07:00:00.000Z' },
    ],
    releaseSteps: [],
    before: {},
    requester: { type: 'policy', id: 'iam-user-anomalous-console-login', name: 'policy rule' },
    audit: [],
    warnings: [],
    createdAt: '2026-11-28T07:00:00.000Z',
    updatedAt: '2026-11-28T07:00:01.000Z',
    reports: {},
    pendingReports: [],
    version: 3,
    ...overrides,
  };
}

describe('Report: Security Hub payloads and notifications', () => {
  it('keeps the note within 512 characters however long the failure is', () => {
    // Prepare
    const long = record({
      failure: { step: 'attach-deny-all', code: 'AccessDenied', message: 'x'.repeat(5000) },
    });

    // Act
    const note = buildNote(long);

    // Assess
    expect(note.length).toBe(NOTE_MAX);
    expect(note.endsWith('…')).toBe(true);
    expect(note).toMatch(/^cordon iso-20261128070000000-0123456789: isolate-iam-user on iam-user deploy-bot/);
  });

  it('writes NOTIFIED, the note and the user-defined fields within their limits', () => {
    // Prepare
    const target = {
      id: 'finding-1',
      productArn: 'arn:aws:securityhub:eu-west-1::product/aws/guardduty',
      origin: 'source' as const,
    };

    // Act
    const input = buildBatchUpdate(record({ rule: 'r'.repeat(3000) }), target);

    // Assess
    expect(input.Workflow).toEqual({ Status: 'NOTIFIED' });
    expect(input.FindingIdentifiers).toEqual([{ Id: 'finding-1', ProductArn: target.productArn }]);
    expect(Object.keys(input.UserDefinedFields ?? {})).toEqual([
      'cordonIsolationId',
      'cordonAction',
      'cordonStatus',
      'cordonRule',
    ]);
    expect(Object.values(input.UserDefinedFields ?? {}).every((v) => v.length <= 1024)).toBe(true);
  });

  it('imports a valid ASFF finding for an API isolation', () => {
    // Prepare
    const api = record({
      mode: 'manual',
      rule: undefined,
      requester: { type: 'user', id: 's', name: 'alice' },
      reason: 'r'.repeat(2000),
    });

    // Act
    const finding = buildImportedFinding(
      api,
      { region: 'eu-west-1', securityAccountId: '999988887777' },
      new Date('2026-11-28T08:00:00Z'),
    );

    // Assess
    expect(finding).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: `cordon/isolation/${api.id}`,
      ProductArn: 'arn:aws:securityhub:eu-west-1:999988887777:product/999988887777/default',
      GeneratorId: 'cordon',
      AwsAccountId: '999988887777',
      UpdatedAt: '2026-11-28T08:00:00.000Z',
      Severity: { Label: 'HIGH' },
      Resources: [
        { Type: 'AwsIamUser', Id: 'arn:aws:iam::111122223333:user/deploy-bot', Region: 'eu-west-1' },
      ],
    });
    expect(finding.Description?.length).toBeLessThanOrEqual(1024);
    expect(finding.Title?.length).toBeLessThanOrEqual(256);
    expect(finding.Types?.[0]?.split('/')).toHaveLength(3);
  });

  it('notifies with a short subject, filterable attributes and a readable JSON body', () => {
    // Prepare
    const long = record({
      resource: {
        type: 'iam-user',
        id: 'u'.repeat(64),
        userName: 'u'.repeat(64),
        accountId: '111122223333',
        region: 'eu-west-1',
        tags: {},
      },
    });

    // Act
    const notification = buildNotification(long, 'https://console.example');
    const body = JSON.parse(notification.message) as Record<string, unknown>;

    // Assess
    expect(notification.subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(notification.attributes).toEqual({
      account: '111122223333',
      severity: 'UNKNOWN',
      action: 'isolate-iam-user',
      status: 'FAILED',
    });
    expect(Object.keys(body).slice(0, 3)).toEqual(['summary', 'nextStep', 'isolationId']);
    expect(String(body['nextStep'])).toMatch(/retry/);
    expect(notification.message).toContain('\n  "summary"');
  });
});

describe('Config: the Lambda environment', () => {
  const env = {
    AWS_REGION: 'eu-west-1',
    CORDON_SECURITY_ACCOUNT_ID: '999988887777',
    CORDON_TABLE_NAME: 'cordon-isolations',
    CORDON_TOPIC_ARN: 'arn:aws:sns:eu-west-1:999988887777:cordon-notifications',
    CORDON_WORKER_FUNCTION: 'cordon-isolate',
  };

  it('parses the environment with defaults', () => {
    // Act
    const config = loadConfig(env);

    // Assess
    expect(config).toMatchObject({
      region: 'eu-west-1',
      memberRoleName: 'cordon-member',
      leaseSeconds: 60,
      maxAttempts: 4,
    });
    expect(customActionArn(config, 'CordonApprove')).toBe(
      'arn:aws:securityhub:eu-west-1:999988887777:action/custom/CordonApprove',
    );
  });

  it('names every missing or malformed variable', () => {
    // Act
    const parse = () =>
      loadConfig({ ...env, CORDON_SECURITY_ACCOUNT_ID: '12', CORDON_TABLE_NAME: undefined });

    // Assess
    expect(parse).toThrow(ConfigurationError);
    expect(parse).toThrow(/CORDON_SECURITY_ACCOUNT_ID: expected a 12-digit account id.*CORDON_TABLE_NAME/);
  });
});

describe('Permissions: what each function calls', () => {
  it('declares every Lambda entry point, without wildcards', () => {
    // Prepare
    const entries = readdirSync('functions')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''));

    // Assess
    expect([...FUNCTION_NAMES].sort()).toEqual(expect.arrayContaining(entries.filter((e) => e !== 'api')));
    for (const name of FUNCTION_NAMES)
      expect(FUNCTION_PERMISSIONS[name].some((a) => a.includes('*'))).toBe(false);
    // The worker assumes the member role; the API only the read-only lookup role (docs/iam.md, "The lookup role").
    expect(FUNCTION_NAMES.filter((n) => FUNCTION_PERMISSIONS[n].includes('sts:AssumeRole'))).toEqual([
      'isolate',
      'api',
    ]);
    expect(FUNCTION_PERMISSIONS.triage).toContain('lambda:InvokeFunction');
  });
});

describe('Deps: starting the worker in AWS', () => {
  it('invokes the isolate function asynchronously with the job, and fails when Lambda does not queue it', async () => {
    // Prepare
    const lambda = mockClient(LambdaClient);
    // The mock replaces LambdaClient for the whole worker: undo it even when an assertion fails.
    onTestFinished(() => lambda.restore());
    lambda.on(InvokeCommand).resolvesOnce({ StatusCode: 202 }).resolvesOnce({ StatusCode: 500 });
    const deps = createPipelineDeps({
      config: loadConfig({
        AWS_REGION: 'eu-west-1',
        CORDON_SECURITY_ACCOUNT_ID: '999988887777',
        CORDON_TABLE_NAME: 'cordon-isolations',
        CORDON_TOPIC_ARN: 'arn:aws:sns:eu-west-1:999988887777:cordon-notifications',
        CORDON_WORKER_FUNCTION: 'cordon-isolate',
      }),
      policy: loadPolicy(['policies']),
      functionName: 'test',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      overrides: { logger: silentLogger() },
    });

    // Act
    await deps.startWorker({ kind: 'apply', id: 'iso-20261128070000000-0123456789' });
    const second = deps.startWorker({ kind: 'release', id: 'iso-20261128070000000-0123456789' });

    // Assess
    await expect(second).rejects.toThrow(/returned status 500/);
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'cordon-isolate', InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({
      kind: 'apply',
      id: 'iso-20261128070000000-0123456789',
    });
  });
});
