/**
 * The pipeline operations shared by the Lambdas, the API, `cordon replay` and the sandbox. Each function takes
 * the injected {@link PipelineDeps}; none reads the environment or knows about Lambda.
 */
import * as z from 'zod';
import { ACTION_NAMES, getAction } from '../actions/registry.js';
import { checkGuards } from '../actions/guards.js';
import {
  ConflictError,
  errorMessage,
  ForbiddenError,
  NotFoundError,
  RefusedResourceError,
  ValidationError,
} from '../errors.js';
import type { Finding, Resource, ResourceType } from '../findings/model.js';
import { reportStatus } from '../report/reporter.js';
import { CORDON_FINDING_ID_PREFIX } from '../report/securityhub-payload.js';
import type { IsolationPage, IsolationQuery } from '../store/isolations.js';
import { newIsolationId } from '../store/isolations.js';
import type { IsolationRecord, IsolationStatus, Principal } from '../store/model.js';
import { assertAccountAllowed } from './account-boundary.js';
import type { PipelineDeps } from './deps.js';
import { guardSettings } from './guard-settings.js';
import { TagsUnavailableError, tagTarget } from './resource-tags.js';

/** An isolation requested by a person (API) rather than by a finding. */
export interface RequestIsolationInput {
  resource: Resource;
  /** Registered action name; default: the first registered action for the resource type. */
  action?: string;
  /** Action parameters; the action's defaults fill the rest. */
  params?: Record<string, unknown>;
  reason: string;
  ticket?: string;
  requester: Principal;
  /**
   * An approver's emergency isolation: approved by the requester at once and started immediately. The caller
   * (the API) must have checked that the requester is an approver; it is recorded and notified as such.
   */
  immediate?: boolean;
}

export interface RequestIsolationResult {
  record: IsolationRecord;
  /** False when an active isolation of this resource and action already existed (it is returned instead). */
  created: boolean;
  duplicateOf?: 'finding' | 'resource';
}

/** The first registered action that can contain this resource type. */
export function defaultActionFor(resourceType: ResourceType): string | undefined {
  return ACTION_NAMES.find((name) => getAction(name)?.resourceTypes.includes(resourceType));
}

/** Validate an action and its parameters for a resource; returns the parameters with defaults applied. */
export function resolveAction(
  resource: Resource,
  actionName: string | undefined,
  params: Record<string, unknown> | undefined,
): { action: string; params: Record<string, unknown> } {
  const name = actionName ?? defaultActionFor(resource.type);
  if (name === undefined) {
    throw new ValidationError(`No registered action can contain a ${resource.type}.`, [
      `resourceType: no action for ${resource.type}; available actions: ${ACTION_NAMES.join(', ')}`,
    ]);
  }
  const action = getAction(name);
  if (!action) {
    throw new ValidationError(`Unknown action "${name}".`, [
      `action: expected one of ${ACTION_NAMES.join(', ')}`,
    ]);
  }
  if (!action.resourceTypes.includes(resource.type)) {
    throw new ValidationError(`Action ${name} cannot contain a ${resource.type}.`, [
      `action: ${name} applies to ${action.resourceTypes.join(', ')}`,
    ]);
  }
  const parsed = action.params.safeParse(params ?? {});
  if (!parsed.success) {
    throw new ValidationError(
      `Invalid parameters for ${name}.`,
      parsed.error.issues.map((i) => `params.${i.path.join('.')}: ${i.message}`),
      { cause: parsed.error },
    );
  }
  return { action: name, params: z.record(z.string(), z.unknown()).parse(parsed.data) };
}

/**
 * Request an isolation from the API. Guards apply (protected, exempt, root, cordon-owned resources are refused).
 * Without `immediate`, the request waits for approval by someone else; with it, the worker starts now.
 * @throws ValidationError for an unknown action or bad parameters; RefusedResourceError for a guarded resource;
 *   RefusedAccountError for an account outside the boundary (pipeline/account-boundary.ts).
 */
export async function requestIsolation(
  deps: PipelineDeps,
  input: RequestIsolationInput,
): Promise<RequestIsolationResult> {
  const { action, params } = resolveAction(input.resource, input.action, input.params);
  // The account boundary first (422): never the security account, only allow-listed member accounts.
  assertAccountAllowed(input.resource, deps.policy, deps.config);
  const guard = guardSettings(deps.policy, deps.config);
  // Policy-based refusals first (protected ARNs, root, cordon's own): no AWS call needed.
  const verdict = checkGuards(input.resource, guard);
  if (!verdict.allowed)
    throw new RefusedResourceError(`cordon will not isolate ${input.resource.id}: ${verdict.reason}`);
  // Then the exemption tag, from the live tags: a request for an exempt resource is refused now, not accepted,
  // reported and skipped later. Unreadable tags refuse the request (503): an exemption cannot be ruled out.
  const live = await liveTags(deps, input.resource);
  const tagged = checkGuards(input.resource, guard, live);
  if (!tagged.allowed)
    throw new RefusedResourceError(`cordon will not isolate ${input.resource.id}: ${tagged.reason}`);
  const now = deps.clock();
  const at = now.toISOString();
  const result = await deps.store.create(
    {
      resource: input.resource,
      action,
      params,
      mode: 'manual',
      status: input.immediate ? 'APPROVED' : 'PENDING_APPROVAL',
      requester: input.requester,
      ...(input.immediate
        ? {
            approver: { ...input.requester, at },
            immediate: true,
            note: `emergency isolation: ${input.reason}`,
          }
        : { note: input.reason }),
      reason: input.reason,
      ...(input.ticket === undefined ? {} : { ticket: input.ticket }),
      receivedAt: at,
    },
    { id: newIsolationId(now), now },
  );
  const logger = deps.logger.withKeys({ isolationId: result.record.id });
  if (!result.created) {
    logger.info(`isolation request for ${input.resource.id} joins existing ${result.record.id}`, {
      duplicateOf: result.duplicateOf,
    });
    return { record: result.record, created: false, duplicateOf: result.duplicateOf };
  }
  logger.info(`isolation requested by ${input.requester.name}`, {
    action,
    immediate: input.immediate === true,
  });
  if (result.record.status === 'APPROVED') {
    await deps.startWorker({ kind: 'apply', id: result.record.id });
  } else {
    await reportStatus(deps, result.record);
  }
  return { record: (await deps.store.get(result.record.id)) ?? result.record, created: true };
}

async function liveTags(
  deps: Pick<PipelineDeps, 'readTags'>,
  resource: Resource,
): Promise<Record<string, string> | undefined> {
  const target = tagTarget(resource);
  if (target === undefined) return undefined;
  try {
    return await deps.readTags(target);
  } catch (error) {
    if (error instanceof TagsUnavailableError) throw error;
    throw new TagsUnavailableError(
      `cannot read the tags of ${resource.id} to check for an exemption: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}

/** Whether two principals are the same person (four eyes): only people, never the system, are compared. */
export function isSamePerson(a: Principal, b: Principal): boolean {
  return a.type === 'user' && b.type === 'user' && a.id === b.id;
}

/**
 * Approve a pending request and start the worker.
 * @throws ForbiddenError when the approver requested it (four eyes); ConflictError when it is not pending.
 */
export async function approveIsolation(
  deps: PipelineDeps,
  id: string,
  approver: Principal,
  note?: string,
): Promise<IsolationRecord> {
  // Four eyes means two people: a machine client never approves, whatever role a token or a bug gives it.
  if (approver.type === 'client') {
    throw new ForbiddenError('Approval needs a person: a machine client cannot approve.');
  }
  const record = await deps.store.require(id);
  if (isSamePerson(record.requester, approver)) {
    throw new ForbiddenError('Four eyes: you cannot approve your own isolation request.');
  }
  const at = deps.clock().toISOString();
  const approved = await deps.store.transition(id, {
    from: ['PENDING_APPROVAL'],
    to: 'APPROVED',
    by: approver,
    ...(note === undefined ? {} : { note }),
    set: { approver: { ...approver, at } },
    at,
  });
  deps.logger
    .withKeys({ isolationId: id, findingKey: record.findingKey })
    .info(`approved by ${approver.name}`);
  await deps.startWorker({ kind: 'apply', id });
  return approved;
}

/**
 * Reject a pending request; writes back and notifies.
 * @throws ConflictError when it is not pending.
 */
export async function rejectIsolation(
  deps: PipelineDeps,
  id: string,
  by: Principal,
  reason: string,
): Promise<IsolationRecord> {
  const at = deps.clock().toISOString();
  const rejected = await deps.store.transition(id, {
    from: ['PENDING_APPROVAL'],
    to: 'REJECTED',
    by,
    note: reason,
    set: { approver: { ...by, at } },
    at,
  });
  deps.logger.withKeys({ isolationId: id, findingKey: rejected.findingKey }).info(`rejected by ${by.name}`);
  await reportStatus(deps, rejected);
  return (await deps.store.get(id)) ?? rejected;
}

/**
 * Release an isolation (undo it from its before-state), also a FAILED one (undo a partial containment) or a
 * RELEASE_FAILED one (retry). The worker does the work.
 * @throws ConflictError when it is in another status.
 */
export async function releaseIsolation(
  deps: PipelineDeps,
  id: string,
  by: Principal,
  reason: string,
  options: { restoreKeys?: readonly string[] } = {},
): Promise<IsolationRecord> {
  const at = deps.clock().toISOString();
  const restoreKeys = [...(options.restoreKeys ?? [])];
  // The names go into the audit note too: who chose to bring back what may be the attacker's credential.
  const note =
    restoreKeys.length > 0
      ? `${reason} [restore credentials created during the incident: ${restoreKeys.join(', ')}]`
      : reason;
  const releasing = await deps.store.transition(id, {
    from: ['ISOLATED', 'FAILED', 'RELEASE_FAILED'],
    to: 'RELEASING',
    by,
    note,
    // No lease until the release's worker claims it (with a fresh token). Each release request decides afresh:
    // a retry that names nothing restores nothing from the incident.
    ...(restoreKeys.length > 0 ? { set: { releaseRestoreKeys: restoreKeys } } : {}),
    remove:
      restoreKeys.length > 0
        ? ['leaseExpiresAt', 'leaseId']
        : ['leaseExpiresAt', 'leaseId', 'releaseRestoreKeys'],
    at,
  });
  deps.logger
    .withKeys({ isolationId: id, findingKey: releasing.findingKey })
    .info(`release requested by ${by.name}`);
  await deps.startWorker({ kind: 'release', id });
  return releasing;
}

/**
 * Retry a FAILED isolation: the worker resumes, re-checking finished steps instead of repeating them.
 * @throws ConflictError when it is not FAILED.
 */
export async function retryIsolation(
  deps: PipelineDeps,
  id: string,
  by: Principal,
  note?: string,
): Promise<IsolationRecord> {
  const record = await deps.store.require(id);
  if (record.status !== 'FAILED') {
    throw new ConflictError(`Only a FAILED isolation can be retried; ${id} is ${record.status}.`);
  }
  deps.logger
    .withKeys({ isolationId: id })
    .info(`retry requested by ${by.name}`, note === undefined ? {} : { note });
  await deps.startWorker({ kind: 'apply', id });
  return record;
}

/**
 * One isolation record.
 * @throws NotFoundError when there is none.
 */
export async function getIsolation(deps: Pick<PipelineDeps, 'store'>, id: string): Promise<IsolationRecord> {
  const record = await deps.store.get(id);
  if (!record) throw new NotFoundError(`No isolation with id ${id}`);
  return record;
}

/** Isolations, newest first, filtered by status, account and resource id, with an opaque cursor. */
export async function listIsolations(
  deps: Pick<PipelineDeps, 'store'>,
  query: IsolationQuery = {},
): Promise<IsolationPage> {
  return deps.store.list(query);
}

/** Why triage ignores a finding before evaluating the policy, or undefined. */
export function ignoredFindingReason(finding: Finding): string | undefined {
  if (finding.securityHub.id.startsWith(CORDON_FINDING_ID_PREFIX)) {
    return "cordon's own finding (imported for an API isolation)";
  }
  if (finding.recordState === 'ARCHIVED') return 'the finding is archived';
  if (finding.workflowStatus !== undefined && finding.workflowStatus !== 'NEW') {
    // cordon's write-back sets NOTIFIED, and every write-back emits an Imported event: this is the loop breaker.
    return `workflow status is ${finding.workflowStatus} (already handled)`;
  }
  return undefined;
}

export type { EventEvaluation, FindingEvaluation } from './evaluate-event.js';

export type { IsolationStatus };
