/**
 * HTTP plumbing for the API and the console functions: response builders with the security headers every
 * response carries, the console's Content-Security-Policy, and request body decoding with the 32 KB limit.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Problem } from './problem.js';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './problem.js';
import { ValidationError } from '../errors.js';

/**
 * Largest request body accepted, in bytes (API Gateway allows far more; nobody needs it). Defined here rather
 * than with the schemas so that the console function, which builds its responses with this module, does not
 * load the API's validation and the action registry behind it.
 */
export const MAX_BODY_BYTES = 32 * 1024;

export type HttpResponse = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
};

/** Headers on every response: no sniffing, no framing, no referrer leaks, no caching of API data. */
const BASE_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** API responses are data, never a document: lock them down completely. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The console's policy: only its own script and style (no inline anything), XHR to itself and to the token
 * endpoint of the identity provider, no plugins, no framing.
 */
export function consoleCsp(tokenUrl?: string): string {
  const connect = ["'self'"];
  if (tokenUrl) connect.push(new URL(tokenUrl).origin);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** A JSON response. */
export function json(statusCode: number, body: unknown, extra: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: {
      ...BASE_HEADERS,
      'content-security-policy': API_CSP,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...extra,
    },
    body: JSON.stringify(body),
  };
}

/** An `application/problem+json` response. */
export function problem(p: Problem, extra: Record<string, string> = {}): HttpResponse {
  return {
    statusCode: p.status,
    headers: {
      ...BASE_HEADERS,
      'content-security-policy': API_CSP,
      'content-type': 'application/problem+json; charset=utf-8',
      'cache-control': 'no-store',
      ...extra,
    },
    body: JSON.stringify(p),
  };
}

/** A static console asset. */
export function asset(body: string, contentType: string, csp: string, cache: string): HttpResponse {
  return {
    statusCode: 200,
    headers: {
      ...BASE_HEADERS,
      'content-security-policy': csp,
      'content-type': contentType,
      'cache-control': cache,
    },
    body,
  };
}

/** The request's method, upper-case (GET when absent, as for a bare test event). */
export function requestMethod(event: APIGatewayProxyEventV2): string {
  return (event.requestContext?.http?.method ?? 'GET').toUpperCase();
}

/** The request's path, with repeated slashes collapsed and no trailing slash (except `/` itself). */
export function requestPath(event: APIGatewayProxyEventV2): string {
  return (event.rawPath || '/').replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}

/** A header value, case-insensitively (API Gateway lower-cases them, local tools may not). */
export function getHeader(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return header(event, name);
}

/**
 * Decode and parse a JSON body.
 * @returns `undefined` for an empty body
 * @throws PayloadTooLargeError above 32 KB, UnsupportedMediaTypeError for non-JSON, ValidationError for bad JSON
 */
export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      `the body is ${raw.byteLength} bytes; the limit is ${MAX_BODY_BYTES} bytes (32 KB)`,
    );
  }
  const type = header(event, 'content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type.trim())) {
    throw new UnsupportedMediaTypeError('send the body as application/json');
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (error) {
    throw new ValidationError('the body is not valid JSON', ['body: not valid JSON'], { cause: error });
  }
}
