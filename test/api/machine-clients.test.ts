/**
 * Machine clients (client-credentials access tokens): scopes grant roles only to configured clients and only the
 * scopes configured for them; groups in their tokens grant nothing; they never approve; a person's scopes grant
 * nothing. Tokens are signed by the local issuer and verified with aws-jwt-verify as in production.
 */
import { describe, expect, it } from 'vitest';
import { useApi, userRequest } from './support.js';

const api = useApi();

/** A client-credentials access token as Cognito issues it: no audience, the client in `client_id` and `sub`. */
function machineToken(clientId: string, claims: Record<string, unknown> = {}): Promise<string> {
  return api.issuer.sign({
    aud: undefined,
    sub: clientId,
    client_id: clientId,
    token_use: 'access',
    scope: 'cordon/read cordon/request',
    ...claims,
  });
}

describe('API: machine clients', () => {
  it('lets a client with cordon/request request an isolation, recorded as the client, that a person then approves', async () => {
    // Arrange
    const token = await machineToken('soar-client');

    // Act
    const me = await api.call('GET', '/me', { token });
    const created = await api.call('POST', '/isolations', { token, body: userRequest() });
    const id = String(created.body['id']);
    const selfApproval = await api.call('POST', `/isolations/${id}/approve`, { token });
    const approved = await api.call('POST', `/isolations/${id}/approve`, { token: await api.token('bob') });

    // Assess
    expect(new Set(me.body['roles'] as string[])).toEqual(new Set(['viewer', 'requester']));
    expect(created.status).toBe(201);
    expect(created.body['requester']).toMatchObject({ type: 'client', name: 'soar' });
    expect(String((created.body['requester'] as { id: string }).id)).toContain('client:soar-client');
    expect(created.body['allowed']).toMatchObject({ approve: false, release: false });
    expect(selfApproval.status).toBe(403);
    expect(approved.status).toBe(200);
    expect(approved.body['approver']).toMatchObject({ type: 'user', name: 'bob' });
  });

  it('refuses an emergency (immediate) isolation from a machine client', async () => {
    const token = await machineToken('soar-client');
    const res = await api.call('POST', '/isolations', { token, body: userRequest({ immediate: true }) });
    expect(res.status).toBe(403);
  });

  it('grants nothing for a forged approve scope, a groups claim or a scope the deployment does not allow the client', async () => {
    // Arrange: the issuer signed these, but cordon's configuration is what grants
    const forged = await machineToken('soar-client', {
      scope: 'cordon/read cordon/approve',
      'cognito:groups': ['cordon-approvers'],
    });
    const reader = await machineToken('reader-client', { scope: 'cordon/read cordon/request' });
    const created = await api.call('POST', '/isolations', {
      token: await machineToken('soar-client'),
      body: userRequest(),
    });
    const id = String(created.body['id']);

    // Act
    const approve = await api.call('POST', `/isolations/${id}/approve`, { token: forged });
    const forgedRequest = await api.call('POST', '/isolations', { token: forged, body: userRequest() });
    const readerRequest = await api.call('POST', '/isolations', { token: reader, body: userRequest() });
    const readerList = await api.call('GET', '/isolations', { token: reader });

    // Assess
    expect(approve.status).toBe(403);
    expect(forgedRequest.status).toBe(403);
    expect(readerRequest.status).toBe(403);
    expect(readerList.status).toBe(200);
  });

  it('refuses a missing or malformed scope claim', async () => {
    const none = await machineToken('soar-client', { scope: undefined });
    const joined = await machineToken('soar-client', { scope: 'cordon/read,cordon/request' });
    // Not a string: aws-jwt-verify refuses the token itself.
    const list = await machineToken('soar-client', { scope: ['cordon/read', 'cordon/request'] });
    expect((await api.call('GET', '/isolations', { token: none })).status).toBe(403);
    expect((await api.call('GET', '/isolations', { token: joined })).status).toBe(403);
    expect((await api.call('GET', '/isolations', { token: list })).status).toBe(401);
  });

  it('refuses an ID token, or an access token of an unlisted client, as a machine client (401)', async () => {
    const idToken = await machineToken('soar-client', { token_use: 'id' });
    const noTokenUse = await machineToken('soar-client', { token_use: undefined });
    expect((await api.call('GET', '/me', { token: idToken })).status).toBe(401);
    expect((await api.call('GET', '/me', { token: noTokenUse })).status).toBe(401);
  });

  it("ignores scopes in a person's token: roles come from groups only", async () => {
    // victor is a viewer; his token claims the request scope
    const victor = api.issuer.users.find((u) => u.username === 'victor');
    const token = await api.issuer.sign({
      sub: victor?.sub,
      client_id: api.issuer.clientId,
      token_use: 'access',
      username: 'victor',
      'cognito:groups': ['cordon-viewers'],
      scope: 'openid cordon/request',
    });
    const res = await api.call('POST', '/isolations', { token, body: userRequest() });
    expect(res.status).toBe(403);
  });
});
