/**
 * Sign-in with the OAuth 2.0 authorization code flow and PKCE (RFC 7636), against the Cognito hosted UI or any
 * OIDC authorize endpoint (the sandbox's local issuer in `npm start`). Tokens stay in sessionStorage: they die
 * with the tab, and the console has no third-party script that could read them (CSP: script-src 'self').
 */
import type { ConsoleAuthView } from '../../functions/lib/api/contract.js';

export type AuthSettings = ConsoleAuthView;

interface StoredToken {
  accessToken: string;
  expiresAt: number;
}

const TOKEN_KEY = 'cordon.token';
const PKCE_KEY = 'cordon.pkce';

function base64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

function redirectUri(): string {
  return `${location.origin}/`;
}

/** Start sign-in: remember a PKCE verifier and state, then go to the identity provider. */
export async function signIn(settings: AuthSettings): Promise<void> {
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem(
    PKCE_KEY,
    JSON.stringify({ verifier, state, returnTo: location.hash || '#/isolations' }),
  );
  const url = new URL(settings.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('scope', settings.scopes);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await challengeOf(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  location.assign(url.toString());
}

/**
 * Finish sign-in when the identity provider redirected back with `?code=...&state=...`.
 * @returns the hash to show next, or undefined when this page load is not a sign-in callback
 * @throws Error when the state does not match (a forged callback) or the token exchange fails
 */
export async function completeSignIn(settings: AuthSettings): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return undefined;
  history.replaceState(null, '', '/');
  if (error) throw new Error(`sign-in failed: ${params.get('error_description') ?? error}`);
  const saved = sessionStorage.getItem(PKCE_KEY);
  sessionStorage.removeItem(PKCE_KEY);
  const pkce = saved
    ? (JSON.parse(saved) as { verifier: string; state: string; returnTo: string })
    : undefined;
  if (!pkce || pkce.state !== params.get('state'))
    throw new Error('sign-in failed: the state does not match');
  const response = await fetch(settings.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: settings.clientId,
      code: code ?? '',
      redirect_uri: redirectUri(),
      code_verifier: pkce.verifier,
    }),
  });
  if (!response.ok) throw new Error(`sign-in failed: the token endpoint answered ${response.status}`);
  const tokens = (await response.json()) as { access_token?: string; expires_in?: number };
  if (!tokens.access_token) throw new Error('sign-in failed: no access token was returned');
  const stored: StoredToken = {
    accessToken: tokens.access_token,
    expiresAt: Date.now() + (tokens.expires_in ?? 3600) * 1000,
  };
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(stored));
  return pkce.returnTo;
}

/** The current access token, or undefined when signed out or expired. */
export function accessToken(): string | undefined {
  const raw = sessionStorage.getItem(TOKEN_KEY);
  if (!raw) return undefined;
  try {
    const t = JSON.parse(raw) as StoredToken;
    if (t.expiresAt > Date.now() + 5000) return t.accessToken;
  } catch {
    // corrupt storage: treat as signed out
  }
  sessionStorage.removeItem(TOKEN_KEY);
  return undefined;
}

/** Forget the token (and leave through the provider's logout page when it has one). */
export function signOut(settings?: AuthSettings): void {
  sessionStorage.removeItem(TOKEN_KEY);
  if (settings?.logoutUrl) {
    const url = new URL(settings.logoutUrl);
    url.searchParams.set('client_id', settings.clientId);
    url.searchParams.set('logout_uri', redirectUri());
    location.assign(url.toString());
  } else {
    location.assign('/');
  }
}
