/**
 * Resources cordon refuses are refused when they are requested (422), not accepted, reported and skipped later:
 * protected ARNs from the policy (no AWS call), and resources whose live tags exempt them (read through the
 * member role). When the tags cannot be read, the request is not accepted either (503).
 */
import { existsSync, readFileSync } from 'node:fs';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../functions/lib/config.js';
import { silentLogger } from '../../functions/lib/observability.js';
import { createPipelineDeps } from '../../functions/lib/pipeline/deps.js';
import { TagsUnavailableError } from '../../functions/lib/pipeline/resource-tags.js';
import { loadPolicy } from '../../functions/lib/policy/index.js';
import { FaultInjector } from '../aws/support/faults.js';
import { useApi, userRequest } from './support.js';

const MEMBER = '210987654321';

describe('API: refused resources at request time', () => {
  const api = useApi();

  async function exemptUser(name: string): Promise<string> {
    const clients = await api.env.deps.memberClients(MEMBER, 'eu-west-1', 'test-setup');
    await clients.iam.send(
      new CreateUserCommand({ UserName: name, Tags: [{ Key: 'cordon:exempt', Value: 'true' }] }),
    );
    const key = await clients.iam.send(new CreateAccessKeyCommand({ UserName: name }));
    return key.AccessKey?.AccessKeyId ?? '';
  }

  function outbox(): string {
    return existsSync(api.env.outboxPath) ? readFileSync(api.env.outboxPath, 'utf8') : '';
  }

  async function recordsFor(resourceId: string): Promise<number> {
    return (await api.env.deps.store.list({ resourceId, limit: 10 })).items.length;
  }

  it('answers 422 problem+json for a user tagged exempt, and records, reports and notifies nothing', async () => {
    // Prepare
    await exemptUser('refused-exempt-user');

    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest({ resourceId: 'refused-exempt-user' }),
    });
    await api.env.idle();

    // Assess
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(String(response.body['detail'])).toContain('exempt: tagged cordon:exempt=true');
    expect(await recordsFor('refused-exempt-user')).toBe(0);
    expect(outbox()).not.toContain('refused-exempt-user');
  });

  it('answers 422 for an access key whose owner is tagged exempt', async () => {
    // Prepare
    const keyId = await exemptUser('refused-exempt-owner');

    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest({
        resourceType: 'iam-access-key',
        resourceId: keyId,
        userName: 'refused-exempt-owner',
      }),
    });

    // Assess
    expect(response.status).toBe(422);
    expect(await recordsFor(keyId)).toBe(0);
  });

  it('answers 422 for a protected role from the policy, an emergency request included', async () => {
    // Prepare: the role exists, untagged; only the policy's protected ARNs refuse it.
    const clients = await api.env.deps.memberClients(MEMBER, 'eu-west-1', 'test-setup');
    await clients.iam.send(
      new CreateRoleCommand({ RoleName: 'OrganizationAccountAccessRole', AssumeRolePolicyDocument: '{}' }),
    );

    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('bob'),
      body: userRequest({
        resourceType: 'iam-role',
        resourceId: 'OrganizationAccountAccessRole',
        immediate: true,
      }),
    });
    await api.env.idle();

    // Assess
    expect(response.status).toBe(422);
    expect(String(response.body['detail'])).toContain('protected');
    expect(await recordsFor('OrganizationAccountAccessRole')).toBe(0);
  });

  it('answers 503, never 201, when the live tags cannot be read', async () => {
    // Prepare: the member role may not read the user (an injected AccessDenied on GetUser).
    const faults = new FaultInjector().inject('GetUser', 'access-denied');
    faults.attach((await api.env.deps.memberClients(MEMBER, 'eu-west-1', 'test-faults')).iam);

    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest({ resourceId: 'refused-unreadable' }),
    });

    // Assess
    expect(faults.raised).toEqual(['GetUser:access-denied']);
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(String(response.body['detail'])).not.toContain('AccessDenied');
    expect(await recordsFor('refused-unreadable')).toBe(0);
  });

  it('accepts an untagged user (tags read, no exemption)', async () => {
    // Prepare
    const clients = await api.env.deps.memberClients(MEMBER, 'eu-west-1', 'test-setup');
    await clients.iam.send(new CreateUserCommand({ UserName: 'refused-not-exempt' }));

    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest({ resourceId: 'refused-not-exempt' }),
    });

    // Assess
    expect(response.status).toBe(201);
  });
});

describe('API: the worker reads the tags for the API in AWS', () => {
  // aws-sdk-client-mock: moto cannot run the worker Lambda, so the synchronous invocation's answers are faked.
  function lambdaDeps(): ReturnType<typeof createPipelineDeps> {
    return createPipelineDeps({
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
  }
  const target = { type: 'iam-user', accountId: MEMBER, region: 'eu-west-1', userName: 'bastion' } as const;

  it('invokes the worker synchronously with a read-tags job and returns its tags', async () => {
    // Prepare
    const lambda = mockClient(LambdaClient);
    // The mock replaces LambdaClient for the whole worker: undo it even when an assertion fails.
    onTestFinished(() => lambda.restore());
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: Uint8ArrayBlobAdapter.fromString(JSON.stringify({ tags: { 'cordon:exempt': 'true' } })),
    });

    // Act
    const tags = await lambdaDeps().readTags(target);

    // Assess
    expect(tags).toEqual({ 'cordon:exempt': 'true' });
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'cordon-isolate', InvocationType: 'RequestResponse' });
    const payload = input?.Payload;
    expect(payload).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(new TextDecoder().decode(payload instanceof Uint8Array ? payload : undefined))).toEqual(
      {
        kind: 'read-tags',
        resource: target,
      },
    );
  });

  it('fails with TagsUnavailableError when the worker errs or answers without tags', async () => {
    // Prepare
    const lambda = mockClient(LambdaClient);
    // The mock replaces LambdaClient for the whole worker: undo it even when an assertion fails.
    onTestFinished(() => lambda.restore());
    lambda
      .on(InvokeCommand)
      .resolvesOnce({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: Uint8ArrayBlobAdapter.fromString('{"errorMessage":"AccessDenied"}'),
      })
      .resolvesOnce({ StatusCode: 200, Payload: Uint8ArrayBlobAdapter.fromString('{"outcome":"isolated"}') });
    const deps = lambdaDeps();

    // Act
    const failed = deps.readTags(target);
    const wrong = deps.readTags(target);

    // Assess
    await expect(failed).rejects.toBeInstanceOf(TagsUnavailableError);
    await expect(wrong).rejects.toBeInstanceOf(TagsUnavailableError);
  });
});
