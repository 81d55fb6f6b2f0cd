/**
 * The action contract the worker, the policy validator, `cordon actions list` and the Terraform generator read.
 *
 * Each action has two halves:
 * - its {@link ActionManifest} (`actions/<name>/manifest.ts`): what it is called, what it applies to, its
 *   parameters, the permissions it needs and their `scoping` (iam-scopes.ts). Side-effect free and small: policy
 *   validation, triage, the API and the Security Hub payload read manifests only, so their Lambda bundles carry no
 *   action code;
 * - its {@link ActionDefinition} (`actions/<name>/definition.ts`): the manifest plus the steps and limitations.
 *   Only the worker and the tools load it, on demand, with `loadAction` (registry.ts).
 *
 * Adding an action for a resource kind cordon knows (disable-instance-metadata/ is a small example):
 * 1. its folder, `actions/<name>/`: `manifest.ts` declares the manifest with `defineActionManifest`
 *    (manifest.ts at this level), and `definition.ts` builds the {@link ActionDefinition} from it with
 *    `defineRunnableAction(manifest, {...})` (runner.ts): limitations, before-state schema, the AWS errors that
 *    mean "gone", and the apply and release stages (steps.ts). The runner owns the shared lifecycle (type check,
 *    guards, parsing, refusals) and derives the listed step names from the stages;
 * 2. its entry in `registry.ts`: the manifest's import and
 *    `entry(manifest, () => import('./<name>/definition.js').then((m) => m.x))`;
 * 3. its page, `docs/actions/<name>.md`, and a row in the action tables of docs/actions/README.md and README.md;
 * 4. its tests: `test/actions/scenarios/<name>.scenarios.ts` (scenarios for the permission meta-test and the
 *    resilience suite's subject, found by file name), integration tests against moto, and its resilience
 *    fault-matrix file;
 * 5. the regenerated member-role policy (`npx tsx scripts/terraform-permissions.ts`).
 * A new resource kind comes first: its module and registry line in `resources/` (see its README), and, for a new
 * AWS service, a `MemberClients` member with its row in aws/member-services.ts and its SDK loader in aws/sdk.ts.
 * Shared helpers of several actions live in `actions/shared/`. See docs/actions/README.md and CONTRIBUTING.md.
 */
import type { z } from 'zod';
import type { LoggerLike } from '../kernel/logger.js';
import type { Resource, ResourceType } from '../findings/model.js';
import type { MemberClients } from '../aws/member-services.js';

export type { MemberClients } from '../aws/member-services.js';

export type StepStatus = 'done' | 'skipped' | 'failed';

/** What one named step did. Persisted on the isolation record after every step, so a crash can resume. */
export interface StepRecord {
  name: string;
  status: StepStatus;
  /** Human-readable: what was changed, why it was skipped, or what failed (AWS error code and message). */
  detail: string;
  /** ISO timestamp when the step finished. */
  at: string;
}

/** JSON-serialisable state captured before acting; `release` reads it to put things back. */
export type BeforeState = Record<string, unknown>;

/** Steps and before-state carried between runs (apply → re-apply after a crash → release). */
export interface ActionState {
  steps: StepRecord[];
  before: BeforeState;
}

export interface ActionResult {
  /**
   * `succeeded`: every step is done or skipped because it was already in place.
   * `failed`: a step failed; `failedStep` names it and later steps did not run.
   * `skipped`: nothing to do: the resource vanished, or cordon refused to act on it (`detail` says why).
   */
  outcome: 'succeeded' | 'failed' | 'skipped';
  steps: StepRecord[];
  before: BeforeState;
  /** E.g. the blast radius of revoking a role shared by other instances. */
  warnings: string[];
  failedStep?: string;
  error?: { code: string; message: string };
  /** For `skipped`: the reason. */
  detail?: string;
  /** ISO time when containment completed in this run (see {@link ActionContext.onContained}). */
  containedAt?: string;
  /**
   * Resources the failed run left MORE exposed than it found them and could not put back (e.g. network
   * interfaces left in cordon's allow-all flow-cut group after a failed rollback). Set only with `failed`.
   */
  exposure?: string[];
}

/** Where IAM Identity Center is administered: policy settings `identityCenter`. */
export interface IdentityCenterSettings {
  /** The management account or Identity Center's delegated administrator. */
  accountId: string;
  /** The region of the Identity Center instance. */
  region: string;
  /** Looked up with sso:ListInstances when absent. */
  instanceArn?: string;
  identityStoreId?: string;
}

/** What cordon must never touch, from policy settings plus cordon's own identity. */
export interface GuardSettings {
  /** Tag key (and optional value) that exempts a resource. */
  exemptionTag: { key: string; value?: string };
  /** ARN globs that are never contained. */
  protectedArns: string[];
  /** Name prefix of cordon's own roles, functions and security groups (default `cordon`). */
  cordonResourcePrefix: string;
  /** The member role cordon assumes; never contained. */
  memberRoleName: string;
}

/** Minimal structured logger; Powertools' Logger satisfies it. */
export type { LoggerLike };

export interface ActionContext {
  isolationId: string;
  /** Member account and region the resource lives in. */
  accountId: string;
  region: string;
  clients: MemberClients;
  guard: GuardSettings;
  logger: LoggerLike;
  now: () => Date;
  /**
   * Apply: start of the incident window (the finding's first activity minus the policy's
   * `incidentWindowMarginMinutes`). Credentials created since are treated as possibly the attacker's.
   * Absent when the isolation has no finding that dates the activity.
   */
  incidentWindowStart?: string;
  /** Release: ids of credentials created during the incident that the releaser named to bring back. */
  restoreKeys?: readonly string[];
  /** Called after every step so the worker can persist progress (resumability). Must not throw for success. */
  onStep?: (step: StepRecord, state: ActionState) => Promise<void>;
  /**
   * Called once when the resource is contained (e.g. right after the network swap), before the off-critical-path
   * steps (snapshots, tags) run, so the worker and the benchmark can measure time-to-contain.
   */
  onContained?: (at: Date) => void | Promise<void>;
  /**
   * Called (and awaited) before a step declared `exposes` runs, with the time, and with `undefined` once the
   * stage after it completed: the worker marks the record so the sweep resumes a run that dies in between first.
   */
  onExposure?: (at: Date | undefined) => Promise<void>;
  /** The policy's `identityCenter` settings, for actions whose `target` is `identity-center`. */
  identityCenter?: IdentityCenterSettings;
}

/**
 * One statement of the member role's policy that grants a declared permission (scripts/terraform-permissions.ts
 * generates the policy from these). Resource ARNs may use the placeholders `${partition}` and `${account_id}`,
 * which Terraform fills in for the member account.
 */
export interface PermissionScope {
  /** Statement id: every permission declared with this scope shares the statement. */
  sid: string;
  resources: readonly string[];
  /** IAM conditions, `aws_iam_policy_document` style: each must hold. */
  conditions?: readonly { test: string; variable: string; values: readonly string[] }[];
  /** Why these resources and conditions (reviewers read it in permissions.json). */
  why: string;
  /**
   * Granted only where the member-role module lists memory-capture documents (evidence memory capture, off by
   * default): `only` as declared, `documents` with those documents' ARNs added to `resources`.
   */
  memoryCapture?: 'only' | 'documents';
}

/**
 * What the rest of cordon knows about an action without loading its implementation (see the module comment).
 * Manifests import no AWS SDK, member client or step code.
 */
export interface ActionManifest<S extends z.ZodType = z.ZodType> {
  /** kebab-case name used in policies, records and the API, e.g. `isolate-ec2-instance`. */
  name: string;
  /** One sentence for `cordon actions list` and the docs. */
  description: string;
  resourceTypes: readonly ResourceType[];
  /** zod schema of the parameters, with defaults. `params.parse({})` must succeed. */
  params: S;
  /**
   * Boolean parameters whose effect release cannot undo (e.g. a deleted console password). When one is true on a
   * request, the console and the Security Hub note flag it as irreversible before anyone approves.
   */
  irreversibleParams?: readonly string[];
  /** Every IAM action the module may call in the member account, e.g. `ec2:DescribeInstances`. */
  permissions: readonly string[];
  /**
   * How the member role scopes some of these permissions: for each, the statements that grant it (several when
   * IAM authorises one call on several resource types, e.g. tag-on-create). A permission's declared scopes apply
   * to every action that declares the permission; one without any is placed by the generator's fallback rules.
   */
  scoping?: Readonly<Record<string, readonly PermissionScope[]>>;
  /**
   * Which account the worker assumes the member role in: the resource's own (default), or the account that
   * administers IAM Identity Center (policy settings `identityCenter`), whatever account the finding came from.
   */
  target?: 'resource-account' | 'identity-center';
}

/** A loaded action: its manifest, the step names derived from its stages, and the operations the worker runs. */
export interface ActionDefinition<S extends z.ZodType = z.ZodType> extends ActionManifest<S> {
  /**
   * What this action does NOT cut off; shown in docs and `cordon actions list`. With the steps rather than in
   * the manifest: no Lambda reads it, and the text would weigh on every bundle.
   */
  limitations: readonly string[];
  /** Names of the steps, in order, for docs and the UI timeline. */
  steps: { apply: readonly string[]; release: readonly string[] };
  apply(
    ctx: ActionContext,
    resource: Resource,
    params: z.output<S>,
    previous?: ActionState,
  ): Promise<ActionResult>;
  release(
    ctx: ActionContext,
    resource: Resource,
    params: z.output<S>,
    state: ActionState,
  ): Promise<ActionResult>;
}
