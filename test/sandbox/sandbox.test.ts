/**
 * The sandbox behind `npm start`, against moto: demo organisation, replay of the samples, the local OIDC
 * issuer's code + PKCE flow over HTTP, the local API Gateway adapter, and the sandbox-only routes (which the
 * Lambda's handler does not have).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GetLoginProfileCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator, createTokenVerifier } from '../../functions/lib/api/auth.js';
import { createApiHandler } from '../../functions/lib/api/handler.js';
import { pipelineApiService } from '../../functions/lib/api/service.js';
import type { MemberClients } from '../../functions/lib/actions/contract.js';
import { startSandbox, type Sandbox } from '../../scripts/sandbox/app.js';
import { SANDBOX_MEMBER_ACCOUNT } from '../../scripts/sandbox/environment.js';
import { loopbackJwksCache } from '../../scripts/sandbox/jwks.js';
import { SANDBOX_MACHINE_CLIENT } from '../../scripts/sandbox/oidc.js';
import { apiEvent, quietLogger } from '../api/support.js';
import { sampleEventFiles } from '../findings/support.js';
import { useMoto } from '../support/moto.js';

function b64url(buffer: Buffer): string {
  return buffer.toString('base64url');
}

describe('Sandbox: npm start on moto', () => {
  const moto = useMoto({ resetEach: false });
  let sandbox: Sandbox | undefined;
  let dir = '';
  const lines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cordon-sandbox-'));
    sandbox = await startSandbox({
      port: 0,
      motoEndpoint: moto.endpoint,
      outboxPath: join(dir, 'outbox.jsonl'),
      log: (line) => lines.push(line),
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function s(): Sandbox {
    if (!sandbox) throw new Error('the sandbox did not start');
    return sandbox;
  }
  async function member(): Promise<MemberClients> {
    return s().env.deps.memberClients(SANDBOX_MEMBER_ACCOUNT, s().env.config.region, 'sandbox-test');
  }
  async function bearer(username: string): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await s().issuer.accessTokenFor(username)}` };
  }

  it('bootstraps the demo organisation: two ENIs, an Auto Scaling instance, an exempt instance, users with keys', async () => {
    // Prepare
    const clients = await member();
    const { web, worker, bastion } = s().org.instances;

    // Act
    const instances = await clients.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [web.instanceId, bastion.instanceId] }),
    );
    const asg = await clients.autoScaling.send(
      new DescribeAutoScalingInstancesCommand({ InstanceIds: [worker.instanceId] }),
    );
    const carol = s().org.users.find((u) => u.userName === 'dev-carol');
    const keys = await clients.iam.send(new ListAccessKeysCommand({ UserName: 'dev-carol' }));
    const login = await clients.iam.send(new GetLoginProfileCommand({ UserName: 'dev-carol' }));

    // Assess
    const all = (instances.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    const webInstance = all.find((i) => i.InstanceId === web.instanceId);
    const bastionInstance = all.find((i) => i.InstanceId === bastion.instanceId);
    expect(webInstance?.NetworkInterfaces).toHaveLength(2);
    expect(webInstance?.IamInstanceProfile?.Arn).toBe(s().org.role.instanceProfileArn);
    expect(bastionInstance?.Tags).toContainEqual({ Key: 'cordon:exempt', Value: 'true' });
    expect(asg.AutoScalingInstances?.[0]?.AutoScalingGroupName).toBe('workers');
    expect(keys.AccessKeyMetadata?.[0]).toMatchObject({ AccessKeyId: carol?.accessKeyId, Status: 'Active' });
    expect(login.LoginProfile?.UserName).toBe('dev-carol');
  });

  it('replays every sample with a progress line and a summary row, leaving some isolations pending approval', async () => {
    // Act
    const pending = await s().env.deps.store.list({ status: 'PENDING_APPROVAL', limit: 50 });

    // Assess
    // Every sample in test/events is replayed, each with its `(n/total)` progress line.
    const total = sampleEventFiles().length;
    expect(lines.filter((l) => new RegExp(`^\\s+\\(\\d+/${total}\\) `).test(l))).toHaveLength(
      s().replayRows.length,
    );
    expect(s().replayRows.map((r) => r.rule)).toEqual(
      expect.arrayContaining([
        'ec2-suspected-compromise',
        'iam-access-key-malicious-ip',
        'ec2-inbound-brute-force',
      ]),
    );
    expect(lines.some((l) => /^finding\s+rule\s+mode\s+outcome/.test(l))).toBe(true);
    expect(pending.items.length).toBeGreaterThanOrEqual(2);
    expect(pending.items.every((r) => r.accountId === SANDBOX_MEMBER_ACCOUNT)).toBe(true);
    const ci = await s().env.deps.store.list({ resourceId: 'ci-deployer', limit: 5 });
    expect(ci.items[0]?.status).toBe('ISOLATED');
  });

  it('signs a user in with the authorization code flow and PKCE, and refuses a wrong verifier', async () => {
    // Prepare
    const issuer = s().issuer;
    const redirectUri = `${s().url}/`;
    const verifier = b64url(randomBytes(32));
    const challenge = b64url(createHash('sha256').update(verifier).digest());
    const authorize = new URL(issuer.authorizeUrl);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: issuer.clientId,
      redirect_uri: redirectUri,
      state: 'xyz',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'openid profile',
    })) {
      authorize.searchParams.set(k, v);
    }
    const login = async () => {
      const page = await fetch(authorize);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      const response = await fetch(`${issuer.issuer}/login`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({
          ...Object.fromEntries(authorize.searchParams),
          username: 'bob',
          password: 'bob-sandbox',
        }),
      });
      const location = new URL(response.headers.get('location') ?? '');
      return {
        status: response.status,
        code: location.searchParams.get('code') ?? '',
        state: location.searchParams.get('state'),
      };
    };
    const exchange = (code: string, codeVerifier: string) =>
      fetch(issuer.tokenUrl, {
        method: 'POST',
        headers: { origin: s().url },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: issuer.clientId,
          code,
          redirect_uri: redirectUri,
          code_verifier: codeVerifier,
        }),
      });

    // Act
    const first = await login();
    const wrong = await exchange(first.code, b64url(randomBytes(32)));
    const replayed = await exchange(first.code, verifier);
    const second = await login();
    const good = await exchange(second.code, verifier);
    const tokens = (await good.json()) as { access_token: string };
    const me = await fetch(`${s().url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    const foreign = await fetch(
      `${issuer.authorizeUrl}?client_id=${issuer.clientId}&redirect_uri=${encodeURIComponent('https://evil.example/')}`,
    );

    // Assess
    expect(first.status).toBe(302);
    expect(first.state).toBe('xyz');
    expect(wrong.status).toBe(400);
    expect(replayed.status).toBe(400); // codes are single use, even after a failed attempt
    expect(good.status).toBe(200);
    expect(good.headers.get('access-control-allow-origin')).toBe(s().url);
    expect(await me.json()).toMatchObject({ username: 'bob', roles: ['approver', 'viewer'] });
    expect(foreign.status).toBe(400);
  });

  it('serves the console with a strict CSP and the API through the local API Gateway adapter', async () => {
    // Act
    const index = await fetch(`${s().url}/`);
    const script = await fetch(`${s().url}/assets/app.js`);
    const missingAsset = await fetch(`${s().url}/assets/missing.js`);
    const postIndex = await fetch(`${s().url}/`, { method: 'POST' });
    const health = await fetch(`${s().url}/health`);
    const tooLarge = await fetch(`${s().url}/isolations`, {
      method: 'POST',
      headers: { ...(await bearer('alice')), 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'x'.repeat(40_000) }),
    });

    // Assess
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(index.status).toBe(200);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await index.text()).not.toMatch(/<script>|<style>|style="/);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    // Routed as API Gateway routes them: GET on a console path to the console function (which has no such
    // file), any other method to the API (which has no route for /).
    expect(missingAsset.status).toBe(404);
    expect(((await missingAsset.json()) as { detail: string }).detail).toBe(
      'no route for /assets/missing.js',
    );
    expect(postIndex.status).toBe(404);
    expect(((await postIndex.json()) as { detail: string }).detail).toBe('no route for /');
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[console\] console request refused .*"\/assets\/missing\.js"/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[api\] api request refused .*"method":"POST","path":"\/"/),
    );
    expect(await health.json()).toEqual({ status: 'ok', service: 'cordon-api' });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('lets the demo machine client take a client-credentials token, read, request and look a Name up, but not approve', async () => {
    // Prepare
    const { clientId, clientSecret } = SANDBOX_MACHINE_CLIENT;
    const tokenAnswer = await fetch(s().issuer.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const { web } = s().org.instances;
    const query = new URLSearchParams({
      account: SANDBOX_MEMBER_ACCOUNT,
      region: s().env.config.region,
      name: web.name,
    });

    // Act
    const list = await fetch(`${s().url}/isolations`, { headers });
    const found = await fetch(`${s().url}/resources/instances?${query.toString()}`, { headers });
    const created = await fetch(`${s().url}/isolations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        resourceType: 'iam-user',
        accountId: SANDBOX_MEMBER_ACCOUNT,
        region: s().env.config.region,
        resourceId: `soar-suspect-${process.pid}`,
        reason: 'SOAR case 4711: credential exfiltration',
      }),
    });
    const { id } = (await created.json()) as { id: string };
    const approve = await fetch(`${s().url}/isolations/${id}/approve`, {
      method: 'POST',
      headers,
      body: '{}',
    });

    // Assess
    expect(tokenAnswer.status).toBe(200);
    expect(list.status).toBe(200);
    expect(found.status).toBe(200);
    expect(((await found.json()) as { instances: { instanceId: string }[] }).instances).toEqual([
      expect.objectContaining({ instanceId: web.instanceId }),
    ]);
    expect(created.status).toBe(201);
    expect(approve.status).toBe(403);
  });

  it('fires a simulated finding at a demo resource through the rules, triage and the worker', async () => {
    // Prepare
    const catalogue = (await (
      await fetch(`${s().url}/sandbox/catalogue`, { headers: await bearer('victor') })
    ).json()) as { findingTypes: { id: string; label: string }[]; resources: { id: string }[] };
    const crypto = catalogue.findingTypes.find((t) => t.label.startsWith('CryptoCurrency:EC2'));
    const batch = catalogue.resources.find((r) => r.id.includes(s().org.instances.batch.instanceId));

    // Act
    const viewerTry = await fetch(`${s().url}/sandbox/simulate`, {
      method: 'POST',
      headers: { ...(await bearer('victor')), 'content-type': 'application/json' },
      body: JSON.stringify({ findingType: crypto?.id, resource: batch?.id }),
    });
    const fired = await fetch(`${s().url}/sandbox/simulate`, {
      method: 'POST',
      headers: { ...(await bearer('alice')), 'content-type': 'application/json' },
      body: JSON.stringify({ findingType: crypto?.id, resource: batch?.id }),
    });
    const result = (await fired.json()) as {
      rows: { rule: string; mode: string }[];
      isolations: { status: string }[];
    };
    const outbox = (await (
      await fetch(`${s().url}/sandbox/outbox`, { headers: await bearer('victor') })
    ).json()) as { entries: { operation: string }[] };

    // Assess
    expect(viewerTry.status).toBe(403);
    expect(fired.status).toBe(200);
    expect(result.rows[0]).toMatchObject({ rule: 'ec2-crypto-mining', mode: 'auto' });
    expect(result.isolations).toEqual([expect.objectContaining({ status: 'ISOLATED' })]);
    expect(outbox.entries.length).toBeGreaterThan(0);
    expect(outbox.entries[0]?.operation).toMatch(/^Batch(Update|Import)Findings$/);
  });

  it('has no sandbox routes in the handler the Lambda builds', async () => {
    // Prepare: the handler exactly as functions/api.ts builds it (no extra routes)
    const issuer = s().issuer;
    const auth = {
      kind: 'oidc' as const,
      issuer: issuer.issuer,
      audience: issuer.clientId,
      jwksUri: issuer.jwksUri,
      tokenUse: 'access' as const,
    };
    const groups = {
      claim: 'cognito:groups',
      requesters: 'cordon-requesters',
      approvers: 'cordon-approvers',
      viewers: 'cordon-viewers',
    };
    const lambdaHandler = createApiHandler({
      config: { auth, groups, region: s().env.config.region, sandbox: false },
      authenticator: new Authenticator(createTokenVerifier(auth, loopbackJwksCache()), groups),
      service: pipelineApiService(s().env.deps),
      logger: quietLogger,
    });
    const token = await issuer.accessTokenFor('bob');

    // Act
    const outbox = await lambdaHandler(apiEvent('GET', '/sandbox/outbox', { token }));
    const simulate = await lambdaHandler(apiEvent('POST', '/sandbox/simulate', { token, body: {} }));

    // Assess
    expect(outbox.statusCode).toBe(404);
    expect(simulate.statusCode).toBe(404);
  });
});
