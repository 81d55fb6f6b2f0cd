/**
 * Test harness for the API: moto (per test file), the local OIDC issuer, the sandbox pipeline over moto, and
 * the real API handler, called with API Gateway v2 events exactly as the Lambda receives them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createAuthenticator } from '../../functions/lib/api/auth.js';
import type { ApiConfig } from '../../functions/lib/api/config.js';
import type { MachineClient } from '../../functions/lib/api/machine-scopes.js';
import { createApiHandler, type ApiHandler, type Route } from '../../functions/lib/api/handler.js';
import { pipelineApiService } from '../../functions/lib/api/service.js';
import { loopbackJwksCache } from '../../scripts/sandbox/jwks.js';
import {
  DEMO_USERS,
  startLocalIssuer,
  type DemoUser,
  type IssuerMachineClient,
  type LocalIssuer,
} from '../../scripts/sandbox/oidc.js';
import { createSandboxEnvironment, type SandboxEnvironment } from '../../scripts/sandbox/environment.js';
import { useMoto, type MotoHandle } from '../support/moto.js';

export const CONSOLE_ORIGIN = 'http://127.0.0.1:9';

/** A user in cordon's groups, plus one with no cordon group at all. */
export const TEST_USERS: readonly DemoUser[] = [
  ...DEMO_USERS,
  {
    username: 'dave',
    password: 'dave-sandbox',
    sub: '8c1f7a52-0a6e-4f0e-9d52-da7e00000004',
    name: 'Dave Second Approver',
    email: 'dave@example.com',
    groups: ['cordon-approvers'],
    role: 'approver',
  },
  {
    username: 'nora',
    password: 'nora-sandbox',
    sub: '8c1f7a52-0a6e-4f0e-9d52-0000a0000005',
    name: 'Nora No-Group',
    email: 'nora@example.com',
    groups: ['marketing'],
    role: 'none',
  },
];

/** Machine clients the harness's deployment allows (Terraform machine_clients). */
export const MACHINE_CLIENTS: readonly MachineClient[] = [
  { clientId: 'soar-client', name: 'soar', scopes: ['cordon/read', 'cordon/request'] },
  { clientId: 'reader-client', name: 'dashboard', scopes: ['cordon/read'] },
];

/**
 * The same clients as the issuer's app clients, with secrets. The issuer lets soar-client ask for cordon/approve
 * too, as a misconfigured identity provider might: the API's configuration above is what grants roles.
 */
export const ISSUER_MACHINE_CLIENTS: readonly IssuerMachineClient[] = [
  {
    clientId: 'soar-client',
    clientSecret: 'soar-secret',
    scopes: ['cordon/read', 'cordon/request', 'cordon/approve'],
  },
  { clientId: 'reader-client', clientSecret: 'reader-secret', scopes: ['cordon/read'] },
];

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  text: string;
}

export interface ApiHarness {
  readonly moto: MotoHandle;
  readonly issuer: LocalIssuer;
  readonly env: SandboxEnvironment;
  readonly handler: ApiHandler;
  readonly config: ApiConfig;
  token(username: string): Promise<string>;
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
}

/** Build an API Gateway HTTP API v2 event. */
export function apiEvent(method: string, path: string, options: CallOptions = {}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json';
  const query = options.query ?? {};
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'test',
      domainName: 'api.test',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

/** A quiet logger that keeps what it was told (tests assert nothing sensitive is returned, not logged). */
export const quietLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Set up the harness for one test file. Tables are recreated after every moto reset. */
export function useApi(options: { extraRoutes?: (env: SandboxEnvironment) => Route[] } = {}): ApiHarness {
  const moto = useMoto({ resetEach: false });
  let issuer: LocalIssuer | undefined;
  let env: SandboxEnvironment | undefined;
  let handler: ApiHandler | undefined;
  let config: ApiConfig | undefined;
  let dir: string | undefined;
  const tokens = new Map<string, string>();
  const harness: ApiHarness = {
    moto,
    get issuer() {
      if (!issuer) throw new Error('harness not started');
      return issuer;
    },
    get env() {
      if (!env) throw new Error('harness not started');
      return env;
    },
    get handler() {
      if (!handler) throw new Error('harness not started');
      return handler;
    },
    get config() {
      if (!config) throw new Error('harness not started');
      return config;
    },
    async token(username) {
      const cached = tokens.get(username);
      if (cached) return cached;
      const token = await harness.issuer.accessTokenFor(username);
      tokens.set(username, token);
      return token;
    },
    async call(method, path, callOptions = {}) {
      const result = await harness.handler(apiEvent(method, path, callOptions));
      const text = typeof result.body === 'string' ? result.body : '';
      let body: Record<string, unknown>;
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = {};
      }
      return { status: result.statusCode, headers: result.headers, body, text };
    },
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cordon-api-'));
    issuer = await startLocalIssuer({
      redirectUris: [`${CONSOLE_ORIGIN}/`],
      users: TEST_USERS,
      machineClients: ISSUER_MACHINE_CLIENTS,
    });
    env = await createSandboxEnvironment({
      endpoint: moto.endpoint,
      outboxPath: join(dir, 'outbox.jsonl'),
    });
    config = {
      auth: {
        kind: 'oidc',
        issuer: issuer.issuer,
        audience: issuer.clientId,
        jwksUri: issuer.jwksUri,
        tokenUse: 'access',
      },
      groups: {
        claim: 'cognito:groups',
        requesters: 'cordon-requesters',
        approvers: 'cordon-approvers',
        viewers: 'cordon-viewers',
      },
      consoleAuth: {
        authorizeUrl: issuer.authorizeUrl,
        tokenUrl: issuer.tokenUrl,
        clientId: issuer.clientId,
        scopes: 'openid profile',
      },
      machineClients: MACHINE_CLIENTS,
      region: env.config.region,
      sandbox: false,
    };
    const authenticator = createAuthenticator(config, loopbackJwksCache());
    handler = createApiHandler({
      config,
      authenticator,
      service: pipelineApiService(env.deps),
      logger: quietLogger,
      ...(options.extraRoutes ? { extraRoutes: options.extraRoutes(env) } : {}),
    });
  });
  beforeEach(async () => {
    await env?.idle();
  });
  afterAll(async () => {
    await env?.idle();
    await issuer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return harness;
}

let counter = 0;
/** A unique, valid request body for an IAM user (one active isolation per resource). */
export function userRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    resourceType: 'iam-user',
    accountId: '210987654321',
    region: 'eu-west-1',
    resourceId: `suspect-${process.pid}-${counter}`,
    reason: 'GuardDuty reported credential exfiltration',
    ...overrides,
  };
}
