/**
 * The findings core: parse an EventBridge event cordon receives and normalise its findings.
 *
 * `parseCordonEvent` is the one entry point the triage and approve Lambdas, the API's dry run and the CLI use.
 * Anything that is not one of the three supported events, or that breaks a field cordon relies on, raises
 * {@link UnsupportedEventError} with a one-line reason naming the field; never a schema dump.
 */
import type { z } from 'zod';
import { UnsupportedEventError } from '../errors.js';
import type { Finding } from './model.js';
import {
  GUARDDUTY_FINDING_DETAIL_TYPE,
  GuardDutyFindingEventSchema,
  SECURITYHUB_CUSTOM_ACTION_DETAIL_TYPE,
  SECURITYHUB_IMPORTED_DETAIL_TYPE,
  SecurityHubCustomActionEventSchema,
  SecurityHubImportedEventSchema,
} from './schemas.js';
import { normaliseAsffFinding, normaliseGuardDutyFinding } from './normalise.js';

export { UnsupportedEventError };
export type { Finding } from './model.js';
export * from './schemas.js';
export { normaliseAsffFinding, normaliseGuardDutyFinding } from './normalise.js';
export { guardDutyResources, asffResources } from './resources.js';
export { asffSeverity, guardDutySeverity, labelForScore, LABEL_MIN_SCORE } from './severity.js';
export {
  asffTypesForGuardDutyType,
  guardDutyProductArn,
  guardDutyTypeFromAsffTypes,
  isGuardDutyProductArn,
  GUARDDUTY_FINDING_TYPES,
} from './guardduty-types.js';

/** The EventBridge envelope fields cordon keeps (for logs, correlation and account checks). */
export interface CordonEventEnvelope {
  id: string;
  /** The account the event was delivered in; for a delegated administrator, the security account. */
  account: string;
  region: string;
  time: string;
  detailType: string;
  source: string;
}

export type CordonEvent =
  | { kind: 'guardduty-finding' | 'securityhub-imported'; envelope: CordonEventEnvelope; findings: Finding[] }
  | {
      kind: 'securityhub-custom-action';
      envelope: CordonEventEnvelope;
      /** `arn:<partition>:securityhub:<region>:<account>:action/custom/<Id>`: which custom action was clicked. */
      actionArn: string;
      actionName: string;
      findings: Finding[];
    };

/** Detail types cordon accepts, with the source each must come from. */
const SUPPORTED: Readonly<Record<string, string>> = {
  [GUARDDUTY_FINDING_DETAIL_TYPE]: 'aws.guardduty',
  [SECURITYHUB_IMPORTED_DETAIL_TYPE]: 'aws.securityhub',
  [SECURITYHUB_CUSTOM_ACTION_DETAIL_TYPE]: 'aws.securityhub',
};

/** A value quoted for a one-line message: JSON-escaped and cut short, so hostile input stays readable. */
function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(cut);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? 'event' : out;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Walk the event along a zod issue path to report what was actually there. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Object.getOwnPropertyDescriptor(current, segment)?.value;
  }
  return current;
}

/** The first zod issue as `path: reason`, in plain words. */
function describeIssue(error: z.ZodError, event: unknown): string {
  const issue = error.issues[0];
  if (!issue) return 'event: invalid';
  const path = formatPath(issue.path);
  if (issue.code === 'invalid_type') {
    const actual = valueAt(event, issue.path);
    if (actual === undefined) return `${path}: required`;
    return `${path}: expected ${issue.expected}, got ${describeType(actual)}`;
  }
  // zod's messages are clear once their category prefix is dropped ("Too big: expected ... <=10").
  const message = issue.message
    .replace(/^(Invalid input|Invalid option|Too big|Too small): /, '')
    .replace(/\s+/g, ' ');
  return `${path}: ${message.length > 200 ? `${message.slice(0, 200)}…` : message}`;
}

function envelopeOf(event: {
  id: string;
  account: string;
  region: string;
  time: string;
  'detail-type': string;
  source: string;
}): CordonEventEnvelope {
  return {
    id: event.id,
    account: event.account,
    region: event.region,
    time: event.time,
    detailType: event['detail-type'],
    source: event.source,
  };
}

function parseWith<S extends z.ZodType>(schema: S, event: unknown): z.infer<S> {
  const result = schema.safeParse(event);
  if (!result.success) {
    throw new UnsupportedEventError(describeIssue(result.error, event), { cause: result.error });
  }
  return result.data;
}

function parseSupported(event: unknown): CordonEvent {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new UnsupportedEventError(`event: expected a JSON object, got ${describeType(event)}`);
  }
  const detailType: unknown = Object.getOwnPropertyDescriptor(event, 'detail-type')?.value;
  const source: unknown = Object.getOwnPropertyDescriptor(event, 'source')?.value;
  if (typeof detailType !== 'string') {
    throw new UnsupportedEventError(
      detailType === undefined
        ? 'detail-type: required (not an EventBridge event)'
        : `detail-type: expected string, got ${describeType(detailType)}`,
    );
  }
  const expectedSource = Object.hasOwn(SUPPORTED, detailType) ? SUPPORTED[detailType] : undefined;
  if (expectedSource === undefined) {
    throw new UnsupportedEventError(`unsupported detail-type ${quote(detailType)}`);
  }
  if (source !== expectedSource) {
    throw new UnsupportedEventError(
      `unsupported source ${quote(source)} for detail-type ${quote(detailType)} (expected "${expectedSource}")`,
    );
  }

  if (detailType === GUARDDUTY_FINDING_DETAIL_TYPE) {
    const parsed = parseWith(GuardDutyFindingEventSchema, event);
    return {
      kind: 'guardduty-finding',
      envelope: envelopeOf(parsed),
      findings: [normaliseGuardDutyFinding(parsed.detail)],
    };
  }
  if (detailType === SECURITYHUB_IMPORTED_DETAIL_TYPE) {
    const parsed = parseWith(SecurityHubImportedEventSchema, event);
    return {
      kind: 'securityhub-imported',
      envelope: envelopeOf(parsed),
      findings: parsed.detail.findings.map((f) =>
        normaliseAsffFinding(f, parsed.region, 'securityhub-imported'),
      ),
    };
  }
  const parsed = parseWith(SecurityHubCustomActionEventSchema, event);
  return {
    kind: 'securityhub-custom-action',
    envelope: envelopeOf(parsed),
    actionArn: parsed.resources[0] ?? '',
    actionName: parsed.detail.actionName,
    findings: parsed.detail.findings.map((f) =>
      normaliseAsffFinding(f, parsed.region, 'securityhub-custom-action'),
    ),
  };
}

/**
 * Parse an EventBridge event cordon receives: `GuardDuty Finding`, `Security Hub Findings - Imported` or
 * `Security Hub Findings - Custom Action`. Unknown fields are tolerated; the fields cordon uses are validated.
 *
 * @param event - the event as received (already JSON-parsed)
 * @returns the event kind, its envelope and its normalised findings
 * @throws UnsupportedEventError with a one-line reason such as
 *   `unsupported detail-type "EC2 Instance State-change Notification"` or
 *   `detail.findings[0].AwsAccountId: expected 12 digits`
 */
export function parseCordonEvent(event: unknown): CordonEvent {
  try {
    return parseSupported(event);
  } catch (error) {
    if (error instanceof UnsupportedEventError) throw error;
    // Defensive: hostile input (e.g. a Proxy or a getter that throws) must still end as a clean refusal.
    throw new UnsupportedEventError('event: could not be read', { cause: error });
  }
}

/**
 * The normalised findings of a supported event (see {@link parseCordonEvent}).
 *
 * @throws UnsupportedEventError when the event is not supported
 */
export function normaliseFindings(event: unknown): Finding[] {
  return parseCordonEvent(event).findings;
}
