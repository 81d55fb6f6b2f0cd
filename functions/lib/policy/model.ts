/**
 * The policy decision: what the policy says to do with one finding, and why. Produced by the policy engine,
 * consumed by triage, the API's `/policy/evaluate`, `cordon policy test` and `cordon replay`.
 */
import type { Resource } from '../findings/model.js';
import type { AccountRefusalCode } from '../findings/account.js';
import type { IdentityCenterSettings } from '../actions/contract.js';
import type { RuleEvidence } from './evidence-schema.js';

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
  /**
   * One per resource of the finding that the rule selects and its action supports (exempt, protected and root
   * resources are left out, with a reason). For a `notify` rule that names an action, this is what a Security Hub
   * custom-action approval of the finding would run; triage itself does not run it.
   */
  actions: PlannedAction[];
  /** Human-readable reasons: what matched, why nothing matched, or why a resource was left out. */
  reasons: string[];
  /**
   * Resources the matching rule would contain but left out because they carry the exemption tag. Tags can be
   * set by anyone allowed to tag the resource, so triage never applies such an exemption silently.
   */
  exemptedByTag: TagExemption[];
  /**
   * Resources the matching rule would contain but refused because of the account they are in (another account
   * than the finding's, or outside `settings.memberAccounts`). Triage logs each with its code; nothing is done.
   */
  refusedAccounts: AccountRefusalEntry[];
  /**
   * Every resource the matching rule would act on but refused, whatever the reason (exemption tag, protected ARN,
   * never contained, account): `exemptedByTag` and `refusedAccounts` are the subsets with their own handling.
   * Triage records each as a SKIPPED isolation (written back and notified) unless the rule only notifies.
   */
  refused: Refusal[];
  /**
   * One entry per rule evaluated, in order, up to and including the match (every rule when none matches).
   * Entries of rules that did not match are shared between decisions and frozen (copy before changing).
   */
  explanation: RuleExplanation[];
}

/** A resource left out by the exemption tag, and why (the reason names the tag and its value). */
export interface TagExemption {
  resource: Resource;
  action: string;
  reason: string;
}

/** Why a resource the matching rule selects was refused (stable codes for records, notifications and the CLI). */
export type RefusalCode = 'exempt-tag' | 'protected' | 'never-contained' | 'guard' | AccountRefusalCode;

/** A resource the matching rule would act on but that cordon refuses, and why. */
export interface Refusal {
  resource: Resource;
  action: string;
  /** The rule's parameters for the action (what would have run). */
  params: Record<string, unknown>;
  code: RefusalCode;
  reason: string;
}

/** A resource left out because of its account, with a stable code (see findings/account.ts). */
export interface AccountRefusalEntry {
  resource: Resource;
  action: string;
  code: AccountRefusalCode;
  reason: string;
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
  /**
   * The incident window starts this many minutes before the finding's first activity: credentials created
   * inside the window are treated as the attacker's on release (see `isolate-iam-user`).
   */
  incidentWindowMarginMinutes: number;
  /**
   * Whether a finding may name resources in another account than its own. Off by default: a finding is
   * imported by one account, and must not be able to get resources of another account contained.
   */
  allowCrossAccountResources: boolean;
  /** When set, the only accounts cordon acts in (the deployment may narrow it further). */
  memberAccounts?: string[];
  /** Where IAM Identity Center is administered (actions with `target: 'identity-center'` run there). */
  identityCenter?: IdentityCenterSettings;
}

/** A rule's match conditions after validation. Absent = no constraint. All present conditions must hold. */
export interface RuleMatch {
  sources?: FindingSourceName[];
  /** Product names, case-insensitive (`GuardDuty`, `Security Hub`, `Inspector`...). */
  products?: string[];
  /** Finding type globs (`*` = any run of characters), matched against the native GuardDuty type or the ASFF type. */
  types?: string[];
  severity?: { min?: number; max?: number; labels?: SeverityLabelName[] };
  resourceTypes?: ResourceTypeName[];
  accounts?: { include?: string[]; exclude?: string[] };
  regions?: { include?: string[]; exclude?: string[] };
  /** Resource tags that must be present; value `*` means any value. */
  tags?: Record<string, string>;
  /**
   * Only EC2 instances GuardDuty names as the node of the EKS pod a finding is about (true), or only other EC2
   * instances (false); resources of other types are never selected.
   */
  eksNode?: boolean;
  /** Whether sample findings match this rule; default comes from settings.includeSampleFindings. */
  sample?: boolean;
}

type FindingSourceName = import('../findings/model.js').FindingSource;
type SeverityLabelName = import('../findings/model.js').SeverityLabel;
type ResourceTypeName = import('../findings/model.js').ResourceType;

/** Where a rule was defined, for error messages and explanations. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

export interface CompiledRule {
  name: string;
  description?: string;
  match: RuleMatch;
  /** Registered action name; absent only for `mode: notify` rules. */
  action?: string;
  /** Validated parameters with the action's defaults applied. */
  params: Record<string, unknown>;
  mode: Mode;
  /**
   * `enabled: false`: no evidence is collected for this rule's isolations (default: collected). `lookbackHours`:
   * how far before the finding's first activity CloudTrail history is read (default 24). `lambdaEnvironment` and
   * `memory`: see docs/evidence.md.
   */
  evidence?: RuleEvidence;
  position: SourcePosition;
}

/** All policy files of a directory, merged in filename order, validated and compiled once. */
export interface CompiledPolicy {
  files: string[];
  settings: PolicySettings;
  rules: CompiledRule[];
  /**
   * Problems that do not stop the policy from loading, positioned like validation errors (e.g. a type glob that
   * matches no known GuardDuty type). Optional so that hand-built policies (tests) need not set it.
   */
  warnings?: import('../errors.js').PolicyIssue[];
}
