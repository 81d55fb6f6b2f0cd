/**
 * Isolation records: the types stored in cordon's single DynamoDB table, the allowed status transitions, and
 * the table's key schema and indexes. Terraform (`modules/cordon`), the local table helper and the store all read
 * {@link TABLE_KEYS} and {@link TABLE_INDEXES}, so the deployed table and the code cannot drift apart.
 */
import type { EvidenceRef } from '../evidence/model.js';
import type { ReceivedEvent } from '../evidence/received.js';
import type { ActionState, BeforeState, StepRecord } from '../actions/contract.js';
import type { FindingSource, RemoteEndpoint, Resource, SeverityLabel } from '../findings/model.js';
import { actedOnAccount } from '../findings/account.js';
import type { Mode } from '../policy/model.js';

/**
 * Lifecycle of an isolation request.
 *
 * - `PENDING_APPROVAL` → `APPROVED` | `REJECTED` | `EXPIRED`
 * - `APPROVED` (also the initial status of automatic and emergency requests) → `IN_PROGRESS`
 * - `IN_PROGRESS` → `ISOLATED` | `FAILED` | `SKIPPED` (the action refused or found nothing to do)
 * - `FAILED` → `IN_PROGRESS` (retry, resuming finished steps) | `RELEASING` (undo a partial containment)
 * - `ISOLATED` → `RELEASING` → `RELEASED` | `RELEASE_FAILED`
 * - `RELEASE_FAILED` → `RELEASING` (retry the release)
 *
 * A failed release is `RELEASE_FAILED`, not `ISOLATED`: part of the release may already have run, so the record
 * must not claim the resource is fully isolated. The active lock is kept until `RELEASED`.
 */
export const ISOLATION_STATUSES = [
  'PENDING_APPROVAL',
  'APPROVED',
  'REJECTED',
  'EXPIRED',
  'IN_PROGRESS',
  'ISOLATED',
  'FAILED',
  'SKIPPED',
  'RELEASING',
  'RELEASED',
  'RELEASE_FAILED',
] as const;
export type IsolationStatus = (typeof ISOLATION_STATUSES)[number];

/**
 * The isolation state machine: the allowed moves from each status. `IsolationStore.transition` refuses any other
 * move before writing, and conditions every write on the current status.
 */
export const TRANSITIONS: Readonly<Record<IsolationStatus, readonly IsolationStatus[]>> = {
  PENDING_APPROVAL: ['APPROVED', 'REJECTED', 'EXPIRED'],
  APPROVED: ['IN_PROGRESS'],
  REJECTED: [],
  EXPIRED: [],
  IN_PROGRESS: ['ISOLATED', 'FAILED', 'SKIPPED', 'IN_PROGRESS'],
  ISOLATED: ['RELEASING'],
  FAILED: ['IN_PROGRESS', 'RELEASING'],
  SKIPPED: [],
  RELEASING: ['RELEASED', 'RELEASE_FAILED', 'RELEASING'],
  RELEASED: [],
  RELEASE_FAILED: ['RELEASING'],
};

/** Statuses that end an isolation: the active lock on (resource, action) is released when one is reached. */
export const TERMINAL_STATUSES: readonly IsolationStatus[] = ['REJECTED', 'EXPIRED', 'SKIPPED', 'RELEASED'];

/** Whether `from → to` is an allowed transition. */
export function canTransition(from: IsolationStatus, to: IsolationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Who asked for, approved, rejected or released an isolation. */
export interface Principal {
  /**
   * `policy`: a policy rule (id = rule name); `user`: a signed-in person (id = JWT subject, name = username);
   * `custom-action`: a Security Hub custom action (id = its ARN; the event does not say who clicked);
   * `client`: a machine client of the API (id = issuer and OAuth client id, name = its configured name; it can
   * request, never approve, so four eyes still needs a person);
   * `system`: cordon itself (expiry, lease recovery).
   */
  type: 'policy' | 'user' | 'custom-action' | 'client' | 'system';
  id: string;
  name: string;
}

/** One entry of the audit trail: every status change, who made it, and why. */
export interface AuditEntry {
  at: string;
  by: Principal;
  /** Null for the creation of the record. */
  from: IsolationStatus | null;
  to: IsolationStatus;
  note?: string;
}

/** Summary of the finding that triggered the isolation (for notes, notifications and metrics). */
export interface FindingSummary {
  key: string;
  source: FindingSource;
  productName: string;
  type: string;
  title: string;
  severity: { score: number; label: SeverityLabel };
  /** The finding's own timestamp (for time-to-contain from detection). */
  createdAt: string;
  /** First activity the finding saw: the start of the incident window (see `isolate-iam-user`). */
  firstSeenAt?: string;
  /** The remote IP GuardDuty saw, with its location and network owner (attacker-side context, display only). */
  remote?: RemoteEndpoint;
}

/**
 * The activity of the finding that produced a request: its `updatedAt` and, when the source gives one, its
 * occurrence count (GuardDuty `service.count`). A re-published finding with newer activity after its isolation
 * ended (RELEASED, REJECTED, EXPIRED) gets a fresh decision; see `store/renewal.ts`.
 */
export interface FindingTrigger {
  updatedAt: string;
  count?: number;
}

/** Identifiers of the Security Hub finding the outcome is written to. */
export interface SecurityHubRef {
  id: string;
  productArn: string;
  /** `source`: the finding that triggered cordon; `imported`: a finding cordon imported for an API request. */
  origin: 'source' | 'imported';
}

/** A report (write-back or notification) that failed and will be retried by the next worker or expire run. */
export interface PendingReport {
  channel: 'securityhub' | 'sns';
  /** The status the report is about (reports are idempotent: re-sending says the same thing). */
  status: IsolationStatus;
  attempts: number;
  lastError: string;
  lastAttemptAt: string;
}

/** Outcome of the last write-back or notification, per channel. */
export interface ReportOutcome {
  status: IsolationStatus;
  ok: boolean;
  at: string;
  detail?: string;
}

/** What failed, when an isolation or release fails. */
export interface FailureInfo {
  step?: string;
  code: string;
  message: string;
  /** Resources the failed run left more exposed and could not put back (code `ROLLBACK_FAILED`). */
  exposure?: string[];
  /** For a request cordon refused before acting (code `REFUSED`): why, as a stable code (policy RefusalCode). */
  refusal?: string;
}

/** One isolation request and everything that happened to it. */
export interface IsolationRecord {
  /** `iso-<yyyymmddhhmmss>-<random>`: sortable by creation time. */
  id: string;
  /** Canonical finding key (absent for API-started isolations). */
  findingKey?: string;
  finding?: FindingSummary;
  /** The finding activity this request answers (absent for API-started isolations and older records). */
  trigger?: FindingTrigger;
  /** The ended isolation of the same finding that renewed activity superseded (see `store/renewal.ts`). */
  renews?: string;
  /** Where write-backs go; for API-started isolations this is the finding cordon imported. */
  securityHub?: SecurityHubRef;
  resource: Resource;
  /** `<account>#<region>#<type>#<id>`: the resource's identity for locks and lookups. */
  resourceKey: string;
  /** The resource's id within its type (denormalised for the by-resource index). */
  resourceId: string;
  /** Member account and region of the resource (denormalised for indexes and notifications). */
  accountId: string;
  region: string;
  action: string;
  params: Record<string, unknown>;
  /** How the request was made: the policy mode, or `manual` for the API. */
  mode: Mode | 'manual';
  /** The policy rule that produced the request (absent for API-started isolations). */
  rule?: string;
  status: IsolationStatus;
  /** Steps of the last apply run (persisted after every step). */
  steps: StepRecord[];
  /** Steps of the last release run. */
  releaseSteps: StepRecord[];
  before: BeforeState;
  requester: Principal;
  approver?: Principal & { at: string };
  /** Why the request exists (API reason) or why it needs approval (e.g. an hourly limit was reached). */
  reason?: string;
  ticket?: string;
  /** True for an approver's emergency isolation through the API. */
  immediate?: boolean;
  /** Why an automatic request was parked for approval instead (limits). */
  approvalReason?: string;
  audit: AuditEntry[];
  warnings: string[];
  failure?: FailureInfo;
  createdAt: string;
  updatedAt: string;
  /** When cordon received the triggering event (time-to-contain from receipt). */
  receivedAt?: string;
  /** The triggering event as received, hashed on receipt (evidence's `event.json`; absent for API requests). */
  receivedEvent?: ReceivedEvent;
  /** The policy decision's explanation: why the rule matched and what it planned (evidence's `decision.json`). */
  explanation?: string[];
  containedAt?: string;
  releasedAt?: string;
  /**
   * Credentials created during the incident that the last release request named to bring back (an
   * `isolate-iam-user` release leaves the others as they are). Absent when none were named.
   */
  releaseRestoreKeys?: string[];
  /** A worker owns an IN_PROGRESS/RELEASING record until then; after it, another run may take over. */
  leaseExpiresAt?: string;
  /**
   * Fencing token of the worker run that holds the lease (a random UUID per claim). Every record write of that
   * run is conditioned on it, so a run that outlived its lease cannot overwrite a newer run's record.
   */
  leaseId?: string;
  /**
   * Set while a run is between a step that leaves the resource more exposed (e.g. the EC2 flow cut) and the stage
   * that closes it: the expire sweep resumes such a record first, as soon as its lease lapses.
   */
  exposedAt?: string;
  /** Where the evidence collected after containment is, with the manifest's SHA-256 (see evidence/model.ts). */
  evidence?: EvidenceRef;
  reports: { securityhub?: ReportOutcome; sns?: ReportOutcome };
  pendingReports: PendingReport[];
  /** Incremented on every write (optimistic concurrency for updates that do not change status). */
  version: number;
}

/** Steps and before-state as an {@link ActionState}, for resuming or releasing. */
export function actionState(record: IsolationRecord): ActionState {
  return { steps: record.steps, before: record.before };
}

/** Identity of a resource, used for the active lock and the by-resource index (in the account acted on). */
export function resourceKeyOf(
  resource: Pick<Resource, 'arn' | 'accountId' | 'region' | 'type' | 'id'>,
): string {
  return `${actedOnAccount(resource)}#${resource.region}#${resource.type}#${resource.id}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Table design (single table). See docs/pipeline.md for the access patterns.
// ---------------------------------------------------------------------------------------------------------------

/** Primary key attribute names (both strings). */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** Attribute that holds an epoch-seconds expiry for DynamoDB TTL (counters and dedupe markers). */
export const TABLE_TTL_ATTRIBUTE = 'ttl';

export interface TableIndex {
  name: string;
  partitionKey: string;
  sortKey: string;
  /** All indexes project every attribute: list views need the whole record. */
  projection: 'ALL';
}

/**
 * Global secondary indexes. Only isolation items carry these attributes, so lock, finding and counter items stay
 * out of the indexes.
 */
export const TABLE_INDEXES: readonly TableIndex[] = [
  { name: 'by-status', partitionKey: 'status', sortKey: 'createdAt', projection: 'ALL' },
  { name: 'by-account', partitionKey: 'accountId', sortKey: 'createdAt', projection: 'ALL' },
  // The bare resource id (instance id, user name...): what people search for; account filters narrow it.
  { name: 'by-resource', partitionKey: 'resourceId', sortKey: 'createdAt', projection: 'ALL' },
  // `kind` is the constant `isolation`: a time-ordered list of every record for the unfiltered API list.
  { name: 'by-time', partitionKey: 'kind', sortKey: 'createdAt', projection: 'ALL' },
  // Sparse: `reportsPending` is set only while a write-back or notification waits for a retry.
  { name: 'pending-reports', partitionKey: 'reportsPending', sortKey: 'updatedAt', projection: 'ALL' },
] as const;

/** Key builders: the one place that knows how items are laid out. */
export const keys = {
  isolation: (id: string) => ({ pk: `ISO#${id}`, sk: 'ISO' }),
  /** One item per (finding, resource, action): dedupes re-published findings and GuardDuty/Security Hub twins. */
  finding: (findingKey: string, resourceKey: string, action: string) => ({
    pk: `FINDING#${findingKey}`,
    sk: `${resourceKey}#${action}`,
  }),
  findingPrefix: (findingKey: string) => `FINDING#${findingKey}`,
  /** Exactly one active isolation per (resource, action). */
  activeLock: (resourceKey: string, action: string) => ({ pk: `ACTIVE#${resourceKey}`, sk: action }),
  activePrefix: (resourceKey: string) => `ACTIVE#${resourceKey}`,
  /** Conditional counters of automatic isolations per account-hour and per hour (for the policy limits). */
  accountHourCounter: (accountId: string, hour: string) => ({
    pk: `COUNT#${accountId}#${hour}`,
    sk: 'COUNT',
  }),
  /** One shard of the global hour counter (see store/create.ts: sharded so that no single item is hot). */
  globalHourCounter: (hour: string, shard: number) => ({ pk: `COUNT#GLOBAL#${hour}`, sk: `COUNT#${shard}` }),
};

/** Input to create an isolation request. */
export interface NewIsolation {
  findingKey?: string;
  finding?: FindingSummary;
  trigger?: FindingTrigger;
  securityHub?: SecurityHubRef;
  resource: Resource;
  action: string;
  params: Record<string, unknown>;
  mode: Mode | 'manual';
  rule?: string;
  /** `PENDING_APPROVAL` or `APPROVED` (automatic and emergency requests). */
  status: 'PENDING_APPROVAL' | 'APPROVED';
  requester: Principal;
  approver?: Principal & { at: string };
  reason?: string;
  ticket?: string;
  immediate?: boolean;
  receivedAt?: string;
  receivedEvent?: ReceivedEvent;
  explanation?: string[];
  /** For automatic requests: count against these hourly limits, atomically with the creation. */
  limits?: { perAccountPerHour: number; globalPerHour: number };
  note?: string;
}

export type { StepRecord };
