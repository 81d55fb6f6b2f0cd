/**
 * Classify errors thrown by AWS SDK v3 clients, so actions can turn them into honest step outcomes:
 * a vanished resource is `skipped`, AccessDenied is `failed` naming the missing permission, throttling and
 * server errors are `failed` (after the SDK's own retries) and safe to re-run.
 */
import { CordonError, errorMessage } from '../errors.js';

export type AwsErrorKind = 'throttling' | 'access-denied' | 'not-found' | 'server' | 'client' | 'unknown';

export interface ClassifiedAwsError {
  kind: AwsErrorKind;
  /** AWS error code (`NoSuchEntity`, `AccessDenied`, `Throttling`...) or the JS error name. */
  code: string;
  message: string;
  httpStatus?: number;
  /** For AccessDenied: the IAM action AWS says was denied, when its message names it. */
  deniedAction?: string;
}

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
]);

const ACCESS_DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'Client.UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
  'NotAuthorized',
]);

/** Codes meaning "the resource is gone"; EC2 uses `<Thing>.NotFound` / `<Thing>.Malformed` style codes. */
const NOT_FOUND_CODES = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'ResourceNotFoundException',
  'NotFound',
]);

const SERVER_CODES = new Set(['ServiceFailure', 'InternalFailure', 'InternalError', 'ServiceUnavailable']);

function field(error: unknown, key: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined;
}

/**
 * An AWS call failed. Carries the IAM action that was being called so an access denial can name the missing
 * permission. Raised by the step runner's `awsCall` (actions/steps.ts).
 */
export class AwsCallError extends CordonError {
  /** e.g. `ec2:ModifyNetworkInterfaceAttribute`. */
  readonly iamAction: string;
  /** AWS error name/code, e.g. `UnauthorizedOperation`, `ThrottlingException`. */
  readonly awsName: string;

  constructor(iamAction: string, cause: unknown) {
    const awsName = awsErrorName(cause);
    super(`${iamAction} failed: ${awsName}: ${errorMessage(cause)}`, { code: 'AWS_CALL_FAILED', cause });
    this.iamAction = iamAction;
    this.awsName = awsName;
  }
}

/**
 * The AWS error code of an error: `Code` (some XML errors), else `name` unless it is the plain `Error`, else
 * `code` (Node's network errors), else `Error`. An {@link AwsCallError} answers with the code of the error it
 * wraps; cordon's other errors with their class name.
 */
export function awsErrorName(error: unknown): string {
  if (error instanceof AwsCallError) return error.awsName;
  const codeField = field(error, 'Code');
  if (typeof codeField === 'string' && codeField) return codeField;
  const name = field(error, 'name');
  if (typeof name === 'string' && name && name !== 'Error') return name;
  const code = field(error, 'code');
  if (typeof code === 'string' && code) return code;
  return 'Error';
}

/** True for the error codes AWS services use for an IAM denial. */
export function isAccessDenied(error: unknown): boolean {
  return ACCESS_DENIED_CODES.has(awsErrorName(error));
}

/** Classify any error thrown by an AWS SDK v3 call. Never throws. */
export function classifyAwsError(error: unknown): ClassifiedAwsError {
  // cordon wraps AWS errors (e.g. the step runner's AwsCallError) and keeps the original in `cause`.
  if (error instanceof CordonError && error.cause !== undefined) return classifyAwsError(error.cause);
  const code = awsErrorName(error);
  const message = errorMessage(error);
  const metadata = field(error, '$metadata');
  const status = field(metadata, 'httpStatusCode');
  const httpStatus = typeof status === 'number' ? status : undefined;
  const result: ClassifiedAwsError = { kind: 'unknown', code, message };
  if (httpStatus !== undefined) result.httpStatus = httpStatus;

  if (THROTTLING_CODES.has(code) || httpStatus === 429) {
    result.kind = 'throttling';
  } else if (ACCESS_DENIED_CODES.has(code)) {
    result.kind = 'access-denied';
    const denied = /not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message);
    if (denied?.[1] !== undefined) result.deniedAction = denied[1];
  } else if (NOT_FOUND_CODES.has(code) || code.endsWith('.NotFound')) {
    result.kind = 'not-found';
  } else if (SERVER_CODES.has(code) || (httpStatus !== undefined && httpStatus >= 500)) {
    result.kind = 'server';
  } else if (field(error, '$fault') === 'client' || (httpStatus !== undefined && httpStatus >= 400)) {
    result.kind = 'client';
  }
  return result;
}

/** True when AWS says the entity does not exist (deleted user, terminated instance...). */
export function isNotFound(error: unknown): boolean {
  return classifyAwsError(error).kind === 'not-found';
}

/** cordon could not assume the member role in a member account. */
export class AssumeRoleError extends CordonError {
  readonly roleArn: string;

  constructor(roleArn: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'ASSUME_ROLE_FAILED', ...options });
    this.roleArn = roleArn;
  }
}

/**
 * Await an AWS read whose "not found" answer is a normal result (GetLoginProfile for a user without a
 * password, GetUserPolicy before cordon added its policy): resolves `undefined` for not-found, rethrows
 * anything else.
 */
export async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** IAM's "no such entity" error: the AWS code and the SDK v3 exception name. */
export const IAM_NO_SUCH_ENTITY: readonly string[] = ['NoSuchEntity', 'NoSuchEntityException'];

/** Run every call, let them all settle, then throw the first failure: no request is left half-observed. */
export async function settleAll<T>(calls: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
