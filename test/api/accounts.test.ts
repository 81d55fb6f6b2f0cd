/**
 * The API acts only inside the account boundary: a request for the security account, or for an account outside
 * the member-account allow-list (the deployment's or the policy's), answers 422 problem+json before any AWS call,
 * and nothing is recorded, reported or notified.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_SECURITY_ACCOUNT } from '../../scripts/sandbox/environment.js';
import { useApi, userRequest } from './support.js';

const MEMBER = '210987654321';

describe('API: the account boundary', () => {
  const api = useApi();
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  function outbox(): string {
    return existsSync(api.env.outboxPath) ? readFileSync(api.env.outboxPath, 'utf8') : '';
  }

  async function recordsFor(resourceId: string): Promise<number> {
    return (await api.env.deps.store.list({ resourceId, limit: 10 })).items.length;
  }

  /** Set the deployment's allow-list for one test (CORDON_MEMBER_ACCOUNTS). */
  function allowList(accounts: string[]): void {
    const config = api.env.deps.config;
    api.env.deps.config = { ...config, memberAccounts: accounts };
    restore = () => {
      api.env.deps.config = config;
    };
  }

  it('answers 422 for the security account, an emergency request included', async () => {
    // Prepare
    const body = userRequest({ accountId: SANDBOX_SECURITY_ACCOUNT, immediate: true });

    // Act
    const response = await api.call('POST', '/isolations', { token: await api.token('bob'), body });
    await api.env.idle();

    // Assess
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body['type']).toMatch(/refused-account$/);
    expect(String(response.body['detail'])).toContain(
      `account ${SANDBOX_SECURITY_ACCOUNT} is the security account cordon runs in, which is never a target`,
    );
    expect(await recordsFor(String(body['resourceId']))).toBe(0);
    expect(outbox()).not.toContain(String(body['resourceId']));
  });

  it('answers 422 for an account outside the deployment allow-list, and 201 inside it', async () => {
    // Prepare
    allowList(['111111111111']);
    const outside = userRequest({ accountId: MEMBER });

    // Act
    const refused = await api.call('POST', '/isolations', { token: await api.token('alice'), body: outside });

    // Assess
    expect(refused.status).toBe(422);
    expect(String(refused.body['detail'])).toContain(
      `account ${MEMBER} is not in the member-account allow-list`,
    );
    expect(await recordsFor(String(outside['resourceId']))).toBe(0);

    // Act: the same account, once listed
    allowList([MEMBER, '111111111111']);
    const clients = await api.env.deps.memberClients(MEMBER, 'eu-west-1', 'test-setup');
    const inside = userRequest({ accountId: MEMBER });
    await clients.iam.send(new CreateUserCommand({ UserName: String(inside['resourceId']) }));
    const accepted = await api.call('POST', '/isolations', { token: await api.token('alice'), body: inside });

    // Assess
    expect(accepted.status).toBe(201);
  });

  it("answers 422 for an account outside the policy's memberAccounts", async () => {
    // Prepare
    const policy = api.env.deps.policy;
    api.env.deps.policy = { ...policy, settings: { ...policy.settings, memberAccounts: ['111111111111'] } };
    restore = () => {
      api.env.deps.policy = policy;
    };
    const body = userRequest({ accountId: MEMBER });

    // Act
    const response = await api.call('POST', '/isolations', { token: await api.token('alice'), body });

    // Assess
    expect(response.status).toBe(422);
    expect(await recordsFor(String(body['resourceId']))).toBe(0);
  });
});
