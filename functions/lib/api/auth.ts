/**
 * Authentication and authorisation for the API.
 *
 * Tokens are verified with `aws-jwt-verify` (signature against the issuer's JWKS, issuer, audience or client,
 * expiry, token use). A person's roles come only from the groups claim: a signed-in user with no cordon group
 * gets nothing (403), because "authenticated" is not the same as "on the security team". A machine client's
 * roles come only from its scopes, and only for client ids the deployment lists (machine.ts); which of the two
 * a token is depends on which verifier accepted it, never on an unverified claim.
 */
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import type { ApiConfig, AuthConfig, GroupConfig } from './config.js';
import type { MachineClient } from './machine-scopes.js';

export const ROLES = ['viewer', 'requester', 'approver'] as const;
export type Role = (typeof ROLES)[number];

/** The signed-in caller, as recorded on isolations and Security Hub notes. */
export interface ApiPrincipal {
  /** `user`: a person (roles from groups); `client`: a machine client (roles from scopes, never approver). */
  kind: 'user' | 'client';
  /** The token's `sub`: stable and unique per issuer. */
  sub: string;
  /** Issuer and subject ({@link principalIdentity}): what records name and four eyes compares. */
  id: string;
  /** Human-readable name for records and notes. */
  username: string;
  groups: string[];
  roles: ReadonlySet<Role>;
}

/** Verifies a raw bearer token and returns its claims. */
export interface TokenVerifier {
  verify(token: string): Promise<JwtPayload>;
}

/**
 * Build the production verifier for the configured issuer.
 * @param jwksCache optional JWKS cache (the sandbox passes one whose fetcher can reach its loopback issuer)
 */
export function createTokenVerifier(auth: AuthConfig, jwksCache?: JwksCache): TokenVerifier {
  const extra = jwksCache ? { jwksCache } : undefined;
  if (auth.kind === 'cognito') {
    const verifier = CognitoJwtVerifier.create(
      { userPoolId: auth.userPoolId, clientId: auth.clientId, tokenUse: auth.tokenUse },
      extra,
    );
    return { verify: (token) => verifier.verify(token) };
  }
  const tokenUse = auth.tokenUse;
  const verifier = JwtVerifier.create(
    {
      issuer: auth.issuer,
      audience: auth.audience,
      jwksUri: auth.jwksUri,
      customJwtCheck: ({ payload }) => {
        // Generic OIDC issuers do not all set token_use; when configured, insist on it so that an ID token
        // cannot be replayed where an access token is expected (and vice versa).
        if (tokenUse !== 'any' && payload['token_use'] !== tokenUse) {
          throw new UnauthenticatedError(`token use is not ${tokenUse}`);
        }
      },
    },
    extra,
  );
  return { verify: (token) => verifier.verify(token) };
}

/**
 * The groups claim: a JSON array of exact group names, nothing else. A string is never split: an issuer (or a
 * user who can edit a free-text attribute mapped to the claim) could otherwise send "x,cordon-approvers".
 * @throws ForbiddenError when the claim is present but is not an array of strings
 */
export function groupsFromClaim(value: unknown, claim: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new ForbiddenError(`the ${claim} claim is not a list of group names, so it grants no role`);
  }
  return value;
}

/**
 * The normalised identity of a person: the token's issuer and subject. `sub` is unique only per issuer (OIDC
 * Core 5.7), so four eyes compares both; the issuer is normalised (lower-case scheme and host, no trailing
 * slash) so one issuer spelled two ways is still one.
 */
export function principalIdentity(issuer: string, sub: string): string {
  let normalised = issuer.trim();
  try {
    const url = new URL(normalised);
    // URL lower-cases the scheme and host; the path is case-sensitive and kept, without a trailing slash.
    normalised = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    // Not a URL (some test issuers): compare it as written.
  }
  return `${normalised}#${sub}`;
}

/** Map the groups claim to cordon roles. Approvers can also read; requesters can also read. */
export function rolesFromGroups(groups: readonly string[], config: GroupConfig): Set<Role> {
  const roles = new Set<Role>();
  if (groups.includes(config.viewers)) roles.add('viewer');
  if (groups.includes(config.requesters)) roles.add('requester');
  if (groups.includes(config.approvers)) roles.add('approver');
  if (roles.size > 0) roles.add('viewer');
  return roles;
}

/** Build the principal from verified claims. */
export function principalFromClaims(payload: JwtPayload, config: GroupConfig): ApiPrincipal {
  const sub = typeof payload.sub === 'string' ? payload.sub : '';
  if (!sub) throw new UnauthenticatedError('the token has no subject');
  const issuer = typeof payload.iss === 'string' ? payload.iss : '';
  if (!issuer) throw new UnauthenticatedError('the token has no issuer');
  const groups = groupsFromClaim(payload[config.claim], config.claim);
  const nameClaim = ['cognito:username', 'username', 'preferred_username', 'email'].find(
    (c) => typeof payload[c] === 'string' && (payload[c] as string).length > 0,
  );
  const username = nameClaim ? String(payload[nameClaim]) : sub;
  return {
    kind: 'user',
    sub,
    id: principalIdentity(issuer, sub),
    username,
    groups,
    roles: rolesFromGroups(groups, config),
  };
}

/** Verifies a machine client's token and builds its principal (machine.ts). */
export interface MachineTokens {
  clients: readonly MachineClient[];
  /** Loads machine.ts on first use: most cold starts never see a machine token. */
  principal(token: string): Promise<ApiPrincipal>;
}

/** The authenticator of a deployment: people's tokens, and machine clients' when some are configured. */
export function createAuthenticator(config: ApiConfig, jwksCache?: JwksCache): Authenticator {
  const clients = config.machineClients ?? [];
  let verifier: Promise<TokenVerifier & { principal(p: JwtPayload): ApiPrincipal }> | undefined;
  const machine: MachineTokens = {
    clients,
    async principal(token) {
      verifier ??= import('./machine.js').then((m) => {
        const v = m.createMachineTokenVerifier(config.auth, clients, jwksCache);
        return {
          verify: (t: string) => v.verify(t),
          principal: (p) => m.machinePrincipalFromClaims(p, clients),
        };
      });
      const loaded = await verifier;
      let payload: JwtPayload;
      try {
        payload = await loaded.verify(token);
      } catch (error) {
        throw new UnauthenticatedError('the bearer token is not valid', { cause: error });
      }
      return loaded.principal(payload);
    },
  };
  return new Authenticator(
    createTokenVerifier(config.auth, jwksCache),
    config.groups,
    clients.length > 0 ? machine : undefined,
  );
}

/** Authenticates requests from their `Authorization` header. */
export class Authenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly groups: GroupConfig,
    private readonly machine?: MachineTokens,
  ) {}

  /**
   * Whether the token is a machine client's: its unverified `client_id` names a configured client. This only
   * picks the verifier; the machine verifier then checks that claim, the signature and the token use, and a
   * token it refuses is refused (never retried as a person's).
   */
  private isMachineToken(token: string): boolean {
    if (this.machine === undefined) return false;
    let clientId: unknown;
    try {
      clientId = decomposeUnverifiedJwt(token).payload['client_id'];
    } catch {
      return false;
    }
    return this.machine.clients.some((c) => c.clientId === clientId);
  }

  /**
   * Verify the bearer token and return the principal.
   * @throws UnauthenticatedError for a missing or invalid token (the reason is logged, not returned)
   */
  async authenticate(authorization: string | undefined): Promise<ApiPrincipal> {
    if (!authorization) throw new UnauthenticatedError('missing bearer token');
    const match = /^Bearer\s+([A-Za-z0-9_\-.=]+)$/i.exec(authorization.trim());
    const token = match?.[1];
    if (!token) throw new UnauthenticatedError('the Authorization header is not a bearer token');
    if (this.machine && this.isMachineToken(token)) return this.machine.principal(token);
    let payload: JwtPayload;
    try {
      payload = await this.verifier.verify(token);
    } catch (error) {
      throw new UnauthenticatedError('the bearer token is not valid', { cause: error });
    }
    return principalFromClaims(payload, this.groups);
  }
}

/**
 * Require one of the roles.
 * @throws ForbiddenError naming what is missing
 */
export function requireRole(principal: ApiPrincipal, ...anyOf: Role[]): void {
  if (principal.roles.size === 0) {
    throw new ForbiddenError('you are signed in but not a member of any cordon group or scope');
  }
  if (!anyOf.some((r) => principal.roles.has(r))) {
    throw new ForbiddenError(`this needs the ${anyOf.join(' or ')} role`);
  }
}
