/**
 * `GET /resources/instances`: the request form's Name lookup, through the real API handler against moto. The API
 * assumes the member account's read-only lookup role (never the member role) and lists the instances whose Name
 * tag is exactly the one asked for; a viewer cannot call it, and a lookup role that cannot be assumed is a clear
 * 503 naming the role and the account.
 */
import { DescribeImagesCommand, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { createAuthenticator } from '../../functions/lib/api/auth.js';
import { createApiHandler, type ApiHandler } from '../../functions/lib/api/handler.js';
import { createInstanceFinder } from '../../functions/lib/api/instance-lookup.js';
import { pipelineApiService } from '../../functions/lib/api/service.js';
import { EMULATOR_CREDENTIALS } from '../../harness/pipeline.js';
import { loopbackJwksCache } from '../../scripts/sandbox/jwks.js';
import { FaultInjector } from '../aws/support/faults.js';
import { apiEvent, quietLogger, useApi, type CallOptions, type CallResult } from './support.js';

const api = useApi();
const ACCOUNT = '210987654321';
const REGION = 'eu-west-1';
const LOOKUP_ROLE = 'cordon-lookup';

describe('API: GET /resources/instances (Name lookup)', () => {
  const faults = new FaultInjector();
  const assumed: AssumeRoleCommandInput[] = [];
  let handler: ApiHandler | undefined;
  const ids: Record<'web' | 'dupA' | 'dupB' | 'similar', string> = {
    web: '',
    dupA: '',
    dupB: '',
    similar: '',
  };

  async function call(path: string, options: CallOptions = {}): Promise<CallResult> {
    if (!handler) throw new Error('the lookup handler did not start');
    const result = await handler(apiEvent('GET', path, options));
    const text = typeof result.body === 'string' ? result.body : '';
    return { status: result.statusCode, headers: result.headers, body: JSON.parse(text || '{}'), text };
  }

  const lookup = async (name: string, username = 'alice', account = ACCOUNT) =>
    call('/resources/instances', {
      token: await api.token(username),
      query: { account, region: REGION, name },
    });

  beforeAll(async () => {
    // Prepare: instances in the member account, launched through cordon's own member clients (moto's AssumeRole
    // into the member account yields credentials that act there).
    const { ec2 } = await api.env.deps.memberClients(ACCOUNT, REGION, 'lookup-seed', ['ec2']);
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
    const imageId = images.Images?.find((i) => i.ImageId)?.ImageId ?? '';
    const launch = async (name: string, extra: Record<string, string> = {}): Promise<string> => {
      const tags = Object.entries({ Name: name, ...extra }).map(([Key, Value]) => ({ Key, Value }));
      const out = await ec2.send(
        new RunInstancesCommand({
          ImageId: imageId,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: [{ ResourceType: 'instance', Tags: tags }],
        }),
      );
      return out.Instances?.[0]?.InstanceId ?? '';
    };
    ids.web = await launch('lookup-web', { Team: 'payments', Owner: 'ana@example.com' });
    ids.dupA = await launch('lookup-dup');
    ids.dupB = await launch('lookup-dup');
    ids.similar = await launch('lookup-web-2');
    const gone = await launch('lookup-gone');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone] }));

    const config = { ...api.config, instanceLookupRole: LOOKUP_ROLE };
    handler = createApiHandler({
      config,
      authenticator: createAuthenticator(config, loopbackJwksCache()),
      service: pipelineApiService(api.env.deps),
      logger: quietLogger,
      instances: createInstanceFinder({
        roleName: LOOKUP_ROLE,
        externalId: 'sandbox-external-id',
        endpoint: api.moto.endpoint,
        securityCredentials: EMULATOR_CREDENTIALS,
        maxAttempts: 1,
        instrument: (client) => {
          faults.attach(client);
          client.middlewareStack.add(
            (next, context) => async (args) => {
              if (context.commandName === 'AssumeRoleCommand')
                assumed.push(args.input as AssumeRoleCommandInput);
              return next(args);
            },
            { step: 'initialize', name: `recordAssumeRole${Math.random().toString(36).slice(2)}` },
          );
        },
      }),
    });
  });

  it('resolves a Name to its one instance through the lookup role, with the state, VPC and tags the form shows', async () => {
    // Act
    const res = await lookup('lookup-web');

    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      name: 'lookup-web',
      truncated: false,
    });
    const instances = res.body['instances'] as Record<string, unknown>[];
    expect(instances.map((i) => i['instanceId'])).toEqual([ids.web]);
    expect(instances[0]).toMatchObject({
      name: 'lookup-web',
      state: 'running',
      vpcId: expect.stringMatching(/^vpc-/),
      tags: { Name: 'lookup-web', Team: 'payments', Owner: 'ana@example.com' },
    });
    // The lookup role, never the member role; the caller names the session; the ExternalId is presented.
    expect(assumed.at(-1)).toMatchObject({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${LOOKUP_ROLE}`,
      RoleSessionName: 'cordon-lookup-alice',
      ExternalId: 'sandbox-external-id',
      DurationSeconds: 900,
    });
  });

  it('lists every instance with the name, only exact matches, never a terminated one; none is an empty list', async () => {
    // Act
    const several = await lookup('lookup-dup', 'bob');
    const gone = await lookup('lookup-gone');
    const none = await lookup('no-such-name');

    // Assess
    expect(several.status).toBe(200);
    const listed = (several.body['instances'] as { instanceId: string }[]).map((i) => i.instanceId);
    expect(listed).toEqual([ids.dupA, ids.dupB].sort());
    expect(gone.body['instances']).toEqual([]);
    expect(none.status).toBe(200);
    expect(none.body['instances']).toEqual([]);
    expect(none.body['truncated']).toBe(false);
  });

  it('is for requesters and approvers only: a viewer, a read-only machine client and no token are refused', async () => {
    // Prepare
    const readerToken = await api.issuer.sign({
      aud: undefined,
      sub: 'reader-client',
      client_id: 'reader-client',
      token_use: 'access',
      scope: 'cordon/read',
    });
    const query = { account: ACCOUNT, region: REGION, name: 'lookup-web' };

    // Act
    const viewer = await lookup('lookup-web', 'victor');
    const reader = await call('/resources/instances', { token: readerToken, query });
    const anonymous = await call('/resources/instances', { query });

    // Assess
    expect(viewer.status).toBe(403);
    expect(reader.status).toBe(403);
    expect(anonymous.status).toBe(401);
  });

  it('validates the query at the edge: the account, the region, and an exact name without wildcards', async () => {
    // Prepare
    const token = await api.token('alice');
    const before = assumed.length;

    // Act
    const badAccount = await lookup('lookup-web', 'alice', '12345');
    const wildcard = await lookup('lookup-*');
    const badRegion = await call('/resources/instances', {
      token,
      query: { account: ACCOUNT, region: 'mars-1', name: 'x' },
    });
    const extra = await call('/resources/instances', {
      token,
      query: { account: ACCOUNT, region: REGION, name: 'x', tag: 'Team' },
    });

    // Assess
    expect(badAccount.status).toBe(400);
    expect(badAccount.body['errors']).toEqual([expect.stringMatching(/^account: .*12-digit/)]);
    expect(wildcard.status).toBe(400);
    expect(String(wildcard.body['errors'])).toContain('wildcards');
    expect(badRegion.status).toBe(400);
    expect(extra.status).toBe(400);
    expect(assumed.length, 'an invalid query reaches no AWS API').toBe(before);
  });

  it('says plainly when the lookup role cannot be assumed (not deployed in the account, or not trusting the API)', async () => {
    // Prepare: moto does not enforce trust policies, so the denial AWS returns for a missing role is injected.
    faults.inject('AssumeRole', 'access-denied');

    // Act
    const res = await lookup('lookup-web');

    // Assess
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body['type']).toBe('urn:cordon:problem:lookup-unavailable');
    expect(String(res.body['detail'])).toContain(`arn:aws:iam::${ACCOUNT}:role/${LOOKUP_ROLE}`);
    expect(String(res.body['detail'])).toContain('lookup_role_enabled');
    expect(String(res.body['detail'])).not.toContain('not authorized to perform');
  });

  it('says plainly when the lookup role may not describe instances', async () => {
    // Prepare: moto does not enforce IAM policies, so the denial is injected.
    faults.inject('DescribeInstances', 'access-denied');

    // Act
    const res = await lookup('lookup-web');

    // Assess
    expect(res.status).toBe(503);
    expect(String(res.body['detail'])).toContain('ec2:DescribeInstances');
  });

  it('answers 503 when the deployment has no lookup role, and /config.json offers the Name lookup only when it has', async () => {
    // Act: the harness's own handler is configured without a lookup role
    const res = await api.call('GET', '/resources/instances', {
      token: await api.token('alice'),
      query: { account: ACCOUNT, region: REGION, name: 'lookup-web' },
    });
    const without = await api.call('GET', '/config.json');
    const withLookup = await call('/config.json');

    // Assess
    expect(res.status).toBe(503);
    expect(String(res.body['detail'])).toContain('not configured');
    expect(without.body['nameLookupTypes']).toEqual([]);
    expect(withLookup.body['nameLookupTypes']).toEqual(['ec2-instance']);
  });
});
