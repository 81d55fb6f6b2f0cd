/**
 * The identifier forms cordon validates, as plain RegExps, each defined once. No imports at all: the web console
 * bundles this module (through api/contract.ts) without zod's classic API; kernel/ids.ts builds the zod schemas
 * from the same patterns.
 */

/** A 12-digit AWS account id. */
export const ACCOUNT_ID = /^\d{12}$/;

/** AWS region names: `us-east-1`, `us-gov-west-1`, `cn-northwest-1`, `eu-isoe-west-1`... (form only). */
export const REGION = /^[a-z]{2,}(-[a-z]+)+-\d{1,2}$/;

/** The ARN partitions cordon works in (kernel/arn.ts `PARTITIONS`). */
export const PARTITION = /^(?:aws|aws-cn|aws-us-gov)$/;

/** An EC2 instance id: `i-` and 8 (old) or 17 hex digits. */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * An RDS DB instance identifier: 1-63 letters, digits and hyphens, starting with a letter, no two consecutive
 * hyphens and no trailing hyphen (RDS's rule; RDS stores it in lower case).
 */
export const DB_INSTANCE_ID = /^[a-zA-Z](?:[a-zA-Z0-9]|-(?!-|$)){0,62}$/;

/** IAM user and role names: 1-64 of `[\w+=,.@-]` (IAM's own rule). */
export const IAM_NAME = /^[\w+=,.@-]{1,64}$/;

/** An IAM path: `/` or `/a/b/` (printable ASCII between slashes). */
export const IAM_PATH = /^\/(?:[\x21-\x7e]*\/)?$/;

/** A Lambda function name: 1-64 of letters, digits, `-` and `_` (Lambda's own rule for an unqualified name). */
export const LAMBDA_FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** An ECS task id: 32 hex digits, or a UUID (tasks started before the long ARN format). */
export const ECS_TASK_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** An ECS cluster name: 1-255 letters, digits, hyphens and underscores (ECS's rule). */
export const ECS_CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Long-term access key ids: AKIA + 16 upper-case alphanumerics. Temporary (ASIA) keys cannot be disabled. */
export const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;

/** cordon's isolation ids: `iso-<UTC yyyymmddhhmmssSSS>-<10 hex>`. */
export const ISOLATION_ID = /^iso-\d{17}-[0-9a-f]{10}$/;

/** An anchored pattern's body as a non-capturing group, to compose it into a larger pattern. */
export function part(pattern: RegExp): string {
  return `(?:${pattern.source.replace(/^\^/, '').replace(/\$$/, '')})`;
}

/** Why a requested id was refused: it fits no form of its kind, or its ARN names another account or region. */
export const REQUESTED_ID_SCOPE = 'the ARN names another account or region than accountId/region';

/** The parts of a requested id, or why it is refused. */
export type RequestedIdMatch =
  { id: string; path: string | undefined; role: string | undefined } | { refused: 'form' | 'scope' };

/**
 * Match the id a request names against its kind's id pattern (resources/*.ts `request.idPattern`): the named group
 * `id` is the resource's id, `path` an IAM path, `role` the role of a role session, and `account` and `region`, when an ARN form captured them, must
 * be the request's. The server and the console both check with this, so they refuse the same ids.
 */
export function matchRequestedId(
  pattern: RegExp,
  request: { resourceId: string; accountId: string; region: string },
): RequestedIdMatch {
  const groups = pattern.exec(request.resourceId)?.groups;
  const id = groups?.['id'];
  if (groups === undefined || id === undefined) return { refused: 'form' };
  const { account, region } = groups;
  if (
    (account !== undefined && account !== request.accountId) ||
    (region !== undefined && region !== request.region)
  )
    return { refused: 'scope' };
  return { id, path: groups['path'], role: groups['role'] };
}

/** Why a request for a resource that needs its owner (an access key) is refused without `userName`. */
export const REQUESTED_OWNER_MISSING = 'is required: the IAM user that owns it';
