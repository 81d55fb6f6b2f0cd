/**
 * The API contract: what the API accepts and what it answers, defined once for the server and the web console.
 * The server (validation.ts, handler.ts, views.ts) validates and builds its answers with these schemas and types;
 * the console (console/src) imports the same module, so its inline checks are the server's rules and its types
 * are the server's answers. Nothing here may import the AWS SDK, Node built-ins or pipeline code: this module is
 * bundled into the browser (test/console/contract.test.ts checks its imports).
 *
 * Resource kinds are not listed here: `/config.json` serves the requestable ones from the resource-kind registry
 * (`requestableKinds`, from each kind's `request` in functions/lib/resources/), and the console builds its form
 * and checks the resource id from that. Adding a kind or an action therefore changes nothing in this module; see
 * functions/lib/resources/README.md and docs/actions/README.md for the steps.
 */
// zod/mini: the same schemas as zod's classic API, at a fifth of the bundle size in the console.
import * as z from 'zod/mini';
import {
  ACCOUNT_ID,
  IAM_NAME,
  matchRequestedId,
  REQUESTED_ID_SCOPE,
  REQUESTED_OWNER_MISSING,
} from '../kernel/id-patterns.js';
import { hasUnsafeChars } from '../text.js';
import type { IsolationRecord } from '../store/model.js';
import type { EventEvaluation } from '../pipeline/service.js';
import { isAwsRegion } from './regions.js';

// ---------------------------------------------------------------------------------------------------------------
// Field forms (the identifier patterns themselves are kernel/id-patterns.ts)
// ---------------------------------------------------------------------------------------------------------------

/** A ticket reference. */
export const TICKET = /^[\w.:/#-]{1,128}$/;

export const MESSAGES = {
  accountId: 'must be a 12-digit AWS account id',
  region: 'must be an AWS Region code such as eu-west-1',
  userName: 'must be an IAM user name (1-64 of letters, digits and +=,.@_-)',
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

/**
 * A resource kind the API can request, as `/config.json` serves it from the resource-kind registry
 * (resources/registry.ts): the request form offers these, and checks the resource field with `idPattern`.
 */
export const RequestableKindView = z.object({
  type: z.string(),
  label: z.string(),
  /** What the resource field takes. */
  resourceHint: z.string(),
  /** The source of the kind's id pattern (see kernel/id-patterns.ts `matchRequestedId`). */
  idPattern: z.string(),
  /** Why an id outside the pattern is refused. */
  idMessage: z.string(),
  /** The request must name the IAM user that owns the resource (`userName`). */
  needsUserName: z.boolean(),
});
export type RequestableKindView = z.infer<typeof RequestableKindView>;

/**
 * Body of `POST /isolations`, for the given registered action names and requestable resource types (the server
 * passes its registries', the console those `/config.json` lists): the same schema on both sides.
 */
export function isolationRequestBody(actionNames: readonly string[], resourceTypes: readonly string[]) {
  const typeMessage = `must be one of ${resourceTypes.join(', ')}`;
  return z.strictObject({
    resourceType: z.string(typeMessage).check(z.refine((type) => resourceTypes.includes(type), typeMessage)),
    accountId: AccountId,
    region: Region,
    resourceId: z.string().check(z.trim(), z.minLength(1, 'is required'), z.maxLength(2048)),
    /** Owner of an access key: required for the kinds that need it (UpdateAccessKey needs it cross-account). */
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

/** What the request form checks against: what `/config.json` lists. */
export interface RequestForm {
  actionNames: readonly string[];
  kinds: readonly RequestableKindView[];
}

/**
 * Every problem with a request body, by field (`resourceType`, `accountId`, ..., `params`): the schema, then the
 * resource id against its kind's pattern (the server's own check, kernel/id-patterns.ts). Empty when the server
 * would accept the body up to the action's own parameter schema (which the console's form controls follow). The
 * console checks its form with this as the user types.
 */
export function requestProblems(input: unknown, form: RequestForm): Record<string, string> {
  const types = form.kinds.map((kind) => kind.type);
  const parsed = isolationRequestBody(form.actionNames, types).safeParse(input);
  const problems: Record<string, string> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const fields = issue.code === 'unrecognized_keys' ? issue.keys : [String(issue.path[0] ?? '')];
      for (const field of fields)
        problems[field] ??= issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
    }
    return problems;
  }
  const kind = form.kinds.find((k) => k.type === parsed.data.resourceType);
  if (kind === undefined) return problems;
  const matched = matchRequestedId(new RegExp(kind.idPattern), parsed.data);
  if ('refused' in matched)
    problems['resourceId'] = matched.refused === 'form' ? kind.idMessage : REQUESTED_ID_SCOPE;
  else if (kind.needsUserName && !parsed.data.userName) problems['userName'] = REQUESTED_OWNER_MISSING;
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
  /** The resource kinds the API can request, in registry order. */
  requestableKinds: z.array(RequestableKindView),
  /**
   * The resource types whose request field also takes a Name tag, resolved by `GET /resources/instances`: empty
   * when the deployment has no lookup role (the member-role module's `lookup_role_enabled`).
   */
  nameLookupTypes: z._default(z.array(z.string()), []),
});
export type ConfigView = z.infer<typeof ConfigView>;

// ---------------------------------------------------------------------------------------------------------------
// GET /resources/instances: a Name tag resolved to instance ids, for the request form
// ---------------------------------------------------------------------------------------------------------------

/** At most this many matches are returned; `truncated` says there were more. */
export const MAX_INSTANCE_MATCHES = 20;

/** An exact Name tag: EC2 filters read `*` and `?` as wildcards, and a wildcard would turn a name into a guess. */
export const InstanceName = z.string().check(
  z.refine((v) => !hasUnsafeChars(v), MESSAGES.controlChars),
  z.trim(),
  z.minLength(1, 'is required'),
  z.maxLength(256, 'must be at most 256 characters (the longest tag value)'),
  z.refine((v) => !/[*?\\]/.test(v), 'must be the exact Name tag: wildcards (* ?) and \\ are not searched'),
);

/** Query of `GET /resources/instances`. */
export const InstanceLookupQuery = z.strictObject({ account: AccountId, region: Region, name: InstanceName });
export type InstanceLookupQuery = z.infer<typeof InstanceLookupQuery>;

/** One instance whose Name tag is the one asked for. */
export const InstanceMatchView = z.object({
  instanceId: z.string(),
  name: z.string(),
  /** pending, running, stopping, stopped or shutting-down (terminated instances are never returned). */
  state: z.string(),
  vpcId: z.optional(z.string()),
  subnetId: z.optional(z.string()),
  privateIpAddress: z.optional(z.string()),
  launchTime: z.optional(z.string()),
  /** Every tag of the instance (EC2 allows 50), so the form can show owner and team. */
  tags: z.record(z.string(), z.string()),
});
export type InstanceMatchView = z.infer<typeof InstanceMatchView>;

/** `GET /resources/instances`: the matches, by instance id; the form never picks one for the caller. */
export const InstanceMatchesView = z.object({
  accountId: z.string(),
  region: z.string(),
  name: z.string(),
  instances: z.array(InstanceMatchView),
  /** More than {@link MAX_INSTANCE_MATCHES} instances have this name: only the first are listed. */
  truncated: z.boolean(),
});
export type InstanceMatchesView = z.infer<typeof InstanceMatchesView>;

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
export type IsolationView = IsolationRecord & {
  allowed: AllowedView;
  /** `GET /isolations/{id}` of a pending record: when the expiry sweep will mark it EXPIRED (policy setting). */
  approvalExpiresAt?: string;
};

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
        /** Resources the matching rule would act on but cordon refuses (triage records each as SKIPPED). */
        refused: z._default(
          z.array(
            z.object({
              action: z.string(),
              code: z.string(),
              reason: z.string(),
              resource: z.object({ type: z.string(), id: z.string() }),
            }),
          ),
          [],
        ),
        explanation: z.array(z.object({ rule: z.string(), matched: z.boolean(), reason: z.string() })),
      }),
      /** Each planned action with the guard verdict on its resource: a refused one is recorded SKIPPED too. */
      actions: z._default(
        z.array(
          z.object({
            action: z.string(),
            resource: z.object({ type: z.string(), id: z.string() }),
            guard: z.object({ allowed: z.boolean(), reason: z.optional(z.string()) }),
          }),
        ),
        [],
      ),
    }),
  ),
});
export type EvaluationSummary = z.infer<typeof EvaluationSummary>;

// ---------------------------------------------------------------------------------------------------------------
// Evidence: the stored artifacts checked against the manifest (GET /isolations/{id}/evidence)
// ---------------------------------------------------------------------------------------------------------------

const ListedArtifactCheck = z.object({
  name: z.string(),
  /** match: S3's SHA-256 and size of the listed version are the manifest's; missing: no such version. */
  status: z.enum(['match', 'mismatch', 'missing']),
  key: z.string(),
  /** The manifest's SHA-256 and size of the artifact. */
  sha256: z.string(),
  bytes: z.number(),
  versionId: z.optional(z.string()),
  collectedAt: z.string(),
  /** What S3 holds for that version (absent when missing). */
  stored: z.optional(z.object({ sha256: z.optional(z.string()), bytes: z.optional(z.number()) })),
});

const UncollectedArtifact = z.object({
  name: z.string(),
  /** The collection step failed; the manifest says why. */
  status: z.literal('not-collected'),
  error: z.object({ code: z.string(), message: z.string() }),
  collectedAt: z.string(),
});

export const ArtifactCheckView = z.discriminatedUnion('status', [ListedArtifactCheck, UncollectedArtifact]);
export type ArtifactCheckView = z.infer<typeof ArtifactCheckView>;

/**
 * An isolation's evidence checked by the API: the manifest hashed against the record's anchor, and S3's
 * SHA-256 of each listed version against the manifest. No artifact content is read (`cordon evidence verify`,
 * with the forensics role, recomputes the hashes from the content).
 */
export const EvidenceCheckView = z.object({
  isolationId: z.string(),
  method: z.literal('s3-checksums'),
  checkedAt: z.string(),
  bucket: z.string(),
  manifestKey: z.string(),
  /** The hash the isolation record (and the Security Hub note) holds. */
  recordedManifestSha256: z.string(),
  /** The hash of the manifest read back (absent: not readable). */
  manifestSha256: z.optional(z.string()),
  collectedBy: z.optional(z.string()),
  startedAt: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
  artifacts: z.array(ArtifactCheckView),
  /** One sentence per problem; empty when verified. */
  problems: z.array(z.string()),
  /** The manifest matches the record and every collected artifact matches it. */
  verified: z.boolean(),
});
export type EvidenceCheckView = z.infer<typeof EvidenceCheckView>;
