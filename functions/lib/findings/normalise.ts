/**
 * Normalisation: a validated GuardDuty finding or ASFF finding → cordon's {@link Finding}.
 */
import { asffRemote, guardDutyRemote } from './remote.js';
import type { Finding, FindingChannel, WorkflowStatus } from './model.js';
import type { AsffFinding, GuardDutyFindingDetail } from './schemas.js';
import { readStringMap, RegionSchema } from './schemas.js';
import { asffSeverity, guardDutySeverity } from './severity.js';
import { guardDutyProductArn, guardDutyTypeFromAsffTypes, isGuardDutyProductArn } from './guardduty-types.js';
import { asffResources, guardDutyResources } from './resources.js';

const SAMPLE_PREFIX = /^\s*\[SAMPLE\]\s*/i;

/** A source timestamp as ISO 8601, or undefined when absent or unreadable (it never rejects the finding). */
function isoTimestamp(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
const SAMPLE_IN_JSON = /"sample"\s*:\s*(true|"true")/;

/** GuardDuty marks sample findings in `service.additionalInfo`: `{sample: true}` or `{value: "<json>"}`. */
function guardDutyAdditionalInfoIsSample(additionalInfo: unknown): boolean {
  if (additionalInfo === null || typeof additionalInfo !== 'object') return false;
  const info = readStringMap(additionalInfo, 65_536);
  const sample: unknown = Object.getOwnPropertyDescriptor(additionalInfo, 'sample')?.value;
  if (sample === true || sample === 'true') return true;
  return info['value'] !== undefined && SAMPLE_IN_JSON.test(info['value']);
}

/** Normalise the `detail` of a `GuardDuty Finding` event. */
export function normaliseGuardDutyFinding(detail: GuardDutyFindingDetail): Finding {
  const sampleType = SAMPLE_PREFIX.test(detail.type);
  const title = detail.title ?? '';
  const archived = detail.service?.archived;
  const finding: Finding = {
    key: detail.arn,
    source: 'guardduty',
    productName: 'GuardDuty',
    type: detail.type.replace(SAMPLE_PREFIX, ''),
    title,
    severity: guardDutySeverity(detail.severity),
    accountId: detail.accountId,
    region: detail.region,
    createdAt: detail.createdAt,
    updatedAt: detail.updatedAt,
    sample:
      sampleType ||
      SAMPLE_PREFIX.test(title) ||
      guardDutyAdditionalInfoIsSample(detail.service?.additionalInfo),
    securityHub: {
      id: detail.arn,
      productArn: guardDutyProductArn(detail.region),
    },
    resources: guardDutyResources(detail),
    channel: 'guardduty-event',
  };
  if (archived !== undefined && archived !== null) finding.recordState = archived ? 'ARCHIVED' : 'ACTIVE';
  const count = detail.service?.count;
  if (count !== undefined && count !== null) finding.count = count;
  const firstSeenAt = isoTimestamp(detail.service?.eventFirstSeen);
  if (firstSeenAt !== undefined) finding.firstSeenAt = firstSeenAt;
  const remote = guardDutyRemote(detail.service?.action);
  if (remote !== undefined) finding.remote = remote;
  return finding;
}

/** Deprecated `WorkflowState` → `Workflow.Status`, as Security Hub maps it when only the old field is set. */
const WORKFLOW_STATE_TO_STATUS: Readonly<Record<string, WorkflowStatus>> = {
  NEW: 'NEW',
  ASSIGNED: 'NOTIFIED',
  IN_PROGRESS: 'NOTIFIED',
  DEFERRED: 'SUPPRESSED',
  RESOLVED: 'RESOLVED',
};

/** The region an ASFF finding belongs to: its `Region`, else its ProductArn's region, else the envelope's. */
function asffRegion(finding: AsffFinding, envelopeRegion: string): string {
  if (finding.Region !== undefined) return finding.Region;
  const fromArn = RegionSchema.safeParse(finding.ProductArn.split(':')[3]);
  return fromArn.success ? fromArn.data : envelopeRegion;
}

function asffIsSample(finding: AsffFinding, productFields: Record<string, string>): boolean {
  if (SAMPLE_PREFIX.test(finding.Title ?? '')) return true;
  for (const [key, value] of Object.entries(productFields)) {
    if ((key === 'sample' || key.endsWith('/sample')) && value.toLowerCase() === 'true') return true;
    if ((key === 'additionalInfo' || key.endsWith('/additionalInfo')) && SAMPLE_IN_JSON.test(value))
      return true;
  }
  return false;
}

/** GuardDuty's occurrence count as Security Hub carries it (ASFF has no count field of its own). */
function asffCount(productFields: Record<string, string>): number | undefined {
  const value = productFields['aws/guardduty/service/count'];
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/**
 * Normalise one ASFF finding. GuardDuty's findings (ProductArn `.../product/aws/guardduty`) keep the GuardDuty
 * finding ARN as key and get their native type back, so they equal the direct GuardDuty event's finding.
 */
export function normaliseAsffFinding(
  finding: AsffFinding,
  envelopeRegion: string,
  channel: FindingChannel,
): Finding {
  const productFields = readStringMap(finding.ProductFields);
  const guardDuty = isGuardDutyProductArn(finding.ProductArn);
  const types = finding.Types ?? finding.FindingProviderFields?.Types ?? [];
  const region = asffRegion(finding, envelopeRegion);
  const productName =
    finding.ProductName ??
    productFields['aws/securityhub/ProductName'] ??
    (guardDuty ? 'GuardDuty' : (finding.ProductArn.split('/').pop() ?? 'Unknown'));
  const type = guardDuty ? (guardDutyTypeFromAsffTypes(types) ?? types[0] ?? '') : (types[0] ?? '');
  const severityLabel = productFields['aws/securityhub/SeverityLabel'];

  const normalised: Finding = {
    key: guardDuty ? finding.Id : `${finding.ProductArn}/${finding.Id}`,
    source: guardDuty ? 'guardduty' : 'securityhub',
    productName,
    type,
    title: finding.Title ?? '',
    severity: asffSeverity(finding.Severity, {
      guardDuty,
      ...(severityLabel !== undefined ? { productFieldsLabel: severityLabel } : {}),
    }),
    accountId: finding.AwsAccountId,
    region,
    createdAt: finding.CreatedAt,
    updatedAt: finding.UpdatedAt,
    sample: asffIsSample(finding, productFields),
    securityHub: { id: finding.Id, productArn: finding.ProductArn },
    resources: asffResources(finding, region),
    channel,
  };
  const workflow =
    finding.Workflow?.Status ??
    (finding.WorkflowState !== undefined ? WORKFLOW_STATE_TO_STATUS[finding.WorkflowState] : undefined);
  if (workflow !== undefined) normalised.workflowStatus = workflow;
  if (finding.RecordState !== undefined) normalised.recordState = finding.RecordState;
  const count = asffCount(productFields);
  if (count !== undefined) normalised.count = count;
  const firstSeenAt = isoTimestamp(finding.FirstObservedAt);
  if (firstSeenAt !== undefined) normalised.firstSeenAt = firstSeenAt;
  const remote = asffRemote(finding.Network, productFields);
  if (remote !== undefined) normalised.remote = remote;
  return normalised;
}
