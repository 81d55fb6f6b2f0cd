/**
 * The API contract: what the API accepts and what it answers, defined once for the server and the web console.
 * The server (validation.ts, handler.ts, views.ts) validates and builds its answers with these schemas and types;
 * the console (console/src) imports the same module, so its inline checks are the server's rules and its types
 * are the server's answers. Nothing here may import the AWS SDK, Node built-ins or pipeline code: this module is
 * bundled into the browser (test/console/contract.test.ts checks its imports).
 */
// zod/mini: the same schemas as zod's classic API, at a fifth of the bundle size in the console.
import * as z from 'zod/mini';
import { hasUnsafeChars } from '../text.js';
import type { IsolationRecord } from '../store/model.js';
import type { EventEvaluation } from '../pipeline/service.js';
import { isAwsRegion } from './regions.js';

// ---------------------------------------------------------------------------------------------------------------
// Identifier forms
// ---------------------------------------------------------------------------------------------------------------

/** A 12-digit AWS account id. */
export const ACCOUNT_ID = /^\d{12}$/;
/** An EC2 instance id: `i-` and 8 (old) or 17 hex digits. */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** An instance ARN in any partition: partition, region, account and instance id captured. */
export const INSTANCE_ARN = /^arn:(aws|aws-cn|aws-us-gov):ec2:([a-z0-9-]+):(\d{12}):instance\/(i-[0-9a-f]+)$/;
/** IAM user and role names: 1-64 of `[\w+=,.@-]` (IAM's own rule). */
export const IAM_NAME = /^[\w+=,.@-]{1,64}$/;
/** An IAM user or role ARN in any partition: partition, account, kind, path and name captured. */
export const IAM_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(user|role)(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]{1,64})$/;
/** Long-term access key ids: AKIA + 16 upper-case alphanumerics. Temporary (ASIA) keys cannot be disabled. */
export const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
/** A ticket reference. */
export const TICKET = /^[\w.:/#-]{1,128}$/;

export const MESSAGES = {
  accountId: 'must be a 12-digit AWS account id',
  region: 'must be an AWS Region code such as eu-west-1',
  instanceId: 'must be an instance id: i- followed by 8 or 17 hex digits (or its ARN)',
  instanceArnScope: 'the ARN names another account or region than accountId/region',
  iamArnScope: 'the ARN names another account than accountId',
  iamName: (kind: 'user' | 'role'): string =>
    `must be an IAM ${kind} name (1-64 of letters, digits and +=,.@_-) or its ARN`,
  iamArnKind: (kind: 'user' | 'role'): string => `the ARN is not an IAM ${kind}`,
  userName: 'must be an IAM user name (1-64 of letters, digits and +=,.@_-)',
  userNameRequired: 'is required for an access key: the IAM user that owns it',
  accessKeyId: 'must be a long-term access key id: AKIA followed by 16 letters or digits',
  ticket: 'must be a ticket reference of up to 128 letters, digits and ._:/#-',
  /** Refused rather than cleaned: a reason or ticket is evidence, and is copied into Security Hub and e-mails. */
  controlChars:
    'must not contain control characters (line breaks, tabs, NUL) or invisible direction marks (U+202A–U+202E, U+2066–U+2069)',
} as const;

export const AccountId = z.string().check(z.regex(ACCOUNT_ID, MESSAGES.accountId));
export const Region = z.string().check(z.refine(isAwsRegion, MESSAGES.region));
export const Reason = z.string().check(
  z.refine((v) => !hasUnsafeChars(v), MESSAGES.controlChars),
  z.trim(),
  z.minLength(10, 'must explain why in at least 10 characters'),
  z.maxLength(1000, 'must be at most 1000 characters'),
);
export const Ticket = z.string().check(
  z.refine((v) => !hasUnsafeChars(v), MESSAGES.controlChars),
  z.trim(),
  z.regex(TICKET, MESSAGES.ticket),
);
export const IamUserName = z.string().check(z.regex(IAM_NAME, MESSAGES.userName));

// ---------------------------------------------------------------------------------------------------------------
// POST /isolations
// ---------------------------------------------------------------------------------------------------------------

export const REQUESTABLE_TYPES = ['ec2-instance', 'iam-user', 'iam-access-key', 'iam-role'] as const;
export type RequestableType = (typeof REQUESTABLE_TYPES)[number];

export function isRequestableType(value: string): value is RequestableType {
  return REQUESTABLE_TYPES.some((t) => t === value);
}

/** How the console names each requestable type, and what its resource field takes. */
export const REQUESTABLE_LABELS: Readonly<Record<RequestableType, { label: string; resourceHint: string }>> =
  {
    'ec2-instance': { label: 'EC2 instance', resourceHint: 'Instance id (i-…) or instance ARN.' },
    'iam-user': { label: 'IAM user', resourceHint: 'IAM user name or ARN.' },
    'iam-access-key': { label: 'IAM access key', resourceHint: 'Long-term access key id (AKIA…).' },
    'iam-role': { label: 'IAM role', resourceHint: 'IAM role name or ARN.' },
  };

/**
 * Body of `POST /isolations`, for the given registered action names (the server passes the registry's, the
 * console those `/config.json` lists): the same schema on both sides.
 */
export function isolationRequestBody(actionNames: readonly string[]) {
  return z.strictObject({
    resourceType: z.enum(REQUESTABLE_TYPES, `must be one of ${REQUESTABLE_TYPES.join(', ')}`),
    accountId: AccountId,
    region: Region,
    resourceId: z.string().check(z.trim(), z.minLength(1, 'is required'), z.maxLength(2048)),
    /** Owner of an access key; required for iam-access-key (UpdateAccessKey needs it cross-account). */
    userName: z.optional(IamUserName),
    action: z.optional(
      z
        .string(`must be one of ${actionNames.join(', ')}`)
        .check(z.refine((name) => actionNames.includes(name), `must be one of ${actionNames.join(', ')}`)),
    ),
    params: z.optional(z.record(z.string(), z.unknown())),
    reason: Reason,
    ticket: z.optional(Ticket),
    /** Emergency isolation by an approver: skips the approval step; recorded and notified as such. */
    immediate: z.optional(z.boolean()),
  });
}
export type IsolationRequestBody = z.infer<ReturnType<typeof isolationRequestBody>>;

/** The resource a valid request body names, in its parts (the server adds the partition and the ARN). */
export type RequestedResource =
  | { type: 'ec2-instance'; instanceId: string }
  | { type: 'iam-user' | 'iam-role'; name: string; path: string }
  | { type: 'iam-access-key'; accessKeyId: string; userName: string };

export type Checked<T> =
  { ok: true; value: T } | { ok: false; field: 'resourceId' | 'userName'; message: string };

function refused(field: 'resourceId' | 'userName', message: string): Checked<never> {
  return { ok: false, field, message };
}

/**
 * Read the resource of a request whose fields have passed {@link isolationRequestBody}: the id form that fits
 * the resource type, and an ARN in the same account (and region) as the request.
 */
export function readRequestedResource(
  body: Pick<IsolationRequestBody, 'resourceType' | 'accountId' | 'region' | 'resourceId' | 'userName'>,
): Checked<RequestedResource> {
  const id = body.resourceId;
  switch (body.resourceType) {
    case 'ec2-instance': {
      const arn = INSTANCE_ARN.exec(id);
      const instanceId = arn ? (arn[4] ?? '') : id;
      if (!INSTANCE_ID.test(instanceId)) return refused('resourceId', MESSAGES.instanceId);
      if (arn && (arn[2] !== body.region || arn[3] !== body.accountId))
        return refused('resourceId', MESSAGES.instanceArnScope);
      return { ok: true, value: { type: 'ec2-instance', instanceId } };
    }
    case 'iam-user':
    case 'iam-role': {
      const kind = body.resourceType === 'iam-user' ? 'user' : 'role';
      const arn = IAM_ARN.exec(id);
      if (!arn) {
        if (!IAM_NAME.test(id)) return refused('resourceId', MESSAGES.iamName(kind));
        return { ok: true, value: { type: body.resourceType, name: id, path: '/' } };
      }
      if (arn[3] !== kind) return refused('resourceId', MESSAGES.iamArnKind(kind));
      if (arn[2] !== body.accountId) return refused('resourceId', MESSAGES.iamArnScope);
      return { ok: true, value: { type: body.resourceType, name: arn[5] ?? '', path: arn[4] ?? '/' } };
    }
    case 'iam-access-key': {
      if (!ACCESS_KEY_ID.test(id)) return refused('resourceId', MESSAGES.accessKeyId);
      if (!body.userName) return refused('userName', MESSAGES.userNameRequired);
      return { ok: true, value: { type: 'iam-access-key', accessKeyId: id, userName: body.userName } };
    }
  }
}

/**
 * Every problem with a request body, by field (`resourceType`, `accountId`, ..., `params`): the schema, then the
 * resource id form. Empty when the server would accept the body up to the action's own parameter schema (which
 * the console's form controls follow). The console checks its form with this as the user types.
 */
export function requestProblems(input: unknown, actionNames: readonly string[]): Record<string, string> {
  const parsed = isolationRequestBody(actionNames).safeParse(input);
  const problems: Record<string, string> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const fields = issue.code === 'unrecognized_keys' ? issue.keys : [String(issue.path[0] ?? '')];
      for (const field of fields)
        problems[field] ??= issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
    }
    return problems;
  }
  const read = readRequestedResource(parsed.data);
  if (!read.ok) problems[read.field] = read.message;
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// GET /config.json
// ---------------------------------------------------------------------------------------------------------------

/**
 * One parameter of an action as the request form shows it, derived from the action's zod schema: its kind, its
 * default, its description and whether release can undo it.
 */
export const ActionParamView = z.object({
  name: z.string(),
  kind: z.enum(['boolean', 'enum', 'string', 'number', 'json']),
  /** The values of an `enum` parameter. */
  options: z.optional(z.array(z.string())),
  default: z.optional(z.unknown()),
  description: z.optional(z.string()),
  /** Release cannot undo it when it is on (the action's `irreversibleParams`). */
  irreversible: z.boolean(),
});
export type ActionParamView = z.infer<typeof ActionParamView>;

export const ActionView = z.object({
  name: z.string(),
  description: z.string(),
  resourceTypes: z.array(z.string()),
  /** Parameters whose effect release cannot undo: flagged before approval. */
  irreversibleParams: z.array(z.string()),
  params: z.array(ActionParamView),
});
export type ActionView = z.infer<typeof ActionView>;

/** What the console needs to sign users in (public values only: never a secret). */
export const ConsoleAuthView = z.object({
  authorizeUrl: z.string(),
  tokenUrl: z.string(),
  clientId: z.string(),
  scopes: z.string(),
  logoutUrl: z.optional(z.string()),
});
export type ConsoleAuthView = z.infer<typeof ConsoleAuthView>;

/** `GET /config.json`: public settings of the deployment. */
export const ConfigView = z.object({
  sandbox: z.boolean(),
  region: z.string(),
  auth: z.nullable(ConsoleAuthView),
  /** Every registered action; the request form offers those whose `resourceTypes` include the chosen type. */
  actions: z.array(ActionView),
  regions: z.array(z.string()),
  requestableTypes: z.array(z.enum(REQUESTABLE_TYPES)),
});
export type ConfigView = z.infer<typeof ConfigView>;

// ---------------------------------------------------------------------------------------------------------------
// GET /me
// ---------------------------------------------------------------------------------------------------------------

export const MeView = z.object({
  /** Issuer and subject: how records name the signed-in person. */
  id: z.string(),
  sub: z.string(),
  username: z.string(),
  groups: z.array(z.string()),
  roles: z.array(z.enum(['viewer', 'requester', 'approver'])),
});
export type MeView = z.infer<typeof MeView>;

// ---------------------------------------------------------------------------------------------------------------
// Isolations: list and detail
// ---------------------------------------------------------------------------------------------------------------

/** What the caller may do with a record (the console shows only these buttons; the API checks again). */
export const AllowedView = z.object({
  approve: z.boolean(),
  reject: z.boolean(),
  release: z.boolean(),
  retry: z.boolean(),
});
export type AllowedView = z.infer<typeof AllowedView>;

/** `GET /isolations/{id}` and every answer that returns a record: the record and what the caller may do. */
export type IsolationView = IsolationRecord & { allowed: AllowedView };

/** `GET /isolations`: a page, newest first; pass `cursor` back for the next one. */
export interface IsolationListView {
  items: IsolationView[];
  cursor?: string;
}

/** `POST /isolations` when an active isolation of the same resource and action exists (200). */
export type DuplicateRequestView = IsolationView & { duplicateOf?: 'finding' | 'resource' };

// ---------------------------------------------------------------------------------------------------------------
// POST /policy/evaluate
// ---------------------------------------------------------------------------------------------------------------

/** `POST /policy/evaluate`: per finding, the policy's decision and each planned action's guard verdict. */
export type EvaluationView = EventEvaluation;

/**
 * The parts of an evaluation the console renders, as a schema: the console parses the answer with it rather than
 * trusting its shape. Other fields pass through (shown in "Full response").
 */
export const EvaluationSummary = z.object({
  findings: z.array(
    z.object({
      ignored: z.optional(z.string()),
      decision: z.object({
        rule: z.nullable(z.string()),
        mode: z.nullable(z.string()),
        reasons: z.array(z.string()),
        actions: z.array(
          z.object({ action: z.string(), resource: z.object({ type: z.string(), id: z.string() }) }),
        ),
        explanation: z.array(z.object({ rule: z.string(), matched: z.boolean(), reason: z.string() })),
      }),
    }),
  ),
});
export type EvaluationSummary = z.infer<typeof EvaluationSummary>;
