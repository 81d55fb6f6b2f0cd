/**
 * RFC 9457 problem details. Every API error leaves as `application/problem+json` with a clear, safe message:
 * never a stack trace, never an AWS error dump. Unknown errors become a generic 500 that carries the request
 * id, so an operator can find the full error in the logs.
 */
import {
  ConflictError,
  CordonError,
  ForbiddenError,
  LookupUnavailableError,
  NotFoundError,
  RefusedAccountError,
  RefusedResourceError,
  TagsUnavailableError,
  UnauthenticatedError,
  UnsupportedEventError,
  ValidationError,
} from '../errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  /** For validation problems: one entry per invalid field, `field: message`. */
  errors?: string[];
}

/** The body is larger than the API accepts. */
export class PayloadTooLargeError extends CordonError {
  constructor(message: string) {
    super(message, { code: 'PAYLOAD_TOO_LARGE' });
  }
}

/** No route has this path, or the route does not take this method. */
export class RouteNotFoundError extends CordonError {
  constructor(
    message: string,
    readonly allowed: string[] = [],
  ) {
    super(message, { code: allowed.length > 0 ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND' });
  }
}

/** The request is not JSON where JSON is required. */
export class UnsupportedMediaTypeError extends CordonError {
  constructor(message: string) {
    super(message, { code: 'UNSUPPORTED_MEDIA_TYPE' });
  }
}

const PROBLEM_BASE = 'urn:cordon:problem:';

function problemType(code: string): string {
  return `${PROBLEM_BASE}${code}`;
}

/** Map any thrown value to a problem. `exposeMessage` is true only for cordon's own, user-facing errors. */
export function toProblem(error: unknown, context: { path: string; requestId: string }): Problem {
  const base = { instance: context.path, requestId: context.requestId };
  if (error instanceof ValidationError) {
    return {
      ...base,
      type: problemType('validation'),
      title: 'Invalid request',
      status: 400,
      detail: error.message,
      errors: error.details,
    };
  }
  if (error instanceof UnsupportedEventError) {
    return {
      ...base,
      type: problemType('unsupported-event'),
      title: 'Unsupported event',
      status: 400,
      detail: error.message,
    };
  }
  if (error instanceof RefusedAccountError) {
    return {
      ...base,
      type: problemType('refused-account'),
      title: 'Refused account',
      status: 422,
      detail: error.message,
    };
  }
  if (error instanceof RefusedResourceError) {
    return {
      ...base,
      type: problemType('refused-resource'),
      title: 'Refused resource',
      status: 422,
      detail: error.message,
    };
  }
  if (error instanceof UnauthenticatedError) {
    // The precise reason (expired, wrong issuer...) is logged; telling an attacker which check failed helps them.
    return {
      ...base,
      type: problemType('unauthenticated'),
      title: 'Authentication required',
      status: 401,
      detail: 'Sign in again: the request has no valid bearer token.',
    };
  }
  if (error instanceof ForbiddenError) {
    return {
      ...base,
      type: problemType('forbidden'),
      title: 'Forbidden',
      status: 403,
      detail: error.message,
    };
  }
  if (error instanceof NotFoundError) {
    return {
      ...base,
      type: problemType('not-found'),
      title: 'Not found',
      status: 404,
      detail: error.message,
    };
  }
  if (error instanceof RouteNotFoundError) {
    return error.allowed.length > 0
      ? {
          ...base,
          type: problemType('method-not-allowed'),
          title: 'Method not allowed',
          status: 405,
          detail: error.message,
        }
      : { ...base, type: problemType('not-found'), title: 'Not found', status: 404, detail: error.message };
  }
  if (error instanceof ConflictError) {
    return { ...base, type: problemType('conflict'), title: 'Conflict', status: 409, detail: error.message };
  }
  if (error instanceof PayloadTooLargeError) {
    return {
      ...base,
      type: problemType('payload-too-large'),
      title: 'Payload too large',
      status: 413,
      detail: error.message,
    };
  }
  if (error instanceof UnsupportedMediaTypeError) {
    return {
      ...base,
      type: problemType('unsupported-media-type'),
      title: 'Unsupported media type',
      status: 415,
      detail: error.message,
    };
  }
  if (error instanceof LookupUnavailableError) {
    // cordon's own message: which role, which account, and what to deploy; the AWS error is logged, not returned.
    return {
      ...base,
      type: problemType('lookup-unavailable'),
      title: 'Lookup unavailable',
      status: 503,
      detail: error.message,
    };
  }
  if (error instanceof TagsUnavailableError) {
    // The AWS reason is logged, not returned; the request was not accepted, so it is safe to send again.
    return {
      ...base,
      type: problemType('tags-unavailable'),
      title: 'Service unavailable',
      status: 503,
      detail:
        "cordon could not read the resource's tags to rule out an exemption, so the request was not accepted. " +
        `Try again; if it persists, quote request id ${context.requestId} to an operator.`,
    };
  }
  return {
    ...base,
    type: problemType('internal'),
    title: 'Internal error',
    status: 500,
    detail: `cordon could not complete the request. Quote request id ${context.requestId} to an operator.`,
  };
}
