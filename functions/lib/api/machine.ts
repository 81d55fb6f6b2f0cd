/**
 * Machine clients: systems (SOAR, ticketing) that call the API with OAuth 2.0 client-credentials access tokens.
 * Those tokens carry scopes, not groups. A scope grants a role only when three things hold: the token was
 * verified as an access token issued to that client (auth.ts), the deployment lists the client id
 * (`CORDON_MACHINE_CLIENTS`, from Terraform's `machine_clients`), and the deployment allows that client that
 * scope. The token's other claims (groups, usernames) grant nothing: a client-credentials token names no person.
 *
 * This module is loaded (dynamic import, auth.ts) only when a machine client's token arrives.
 *
 * There is no approve, reject, release or retry scope, and none can be configured: approval needs a person,
 * because four eyes means two people, and a machine client acting on its own request would be one.
 */
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import { principalIdentity, type ApiPrincipal, type Role, type TokenVerifier } from './auth.js';
import type { AuthConfig } from './config.js';
import { MACHINE_SCOPES, type MachineClient } from './machine-scopes.js';

/**
 * The `scope` claim: one string of space-separated scope names (RFC 6749 3.3, as Cognito issues it). Anything
 * else is refused rather than guessed at.
 * @throws ForbiddenError when the claim is present but not a string
 */
export function scopesFromClaim(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'string')
    throw new ForbiddenError('the scope claim is not a string, so it grants no role');
  return value.split(' ').filter((s) => s.length > 0);
}

/**
 * The roles a machine client's token grants: the token's scopes that the deployment allows this client, mapped
 * to roles. Requesters can also read, as with groups. Never `approver`.
 */
export function rolesFromScopes(tokenScopes: readonly string[], client: MachineClient): Set<Role> {
  const roles = new Set<Role>();
  for (const scope of client.scopes) {
    if (tokenScopes.includes(scope)) roles.add(MACHINE_SCOPES[scope]);
  }
  if (roles.size > 0) roles.add('viewer');
  return roles;
}

/**
 * Build a machine client's principal from claims that {@link createMachineTokenVerifier} verified: an access token
 * whose `client_id` is one of `clients`. Its groups claim is ignored; its identity is the client (issuer and
 * client id), so its requests are attributable to it and it is never the same principal as a person.
 * @throws UnauthenticatedError when the verified token names no configured client (never expected)
 */
export function machinePrincipalFromClaims(
  payload: JwtPayload,
  clients: readonly MachineClient[],
): ApiPrincipal {
  const clientId = payload['client_id'];
  const client = clients.find((c) => c.clientId === clientId);
  if (client === undefined)
    throw new UnauthenticatedError('the token is not from a configured machine client');
  const issuer = typeof payload.iss === 'string' ? payload.iss : '';
  if (!issuer) throw new UnauthenticatedError('the token has no issuer');
  return {
    kind: 'client',
    sub: client.clientId,
    id: principalIdentity(issuer, `client:${client.clientId}`),
    username: client.name,
    groups: [],
    roles: rolesFromScopes(scopesFromClaim(payload['scope']), client),
  };
}

/**
 * The verifier of machine clients' tokens: access tokens only (`token_use` = access, so an ID token is never
 * one), issued by the API's issuer to one of the listed client ids. Cognito's client-credentials tokens have no
 * audience; the client id is in `client_id`.
 */
export function createMachineTokenVerifier(
  auth: AuthConfig,
  clients: readonly MachineClient[],
  jwksCache?: JwksCache,
): TokenVerifier {
  const ids = clients.map((c) => c.clientId);
  const extra = jwksCache ? { jwksCache } : undefined;
  if (auth.kind === 'cognito') {
    const verifier = CognitoJwtVerifier.create(
      { userPoolId: auth.userPoolId, clientId: ids, tokenUse: 'access' },
      extra,
    );
    return { verify: (token) => verifier.verify(token) };
  }
  const verifier = JwtVerifier.create(
    {
      issuer: auth.issuer,
      audience: null,
      jwksUri: auth.jwksUri,
      customJwtCheck: ({ payload }) => {
        if (payload['token_use'] !== 'access')
          throw new UnauthenticatedError('a machine token must be an access token');
        const clientId = payload['client_id'];
        if (typeof clientId !== 'string' || !ids.includes(clientId)) {
          throw new UnauthenticatedError('the token is not from a configured machine client');
        }
      },
    },
    extra,
  );
  return { verify: (token) => verifier.verify(token) };
}
