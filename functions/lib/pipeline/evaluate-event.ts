/**
 * Evaluation of an event against the policy and the guards, without acting (API `/policy/evaluate`, replay).
 * A module of its own so that the API loads the event schemas and the policy evaluator only when asked to
 * evaluate (a dynamic import in api/service.ts), outside its cold start.
 */
import { checkGuards, type GuardVerdict } from '../actions/guards.js';
import type { Finding, Resource } from '../findings/model.js';
import { parseCordonEvent, type CordonEvent } from '../findings/index.js';
import { evaluatePolicy } from '../policy/evaluate.js';
import type { Decision } from '../policy/model.js';
import { resourceAccountRefusal } from './account-boundary.js';
import type { PipelineDeps } from './deps.js';
import { guardSettings } from './guard-settings.js';
import { ignoredFindingReason } from './service.js';

/** What the policy and the guards say about one finding of an event. */
export interface FindingEvaluation {
  finding: Finding;
  decision: Decision;
  /** Set when triage would ignore the finding before the policy (see {@link ignoredFindingReason}). */
  ignored?: string;
  /** Each planned action with the guard verdict for its resource (on the finding's tags). */
  actions: { action: string; params: Record<string, unknown>; resource: Resource; guard: GuardVerdict }[];
}

/** Evaluation of a whole event, without acting. */
export interface EventEvaluation {
  kind: CordonEvent['kind'];
  findings: FindingEvaluation[];
}

/** The account boundary as a guard verdict (security account, allow-list), or undefined when it allows. */
function boundaryVerdict(
  deps: Pick<PipelineDeps, 'policy' | 'config'>,
  resource: Resource,
): GuardVerdict | undefined {
  const refusal = resourceAccountRefusal(resource, deps.policy, deps.config);
  return refusal === undefined ? undefined : { allowed: false, reason: `${refusal.code}: ${refusal.reason}` };
}

/**
 * Evaluate an event against the policy and the guards, without any AWS call (API `/policy/evaluate`, replay).
 * @throws UnsupportedEventError when the event is malformed or not a finding event.
 */
export function evaluateEvent(
  deps: Pick<PipelineDeps, 'policy' | 'config'>,
  event: unknown,
): EventEvaluation {
  const parsed = parseCordonEvent(event);
  const guard = guardSettings(deps.policy, deps.config);
  return {
    kind: parsed.kind,
    findings: parsed.findings.map((finding) => {
      const decision = evaluatePolicy(deps.policy, finding);
      const ignored = parsed.kind === 'securityhub-custom-action' ? undefined : ignoredFindingReason(finding);
      return {
        finding,
        decision,
        ...(ignored === undefined ? {} : { ignored }),
        actions: decision.actions.map((planned) => ({
          action: planned.action,
          params: planned.params,
          resource: planned.resource,
          guard: boundaryVerdict(deps, planned.resource) ?? checkGuards(planned.resource, guard),
        })),
      };
    }),
  };
}
