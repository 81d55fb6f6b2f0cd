/**
 * What a resource kind is: one self-describing object per resource type (ec2-instance.ts, iam-user.ts...), listed
 * once in registry.ts. Everything that used to switch on `resource.type` asks the kind instead: its ARN, the
 * ARNs protection rules match, how findings name it, its ASFF type and category, how its live tags are read and
 * whether the API can request it.
 *
 * A kind module states its facts against its own resource interface; {@link defineKind} turns them into a
 * {@link ResourceKind} that takes any {@link Resource} and narrows it by `type` (a mismatch is a programming error
 * and throws), so callers hold one table of kinds without casts.
 */
import * as z from 'zod';
import type { MemberClients } from '../actions/contract.js';
import type { MemberService } from '../aws/member-clients.js';
import { CordonError, ValidationError } from '../errors.js';
import type { Partition } from '../kernel/arn.js';
import { matchRequestedId, REQUESTED_ID_SCOPE, REQUESTED_OWNER_MISSING } from '../kernel/id-patterns.js';
import type { Resource } from '../findings/model.js';
import type { AsffFinding, AsffResource, GuardDutyFindingDetail } from '../findings/schemas.js';

/** What every resource carries, whatever its kind. */
export interface ResourceBase {
  /** Stable identifier within its type: instance id, user name, access key id, role name, bucket name... */
  id: string;
  /** Full ARN when known. */
  arn?: string;
  /** The member account that owns the resource. */
  accountId: string;
  region: string;
  /** Resource tags as seen in the finding (may be empty; actions re-read live tags before acting). */
  tags: Record<string, string>;
}

/**
 * The stored form of {@link ResourceBase}: each kind's `stored` schema spreads it. Strict schemas: a field added to
 * a resource interface without its schema fails loudly on read (store/codec.ts) instead of vanishing.
 */
export const storedResourceBase = {
  id: z.string(),
  arn: z.string().optional(),
  accountId: z.string(),
  region: z.string(),
  tags: z.record(z.string(), z.string()),
};

/** Where a finding says its resources live; `partition` is the finding's own or its region's. */
export interface FindingScope {
  accountId: string;
  region: string;
  partition: string;
}

/** The ASFF category of a resource, as used in the finding types cordon imports (`Unusual Behaviors/<c>/...`). */
export type AsffCategory = 'VM' | 'User';

/** One ASFF resource with the scope cordon resolved for it (account and region from the ARN, else the finding). */
export interface AsffResourceInput {
  resource: AsffResource;
  finding: AsffFinding;
  scope: FindingScope;
  /** The resource's `Id` when it is an ARN. */
  arn: string | undefined;
  tags: Record<string, string>;
}

/**
 * The IAM identity a resource is, or acts as: a user (an access key's owner) or a role. The guards check it against
 * the root user's names, cordon's own roles and service-linked roles.
 */
export type IamIdentity = { kind: 'user'; name: string } | { kind: 'role'; name: string };

/** Reads one block of a GuardDuty finding's `resource`. */
export interface GuardDutyReader {
  /** The `resource.resourceType` that names the block (`Instance`, `AccessKey`, `S3Bucket`...). */
  block: string;
  /** The block's resources; undefined when the finding has no such block (or one that names nothing). */
  read(detail: GuardDutyFindingDetail, scope: FindingScope): Resource[] | undefined;
}

/**
 * A typical GuardDuty `resource` block naming a resource of a kind: `cordon policy coverage` decides an example
 * finding of every GuardDuty finding type with it (policy/coverage.ts), so a new kind states its own and the
 * coverage follows with no edit there.
 */
/** A typical GuardDuty block naming a resource of a kind (resources/guardduty-examples.ts, for policy coverage). */
export interface GuardDutyExample {
  /**
   * The `resource.resourceType` values (GuardDuty's resource families, as the finding-type table names them) whose
   * findings carry this block: an EKS runtime finding (`EKSCluster`) also names its node (`instanceDetails`).
   */
  families: readonly string[];
  /** The fields of `resource` that name the example resource, e.g. `{instanceDetails: {instanceId: 'i-…'}}`. */
  resource: Readonly<Record<string, unknown>>;
}

/** The resource fields of a `POST /isolations` body, already checked for shape (api/validation.ts). */
export interface RequestedResource {
  accountId: string;
  region: string;
  /** The id or ARN the caller typed. */
  resourceId: string;
  /** Owner of an access key. */
  userName?: string | undefined;
}

/** How a kind's live tags are read through the member role (pipeline/resource-tags.ts). */
export interface TagSource<R, T extends { type: string; accountId: string; region: string }> {
  /** The read-only job's target: what the worker needs to find the tags (a wire format: keep it stable). */
  target: z.ZodType<T>;
  targetOf(resource: R): T;
  /** The member clients the read uses; only reads the actions already declare. */
  services: readonly MemberService[];
  read(clients: MemberClients, target: T): Promise<Record<string, string>>;
}

/** The facts a kind module states about its resources. */
export interface KindSpec<R extends Resource, T extends { type: string; accountId: string; region: string }> {
  type: R['type'];
  /** For people: `EC2 instance`, `IAM user`... */
  label: string;
  /** What `resource.id` is. */
  idSchema: z.ZodType<string>;
  /** The resource as an isolation record stores it (store/codec.ts reads records with it). */
  stored: z.ZodType<R>;
  /** The ARN built from the resource's identifiers (partition of its region); absent: the id stands for it. */
  arn?(resource: R): string;
  /** Its page in the AWS console, which the web console links to; absent: no link. */
  consolePage?: ConsolePage;
  /**
   * The ARNs, besides its own, that protection rules (guard.protectedArns, the root check) match the resource
   * by: what it belongs to, so that protecting a user protects its keys and a role protects its sessions.
   */
  protectionArns?(resource: R, partition: Partition): string[];
  /** The IAM user or role it is or belongs to; absent: none the guards check by name. */
  iamIdentity?(resource: R): IamIdentity;
  /**
   * cordon never contains resources of this kind (an account, its root user), whatever the policy says: the
   * guards refuse them and policy evaluation leaves them out, but still names them (people ask why).
   */
  neverContained?: NeverContained<R>;
  /** GuardDuty `resource.<block>`: which block names resources of this kind and how to read it. */
  guardDuty?: GuardDutyReader;
  /** The ASFF resource type cordon writes, and the category of the findings it imports. */
  asff: {
    type: string;
    category: AsffCategory;
    /** The ASFF `Id` of a resource without an ARN; default its {@link ResourceKind.identifyingArn}. */
    resourceId?(resource: R): string;
    /**
     * Reads ASFF resources of `type`; absent: resources of that type are read by another kind. Undefined when
     * the resource does not name one after all: it is then kept as `other`.
     */
    read?(input: AsffResourceInput): Resource[] | undefined;
  };
  /** How the live tags are read; absent: the API never needs them for this kind. */
  tags?: TagSource<R, T>;
  /** How the API requests one (`POST /isolations`); absent: it cannot be requested. */
  request?: RequestSpec<R>;
}

/**
 * How the API requests a resource of a kind. The form facts (hint, pattern, message) are served in `/config.json`
 * (api/views.ts), so the console's request form and its checks follow the kinds with no console change.
 */
export interface RequestSpec<R> {
  /** What the resource field takes, for people: `Instance id (i-…) or instance ARN.` */
  hint: string;
  /**
   * Every id form the API takes, anchored: the named group `id` is the resource's id; an ARN form captures
   * `account` (and `region`), which must be the request's; `path` is an IAM path; `role` a session's role. Plain syntax only: the console
   * compiles its source in the browser (kernel/id-patterns.ts `matchRequestedId` is the one check).
   */
  idPattern: RegExp;
  /** Why an id outside {@link idPattern} is refused. */
  idMessage: string;
  /** The request must name the IAM user that owns the resource (`userName`): an access key. */
  needsUserName?: boolean;
  /** The resource of a request whose id passed the check (its parts as matched). */
  toResource(
    body: RequestedResource,
    id: { id: string; path: string | undefined; role: string | undefined },
  ): R;
}

/** Why resources of a kind are never contained. */
export interface NeverContained<R> {
  /** What the kind is, for people: `an account or its root user`. */
  what: string;
  /** Why this resource is refused. */
  why(resource: R): string;
}

/** A kind as the rest of cordon holds it: any resource in, narrowed inside. */
/**
 * A resource's page in the AWS console: `path` on the console host of the resource's partition, with `{region}`
 * and `{id}` (URL-encoded) filled in, and `{arn/N}` with the Nth `/`-separated part of the ARN's resource (an
 * ECS task's cluster: `task/<cluster>/<id>` → `{arn/1}`; no link without the ARN); `global` pages (IAM, S3) are
 * on the partition's host without a region.
 */
export interface ConsolePage {
  readonly path: string;
  readonly global?: boolean;
}

export interface ResourceKind {
  readonly type: Resource['type'];
  readonly label: string;
  readonly consolePage?: ConsolePage;
  readonly idSchema: z.ZodType<string>;
  readonly stored: z.ZodType<Resource>;
  /** Whether the resource is of this kind. */
  owns(resource: Resource): boolean;
  /** The ARN that identifies the resource: its own when known, else built; else its id. */
  identifyingArn(resource: Resource): string;
  /** Every ARN protection rules match the resource by: its own first, then what it belongs to. */
  protectionArns(resource: Resource, partition: Partition): string[];
  /** The IAM user or role it is or belongs to, or undefined. */
  iamIdentity(resource: Resource): IamIdentity | undefined;
  readonly neverContained?: NeverContained<Resource>;
  readonly guardDuty: GuardDutyReader | undefined;
  readonly asff: {
    type: string;
    category: AsffCategory;
    resourceId(resource: Resource): string;
    read?(input: AsffResourceInput): Resource[] | undefined;
  };
  readonly tags?: {
    target: z.ZodType<{ type: string; accountId: string; region: string }>;
    targetOf(resource: Resource): { type: string; accountId: string; region: string };
    services: readonly MemberService[];
    /** Reads the tags of a target of this kind; a target of another shape is refused. */
    read(clients: MemberClients, target: unknown): Promise<Record<string, string>>;
  };
  readonly request?: Omit<RequestSpec<Resource>, 'toResource'> & {
    /** @throws ValidationError naming the field (see {@link fieldError}) */
    toResource(body: RequestedResource): Resource;
  };
}

/** A kind was handed a resource of another type: a wiring mistake, never user input. */
export class WrongResourceKindError extends CordonError {
  constructor(kind: string, got: string) {
    super(`resource kind ${kind} was given a ${got}`, { code: 'WRONG_RESOURCE_KIND' });
  }
}

/** Turn a kind module's facts into the {@link ResourceKind} the registry lists. */
export function defineKind<R extends Resource, T extends { type: string; accountId: string; region: string }>(
  spec: KindSpec<R, T>,
): ResourceKind {
  const owns = (resource: Resource): resource is R => resource.type === spec.type;
  const narrow = (resource: Resource): R => {
    if (!owns(resource)) throw new WrongResourceKindError(spec.type, resource.type);
    return resource;
  };
  const identifyingArn = (resource: Resource): string => {
    if (resource.arn) return resource.arn;
    return spec.arn ? spec.arn(narrow(resource)) : resource.id;
  };
  const { tags, request, neverContained, consolePage } = spec;
  const asffRead = spec.asff.read;
  const asffResourceId = spec.asff.resourceId;
  return {
    type: spec.type,
    label: spec.label,
    ...(consolePage ? { consolePage } : {}),
    idSchema: spec.idSchema,
    stored: spec.stored,
    owns,
    identifyingArn,
    protectionArns: (resource, partition) => {
      const own = resource.arn ? [resource.arn] : [];
      const more = spec.protectionArns ? spec.protectionArns(narrow(resource), partition) : [];
      return [...new Set([...own, ...more])];
    },
    iamIdentity: (resource) => spec.iamIdentity?.(narrow(resource)),
    ...(neverContained
      ? { neverContained: { what: neverContained.what, why: (r: Resource) => neverContained.why(narrow(r)) } }
      : {}),
    guardDuty: spec.guardDuty,
    asff: {
      type: spec.asff.type,
      category: spec.asff.category,
      resourceId: (resource) =>
        !resource.arn && asffResourceId ? asffResourceId(narrow(resource)) : identifyingArn(resource),
      ...(asffRead ? { read: asffRead } : {}),
    },
    ...(tags
      ? {
          tags: {
            target: tags.target,
            targetOf: (resource: Resource) => tags.targetOf(narrow(resource)),
            services: tags.services,
            read: (clients: MemberClients, target: unknown) => tags.read(clients, tags.target.parse(target)),
          },
        }
      : {}),
    ...(request ? { request: requestOf(request) } : {}),
  };
}

/** The API side of a kind: the id checked against its pattern and scope, the owner required, then the resource. */
function requestOf<R extends Resource>(spec: RequestSpec<R>): NonNullable<ResourceKind['request']> {
  const { toResource, ...form } = spec;
  return {
    ...form,
    toResource: (body) => {
      const matched = matchRequestedId(spec.idPattern, body);
      if ('refused' in matched)
        throw fieldError('resourceId', matched.refused === 'form' ? spec.idMessage : REQUESTED_ID_SCOPE);
      if (spec.needsUserName === true && !body.userName)
        throw fieldError('userName', REQUESTED_OWNER_MISSING);
      return toResource(body, matched);
    },
  };
}

/** A request field is invalid: the same error shape api/validation.ts gives for every field. */
export function fieldError(field: string, message: string): ValidationError {
  return new ValidationError(`the request is not valid: ${field}: ${message}`, [`${field}: ${message}`]);
}

/** A value a finding gave, or undefined when absent or blank. */
export function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

/** Last `/`-separated segment of an ARN's resource part (IAM names live after their path). */
export function lastSegment(value: string): string {
  const parts = value.split('/');
  return parts[parts.length - 1] ?? value;
}

/** The distinct non-blank values, in first-seen order. */
export function uniqueStrings(values: readonly (string | null | undefined)[]): string[] {
  const seen = new Set<string>();
  for (const v of values) {
    const s = nonEmpty(v);
    if (s !== undefined) seen.add(s);
  }
  return [...seen];
}
