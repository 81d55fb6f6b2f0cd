/**
 * Machine clients end to end through the sandbox issuer: the client authenticates at the issuer's token endpoint
 * with the client-credentials grant (HTTP Basic, as with Cognito), receives an access token shaped like Cognito's,
 * and calls the real API handler with it. It can read and request; it can never approve, even with an approve
 * scope the issuer was willing to put in its token.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { useApi, userRequest } from './support.js';

const api = useApi();

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** POST the client-credentials grant to the issuer's token endpoint over HTTP. */
async function clientToken(clientId: string, secret: string, scope?: string): Promise<TokenAnswer> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
  const res = await fetch(api.issuer.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: form.toString(),
  });
  const body: unknown = await res.json();
  return { status: res.status, body: typeof body === 'object' && body !== null ? { ...body } : {} };
}

async function accessToken(clientId: string, secret: string, scope?: string): Promise<string> {
  const answer = await clientToken(clientId, secret, scope);
  if (answer.status !== 200)
    throw new Error(`the issuer refused ${clientId}: ${JSON.stringify(answer.body)}`);
  return String(answer.body['access_token']);
}

describe('API: machine clients with client-credentials tokens from the sandbox issuer', () => {
  it('issues an access token shaped like Cognito’s: no audience, the client as subject, the scopes in one string', async () => {
    // Act
    const answer = await clientToken('soar-client', 'soar-secret', 'cordon/read cordon/request');
    const claims = decodeJwt(String(answer.body['access_token']));

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(answer.body['id_token']).toBeUndefined();
    expect(answer.body['refresh_token']).toBeUndefined();
    expect(claims).toMatchObject({
      iss: api.issuer.issuer,
      sub: 'soar-client',
      client_id: 'soar-client',
      token_use: 'access',
      scope: 'cordon/read cordon/request',
    });
    expect(claims.aud).toBeUndefined();
    expect(claims['cognito:groups']).toBeUndefined();
  });

  it('lets a client with cordon/request read and request, and never approve, even with an approve scope', async () => {
    // Arrange: the issuer grants soar-client cordon/approve on request; cordon's configuration does not
    const token = await accessToken('soar-client', 'soar-secret', 'cordon/read cordon/request');
    const withApprove = await accessToken('soar-client', 'soar-secret');
    const byAlice = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest(),
    });

    // Act
    const list = await api.call('GET', '/isolations', { token });
    const created = await api.call('POST', '/isolations', { token, body: userRequest() });
    const id = String(created.body['id']);
    const ownApproval = await api.call('POST', `/isolations/${id}/approve`, { token: withApprove });
    const othersApproval = await api.call('POST', `/isolations/${String(byAlice.body['id'])}/approve`, {
      token: withApprove,
    });
    const release = await api.call('POST', `/isolations/${id}/release`, {
      token: withApprove,
      body: { reason: 'a machine tries to release this' },
    });
    const humanApproval = await api.call('POST', `/isolations/${id}/approve`, {
      token: await api.token('bob'),
    });

    // Assess
    expect(decodeJwt(withApprove)['scope']).toBe('cordon/read cordon/request cordon/approve');
    expect(list.status).toBe(200);
    expect(created.status).toBe(201);
    expect(created.body['requester']).toMatchObject({ type: 'client', name: 'soar' });
    expect(ownApproval.status).toBe(403);
    expect(othersApproval.status).toBe(403);
    expect(release.status).toBe(403);
    expect(humanApproval.status).toBe(200);
    expect(humanApproval.body['approver']).toMatchObject({ type: 'user', name: 'bob' });
  });

  it('lets a client with cordon/read only read', async () => {
    // Arrange
    const token = await accessToken('reader-client', 'reader-secret');

    // Act
    const list = await api.call('GET', '/isolations', { token });
    const request = await api.call('POST', '/isolations', { token, body: userRequest() });

    // Assess
    expect(decodeJwt(token)['scope']).toBe('cordon/read');
    expect(list.status).toBe(200);
    expect(request.status).toBe(403);
  });

  it('refuses a wrong secret, an unknown client and a scope the client may not ask for', async () => {
    // Act
    const wrongSecret = await clientToken('soar-client', 'not-the-secret');
    const unknown = await clientToken('stranger', 'soar-secret');
    const beyond = await clientToken('reader-client', 'reader-secret', 'cordon/read cordon/request');

    // Assess
    expect(wrongSecret).toEqual({ status: 401, body: { error: 'invalid_client' } });
    expect(unknown).toEqual({ status: 401, body: { error: 'invalid_client' } });
    expect(beyond).toEqual({ status: 400, body: { error: 'invalid_scope' } });
  });
});
