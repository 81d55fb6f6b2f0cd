/**
 * Bad tokens: every way a bearer token can be wrong ends in 401 (or 403 for a valid token without a cordon
 * group), verified by aws-jwt-verify against the local issuer's JWKS exactly as in production.
 */
import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TEST_USERS, useApi } from './support.js';

const alice = TEST_USERS[0];

function base64Url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('API: bearer token verification', () => {
  const api = useApi();

  const claimsOf = () => ({
    sub: alice?.sub,
    username: 'alice',
    token_use: 'access',
    client_id: api.issuer.clientId,
    'cognito:groups': ['cordon-requesters'],
  });

  const CASES: { name: string; token: () => Promise<string>; status: number }[] = [
    { name: 'a valid access token', token: () => api.token('alice'), status: 200 },
    { name: 'no token at all', token: async () => '', status: 401 },
    {
      name: 'a wrong issuer',
      token: () => api.issuer.sign({ ...claimsOf(), iss: 'https://evil.example.com' }),
      status: 401,
    },
    {
      name: 'a wrong audience',
      token: () => api.issuer.sign({ ...claimsOf(), aud: 'another-app' }),
      status: 401,
    },
    {
      name: 'an expired token',
      token: () => api.issuer.sign(claimsOf(), { expiresInSeconds: -120 }),
      status: 401,
    },
    {
      name: 'an ID token where an access token is required',
      token: () => api.issuer.sign({ ...claimsOf(), token_use: 'id' }),
      status: 401,
    },
    {
      name: 'a bad signature (signed by another key with the same kid)',
      token: async () => {
        const { privateKey } = await generateKeyPair('RS256');
        const kid = JSON.parse(
          Buffer.from((await api.token('alice')).split('.')[0] ?? '', 'base64url').toString(),
        ).kid as string;
        return new SignJWT({ ...claimsOf(), iss: api.issuer.issuer, aud: api.issuer.clientId })
          .setProtectedHeader({ alg: 'RS256', kid })
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(privateKey);
      },
      status: 401,
    },
    {
      name: 'a tampered payload (groups escalated after signing)',
      token: async () => {
        const [header, , signature] = (await api.token('victor')).split('.');
        const forged = {
          ...claimsOf(),
          iss: api.issuer.issuer,
          aud: api.issuer.clientId,
          'cognito:groups': ['cordon-approvers'],
        };
        return `${header}.${base64Url(forged)}.${signature}`;
      },
      status: 401,
    },
    {
      name: 'alg: none',
      token: async () => {
        const now = Math.floor(Date.now() / 1000);
        const payload = {
          ...claimsOf(),
          iss: api.issuer.issuer,
          aud: api.issuer.clientId,
          iat: now,
          exp: now + 600,
        };
        return `${base64Url({ alg: 'none', typ: 'JWT' })}.${base64Url(payload)}.`;
      },
      status: 401,
    },
    {
      name: 'an unknown key id',
      token: () => api.issuer.sign(claimsOf(), { kid: 'not-a-known-key' }),
      status: 401,
    },
    { name: 'garbage', token: async () => 'not.a.jwt', status: 401 },
    { name: 'no cordon group', token: () => api.token('nora'), status: 403 },
    {
      name: 'no groups claim at all',
      token: async () => {
        const claims: Record<string, unknown> = claimsOf();
        delete claims['cognito:groups'];
        return api.issuer.sign(claims);
      },
      status: 403,
    },
  ];

  it.each(CASES)('answers $status for $name', async ({ token, status }) => {
    // Prepare
    const bearer = await token();

    // Act
    const response = await api.call('GET', '/isolations', bearer ? { token: bearer } : {});

    // Assess
    expect(response.status).toBe(status);
    if (status === 401) {
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      // Which check failed is logged, never told to the caller.
      expect(response.body['detail']).toBe('Sign in again: the request has no valid bearer token.');
    }
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    // Act
    const response = await api.call('GET', '/isolations', {
      headers: { authorization: 'Basic YWxpY2U6cGFzcw==' },
    });

    // Assess
    expect(response.status).toBe(401);
  });

  it('reads the username and groups from the verified claims only', async () => {
    // Act
    const response = await api.call('GET', '/me', { token: await api.token('bob') });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: `${api.issuer.issuer.replace(/\/+$/, '')}#${TEST_USERS[1]?.sub ?? ''}`,
      sub: TEST_USERS[1]?.sub,
      username: 'bob',
      groups: ['cordon-approvers'],
      roles: ['approver', 'viewer'],
    });
  });
});
