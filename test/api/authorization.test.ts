/**
 * The authorisation matrix: every route × {anonymous, viewer, requester, approver} × {own request, another's},
 * through the real handler, the real token verification and the real pipeline store on moto.
 */
import { describe, expect, it } from 'vitest';
import { useApi, userRequest } from './support.js';

type Caller = 'anonymous' | 'viewer' | 'requester' | 'approver';
type Ownership = 'own' | 'another';

const USERNAME: Record<Exclude<Caller, 'anonymous'>, string> = {
  viewer: 'victor',
  requester: 'alice',
  approver: 'bob',
};

interface RouteCase {
  name: string;
  method: 'GET' | 'POST';
  /** Path for a pending isolation id. */
  path: (id: string) => string;
  body?: () => unknown;
  /** Whether the route acts on a particular isolation (ownership matters). */
  onRecord: boolean;
  expected: (caller: Caller, ownership: Ownership) => number;
}

const protectedRead = (caller: Caller) => (caller === 'anonymous' ? 401 : 200);

const ROUTES: RouteCase[] = [
  { name: 'GET /health', method: 'GET', path: () => '/health', onRecord: false, expected: () => 200 },
  { name: 'GET /me', method: 'GET', path: () => '/me', onRecord: false, expected: protectedRead },
  {
    name: 'GET /isolations',
    method: 'GET',
    path: () => '/isolations',
    onRecord: false,
    expected: protectedRead,
  },
  {
    name: 'GET /isolations/{id}',
    method: 'GET',
    path: (id) => `/isolations/${id}`,
    onRecord: true,
    expected: protectedRead,
  },
  {
    name: 'POST /isolations',
    method: 'POST',
    path: () => '/isolations',
    body: () => userRequest(),
    onRecord: false,
    expected: (caller) => ({ anonymous: 401, viewer: 403, requester: 201, approver: 201 })[caller],
  },
  {
    name: 'POST /isolations (immediate)',
    method: 'POST',
    path: () => '/isolations',
    body: () => userRequest({ immediate: true, reason: 'Emergency: active credential abuse seen now' }),
    onRecord: false,
    expected: (caller) => ({ anonymous: 401, viewer: 403, requester: 403, approver: 201 })[caller],
  },
  {
    name: 'POST /isolations/{id}/approve',
    method: 'POST',
    path: (id) => `/isolations/${id}/approve`,
    body: () => ({}),
    onRecord: true,
    // Four eyes: an approver cannot approve their own request.
    expected: (caller, ownership) =>
      ({ anonymous: 401, viewer: 403, requester: 403, approver: ownership === 'own' ? 403 : 200 })[caller],
  },
  {
    name: 'POST /isolations/{id}/reject',
    method: 'POST',
    path: (id) => `/isolations/${id}/reject`,
    body: () => ({ reason: 'False positive: a scheduled pen test' }),
    onRecord: true,
    expected: (caller) => ({ anonymous: 401, viewer: 403, requester: 403, approver: 200 })[caller],
  },
  {
    name: 'POST /isolations/{id}/withdraw',
    method: 'POST',
    path: (id) => `/isolations/${id}/withdraw`,
    body: () => ({ reason: 'Raised by mistake: wrong instance' }),
    onRecord: true,
    // Only the requester withdraws their own pending request.
    expected: (caller, ownership) =>
      ({
        anonymous: 401,
        viewer: 403,
        requester: ownership === 'own' ? 200 : 403,
        approver: ownership === 'own' ? 200 : 403,
      })[caller],
  },
  {
    name: 'POST /isolations/{id}/release',
    method: 'POST',
    path: (id) => `/isolations/${id}/release`,
    body: () => ({ reason: 'Investigation finished, instance rebuilt' }),
    onRecord: true,
    // Authorised approvers reach the pipeline, which refuses to release a request that is still pending.
    expected: (caller) => ({ anonymous: 401, viewer: 403, requester: 403, approver: 409 })[caller],
  },
  {
    name: 'POST /isolations/{id}/retry',
    method: 'POST',
    path: (id) => `/isolations/${id}/retry`,
    body: () => ({}),
    onRecord: true,
    // Authorised approvers reach the pipeline, which retries only a FAILED isolation.
    expected: (caller) => ({ anonymous: 401, viewer: 403, requester: 403, approver: 409 })[caller],
  },
  {
    name: 'POST /policy/evaluate',
    method: 'POST',
    path: () => '/policy/evaluate',
    body: () => ({ 'detail-type': 'Not a finding', source: 'aws.ec2', detail: {} }),
    onRecord: false,
    // Readers reach the evaluator, which explains that this is not a finding event.
    expected: (caller) => (caller === 'anonymous' ? 401 : 400),
  },
];

const CALLERS: Caller[] = ['anonymous', 'viewer', 'requester', 'approver'];
const OWNERSHIPS: Ownership[] = ['own', 'another'];

const CASES = ROUTES.flatMap((route) =>
  CALLERS.flatMap((caller) =>
    OWNERSHIPS.map((ownership) => ({ route, caller, ownership, status: route.expected(caller, ownership) })),
  ),
);

describe('API: authorisation matrix', () => {
  const api = useApi();

  /** A fresh pending isolation requested by the caller (own) or by someone else (another's). */
  async function pendingFor(caller: Caller, ownership: Ownership): Promise<string> {
    const requesterName =
      ownership === 'own' && (caller === 'requester' || caller === 'approver')
        ? USERNAME[caller]
        : caller === 'approver'
          ? 'alice'
          : 'dave';
    const response = await api.call('POST', '/isolations', {
      token: await api.token(requesterName),
      body: userRequest(),
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return String(response.body['id']);
  }

  it.each(CASES)(
    '$route.name as $caller on $ownership request → $status',
    async ({ route, caller, ownership, status }) => {
      // Prepare
      const id = route.onRecord ? await pendingFor(caller, ownership) : 'unused';
      const token = caller === 'anonymous' ? undefined : await api.token(USERNAME[caller]);
      const body = route.body?.();

      // Act
      const response = await api.call(route.method, route.path(id), {
        ...(token ? { token } : {}),
        ...(body !== undefined ? { body } : {}),
      });

      // Assess
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      if (status >= 400) {
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body['status']).toBe(status);
      }
      if (status === 401) expect(response.headers['www-authenticate']).toBe('Bearer');
    },
  );

  it('refuses a signed-in user who is in no cordon group on every protected route', async () => {
    // Prepare
    const token = await api.token('nora');
    const id = await pendingFor('approver', 'another');

    for (const route of ROUTES.filter((r) => r.name !== 'GET /health')) {
      // Act
      const body = route.body?.();
      const response = await api.call(route.method, route.path(id), {
        token,
        ...(body !== undefined ? { body } : {}),
      });

      // Assess
      expect(response.status, route.name).toBe(403);
      expect(String(response.body['detail'])).toContain('not a member of any cordon group');
    }
  });

  it('records the signed-in principal (issuer + subject, and username) as requester and approver', async () => {
    // Prepare
    const id = await pendingFor('requester', 'own');

    // Act
    const approved = await api.call('POST', `/isolations/${id}/approve`, {
      token: await api.token('bob'),
      body: { reason: 'Confirmed with the account owner' },
    });

    // Assess
    expect(approved.status).toBe(200);
    const record = (await api.call('GET', `/isolations/${id}`, { token: await api.token('victor') })).body;
    const issuer = api.issuer.issuer.replace(/\/+$/, '');
    expect(record['requester']).toEqual({
      type: 'user',
      id: `${issuer}#${api.issuer.users[0]?.sub ?? ''}`,
      name: 'alice',
    });
    expect(record['approver']).toMatchObject({
      type: 'user',
      id: `${issuer}#${api.issuer.users[1]?.sub ?? ''}`,
      name: 'bob',
    });
    const audit = record['audit'] as { by: { name: string }; to: string }[];
    expect(audit.map((a) => `${a.by.name}:${a.to}`)).toContain('bob:APPROVED');
  });
});
