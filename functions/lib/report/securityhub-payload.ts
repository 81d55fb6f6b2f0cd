/**
 * What cordon writes to Security Hub: the BatchUpdateFindings write-back on a finding, and the ASFF finding it
 * imports for isolations that have no source finding (started from the API). Pure functions: tested alone.
 */
import type { AwsSecurityFinding, BatchUpdateFindingsCommandInput } from '@aws-sdk/client-securityhub';
import type { Resource } from '../findings/model.js';
import type { PipelineConfig } from '../config.js';
import { defaultProductArn, regionPartition } from '../kernel/arn.js';
import { kindOf } from '../resources/registry.js';
import type { IsolationRecord, IsolationStatus, Principal, SecurityHubRef } from '../store/model.js';
// Control characters and direction overrides would break or disguise the one-line texts: shown as spaces.
import { oneLine } from '../text.js';
import { paramsSentence, summariseParams } from './params.js';

/** Security Hub limits (see docs/pipeline.md). */
export const NOTE_MAX = 512;
export const UDF_VALUE_MAX = 1024;
export const TITLE_MAX = 256;
export const DESCRIPTION_MAX = 1024;
/** ASFF ProductFields values are at most 2048 characters. */
export const PRODUCT_FIELD_MAX = 2048;
/** `UpdatedBy` of every note cordon writes. */
export const UPDATED_BY = 'cordon';
/** Prefix of the ids of findings cordon imports; triage ignores them (no loop through cordon's own findings). */
export const CORDON_FINDING_ID_PREFIX = 'cordon/isolation/';

/** Cut a text to `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function describeResource(resource: Resource): string {
  return `${resource.type} ${resource.id} in ${resource.accountId}/${resource.region}`;
}

const STATUS_WORDS: Record<IsolationRecord['status'], string> = {
  PENDING_APPROVAL: 'is waiting for approval',
  APPROVED: 'was approved',
  REJECTED: 'was rejected',
  EXPIRED: 'expired without approval',
  IN_PROGRESS: 'is in progress',
  ISOLATED: 'is ISOLATED (contained, not resolved: investigate)',
  FAILED: 'FAILED',
  SKIPPED: 'was skipped',
  RELEASING: 'is being released',
  RELEASED: 'was released',
  RELEASE_FAILED: 'release FAILED',
};

/** Longest principal description in a note or field: a hostile or odd username cannot crowd out the outcome. */
export const PRINCIPAL_MAX = 160;

/**
 * Who a principal is, in one bounded line: a signed-in person by username and JWT subject, a Security Hub custom
 * action by its name and ARN (the event does not say who clicked, so the ARN is what makes it traceable).
 */
export function describePrincipal(principal: Principal): string {
  const name = oneLine(principal.name);
  const id = oneLine(principal.id);
  switch (principal.type) {
    case 'user':
      return truncate(`${name} (subject ${id})`, PRINCIPAL_MAX);
    case 'client':
      return truncate(`${name} (machine client ${id})`, PRINCIPAL_MAX);
    case 'custom-action':
      // The ARN is the identifying part: keep it whole and cut the display name when needed.
      return `${truncate(name, Math.max(PRINCIPAL_MAX - id.length - 3, 20))} (${id})`;
    case 'policy':
      return truncate(`policy rule ${id}`, PRINCIPAL_MAX);
    case 'system':
      return truncate(name || 'cordon', PRINCIPAL_MAX);
  }
}

/** Statuses in which the record's `approver` is the person or custom action that approved the request. */
const APPROVED_STATUSES: readonly IsolationStatus[] = [
  'APPROVED',
  'IN_PROGRESS',
  'ISOLATED',
  'FAILED',
  'SKIPPED',
  'RELEASING',
  'RELEASED',
  'RELEASE_FAILED',
];

/** Who asked for the release: the last non-system transition to RELEASING (the worker's own claims are skipped). */
function releaser(record: IsolationRecord): Principal | undefined {
  for (let i = record.audit.length - 1; i >= 0; i--) {
    const entry = record.audit[i];
    if (entry?.to === 'RELEASING' && entry.by.type !== 'system') return entry.by;
  }
  return undefined;
}

/** A person, machine client or custom action: the principals notes and fields name (not rules nor cordon itself). */
function isUserInitiated(principal: Principal): boolean {
  return principal.type === 'user' || principal.type === 'client' || principal.type === 'custom-action';
}

/**
 * The people (and custom actions) behind the record's current status, as `[field, verb, principal]`: requested,
 * emergency-isolated, approved, rejected, released. Policy and system principals are left out: the rule is named
 * separately, and cordon acting on its own is the default.
 */
function actors(record: IsolationRecord): { field: string; verb: string; who: Principal }[] {
  const list: { field: string; verb: string; who: Principal }[] = [];
  const { requester, approver } = record;
  if (record.immediate === true && requester.type === 'user') {
    list.push({ field: 'cordonRequestedBy', verb: 'Emergency isolation by', who: requester });
  } else {
    if (isUserInitiated(requester))
      list.push({ field: 'cordonRequestedBy', verb: 'Requested by', who: requester });
    if (approver && isUserInitiated(approver)) {
      if (record.status === 'REJECTED')
        list.push({ field: 'cordonRejectedBy', verb: 'Rejected by', who: approver });
      else if (APPROVED_STATUSES.includes(record.status))
        list.push({ field: 'cordonApprovedBy', verb: 'Approved by', who: approver });
    }
  }
  if (record.status === 'RELEASING' || record.status === 'RELEASED' || record.status === 'RELEASE_FAILED') {
    const by = releaser(record);
    if (by) list.push({ field: 'cordonReleasedBy', verb: 'Release requested by', who: by });
  }
  return list;
}

/**
 * One-line outcome, ≤ 512 characters, for `Note.Text`. The fixed-size facts (what, status, who, rule, steps) come
 * first and free text (approval reason, failure message) last, so truncation only ever cuts free text.
 */
export function buildNote(record: IsolationRecord): string {
  const parts = [
    `cordon ${record.id}: ${record.action} on ${describeResource(record.resource)} ${STATUS_WORDS[record.status]}.`,
  ];
  for (const { verb, who } of actors(record)) parts.push(`${verb} ${describePrincipal(who)}.`);
  if (record.rule) parts.push(`Rule ${record.rule} (${record.mode}).`);
  // What the approver is asked to approve: the chosen parameters, the irreversible ones first.
  if (record.status === 'PENDING_APPROVAL') {
    const params = paramsSentence(record.action, record.params);
    if (params) parts.push(params);
  }
  if (record.status === 'ISOLATED' || record.status === 'FAILED') {
    const done = record.steps.filter((s) => s.status === 'done').length;
    parts.push(`${done}/${record.steps.length} steps done.`);
  }
  // The anchor of the evidence's chain of custody, kept where cordon's own store cannot rewrite it.
  if (record.evidence?.status === 'stored') {
    parts.push(`Evidence manifest SHA-256 ${record.evidence.manifestSha256}.`);
  }
  if (record.status === 'PENDING_APPROVAL') {
    // The custom actions act on a source finding: an API request has none, only cordon's imported finding.
    const guidance =
      record.findingKey === undefined
        ? 'Approve or reject it in the cordon console.'
        : 'Approve or reject with the cordon custom actions in Security Hub, or in the cordon console.';
    parts.push(record.approvalReason ?? guidance);
  }
  if (record.failure) {
    parts.push(
      `${record.failure.step ? `Step ${record.failure.step}: ` : ''}${record.failure.code}: ${record.failure.message}`,
    );
  }
  // Every part, free text included (reasons, failure messages), is made one line without direction overrides.
  return truncate(oneLine(parts.join(' ')), NOTE_MAX);
}

/** BatchUpdateFindings input writing the record's outcome on its finding. */
export function buildBatchUpdate(
  record: IsolationRecord,
  target: SecurityHubRef,
): BatchUpdateFindingsCommandInput {
  const fields: Record<string, string> = {
    cordonIsolationId: record.id,
    cordonAction: record.action,
    cordonStatus: record.status,
  };
  if (record.rule) fields['cordonRule'] = record.rule;
  // A failed rollback left these more exposed: a field of its own, never cut by the note's truncation.
  if (record.failure?.exposure) fields['cordonExposure'] = record.failure.exposure.join(', ');
  for (const { field, who } of actors(record)) fields[field] = describePrincipal(who);
  return {
    FindingIdentifiers: [{ Id: target.id, ProductArn: target.productArn }],
    // NOTIFIED, not RESOLVED: containment buys time; people still have to investigate.
    Workflow: { Status: 'NOTIFIED' },
    Note: { Text: buildNote(record), UpdatedBy: UPDATED_BY },
    UserDefinedFields: Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [key, truncate(value, UDF_VALUE_MAX)]),
    ),
  };
}

/**
 * The ASFF `Id` of a resource: its ARN (its own, else built in its region's partition), or for an IAM access key
 * without one, `AWS::IAM::AccessKey:<id>` (keys have no ARN).
 */
export function asffResourceId(resource: Resource): string {
  return kindOf(resource).asff.resourceId(resource);
}

/** The identifiers of the finding cordon imports for an isolation without a source finding. */
export function importedFindingRef(
  record: IsolationRecord,
  config: Pick<PipelineConfig, 'region' | 'securityAccountId'>,
): SecurityHubRef {
  return {
    id: `${CORDON_FINDING_ID_PREFIX}${record.id}`,
    productArn: defaultProductArn(config.region, config.securityAccountId),
    origin: 'imported',
  };
}

/** A valid ASFF finding describing an API-started isolation, in the security account. */
export function buildImportedFinding(
  record: IsolationRecord,
  config: Pick<PipelineConfig, 'region' | 'securityAccountId'>,
  now: Date,
): AwsSecurityFinding {
  const ref = importedFindingRef(record, config);
  const kind = kindOf(record.resource);
  const category = kind.asff.category;
  const who = `${describePrincipal(record.requester)}${record.immediate ? ' (emergency isolation)' : ''}`;
  const params = summariseParams(record.action, record.params);
  return {
    SchemaVersion: '2018-10-08',
    Id: ref.id,
    ProductArn: ref.productArn,
    GeneratorId: 'cordon',
    AwsAccountId: config.securityAccountId,
    Types: [`Unusual Behaviors/${category}/cordon isolation request`],
    CreatedAt: record.createdAt,
    UpdatedAt: now.toISOString(),
    Severity: { Label: 'HIGH' },
    FindingProviderFields: {
      Severity: { Label: 'HIGH' },
      Types: [`Unusual Behaviors/${category}/cordon isolation request`],
    },
    Title: truncate(
      oneLine(`cordon: ${record.action} on ${record.resource.id} (${record.accountId})`),
      TITLE_MAX,
    ),
    Description: truncate(
      oneLine(
        `Isolation ${record.id} requested by ${who}. ${paramsSentence(record.action, record.params)} ` +
          `Status: ${record.status}. Reason: ${record.reason ?? 'no reason given'}` +
          `${record.ticket ? ` (ticket ${record.ticket})` : ''}.`,
      ),
      DESCRIPTION_MAX,
    ),
    ProductFields: {
      'cordon/isolationId': record.id,
      'cordon/status': record.status,
      'cordon/action': record.action,
      ...(params.text ? { 'cordon/params': truncate(params.text, PRODUCT_FIELD_MAX) } : {}),
      ...(params.irreversible.length > 0
        ? { 'cordon/irreversibleParams': params.irreversible.join(', ') }
        : {}),
    },
    Resources: [
      {
        Type: kind.asff.type,
        Id: asffResourceId(record.resource),
        Partition: regionPartition(record.region),
        Region: record.region,
      },
    ],
    RecordState:
      record.status === 'RELEASED' || record.status === 'REJECTED' || record.status === 'EXPIRED'
        ? 'ARCHIVED'
        : 'ACTIVE',
  };
}
