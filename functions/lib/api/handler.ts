/**
 * The API: one handler for API Gateway HTTP API (payload v2) events, shared by the Lambda entry point and the
 * sandbox's local HTTP adapter. It authenticates, authorises, validates, delegates to the pipeline service and
 * turns every error into problem+json.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { LoggerLike } from '../actions/contract.js';
import { ForbiddenError, LookupUnavailableError, ValidationError, errorMessage } from '../errors.js';
import { Authenticator, requireRole, type ApiPrincipal, type Role } from './auth.js';
import type { ApiConfig } from './config.js';
import {
  getHeader,
  json,
  problem,
  readJsonBody,
  requestMethod,
  requestPath,
  type HttpResponse,
} from './http.js';
import { RouteNotFoundError, toProblem } from './problem.js';
import type { IsolationApiService } from './service.js';
import type { InstanceFinder, InstanceLookupOptions } from './instance-lookup.js';
import {
  ApproveBody,
  IsolationId,
  ListQuery,
  ReasonBody,
  ReleaseBody,
  parseIsolationRequest,
  parseOrThrow,
} from './validation.js';
import {
  InstanceLookupQuery,
  type DuplicateRequestView,
  type EvaluationView,
  type IsolationListView,
} from './contract.js';
import { configView, isRequester, isolationView as view, meView, recordPrincipal } from './views.js';

export { allowedActions, isRequester, recordPrincipal } from './views.js';

/** What a route handler receives. */
export interface RouteContext {
  /** Present on every route that is not public. */
  principal?: ApiPrincipal;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Parsed JSON body, or undefined when empty. */
  body: unknown;
  requestId: string;
  path: string;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Path template; `{name}` matches one segment. */
  path: string;
  /** `public`: no token needed. Otherwise the caller needs one of the roles. */
  access: 'public' | readonly Role[];
  handle(ctx: RouteContext): Promise<HttpResponse>;
}

export interface ApiHandlerOptions {
  config: ApiConfig;
  authenticator: Authenticator;
  service: IsolationApiService;
  logger: LoggerLike;
  /** Resolves Name tags to instance ids (`GET /resources/instances`); absent: the route answers 503. */
  instances?: InstanceFinder;
  /** Extra routes: only the sandbox adapter passes these; the Lambda never has them. */
  extraRoutes?: Route[];
}

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<HttpResponse>;

function requirePrincipal(ctx: RouteContext): ApiPrincipal {
  if (!ctx.principal) throw new ForbiddenError('this route needs a signed-in caller');
  return ctx.principal;
}

function idParam(ctx: RouteContext): string {
  return parseOrThrow(IsolationId, ctx.params['id'] ?? '', 'the isolation id is not valid');
}

/** An {@link InstanceFinder} whose code (and the EC2 client) is loaded on its first lookup. */
export function lazyInstanceFinder(options: InstanceLookupOptions): InstanceFinder {
  let finder: Promise<InstanceFinder> | undefined;
  return async (query, caller) => {
    finder ??= import('./instance-lookup.js').then((m) => m.createInstanceFinder(options));
    return (await finder)(query, caller);
  };
}

/** The API's own routes. */
export function apiRoutes(options: Pick<ApiHandlerOptions, 'service' | 'config' | 'instances'>): Route[] {
  const { service, config, instances } = options;
  const readers: readonly Role[] = ['viewer', 'requester', 'approver'];
  return [
    {
      method: 'GET',
      path: '/health',
      access: 'public',
      handle: async () => json(200, { status: 'ok', service: 'cordon-api' }),
    },
    {
      method: 'GET',
      path: '/config.json',
      access: 'public',
      handle: async () => json(200, configView(config)),
    },
    {
      // Public like /config.json: it describes the API, holds no deployment data, and integrators fetch it
      // before they have a token. Cached briefly: it changes only with a deploy.
      method: 'GET',
      path: '/openapi.json',
      access: 'public',
      handle: async () => {
        const { openApiDocument } = await import('./openapi-document.js');
        return json(200, openApiDocument(), { 'cache-control': 'public, max-age=300' });
      },
    },
    {
      method: 'GET',
      path: '/me',
      access: readers,
      handle: async (ctx) => json(200, meView(requirePrincipal(ctx))),
    },
    {
      method: 'POST',
      path: '/isolations',
      access: ['requester', 'approver'],
      handle: async (ctx) => {
        const p = requirePrincipal(ctx);
        const input = parseIsolationRequest(ctx.body ?? {});
        if (input.immediate && !p.roles.has('approver')) {
          throw new ForbiddenError('only approvers may run an immediate (emergency) isolation');
        }
        const result = await service.request(input, recordPrincipal(p));
        const location = { location: `/isolations/${encodeURIComponent(result.record.id)}` };
        // An active isolation of the same resource and action already exists: say so and return it.
        if (!result.created) {
          const duplicate: DuplicateRequestView = {
            ...view(result.record, p),
            duplicateOf: result.duplicateOf,
          };
          return json(200, duplicate, location);
        }
        return json(201, view(result.record, p), location);
      },
    },
    {
      method: 'GET',
      path: '/isolations',
      access: readers,
      handle: async (ctx) => {
        const p = requirePrincipal(ctx);
        const q = parseOrThrow(ListQuery, ctx.query, 'the query is not valid');
        const page = await service.list({
          limit: q.limit,
          ...(q.status ? { status: q.status } : {}),
          ...(q.account ? { accountId: q.account } : {}),
          ...(q.resource ? { resourceId: q.resource } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
        });
        const list: IsolationListView = {
          items: page.items.map((r) => view(r, p)),
          ...(page.cursor ? { cursor: page.cursor } : {}),
        };
        return json(200, list);
      },
    },
    {
      method: 'GET',
      path: '/isolations/{id}',
      access: readers,
      handle: async (ctx) => {
        const r = await service.get(idParam(ctx));
        const m = r.status === 'PENDING_APPROVAL' ? service.approvalExpiryMinutes : undefined;
        // The sweep expires a pending record older than the policy's approvalExpiryMinutes (pipeline/expire.ts).
        const approvalExpiresAt =
          m === undefined ? m : new Date(Date.parse(r.createdAt) + m * 6e4).toISOString();
        return json(200, { ...view(r, requirePrincipal(ctx)), approvalExpiresAt });
      },
    },
    {
      method: 'GET',
      path: '/isolations/{id}/evidence',
      access: readers,
      // Hashes and S3 keys only: the API reads no artifact's content (evidence/stored-check.ts).
      handle: async (ctx) => json(200, await service.evidence(idParam(ctx))),
    },
    {
      method: 'POST',
      path: '/isolations/{id}/approve',
      access: ['approver'],
      handle: async (ctx) => {
        const p = requirePrincipal(ctx);
        const id = idParam(ctx);
        const body = parseOrThrow(ApproveBody, ctx.body ?? {});
        // Four eyes is the pipeline's rule (approveIsolation refuses the requester with a 403), for every path;
        // here also for records that name their requester by the bare subject (see isRequester).
        if (isRequester(await service.get(id), p)) {
          throw new ForbiddenError('Four eyes: you cannot approve your own isolation request.');
        }
        return json(200, view(await service.approve(id, recordPrincipal(p), body.reason), p));
      },
    },
    {
      method: 'POST',
      path: '/isolations/{id}/reject',
      access: ['approver'],
      handle: async (ctx) => {
        const p = requirePrincipal(ctx);
        const body = parseOrThrow(ReasonBody, ctx.body ?? {});
        return json(200, view(await service.reject(idParam(ctx), recordPrincipal(p), body.reason), p));
      },
    },
    {
      method: 'POST',
      path: '/isolations/{id}/withdraw',
      access: ['requester', 'approver'],
      handle: async (ctx) => {
        const p = requirePrincipal(ctx);
        const id = idParam(ctx);
        const { reason } = parseOrThrow(ReasonBody, ctx.body ?? {});
        if (!isRequester(await service.get(id), p)) throw new ForbiddenError('not your request');
        // Recorded as REJECTED by the requester (the pipeline refuses it unless the record is still pending).
        return json(200, view(await service.reject(id, recordPrincipal(p), `Withdrawn: ${reason}`), p));
      },
    },
    {
      method: 'POST',
      path: '/isolations/{id}/release',
      access: ['approver'],
      handle: async (ctx) => {
        const p = requirePrincipal(ctx);
        const body = parseOrThrow(ReleaseBody, ctx.body ?? {});
        const options = body.restoreKeys === undefined ? {} : { restoreKeys: body.restoreKeys };
        return json(
          200,
          view(await service.release(idParam(ctx), recordPrincipal(p), body.reason, options), p),
        );
      },
    },
    {
      method: 'POST',
      path: '/isolations/{id}/retry',
      access: ['approver'],
      handle: async (ctx) => {
        const p = requirePrincipal(ctx);
        const body = parseOrThrow(ApproveBody, ctx.body ?? {});
        // 202: the worker runs asynchronously; the record shows its progress.
        return json(202, view(await service.retry(idParam(ctx), recordPrincipal(p), body.reason), p));
      },
    },
    {
      // Requesters only: it reads a member account, which a viewer has no reason to. The form shows the matches;
      // the request itself still names an instance id, checked as any other.
      method: 'GET',
      path: '/resources/instances',
      access: ['requester', 'approver'],
      handle: async (ctx) => {
        const p = requirePrincipal(ctx);
        const q = parseOrThrow(InstanceLookupQuery, ctx.query, 'the lookup query is not valid');
        if (instances === undefined || config.instanceLookupRole === undefined) {
          throw new LookupUnavailableError(
            'Name lookup is not configured in this deployment (no lookup role): enter the instance id.',
          );
        }
        return json(200, await instances(q, p.username));
      },
    },
    {
      method: 'POST',
      path: '/policy/evaluate',
      access: readers,
      handle: async (ctx) => {
        if (ctx.body === undefined) {
          throw new ValidationError('paste a finding event as the JSON body', ['body: required']);
        }
        const evaluation: EvaluationView = await service.evaluate(ctx.body);
        return json(200, evaluation);
      },
    },
  ];
}

function match(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const ts = t[i] ?? '';
    const ps = p[i] ?? '';
    if (ts.startsWith('{') && ts.endsWith('}')) {
      if (!ps) return undefined;
      try {
        params[ts.slice(1, -1)] = decodeURIComponent(ps);
      } catch {
        return undefined;
      }
    } else if (ts !== ps) {
      return undefined;
    }
  }
  return params;
}

/**
 * Build the API handler.
 * @returns a function from an API Gateway v2 event to a structured result; it never throws
 */
export function createApiHandler(options: ApiHandlerOptions): ApiHandler {
  // The console's files are not here: the `console` function serves them (functions/lib/console/handler.ts).
  const routes = [...apiRoutes(options), ...(options.extraRoutes ?? [])];
  const { logger, authenticator } = options;

  return async (event) => {
    const requestId = event.requestContext?.requestId ?? randomUUID();
    const method = requestMethod(event);
    const path = requestPath(event);
    let principal: ApiPrincipal | undefined;
    try {
      const candidates = routes
        .map((r) => ({ route: r, params: match(r.path, path) }))
        .filter((c) => c.params);
      if (candidates.length === 0) throw new RouteNotFoundError(`no route for ${path}`);
      const chosen = candidates.find((c) => c.route.method === method);
      if (!chosen || !chosen.params) {
        const allowed = [...new Set(candidates.map((c) => c.route.method))];
        throw new RouteNotFoundError(
          `${method} is not allowed on ${path}; use ${allowed.join(' or ')}`,
          allowed,
        );
      }
      const { route } = chosen;
      if (route.access !== 'public') {
        principal = await authenticator.authenticate(getHeader(event, 'authorization'));
        requireRole(principal, ...route.access);
      }
      const body = method === 'POST' ? readJsonBody(event) : undefined;
      const query: Record<string, string> = {};
      for (const [k, v] of Object.entries(event.queryStringParameters ?? {}))
        if (v !== undefined) query[k] = v;
      const response = await route.handle({ principal, params: chosen.params, query, body, requestId, path });
      logger.info('api request', {
        requestId,
        method,
        route: route.path,
        status: response.statusCode,
        ...(principal ? { sub: principal.sub, username: principal.username } : {}),
      });
      return response;
    } catch (error) {
      const p = toProblem(error, { path, requestId });
      const context = {
        requestId,
        method,
        path,
        status: p.status,
        ...(principal ? { sub: principal.sub, username: principal.username } : {}),
      };
      if (p.status >= 500) {
        logger.error('api request failed', { ...context, error });
      } else {
        // The reason for a 401 (expired, wrong issuer, bad signature...) is logged for operators, not returned.
        const cause =
          error instanceof Error && error.cause !== undefined ? errorMessage(error.cause) : undefined;
        logger.warn('api request refused', {
          ...context,
          reason: errorMessage(error),
          ...(cause ? { cause } : {}),
        });
      }
      const extra: Record<string, string> = {};
      if (p.status === 401) extra['www-authenticate'] = 'Bearer';
      if (p.status === 405 && error instanceof RouteNotFoundError) extra['allow'] = error.allowed.join(', ');
      return problem(p, extra);
    }
  };
}
