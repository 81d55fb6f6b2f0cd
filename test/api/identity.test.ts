/**
 * Who the caller is: the groups claim grants roles only as a list of exact group names, and four eyes compares a
 * normalised identity (issuer + subject).
 */
import { describe, expect, it } from 'vitest';
import { groupsFromClaim, principalIdentity } from '../../functions/lib/api/auth.js';
import { requestIsolation } from '../../functions/lib/pipeline/service.js';
import { TEST_USERS, useApi, userRequest } from './support.js';

const alice = TEST_USERS[0];

describe('API: groups claim and four-eyes identity', () => {
  const api = useApi();

  function tokenWith(claims: Record<string, unknown>): Promise<string> {
    return api.issuer.sign({
      iss: api.issuer.issuer,
      aud: api.issuer.clientId,
      client_id: api.issuer.clientId,
      token_use: 'access',
      username: 'mallory',
      sub: 'f00dbabe-0000-4000-8000-000000000001',
      ...claims,
    });
  }

  it.each([
    ['a comma-separated string', 'x,cordon-approvers'],
    ['a space-separated string', 'x cordon-approvers'],
    ['a single group as a string', 'cordon-approvers'],
    ['a list with a non-string entry', ['cordon-approvers', 7]],
  ])('grants no role for %s', async (_name, groups) => {
    // Prepare
    const token = await tokenWith({ 'cognito:groups': groups });

    // Act
    const me = await api.call('GET', '/me', { token });
    const request = await api.call('POST', '/isolations', { token, body: userRequest() });

    // Assess
    expect(me.status).toBe(403);
    expect(String(me.body['detail'])).toContain('cognito:groups claim is not a list of group names');
    expect(request.status).toBe(403);
  });

  it('matches group names exactly', async () => {
    // Prepare
    const token = await tokenWith({ 'cognito:groups': ['cordon-approvers ', 'Cordon-Approvers', 'x'] });

    // Act
    const me = await api.call('GET', '/me', { token });

    // Assess
    expect(me.status).toBe(403);
    expect(String(me.body['detail'])).toContain('not a member of any cordon group');
  });

  it('refuses an approval by another token with the requester’s issuer and subject', async () => {
    // Prepare: alice requests; a second token for the same person carries the approvers group.
    const created = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest(),
    });
    const sameAlice = await tokenWith({ sub: alice?.sub, 'cognito:groups': ['cordon-approvers'] });

    // Act
    const approve = await api.call('POST', `/isolations/${String(created.body['id'])}/approve`, {
      token: sameAlice,
      body: {},
    });
    const view = await api.call('GET', `/isolations/${String(created.body['id'])}`, { token: sameAlice });

    // Assess
    expect(approve.status).toBe(403);
    expect(view.body['allowed']).toMatchObject({ approve: false });
  });

  it('refuses an approval of a record that names its requester by the bare subject', async () => {
    // Prepare: a record written before identities carried the issuer.
    const { record } = await requestIsolation(api.env.deps, {
      resource: {
        type: 'iam-user',
        id: 'legacy-subject-user',
        userName: 'legacy-subject-user',
        accountId: '210987654321',
        region: 'eu-west-1',
        tags: {},
      },
      reason: 'A request recorded with the bare subject',
      requester: { type: 'user', id: alice?.sub ?? '', name: 'alice' },
    });
    const sameAlice = await tokenWith({ sub: alice?.sub, 'cognito:groups': ['cordon-approvers'] });

    // Act
    const approve = await api.call('POST', `/isolations/${record.id}/approve`, {
      token: sameAlice,
      body: {},
    });

    // Assess
    expect(approve.status).toBe(403);
    expect((await api.env.deps.store.require(record.id)).status).toBe('PENDING_APPROVAL');
  });
});

describe('API: identity helpers', () => {
  it('normalises the issuer (scheme and host case, trailing slash) but keeps the subject exact', () => {
    // Act
    const a = principalIdentity('HTTPS://Cognito-IDP.eu-west-1.amazonaws.com/eu-west-1_Pool/', 'Sub-1');
    const b = principalIdentity('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool', 'Sub-1');
    const c = principalIdentity('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool', 'sub-1');
    const d = principalIdentity('https://other.example.com', 'Sub-1');

    // Assess
    expect(a).toBe(b);
    expect(a).toBe('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool#Sub-1');
    expect(c).not.toBe(b);
    expect(d).not.toBe(b);
  });

  it('takes an absent groups claim as no groups', () => {
    // Act / Assess
    expect(groupsFromClaim(undefined, 'groups')).toEqual([]);
    expect(groupsFromClaim(['a', 'b'], 'groups')).toEqual(['a', 'b']);
  });
});
