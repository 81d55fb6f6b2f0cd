/**
 * The operations the API needs from the pipeline, as a narrow port. {@link pipelineApiService} delegates to the
 * pipeline service that the Lambdas share; the API adds only authentication, authorisation and validation.
 */
import {
  approveIsolation,
  getIsolation,
  listIsolations,
  rejectIsolation,
  releaseIsolation,
  requestIsolation,
  retryIsolation,
  type EventEvaluation,
  type RequestIsolationResult,
} from '../pipeline/service.js';
import type { PipelineDeps } from '../pipeline/deps.js';
import { ConfigurationError, NotFoundError } from '../errors.js';
import type { StoredEvidenceCheck } from '../evidence/stored-check.js';
import type { IsolationPage, IsolationQuery } from '../store/isolations.js';
import type { IsolationRecord, Principal } from '../store/model.js';
import type { IsolationRequestInput } from './validation.js';

export type { IsolationPage, IsolationQuery };

export interface IsolationApiService {
  request(input: IsolationRequestInput, by: Principal): Promise<RequestIsolationResult>;
  get(id: string): Promise<IsolationRecord>;
  list(query: IsolationQuery): Promise<IsolationPage>;
  approve(id: string, by: Principal, note?: string): Promise<IsolationRecord>;
  reject(id: string, by: Principal, reason: string): Promise<IsolationRecord>;
  /** `restoreKeys`: credentials created during the incident that the releaser names to bring back. */
  release(
    id: string,
    by: Principal,
    reason: string,
    options?: { restoreKeys?: readonly string[] },
  ): Promise<IsolationRecord>;
  /** Run the worker again on a FAILED isolation; it resumes without repeating finished steps. */
  retry(id: string, by: Principal, note?: string): Promise<IsolationRecord>;
  /** Evaluate a pasted finding event against the policy, without acting. */
  evaluate(event: unknown): Promise<EventEvaluation>;
  /** The isolation's stored evidence checked against its manifest and the record (S3 checksums, no content). */
  evidence(id: string): Promise<StoredEvidenceCheck>;
  /** The policy's `approvalExpiryMinutes`, so the detail view can show when a pending request expires. */
  approvalExpiryMinutes?: number;
}

/** The production service: the pipeline operations over the injected dependencies. */
export function pipelineApiService(deps: PipelineDeps): IsolationApiService {
  return {
    request: (input, by) =>
      requestIsolation(deps, {
        resource: input.resource,
        action: input.action,
        params: input.params,
        reason: input.reason,
        requester: by,
        immediate: input.immediate,
        ...(input.ticket === undefined ? {} : { ticket: input.ticket }),
      }),
    get: (id) => getIsolation(deps, id),
    list: (query) => listIsolations(deps, query),
    approve: (id, by, note) => approveIsolation(deps, id, by, note),
    reject: (id, by, reason) => rejectIsolation(deps, id, by, reason),
    release: (id, by, reason, options) => releaseIsolation(deps, id, by, reason, options),
    retry: (id, by, note) => retryIsolation(deps, id, by, note),
    // Loaded on first use: the event schemas and the policy evaluator stay out of the cold start.
    evaluate: async (event) => (await import('../pipeline/evaluate-event.js')).evaluateEvent(deps, event),
    evidence: (id) => checkEvidence(deps, id),
    approvalExpiryMinutes: deps.policy.settings.approvalExpiryMinutes,
  };
}

async function checkEvidence(deps: PipelineDeps, id: string): Promise<StoredEvidenceCheck> {
  const record = await getIsolation(deps, id);
  const ref = record.evidence;
  if (ref?.status !== 'stored') {
    throw new NotFoundError(
      ref === undefined
        ? `${id} has no evidence (collection runs after containment, when it is on)`
        : `${id} has no stored evidence: collection failed (${ref.error.code})`,
    );
  }
  if (deps.evidence === undefined) {
    throw new ConfigurationError(
      'CORDON_EVIDENCE_BUCKET is not set: the API cannot read the evidence bucket',
    );
  }
  const { checkStoredEvidence } = await import('../evidence/stored-check.js');
  return checkStoredEvidence(deps.evidence.reader, id, ref, deps.clock());
}
