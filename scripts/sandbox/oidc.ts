/**
 * A local OpenID Connect issuer for the sandbox and the tests: loopback only, one RSA key generated at start,
 * real signed JWTs (jose), a JWKS endpoint, discovery, and an authorization-code + PKCE login page for the demo
 * users. The API verifies its tokens with aws-jwt-verify exactly as it verifies Cognito's in production.
 *
 * It also issues OAuth 2.0 client-credentials access tokens to the machine clients it is given, shaped like
 * Cognito's (no audience; the client in `client_id` and `sub`; the granted scopes in one space-separated `scope`),
 * so a SOAR-like client can be tried against the real API handler (docs/api.md).
 *
 * It is deliberately not a general identity provider: users are fixed, passwords are printed, and it refuses
 * redirect URIs it was not told about.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type CryptoKey } from 'jose';
import { CordonError } from '../../functions/lib/errors.js';

export interface DemoUser {
  username: string;
  password: string;
  sub: string;
  name: string;
  email: string;
  groups: string[];
  /** What the user can do, for the login page and the start banner. */
  role: string;
}

/** The sandbox's demo users: a requester, an approver and a read-only viewer. */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    username: 'alice',
    password: 'alice-sandbox',
    sub: '8c1f7a52-0a6e-4f0e-9d52-a11ce0000001',
    name: 'Alice Requester',
    email: 'alice@example.com',
    groups: ['cordon-requesters'],
    role: 'requester: asks for isolations',
  },
  {
    username: 'bob',
    password: 'bob-sandbox',
    sub: '8c1f7a52-0a6e-4f0e-9d52-b0b000000002',
    name: 'Bob Approver',
    email: 'bob@example.com',
    groups: ['cordon-approvers'],
    role: 'approver: approves, rejects and releases',
  },
  {
    username: 'victor',
    password: 'victor-sandbox',
    sub: '8c1f7a52-0a6e-4f0e-9d52-71e7e0000003',
    name: 'Victor Viewer',
    email: 'victor@example.com',
    groups: ['cordon-viewers'],
    role: 'viewer: reads only',
  },
];

/**
 * The sandbox's demo machine client (a SOAR playbook): it may ask for cordon/read and cordon/request, and the
 * sandbox's API configuration grants it those (never an approval).
 */
export const SANDBOX_MACHINE_CLIENT = {
  clientId: 'sandbox-soar',
  clientSecret: 'sandbox-soar-secret',
  scopes: ['cordon/read', 'cordon/request'],
} as const;

/** A confidential app client of the issuer, with the scopes it may ask for (Cognito's AllowedOAuthScopes). */
export interface IssuerMachineClient {
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
}

export interface LocalIssuerOptions {
  /** Clients that may use the client-credentials grant. What the API grants them is the API's configuration. */
  machineClients?: readonly IssuerMachineClient[];
  /** Port on 127.0.0.1; default: any free port. */
  port?: number;
  clientId?: string;
  /** Redirect URIs the authorize endpoint accepts (exact match). More can be added with `allowRedirectUri`. */
  redirectUris?: string[];
  users?: readonly DemoUser[];
  tokenTtlSeconds?: number;
}

export interface LocalIssuer {
  issuer: string;
  jwksUri: string;
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  port: number;
  users: readonly DemoUser[];
  /** The clients that may use the client-credentials grant. */
  machineClients: readonly IssuerMachineClient[];
  allowRedirectUri(uri: string): void;
  /** A signed access token for a demo user, as the token endpoint would issue it. */
  accessTokenFor(username: string): Promise<string>;
  /** Sign arbitrary claims with the issuer's key (tests craft expired or misaddressed tokens with it). */
  sign(
    claims: Record<string, unknown>,
    options?: { expiresInSeconds?: number; kid?: string },
  ): Promise<string>;
  stop(): Promise<void>;
}

interface PendingCode {
  user: DemoUser;
  clientId: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  expiresAt: number;
}

/** CSP of the login page. form-action also governs the redirect after the POST, so it names the clients. */
function pageCsp(redirectOrigins: string[]): string {
  const formAction = ["'self'", ...redirectOrigins].join(' ');
  return `default-src 'none'; style-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
}

const LOGIN_CSS = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
.banner{background:#7a1f00;color:#fff;font-weight:700;padding:.5rem;text-align:center}
label{display:block;font-weight:600;margin-top:1rem}input,select{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}
button{font:inherit;margin-top:1.2rem;padding:.5rem 1.2rem;background:#0b5cad;color:#fff;border:1px solid #0b5cad;border-radius:4px}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}table{border-collapse:collapse;margin-top:1rem}td,th{border:1px solid #c9d1d9;padding:.3rem .6rem;text-align:left}
.error{color:#a4161a;font-weight:600}`;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function base64Url(buffer: Buffer): string {
  return buffer.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.byteLength;
    if (size > 16 * 1024) throw new CordonError('form too large');
    chunks.push(buf);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/**
 * Start the issuer on 127.0.0.1.
 * @returns its endpoints and helpers; `stop()` closes the server
 */
export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const clientId = options.clientId ?? 'cordon-console';
  const users = options.users ?? DEMO_USERS;
  const ttl = options.tokenTtlSeconds ?? 3600;
  const redirectUris = new Set(options.redirectUris ?? []);
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `sandbox-${randomUUID().slice(0, 8)}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const codes = new Map<string, PendingCode>();

  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new CordonError('the local issuer has no port');
  const issuer = `http://127.0.0.1:${address.port}`;

  const sign = async (
    claims: Record<string, unknown>,
    signOptions: { expiresInSeconds?: number; kid?: string } = {},
    key: CryptoKey = privateKey,
  ): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iat: now, exp: now + (signOptions.expiresInSeconds ?? ttl), ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: signOptions.kid ?? kid, typ: 'JWT' })
      .sign(key);
  };

  const tokensFor = async (user: DemoUser, scope: string) => {
    const common = { iss: issuer, sub: user.sub, 'cognito:groups': user.groups, jti: randomUUID() };
    const accessToken = await sign({
      ...common,
      aud: clientId,
      client_id: clientId,
      token_use: 'access',
      scope,
      username: user.username,
    });
    const idToken = await sign({
      ...common,
      aud: clientId,
      token_use: 'id',
      'cognito:username': user.username,
      name: user.name,
      email: user.email,
    });
    return { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: ttl };
  };

  /**
   * The client-credentials grant as Cognito answers it: the client authenticates with HTTP Basic; `scope` (optional,
   * default every scope the client may ask for) must name only scopes it may ask for; no ID or refresh token.
   */
  const clientCredentials = async (
    authorization: string | undefined,
    form: URLSearchParams,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '');
    const decoded = basic?.[1] === undefined ? '' : Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const id = decodeURIComponent(decoded.slice(0, Math.max(colon, 0)));
    const secret = decodeURIComponent(decoded.slice(colon + 1));
    const client = options.machineClients?.find((c) => c.clientId === id);
    const same = (a: string, b: string) =>
      a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
    if (colon < 0 || client === undefined || !same(secret, client.clientSecret)) {
      return { status: 401, body: { error: 'invalid_client' } };
    }
    const asked = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (asked.some((scope) => !client.scopes.includes(scope))) {
      return { status: 400, body: { error: 'invalid_scope' } };
    }
    const granted = asked.length > 0 ? asked : [...client.scopes];
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await sign({
      iss: issuer,
      sub: client.clientId,
      client_id: client.clientId,
      token_use: 'access',
      scope: granted.join(' '),
      auth_time: now,
      jti: randomUUID(),
      version: 2,
    });
    return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: ttl } };
  };

  const loginPage = (params: URLSearchParams, error?: string): string => {
    const hidden = ['client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'scope']
      .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(params.get(k) ?? '')}">`)
      .join('');
    const rows = users
      .map(
        (u) =>
          `<tr><td>${escapeHtml(u.username)}</td><td>${escapeHtml(u.password)}</td><td>${escapeHtml(u.role)}</td></tr>`,
      )
      .join('');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in: cordon sandbox</title>
<link rel="stylesheet" href="/login.css"></head><body>
<div class="banner" role="note">SANDBOX sign-in (local issuer on ${escapeHtml(issuer)})</div>
<h1>Sign in to cordon</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login">${hidden}
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="sign-in">Sign in</button></form>
<table><caption>Demo users</caption><thead><tr><th scope="col">User</th><th scope="col">Password</th><th scope="col">Role</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>`;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', issuer);
    const html = {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': pageCsp([...new Set([...redirectUris].map((u) => new URL(u).origin))]),
      'x-frame-options': 'DENY',
    };
    const jsonHeaders = { 'content-type': 'application/json' };
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      send(
        res,
        200,
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/oauth2/authorize`,
          token_endpoint: `${issuer}/oauth2/token`,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'client_credentials'],
          token_endpoint_auth_methods_supported: ['none', 'client_secret_basic'],
          code_challenge_methods_supported: ['S256'],
          id_token_signing_alg_values_supported: ['RS256'],
          subject_types_supported: ['public'],
        }),
        jsonHeaders,
      );
      return;
    }
    if (req.method === 'GET' && url.pathname === '/.well-known/jwks.json') {
      send(res, 200, JSON.stringify({ keys: [publicJwk] }), jsonHeaders);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/login.css') {
      send(res, 200, LOGIN_CSS, { 'content-type': 'text/css; charset=utf-8' });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
      const p = url.searchParams;
      if (p.get('client_id') !== clientId || !redirectUris.has(p.get('redirect_uri') ?? '')) {
        // Never redirect to an unknown URI: that would turn the issuer into an open redirector for codes.
        send(res, 400, '<!doctype html><p>Unknown client or redirect URI.</p>', html);
        return;
      }
      if (
        p.get('response_type') !== 'code' ||
        p.get('code_challenge_method') !== 'S256' ||
        !p.get('code_challenge')
      ) {
        send(
          res,
          400,
          '<!doctype html><p>Only the authorization code flow with PKCE (S256) is supported.</p>',
          html,
        );
        return;
      }
      send(res, 200, loginPage(p), html);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/login') {
      const form = await readForm(req);
      const redirectUri = form.get('redirect_uri') ?? '';
      if (form.get('client_id') !== clientId || !redirectUris.has(redirectUri)) {
        send(res, 400, '<!doctype html><p>Unknown client or redirect URI.</p>', html);
        return;
      }
      const user = users.find(
        (u) => u.username === form.get('username') && u.password === form.get('password'),
      );
      if (!user) {
        send(res, 401, loginPage(form, 'Unknown user name or wrong password.'), html);
        return;
      }
      const code = base64Url(randomBytes(24));
      codes.set(code, {
        user,
        clientId,
        redirectUri,
        challenge: form.get('code_challenge') ?? '',
        scope: form.get('scope') ?? 'openid',
        expiresAt: Date.now() + 60_000,
      });
      const target = new URL(redirectUri);
      target.searchParams.set('code', code);
      const state = form.get('state');
      if (state) target.searchParams.set('state', state);
      res.writeHead(302, { location: target.toString(), 'cache-control': 'no-store' });
      res.end();
      return;
    }
    if (url.pathname === '/oauth2/token') {
      const origin = req.headers.origin;
      const allowedOrigins = new Set([...redirectUris].map((u) => new URL(u).origin));
      const cors: Record<string, string> =
        origin && allowedOrigins.has(origin)
          ? {
              'access-control-allow-origin': origin,
              'access-control-allow-headers': 'content-type',
              vary: 'origin',
            }
          : {};
      if (req.method === 'OPTIONS') {
        send(res, 204, '', { ...cors, 'access-control-allow-methods': 'POST' });
        return;
      }
      if (req.method === 'POST') {
        const form = await readForm(req);
        if (form.get('grant_type') === 'client_credentials') {
          const { status, body } = await clientCredentials(req.headers.authorization, form);
          send(res, status, JSON.stringify(body), {
            ...jsonHeaders,
            ...(status === 401 ? { 'www-authenticate': 'Basic realm="cordon-sandbox"' } : {}),
          });
          return;
        }
        const code = form.get('code') ?? '';
        const pending = codes.get(code);
        codes.delete(code); // single use, whatever happens next
        const verifier = form.get('code_verifier') ?? '';
        const challenge = base64Url(createHash('sha256').update(verifier).digest());
        if (
          form.get('grant_type') !== 'authorization_code' ||
          !pending ||
          pending.expiresAt < Date.now() ||
          pending.clientId !== form.get('client_id') ||
          pending.redirectUri !== form.get('redirect_uri') ||
          pending.challenge !== challenge
        ) {
          send(res, 400, JSON.stringify({ error: 'invalid_grant' }), { ...jsonHeaders, ...cors });
          return;
        }
        send(res, 200, JSON.stringify(await tokensFor(pending.user, pending.scope)), {
          ...jsonHeaders,
          ...cors,
        });
        return;
      }
    }
    send(res, 404, 'not found', { 'content-type': 'text/plain' });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 400, 'bad request', { 'content-type': 'text/plain' });
      else res.end();
    });
  });

  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    authorizeUrl: `${issuer}/oauth2/authorize`,
    tokenUrl: `${issuer}/oauth2/token`,
    clientId,
    port: address.port,
    users,
    machineClients: options.machineClients ?? [],
    allowRedirectUri: (uri) => void redirectUris.add(uri),
    async accessTokenFor(username) {
      const user = users.find((u) => u.username === username);
      if (!user) throw new CordonError(`no demo user ${username}`);
      return (await tokensFor(user, 'openid profile')).access_token;
    },
    sign: (claims, signOptions) => sign({ iss: issuer, aud: clientId, ...claims }, signOptions),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
