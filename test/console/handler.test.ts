/**
 * The `console` function: the web console's files with the console's Content-Security-Policy and cache headers,
 * problem+json for everything else, configured from the environment with only the sign-in token endpoint.
 */
import { describe, expect, it } from 'vitest';
import { consoleCsp } from '../../functions/lib/api/http.js';
import { CONSOLE_ASSETS } from '../../functions/lib/console/assets.generated.js';
import { loadConsoleConfig } from '../../functions/lib/console/config.js';
import {
  CONSOLE_ROUTE_KEYS,
  createConsoleHandler,
  isConsoleRoute,
  routeKeyMatches,
} from '../../functions/lib/console/handler.js';
import { ConfigurationError } from '../../functions/lib/errors.js';
import { apiEvent } from '../api/support.js';

const TOKEN_URL = 'https://cordon.auth.eu-west-1.amazoncognito.com/oauth2/token';

/** A logger that keeps what it was told. */
function recordingLogger(): { lines: { level: string; message: string; extra: unknown }[] } & Record<
  'debug' | 'info' | 'warn' | 'error',
  (message: string, extra?: unknown) => void
> {
  const lines: { level: string; message: string; extra: unknown }[] = [];
  const at = (level: string) => (message: string, extra?: unknown) => lines.push({ level, message, extra });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function serve(env: Record<string, string | undefined> = { CORDON_CONSOLE_TOKEN_URL: TOKEN_URL }) {
  return createConsoleHandler({ config: loadConsoleConfig(env), logger: recordingLogger() });
}

describe('Console function: files', () => {
  it('serves index.html at / and /index.html with the console CSP, revalidated on every load', async () => {
    // Prepare
    const handler = serve();

    // Act
    const responses = await Promise.all(
      ['/', '/index.html', '//index.html/'].map((p) => handler(apiEvent('GET', p))),
    );

    // Assess
    for (const response of responses) {
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(CONSOLE_ASSETS['/index.html']?.body);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-security-policy']).toBe(consoleCsp(TOKEN_URL));
      expect(response.headers['content-security-policy']).toContain(
        "connect-src 'self' https://cordon.auth.eu-west-1.amazoncognito.com;",
      );
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('serves every other file with its content type, cached briefly', async () => {
    // Prepare
    const handler = serve();
    const files = Object.entries(CONSOLE_ASSETS).filter(([path]) => path !== '/index.html');

    // Act
    const responses = await Promise.all(files.map(([path]) => handler(apiEvent('GET', path))));

    // Assess
    expect(files.map(([path]) => path).sort()).toEqual(['/assets/app.css', '/assets/app.js']);
    responses.forEach((response, i) => {
      const [, file] = files[i] ?? [];
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(file?.body);
      expect(response.headers['content-type']).toBe(file?.contentType);
      expect(response.headers['cache-control']).toBe('public, max-age=300');
      expect(response.headers['content-security-policy']).toBe(consoleCsp(TOKEN_URL));
    });
    expect(responses.map((r) => r.headers['content-type'])).toEqual(
      expect.arrayContaining(['text/css; charset=utf-8', 'text/javascript; charset=utf-8']),
    );
  });

  it('answers 404 problem+json for a path that is not a console file, and logs why', async () => {
    // Prepare
    const logger = recordingLogger();
    const handler = createConsoleHandler({ config: {}, logger });

    // Act
    const missing = await handler(apiEvent('GET', '/assets/missing.js'));
    const apiPath = await handler(apiEvent('GET', '/config.json'));

    // Assess
    for (const response of [missing, apiPath]) {
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.headers['content-security-policy']).toBe(
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(response.headers['cache-control']).toBe('no-store');
    }
    expect(JSON.parse(missing.body ?? '{}')).toMatchObject({
      type: 'urn:cordon:problem:not-found',
      title: 'Not found',
      status: 404,
      detail: 'no route for /assets/missing.js',
      instance: '/assets/missing.js',
    });
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        extra: expect.objectContaining({ path: '/assets/missing.js', status: 404 }),
      }),
    );
  });

  it('answers 405 with Allow: GET for another method on a console file', async () => {
    // Prepare
    const handler = serve();

    // Act
    const response = await handler(apiEvent('POST', '/', { body: {} }));

    // Assess
    expect(response.statusCode).toBe(405);
    expect(response.headers['allow']).toBe('GET');
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ status: 405, title: 'Method not allowed' });
  });
});

describe('Console function: configuration', () => {
  it('needs no variable at all, and then allows only itself in connect-src', async () => {
    // Act
    const config = loadConsoleConfig({});
    const index = await createConsoleHandler({ config, logger: recordingLogger() })(apiEvent('GET', '/'));

    // Assess
    expect(config).toEqual({});
    expect(index.headers['content-security-policy']).toContain("connect-src 'self';");
  });

  it('reads only the token URL: pipeline and API settings are not its business', () => {
    // Act
    const config = loadConsoleConfig({
      CORDON_CONSOLE_TOKEN_URL: TOKEN_URL,
      CORDON_CONSOLE_AUTHORIZE_URL: 'not a url, and not the console function’s concern',
      CORDON_TABLE_NAME: 'x',
    });

    // Assess
    expect(config).toEqual({ tokenUrl: TOKEN_URL });
  });

  it('refuses a token URL that is not HTTPS, naming the variable', () => {
    // Act
    const load = () => loadConsoleConfig({ CORDON_CONSOLE_TOKEN_URL: 'http://idp.example.com/token' });

    // Assess
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(/^invalid console configuration: CORDON_CONSOLE_TOKEN_URL: /);
  });
});

describe('Console function: routes', () => {
  it('is routed /, /index.html and every file under /assets/, for GET only', () => {
    // Assess
    expect(CONSOLE_ROUTE_KEYS).toEqual(['GET /', 'GET /index.html', 'GET /assets/{proxy+}']);
    for (const path of ['/', ...Object.keys(CONSOLE_ASSETS), '/assets/new/file.js'])
      expect(isConsoleRoute('GET', path), path).toBe(true);
    for (const [method, path] of [
      ['POST', '/'],
      ['GET', '/assets/'],
      ['GET', '/assets'],
      ['GET', '/index.htm'],
      ['GET', '/config.json'],
      ['GET', '/health'],
      ['GET', '/isolations'],
    ] as const)
      expect(isConsoleRoute(method, path), `${method} ${path}`).toBe(false);
  });

  it('matches API Gateway route keys: exact paths, ANY, and a greedy {proxy+} of at least one segment', () => {
    // Assess
    expect(routeKeyMatches('ANY /isolations/{proxy+}', 'DELETE', '/isolations/iso-1/approve')).toBe(true);
    expect(routeKeyMatches('ANY /isolations/{proxy+}', 'GET', '/isolations/')).toBe(false);
    expect(routeKeyMatches('GET /me', 'get', '/me')).toBe(true);
    expect(routeKeyMatches('GET /me', 'GET', '/me/')).toBe(false);
  });
});
