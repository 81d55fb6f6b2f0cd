/**
 * The policy decision: what the policy says to do with one finding, and why. Produced by the policy engine,
 * consumed by triage, the API's `/policy/evaluate`, `cordon policy test` and `cordon replay`.
 */
import type { Resource } from '../findings/model.js';

export type Mode = 'auto' | 'approval' | 'notify';

export interface PlannedAction {
  /** Registered action name, e.g. `isolate-ec2-instance`. */
  action: string;
  /** Parameters after the action's zod defaults were applied. */
  params: Record<string, unknown>;
  resource: Resource;
}

/** Why one rule did or did not match. */
export interface RuleExplanation {
  rule: string;
  matched: boolean;
  /** For a rule that did not match: the first condition that did not hold, in words. For the match: what matched. */
  reason: string;
}

export interface Decision {
  /** Name of the first matching rule, or null when no rule matches. */
  rule: string | null;
  mode: Mode | null;
  actions: PlannedAction[];
  /** Human-readable reasons: what matched, why nothing matched, or why a resource was left out. */
  reasons: string[];
  /** One entry per rule evaluated, in order, up to and including the match. */
  explanation: RuleExplanation[];
}

/** Global policy settings (merged across files). */
export interface PolicySettings {
  exemptionTag: { key: string; value?: string };
  protectedArns: string[];
  limits: { perAccountPerHour: number; globalPerHour: number };
  /** Pending approvals older than this become EXPIRED. */
  approvalExpiryMinutes: number;
  /** Custom action ids (≤ 20 alphanumerics) that approve and reject. */
  customActions: { approve: string; reject: string };
  /** Whether sample findings count by default (rules may override). */
  includeSampleFindings: boolean;
}
