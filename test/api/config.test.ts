/**
 * The API's environment: Cognito by default, any OIDC issuer when configured; every mistake named.
 */
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { describe, expect, it } from 'vitest';
import { Authenticator, createTokenVerifier, rolesFromGroups } from '../../functions/lib/api/auth.js';
import { loadApiConfig } from '../../functions/lib/api/config.js';

const GROUPS = { claim: 'cognito:groups', requesters: 'req', approvers: 'app', viewers: 'view' };

describe('API: configuration', () => {
  it('defaults to the Cognito user pool, access tokens and the cordon groups', () => {
    // Act
    const config = loadApiConfig({
      AWS_REGION: 'eu-west-1',
      CORDON_COGNITO_USER_POOL_ID: 'eu-west-1_AbCdEf123',
      CORDON_AUTH_CLIENT_ID: '1example23456789',
      CORDON_CONSOLE_AUTHORIZE_URL: 'https://cordon.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
      CORDON_CONSOLE_TOKEN_URL: 'https://cordon.auth.eu-west-1.amazoncognito.com/oauth2/token',
    });

    // Assess
    expect(config).toEqual({
      auth: {
        kind: 'cognito',
        userPoolId: 'eu-west-1_AbCdEf123',
        clientId: '1example23456789',
        tokenUse: 'access',
      },
      groups: {
        claim: 'cognito:groups',
        requesters: 'cordon-requesters',
        approvers: 'cordon-approvers',
        viewers: 'cordon-viewers',
      },
      machineClients: [],
      consoleAuth: {
        authorizeUrl: 'https://cordon.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
        tokenUrl: 'https://cordon.auth.eu-west-1.amazoncognito.com/oauth2/token',
        clientId: '1example23456789',
        scopes: 'openid profile',
      },
      region: 'eu-west-1',
      sandbox: false,
    });
  });

  it('refuses half a console sign-in configuration, naming the missing endpoint', () => {
    // Prepare
    const env = {
      AWS_REGION: 'eu-west-1',
      CORDON_COGNITO_USER_POOL_ID: 'eu-west-1_AbCdEf123',
      CORDON_AUTH_CLIENT_ID: '1example23456789',
      CORDON_CONSOLE_AUTHORIZE_URL: 'https://cordon.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
    };

    // Act / Assess
    expect(() => loadApiConfig(env)).toThrow(/CORDON_CONSOLE_TOKEN_URL: console sign-in needs both/);
  });

  it('takes any OIDC issuer with its audience and JWKS URI', () => {
    // Act
    const config = loadApiConfig({
      CORDON_AUTH_MODE: 'oidc',
      CORDON_AUTH_ISSUER: 'https://login.example.com',
      CORDON_AUTH_AUDIENCE: 'api://cordon',
      CORDON_AUTH_JWKS_URI: 'https://login.example.com/.well-known/jwks.json',
      CORDON_AUTH_TOKEN_USE: 'any',
      CORDON_AUTH_GROUPS_CLAIM: 'groups',
    });

    // Assess
    expect(config.auth).toEqual({
      kind: 'oidc',
      issuer: 'https://login.example.com',
      audience: 'api://cordon',
      jwksUri: 'https://login.example.com/.well-known/jwks.json',
      tokenUse: 'any',
    });
    expect(config.groups.claim).toBe('groups');
  });

  it.each([
    [{}, 'CORDON_COGNITO_USER_POOL_ID'],
    [{ CORDON_COGNITO_USER_POOL_ID: 'eu-west-1_Ab1' }, 'CORDON_AUTH_CLIENT_ID'],
    [{ CORDON_COGNITO_USER_POOL_ID: 'pool', CORDON_AUTH_CLIENT_ID: 'c' }, 'CORDON_COGNITO_USER_POOL_ID'],
    [{ CORDON_AUTH_MODE: 'oidc', CORDON_AUTH_AUDIENCE: 'a' }, 'CORDON_AUTH_ISSUER'],
    [
      {
        CORDON_AUTH_MODE: 'oidc',
        CORDON_AUTH_AUDIENCE: 'a',
        CORDON_AUTH_ISSUER: 'http://login.example.com',
        CORDON_AUTH_JWKS_URI: 'https://login.example.com/jwks',
      },
      'CORDON_AUTH_ISSUER',
    ],
  ])('refuses %j, naming %s', (env, variable) => {
    // Act + Assess
    expect(() => loadApiConfig(env)).toThrow(variable);
  });

  it('builds a Cognito verifier that refuses a token from anywhere else', async () => {
    // Prepare: a JWKS cache that records any download attempt (tests never leave loopback)
    const fetched: string[] = [];
    const cache = new SimpleJwksCache({
      fetcher: {
        fetch: async (uri: string) => {
          fetched.push(uri);
          throw new Error('no network in tests');
        },
      },
    });
    const verifier = createTokenVerifier(
      { kind: 'cognito', userPoolId: 'eu-west-1_AbCdEf123', clientId: 'client', tokenUse: 'access' },
      cache,
    );
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ iss: 'https://evil.example.com', sub: 'x' })).toString(
      'base64url',
    );

    // Act + Assess: the issuer check fails before any JWKS download
    await expect(
      new Authenticator(verifier, GROUPS).authenticate(`Bearer ${header}.${payload}.c2ln`),
    ).rejects.toThrow('the bearer token is not valid');
    expect(fetched).toEqual([]);
  });

  it('maps groups to roles, and gives nothing to a user in no cordon group', () => {
    // Assess
    expect([...rolesFromGroups(['app'], GROUPS)].sort()).toEqual(['approver', 'viewer']);
    expect([...rolesFromGroups(['req', 'other'], GROUPS)].sort()).toEqual(['requester', 'viewer']);
    expect([...rolesFromGroups(['view'], GROUPS)]).toEqual(['viewer']);
    expect([...rolesFromGroups(['admins'], GROUPS)]).toEqual([]);
  });
});
