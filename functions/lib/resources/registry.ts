/**
 * The resource kinds cordon knows, one line each. Adding a kind: its module (see kind.ts), one line here, and its
 * resource interface in the `Resource` union of findings/model.ts. The order is the order of `RESOURCE_TYPES`
 * (policy bit masks) and of the GuardDuty blocks in a finding's resources.
 */
import type { Resource } from '../findings/model.js';
import { ConfigurationError } from '../errors.js';
import { resourcePartition } from '../kernel/arn.js';
import { awsAccount } from './aws-account.js';
import { ec2Instance } from './ec2-instance.js';
import { ecsTask } from './ecs-task.js';
import { eksCluster } from './eks-cluster.js';
import { iamAccessKey } from './iam-access-key.js';
import { iamRole } from './iam-role.js';
import { iamUser } from './iam-user.js';
import { identityCenterUser } from './identity-center-user.js';
import {
  fieldError,
  type AsffResourceInput,
  type GuardDutyReader,
  type IamIdentity,
  type RequestedResource,
  type ResourceKind,
} from './kind.js';
import { lambdaFunction } from './lambda-function.js';
import { other } from './other.js';
import { rdsDbInstance } from './rds-db-instance.js';
import { s3Bucket } from './s3-bucket.js';

export const KINDS: readonly ResourceKind[] = [
  ec2Instance,
  iamUser,
  iamAccessKey,
  iamRole,
  s3Bucket,
  eksCluster,
  identityCenterUser,
  lambdaFunction,
  awsAccount,
  other,
  // Appended: the earlier kinds keep their places (policy bit masks follow this order).
  rdsDbInstance,
  ecsTask,
];

/** A non-empty list (zod enums need one), checked once at load. */
function nonEmptyList<T>(items: readonly T[], what: string): readonly [T, ...T[]] {
  const [first, ...rest] = items;
  if (first === undefined) throw new ConfigurationError(`no ${what}`);
  return [first, ...rest];
}

/** Every resource type, in registry order. */
export const RESOURCE_TYPES = nonEmptyList(
  KINDS.map((kind) => kind.type),
  'resource kinds',
);

/** The resource types the API can request (`POST /isolations`). */
export const REQUESTABLE_TYPES = nonEmptyList(
  KINDS.filter((kind) => kind.request !== undefined).map((kind) => kind.type),
  'requestable resource kinds',
);

const BY_TYPE = new Map<string, ResourceKind>(KINDS.map((kind) => [kind.type, kind]));

/** The kind of a resource type name, or undefined for a name cordon does not know. */
export function findKind(type: string): ResourceKind | undefined {
  return BY_TYPE.get(type);
}

/** The kind of a resource. Every `Resource['type']` has one (test/resources/registry.test.ts). */
export function kindOf(resource: Resource): ResourceKind {
  const kind = BY_TYPE.get(resource.type);
  if (kind === undefined) throw new ConfigurationError(`no resource kind for ${resource.type}`);
  return kind;
}

/**
 * The ARN that identifies a resource: its own when the finding gave one, else built from its identifiers in the
 * partition of its region. An access key has no ARN: its owner's user ARN stands for it (protecting a user
 * protects the user's keys). Kinds without an ARN form give their id.
 */
export function identifyingArn(resource: Resource): string {
  return kindOf(resource).identifyingArn(resource);
}

/**
 * Every ARN protection rules match the resource by: its own plus the ARNs of what it belongs to, so that
 * protecting a user also protects its access keys, and protecting a role also protects its sessions. Built ARNs
 * take the partition of the resource's own ARN, else of its region.
 */
export function protectionArns(resource: Resource): string[] {
  return kindOf(resource).protectionArns(resource, resourcePartition(resource.arn, resource.region));
}

/** The IAM user or role the resource is or acts as (an access key: its owner), or undefined. */
export function iamIdentity(resource: Resource): IamIdentity | undefined {
  return kindOf(resource).iamIdentity(resource);
}

/** The GuardDuty block readers, in registry order. */
export const GUARDDUTY_READERS: readonly GuardDutyReader[] = KINDS.flatMap((kind) =>
  kind.guardDuty ? [kind.guardDuty] : [],
);

const ASFF_READERS = new Map<string, NonNullable<ResourceKind['asff']['read']>>(
  KINDS.flatMap((kind) => (kind.asff.read ? [[kind.asff.type, kind.asff.read] as const] : [])),
);

/** One ASFF resource → cordon resources; a type no kind reads (or that names nothing after all) is `other`. */
export function readAsffResource(input: AsffResourceInput): Resource[] {
  const read = ASFF_READERS.get(input.resource.Type);
  const resources = read ? read(input) : undefined;
  if (resources !== undefined) return resources;
  return other.asff.read?.(input) ?? [];
}

/** The resource a valid `POST /isolations` body names. @throws ValidationError naming the field */
export function requestedResource(type: string, body: RequestedResource): Resource {
  const request = findKind(type)?.request;
  if (request === undefined) throw fieldError('resourceType', `${type} cannot be requested`);
  return request.toResource(body);
}
