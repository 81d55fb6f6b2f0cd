/**
 * The SNS notification for an isolation's status: a JSON document people can read (summary first, then the
 * details and the next step), with message attributes for subscription filters.
 */
import { DEFAULT_OWNER_TAG_KEYS, type OwnerTagKeys } from '../config.js';
import type { Finding } from '../findings/model.js';
import type { IsolationRecord } from '../store/model.js';
import type { Notification } from './notifier.js';
import { summariseParams } from './params.js';
import { truncate } from './securityhub-payload.js';

/** SNS subject limit. */
export const SUBJECT_MAX = 100;

/** Statuses people are notified about. */
export const NOTIFIED_STATUSES: readonly IsolationRecord['status'][] = [
  'PENDING_APPROVAL',
  'ISOLATED',
  'FAILED',
  'SKIPPED',
  'REJECTED',
  'EXPIRED',
  'RELEASED',
  'RELEASE_FAILED',
];

function nextStep(record: IsolationRecord): string {
  switch (record.status) {
    case 'PENDING_APPROVAL':
      // The custom actions act on a source finding; an API request has none (its imported finding is cordon's).
      return record.findingKey === undefined
        ? 'Approve or reject it in the cordon console.'
        : 'Approve or reject it with the cordon custom actions in Security Hub, or in the cordon console.';
    case 'ISOLATED':
      return 'Investigate the finding. Release the isolation from the cordon console once the resource is safe.';
    case 'FAILED':
      if (record.failure?.exposure) {
        return `URGENT: the rollback failed and ${record.failure.exposure.join(', ')} ${record.failure.exposure.length === 1 ? 'is' : 'are'} left in cordon's allow-all flow-cut group. Move ${record.failure.exposure.length === 1 ? 'it' : 'them'} to the isolation group or the original groups by hand now, then retry.`;
      }
      return 'Containment did not complete. Check the failed step, fix the cause, then retry from the console, or contain by hand.';
    case 'RELEASE_FAILED':
      return 'The release did not complete; the resource may still be partly isolated. Retry the release from the console.';
    case 'SKIPPED':
      return record.failure?.code === 'REFUSED'
        ? `cordon refused to contain this resource: ${record.failure.message.replace(/([^.])$/, '$1.')} Contain it by hand if it must be contained.`
        : 'cordon did not act on this resource (see the reason). Contain it by hand if needed.';
    default:
      return 'No action needed.';
  }
}

/** SNS string attribute values are sent whole; a tag value is at most 256 characters anyway. */
const ATTRIBUTE_MAX = 256;

/**
 * The `owner` and `team` attributes from the resource's tags (the first present key of each list). They route
 * copies to application owners; they grant nothing, and whoever can change a tag can change who gets the copy,
 * so the security team subscribes without a filter (docs/pipeline.md, "Notifications").
 */
export function ownerAttributes(
  tags: Readonly<Record<string, string>> | undefined,
  keys: OwnerTagKeys = DEFAULT_OWNER_TAG_KEYS,
): { owner?: string; team?: string } {
  const first = (candidates: readonly string[]) => {
    for (const key of candidates) {
      const value = tags !== undefined && Object.hasOwn(tags, key) ? tags[key]?.trim() : undefined;
      if (value) return value.slice(0, ATTRIBUTE_MAX);
    }
    return undefined;
  };
  const owner = first(keys.owner);
  const team = first(keys.team);
  return { ...(owner === undefined ? {} : { owner }), ...(team === undefined ? {} : { team }) };
}

/** Build the notification for the record's current status. */
export function buildNotification(
  record: IsolationRecord,
  securityHubConsoleUrl?: string,
  ownerTagKeys?: OwnerTagKeys,
): Notification {
  const severity = record.finding?.severity.label ?? (record.mode === 'manual' ? 'HIGH' : 'UNKNOWN');
  const summary =
    `cordon ${record.status}: ${record.action} on ${record.resource.type} ${record.resource.id} ` +
    `in account ${record.accountId} (${record.region}).` +
    (record.failure?.exposure
      ? ` ROLLBACK FAILED: ${record.failure.exposure.join(', ')} left in an allow-all security group.`
      : '');
  const { irreversible } = summariseParams(record.action, record.params);
  const body = {
    summary,
    nextStep: nextStep(record),
    isolationId: record.id,
    status: record.status,
    action: record.action,
    params: record.params,
    irreversibleParams: irreversible.length > 0 ? irreversible : undefined,
    rule: record.rule,
    mode: record.mode,
    resource: {
      type: record.resource.type,
      id: record.resource.id,
      accountId: record.accountId,
      region: record.region,
    },
    finding: record.finding,
    requester: record.requester,
    approver: record.approver,
    reason: record.reason,
    ticket: record.ticket,
    approvalReason: record.approvalReason,
    failure: record.failure,
    steps: (record.status.startsWith('RELEAS') ? record.releaseSteps : record.steps).map((s) => ({
      name: s.name,
      status: s.status,
      detail: s.detail,
    })),
    warnings: record.warnings.length > 0 ? record.warnings : undefined,
    securityHub: securityHubConsoleUrl,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  return {
    subject: truncate(
      `[cordon] ${record.status} ${record.action} ${record.resource.id} (${record.accountId})`,
      SUBJECT_MAX,
    ),
    message: JSON.stringify(body, null, 2),
    attributes: {
      account: record.accountId,
      severity,
      action: record.action,
      status: record.status,
      ...(record.failure?.refusal === undefined ? {} : { refusal: record.failure.refusal }),
      ...ownerAttributes(record.resource.tags, ownerTagKeys),
    },
  };
}

/** Notification for a finding matched by a `notify` rule (no isolation). */
export function buildFindingNotification(
  finding: Finding,
  rule: string,
  ownerTagKeys?: OwnerTagKeys,
): Notification {
  const resource = finding.resources[0];
  const body = {
    summary: `cordon: ${finding.type} in account ${finding.accountId} (${finding.region}) matched notify rule ${rule}.`,
    nextStep: 'Review the finding in Security Hub; cordon does not contain it under this rule.',
    rule,
    finding: {
      key: finding.key,
      type: finding.type,
      title: finding.title,
      severity: finding.severity,
      createdAt: finding.createdAt,
      resource: resource ? { type: resource.type, id: resource.id } : undefined,
    },
  };
  return {
    subject: truncate(`[cordon] NOTIFY ${finding.type} (${finding.accountId})`, SUBJECT_MAX),
    message: JSON.stringify(body, null, 2),
    attributes: {
      account: finding.accountId,
      severity: finding.severity.label,
      action: 'none',
      status: 'NOTIFIED',
      ...ownerAttributes(resource?.tags, ownerTagKeys),
    },
  };
}
