/**
 * API flows end to end on moto: request → approve → ISOLATED, reject, release, emergency isolation,
 * duplicates, refused resources, listing with filters and an opaque cursor, and the policy playground.
 */
import { readFileSync } from 'node:fs';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../aws/support/faults.js';
import { useApi, userRequest } from './support.js';

const MEMBER = '210987654321';

describe('API: isolation flows on moto', () => {
  const api = useApi();

  async function memberUser(name: string): Promise<string> {
    const clients = await api.env.deps.memberClients(MEMBER, 'eu-west-1', 'test-setup');
    await clients.iam.send(new CreateUserCommand({ UserName: name }));
    const key = await clients.iam.send(new CreateAccessKeyCommand({ UserName: name }));
    return key.AccessKey?.AccessKeyId ?? '';
  }

  async function denied(name: string): Promise<number> {
    const clients = await api.env.deps.memberClients(MEMBER, 'eu-west-1', 'test-check');
    const inline = await clients.iam.send(new ListUserPoliciesCommand({ UserName: name }));
    const attached = await clients.iam.send(new ListAttachedUserPoliciesCommand({ UserName: name }));
    return (inline.PolicyNames ?? []).length + (attached.AttachedPolicies ?? []).length;
  }

  it('isolates an IAM user after a second person approves, and releases it', async () => {
    // Prepare
    await memberUser('flow-isolate');
    const alice = await api.token('alice');
    const bob = await api.token('bob');

    // Act
    const created = await api.call('POST', '/isolations', {
      token: alice,
      body: userRequest({ resourceId: 'flow-isolate', ticket: 'SEC-7' }),
    });
    const id = String(created.body['id']);
    const approved = await api.call('POST', `/isolations/${id}/approve`, { token: bob, body: {} });
    await api.env.idle();
    const isolated = await api.call('GET', `/isolations/${id}`, { token: alice });
    const policiesWhileIsolated = await denied('flow-isolate');
    const released = await api.call('POST', `/isolations/${id}/release`, {
      token: bob,
      body: { reason: 'Owner rotated credentials, cleared by IR' },
    });
    await api.env.idle();
    const after = await api.call('GET', `/isolations/${id}`, { token: alice });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'PENDING_APPROVAL', mode: 'manual', ticket: 'SEC-7' });
    expect(created.body['allowed']).toEqual({ approve: false, reject: false, release: false, retry: false });
    expect(approved.status).toBe(200);
    expect(isolated.body['status']).toBe('ISOLATED');
    expect(policiesWhileIsolated).toBeGreaterThan(0);
    expect(released.status).toBe(200);
    expect(after.body['status']).toBe('RELEASED');
    expect(await denied('flow-isolate')).toBe(0);
    const audit = after.body['audit'] as { by: { name: string }; to: string; note?: string }[];
    const trail = audit.map((a) => `${a.by.name}:${a.to}`);
    expect(trail.slice(0, 5)).toEqual([
      'alice:PENDING_APPROVAL',
      'bob:APPROVED',
      'cordon worker:IN_PROGRESS',
      'cordon worker:ISOLATED',
      'bob:RELEASING',
    ]);
    expect(trail.at(-1)).toBe('cordon worker:RELEASED');
    expect(audit[4]?.note).toBe('Owner rotated credentials, cleared by IR');
  });

  it('retries a FAILED isolation for an approver, resuming it to ISOLATED', async () => {
    // Prepare: the member role is denied the deny-all policy once, so the first run ends FAILED
    await memberUser('flow-retry');
    const faults = new FaultInjector().inject('PutUserPolicy', 'access-denied');
    faults.attach((await api.env.deps.memberClients(MEMBER, 'eu-west-1', 'test-faults')).iam);
    const alice = await api.token('alice');
    const bob = await api.token('bob');
    const created = await api.call('POST', '/isolations', {
      token: alice,
      body: userRequest({ resourceId: 'flow-retry' }),
    });
    const id = String(created.body['id']);
    await api.call('POST', `/isolations/${id}/approve`, { token: bob, body: {} });
    await api.env.idle();
    const failed = await api.call('GET', `/isolations/${id}`, { token: bob });

    // Act
    const byRequester = await api.call('POST', `/isolations/${id}/retry`, { token: alice, body: {} });
    const retried = await api.call('POST', `/isolations/${id}/retry`, {
      token: bob,
      body: { reason: 'Member role policy fixed' },
    });
    await api.env.idle();
    const after = await api.call('GET', `/isolations/${id}`, { token: bob });
    const again = await api.call('POST', `/isolations/${id}/retry`, { token: bob, body: {} });

    // Assess
    expect(faults.raised).toEqual(['PutUserPolicy:access-denied']);
    expect(failed.body).toMatchObject({ status: 'FAILED', allowed: { retry: true, release: true } });
    expect(byRequester.status).toBe(403);
    expect(retried.status).toBe(202);
    expect(after.body).toMatchObject({ status: 'ISOLATED', allowed: { retry: false } });
    expect(await denied('flow-retry')).toBeGreaterThan(0);
    expect(again.status).toBe(409);
    expect(again.body['detail']).toMatch(/Only a FAILED isolation can be retried/);
  });

  it('rejects a pending request with the reason on the audit trail, and refuses to approve it afterwards', async () => {
    // Prepare
    const created = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest(),
    });
    const id = String(created.body['id']);

    // Act
    const rejected = await api.call('POST', `/isolations/${id}/reject`, {
      token: await api.token('bob'),
      body: { reason: 'Known pen-test window, approved by CISO' },
    });
    const late = await api.call('POST', `/isolations/${id}/approve`, {
      token: await api.token('dave'),
      body: {},
    });

    // Assess
    expect(rejected.body['status']).toBe('REJECTED');
    expect((rejected.body['audit'] as { note?: string }[]).at(-1)?.note).toBe(
      'Known pen-test window, approved by CISO',
    );
    expect(late.status).toBe(409);
    expect(late.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('runs an approver’s emergency isolation at once, recorded as immediate with the approver as both parties', async () => {
    // Prepare
    await memberUser('flow-emergency');

    // Act
    const created = await api.call('POST', '/isolations', {
      token: await api.token('bob'),
      body: userRequest({
        resourceId: 'flow-emergency',
        immediate: true,
        reason: 'Active exfiltration right now',
      }),
    });
    await api.env.idle();
    const record = await api.call('GET', `/isolations/${String(created.body['id'])}`, {
      token: await api.token('victor'),
    });

    // Assess
    expect(created.status).toBe(201);
    expect(record.body).toMatchObject({ status: 'ISOLATED', immediate: true });
    expect(record.body['requester']).toMatchObject({ type: 'user', name: 'bob' });
    expect(record.body['approver']).toMatchObject({ type: 'user', name: 'bob' });
    const outbox = readFileSync(api.env.outboxPath, 'utf8');
    expect(outbox).toContain(String(created.body['id']));
  });

  it('returns the active isolation instead of creating a second one for the same resource', async () => {
    // Prepare
    const body = userRequest();
    const first = await api.call('POST', '/isolations', { token: await api.token('alice'), body });

    // Act
    const second = await api.call('POST', '/isolations', { token: await api.token('dave'), body });

    // Assess
    expect(second.status).toBe(200);
    expect(second.body['id']).toBe(first.body['id']);
    expect(second.body['duplicateOf']).toBe('resource');
  });

  it('refuses to isolate cordon’s own member role with 422', async () => {
    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest({ resourceType: 'iam-role', resourceId: 'cordon-member' }),
    });

    // Assess
    expect(response.status).toBe(422);
    expect(String(response.body['detail'])).toContain('cordon-member');
  });

  it('lists isolations newest first, filtered by status, account and resource, paged with an opaque cursor', async () => {
    // Prepare
    const token = await api.token('alice');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await api.call('POST', '/isolations', {
        token,
        body: userRequest({ accountId: '333333333333' }),
      });
      ids.push(String(r.body['id']));
    }

    // Act
    const page1 = await api.call('GET', '/isolations', {
      token,
      query: { account: '333333333333', limit: '2' },
    });
    const page2 = await api.call('GET', '/isolations', {
      token,
      query: { account: '333333333333', limit: '2', cursor: String(page1.body['cursor']) },
    });
    const byResource = await api.call('GET', '/isolations', {
      token,
      query: {
        resource: String(
          (await api.call('GET', `/isolations/${ids[0] ?? ''}`, { token })).body['resourceId'],
        ),
      },
    });
    const pending = await api.call('GET', '/isolations', {
      token,
      query: { status: 'PENDING_APPROVAL', limit: '100' },
    });

    // Assess
    const idsOf = (r: { body: Record<string, unknown> }) =>
      (r.body['items'] as { id: string }[]).map((i) => i.id);
    expect(idsOf(page1)).toEqual([ids[2], ids[1]]);
    expect(typeof page1.body['cursor']).toBe('string');
    expect(idsOf(page2)).toEqual([ids[0]]);
    expect(idsOf(byResource)).toEqual([ids[0]]);
    expect(
      (pending.body['items'] as { status: string }[]).every((i) => i.status === 'PENDING_APPROVAL'),
    ).toBe(true);
  });

  it('evaluates a pasted finding in the policy playground without acting', async () => {
    // Prepare
    const event = JSON.parse(
      readFileSync('test/events/guardduty-ec2-ssh-bruteforce.envelope-assembled.json', 'utf8'),
    ) as unknown;
    const before = (await api.env.deps.store.list({ limit: 100 })).items.length;

    // Act
    const response = await api.call('POST', '/policy/evaluate', {
      token: await api.token('victor'),
      body: event,
    });

    // Assess
    expect(response.status).toBe(200);
    const findings = response.body['findings'] as {
      decision: { rule: string; mode: string; explanation: unknown[] };
    }[];
    expect(findings[0]?.decision).toMatchObject({ rule: 'ec2-inbound-brute-force', mode: 'notify' });
    expect(findings[0]?.decision.explanation.length).toBeGreaterThan(0);
    expect((await api.env.deps.store.list({ limit: 100 })).items.length).toBe(before);
  });
});
