/**
 * What an evidence collector is: per resource kind, the named steps that each read one artifact through the
 * member role, and the IAM actions those reads need (declared like an action's, so the member role's generated
 * policy and the permissions meta-test cover them). Kinds declare their collectors in kinds.ts, keyed by the
 * resource kind registry's types; nothing switches on `resource.type`.
 */
import type { PermissionScope } from '../actions/contract.js';
import type { MemberClients } from '../aws/member-services.js';
import type { Resource, ResourceType } from '../findings/model.js';
import { WrongResourceKindError } from '../resources/kind.js';
import { awsErrorName } from '../aws/errors.js';
import type { LambdaEnvironmentMode } from '../policy/evidence-schema.js';
import type { EvidenceCall } from './model.js';

/** What a collection step gets: member clients and a way to make (and record) each AWS call. */
export interface StepContext {
  clients: MemberClients;
  isolationId: string;
  accountId: string;
  region: string;
  /** The isolation's recorded before-state (opaque: a step parses what it reads of it). */
  before: Readonly<Record<string, unknown>>;
  /** The finding key (a GuardDuty finding ARN for GuardDuty-origin findings); absent for API requests. */
  findingKey: string | undefined;
  /**
   * The activity window history is read over (CloudTrail): from `lookbackHours` before the finding's first
   * activity (else its creation, else the request) to the start of collection. ISO 8601 UTC.
   */
  window: { start: string; end: string; lookbackHours: number };
  /** The rule's evidence settings that change what a step keeps (policy `evidence: { … }`). */
  settings: { lambdaEnvironment: LambdaEnvironmentMode };
  /**
   * Make one AWS call and record it (IAM action, region, account, `$metadata.requestId`) in the artifact's
   * provenance; a failed call is recorded too, then rethrown.
   */
  call<T extends { $metadata: { requestId?: string | undefined } }>(
    api: string,
    send: () => Promise<T>,
  ): Promise<T>;
}

/** One artifact of a kind: its file name and how it is read. */
export interface EvidenceStep<R> {
  /** File name under the isolation's prefix, e.g. `ec2/instance.json`. */
  name: string;
  /** The artifact's content (JSON-serialisable), without the SDK's `$metadata` (the manifest carries it). */
  collect(ctx: StepContext, resource: R): Promise<unknown>;
}

/** A kind's collector as the spec states it, against the kind's own resource interface. */
export interface KindEvidenceSpec<R extends Resource> {
  type: R['type'];
  /** Every IAM action the steps call in the member account (reads only). */
  permissions: readonly string[];
  /** Member-role statements for permissions the generator's fallback would misplace (see actions/contract.ts). */
  scoping?: Readonly<Record<string, readonly PermissionScope[]>>;
  steps: readonly EvidenceStep<R>[];
}

/** A kind's collector as the rest of cordon holds it: any resource in, narrowed inside. */
export interface KindEvidence {
  readonly type: ResourceType;
  /** `evidence:<type>`: how the member-role policy names who declared a permission. */
  readonly name: string;
  readonly permissions: readonly string[];
  readonly scoping?: Readonly<Record<string, readonly PermissionScope[]>>;
  readonly steps: readonly EvidenceStep<Resource>[];
}

/** Turn a kind's collector spec into the {@link KindEvidence} the table lists. */
export function defineKindEvidence<R extends Resource>(spec: KindEvidenceSpec<R>): KindEvidence {
  const owns = (resource: Resource): resource is R => resource.type === spec.type;
  const narrow = (resource: Resource): R => {
    if (!owns(resource)) throw new WrongResourceKindError(spec.type, resource.type);
    return resource;
  };
  return {
    type: spec.type,
    name: `evidence:${spec.type}`,
    permissions: spec.permissions,
    ...(spec.scoping ? { scoping: spec.scoping } : {}),
    steps: spec.steps.map((step) => ({
      name: step.name,
      collect: (ctx: StepContext, resource: Resource) => step.collect(ctx, narrow(resource)),
    })),
  };
}

/** An SDK output without its `$metadata` (which the manifest records as provenance). */
export function withoutMetadata<T extends { $metadata: unknown }>(output: T): Omit<T, '$metadata'> {
  const { $metadata: _metadata, ...rest } = output;
  return rest;
}

/** The provenance of one call. */
export function callOf(
  api: string,
  ctx: Pick<StepContext, 'region' | 'accountId'>,
  requestId?: string,
): EvidenceCall {
  return {
    api,
    region: ctx.region,
    account: ctx.accountId,
    ...(requestId === undefined ? {} : { requestId }),
  };
}

/**
 * A read whose "not configured" answer is an error (S3's NoSuchBucketPolicy, Lambda's ResourceNotFoundException
 * for a function without a policy): `null` for those error names, so the artifact records the absence as a fact
 * instead of a failed step. Any other error is rethrown.
 */
export async function absentOn<T>(names: readonly string[], read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (names.includes(awsErrorName(error))) return null;
    throw error;
  }
}

/** A JSON document returned as a string (a bucket or function policy), parsed; kept verbatim if it is not JSON. */
export function parsedDocument(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
