/**
 * The web console's files, served by the `console` function. API Gateway routes {@link CONSOLE_ROUTE_KEYS} to
 * it and everything else to the `api` function, so the API's bundle does not carry the console, and the console
 * function needs no AWS permission and none of the pipeline. Responses carry the same security headers as the
 * API's, with the console's Content-Security-Policy; errors are the API's problem+json.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { LoggerLike } from '../actions/contract.js';
import { asset, consoleCsp, problem, requestMethod, requestPath, type HttpResponse } from '../api/http.js';
import { RouteNotFoundError, toProblem } from '../api/problem.js';
import { errorMessage } from '../errors.js';
import { CONSOLE_ASSETS, type ConsoleAsset } from './assets.generated.js';
import type { ConsoleConfig } from './config.js';

/**
 * The API Gateway routes of the console function (terraform/modules/cordon/api.tf; a test keeps the two equal).
 * `{proxy+}` is API Gateway's greedy path variable: one or more segments.
 */
export const CONSOLE_ROUTE_KEYS = ['GET /', 'GET /index.html', 'GET /assets/{proxy+}'] as const;

/** Whether an API Gateway route key (`METHOD /path`, `ANY`, `{proxy+}` last) matches a request. */
export function routeKeyMatches(routeKey: string, method: string, path: string): boolean {
  const [keyMethod = '', template = ''] = routeKey.split(' ');
  if (keyMethod !== 'ANY' && keyMethod !== method.toUpperCase()) return false;
  const greedy = '{proxy+}';
  if (template.endsWith(`/${greedy}`)) {
    const base = template.slice(0, -greedy.length);
    return path.startsWith(base) && path.length > base.length;
  }
  return path === template;
}

/** Whether API Gateway sends this request to the console function (the sandbox's local gateway asks). */
export function isConsoleRoute(method: string, path: string): boolean {
  return CONSOLE_ROUTE_KEYS.some((key) => routeKeyMatches(key, method, path));
}

export interface ConsoleHandlerOptions {
  config: ConsoleConfig;
  logger: LoggerLike;
  /** The files to serve (default: the generated console). */
  assets?: Readonly<Record<string, ConsoleAsset>>;
}

export type ConsoleHandler = (event: APIGatewayProxyEventV2) => Promise<HttpResponse>;

/**
 * Build the console handler. The responses are built once: the files are constants of the bundle.
 * @returns a function from an API Gateway v2 event to a structured result; it never throws
 */
export function createConsoleHandler(options: ConsoleHandlerOptions): ConsoleHandler {
  const { logger } = options;
  const assets = options.assets ?? CONSOLE_ASSETS;
  const csp = consoleCsp(options.config.tokenUrl);
  const responses = new Map<string, HttpResponse>();
  for (const [path, file] of Object.entries(assets)) {
    // index.html must revalidate so a deploy takes effect; the other files may be cached briefly.
    const cache = file.contentType.startsWith('text/html') ? 'no-cache' : 'public, max-age=300';
    responses.set(path, asset(file.body, file.contentType, csp, cache));
  }
  const index = assets['/index.html'];
  if (index) responses.set('/', asset(index.body, index.contentType, csp, 'no-cache'));

  return async (event) => {
    const requestId = event.requestContext?.requestId ?? randomUUID();
    const method = requestMethod(event);
    const path = requestPath(event);
    try {
      const response = responses.get(path);
      if (!response) throw new RouteNotFoundError(`no route for ${path}`);
      if (method !== 'GET')
        throw new RouteNotFoundError(`${method} is not allowed on ${path}; use GET`, ['GET']);
      logger.debug('console request', { requestId, path, status: response.statusCode });
      return response;
    } catch (error) {
      const p = toProblem(error, { path, requestId });
      logger.warn('console request refused', {
        requestId,
        method,
        path,
        status: p.status,
        reason: errorMessage(error),
      });
      return problem(p, p.status === 405 ? { allow: 'GET' } : {});
    }
  };
}
