/**
 * The codec between isolation records and DynamoDB items: a zod schema for every item shape cordon stores, and the
 * explicit mapping both ways. Every item the store reads goes through {@link recordFromItem} or
 * {@link pointerFromItem}; a corrupt or unknown-shaped item raises {@link CorruptRecordError} instead of becoming a
 * wrong record (a record that claims a status it is not in could free a lock or skip a release).
 *
 * The schemas are strict: an attribute cordon never writes is refused, so a field added to the model without its
 * schema fails loudly in the tests rather than vanishing on read. `params` and `before` stay opaque here: each
 * action parses them with its own schemas.
 */
import * as z from 'zod';
import { CordonError, CorruptRecordError } from '../errors.js';
import { SEVERITY_LABELS, type Resource } from '../findings/model.js';
import { findKind } from '../resources/registry.js';
import { ISOLATION_STATUSES, keys, type IsolationRecord } from './model.js';
import { EvidenceRefSchema } from '../evidence/model.js';

/** `kind` of isolation items: the partition key of the time-ordered `by-time` index. */
export const ISOLATION_KIND = 'isolation';
/** Value of the sparse `reportsPending` attribute (the `pending-reports` index). */
export const REPORTS_PENDING = 'PENDING';

const Status = z.enum(ISOLATION_STATUSES);
const Opaque = z.record(z.string(), z.unknown());

const PrincipalSchema = z.strictObject({
  type: z.enum(['policy', 'user', 'custom-action', 'client', 'system']),
  id: z.string(),
  name: z.string(),
});

const AuditEntrySchema = z.strictObject({
  at: z.string(),
  by: PrincipalSchema,
  from: Status.nullable(),
  to: Status,
  note: z.string().optional(),
});

const FindingSummarySchema = z.strictObject({
  key: z.string(),
  source: z.enum(['guardduty', 'securityhub']),
  productName: z.string(),
  type: z.string(),
  title: z.string(),
  severity: z.strictObject({ score: z.number(), label: z.enum(SEVERITY_LABELS) }),
  createdAt: z.string(),
  firstSeenAt: z.string().optional(),
  remote: z
    .strictObject({
      ip: z.string(),
      country: z.string().optional(),
      city: z.string().optional(),
      organization: z.string().optional(),
    })
    .optional(),
});

const FindingTriggerSchema = z.strictObject({ updatedAt: z.string(), count: z.number().optional() });

const SecurityHubRefSchema = z.strictObject({
  id: z.string(),
  productArn: z.string(),
  origin: z.enum(['source', 'imported']),
});

const PendingReportSchema = z.strictObject({
  channel: z.enum(['securityhub', 'sns']),
  status: Status,
  attempts: z.number(),
  lastError: z.string(),
  lastAttemptAt: z.string(),
});

const ReportOutcomeSchema = z.strictObject({
  status: Status,
  ok: z.boolean(),
  at: z.string(),
  detail: z.string().optional(),
});

const FailureInfoSchema = z.strictObject({
  step: z.string().optional(),
  code: z.string(),
  message: z.string(),
  exposure: z.array(z.string()).optional(),
  refusal: z.string().optional(),
});

const StepRecordSchema = z.strictObject({
  name: z.string(),
  status: z.enum(['done', 'skipped', 'failed']),
  detail: z.string(),
  at: z.string(),
});

/**
 * A stored resource: the schema its kind states (resources/*.ts `stored`), chosen by its `type`. A type no kind
 * knows is corrupt, like any other unknown shape.
 */
export const ResourceSchema = z.looseObject({ type: z.string() }).transform((value, ctx): Resource => {
  const kind = findKind(value.type);
  if (kind === undefined) {
    ctx.issues.push({ code: 'custom', message: `unknown resource type ${value.type}`, input: value });
    return z.NEVER;
  }
  const parsed = kind.stored.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input: value });
  return z.NEVER;
});

/** The schema of each field of a record. The `satisfies` makes a model field without a schema a compile error. */
const recordFields = {
  id: z.string(),
  findingKey: z.string().optional(),
  finding: FindingSummarySchema.optional(),
  trigger: FindingTriggerSchema.optional(),
  renews: z.string().optional(),
  securityHub: SecurityHubRefSchema.optional(),
  resource: ResourceSchema,
  resourceKey: z.string(),
  resourceId: z.string(),
  accountId: z.string(),
  region: z.string(),
  action: z.string(),
  params: Opaque,
  mode: z.enum(['auto', 'approval', 'notify', 'manual']),
  rule: z.string().optional(),
  status: Status,
  steps: z.array(StepRecordSchema),
  releaseSteps: z.array(StepRecordSchema),
  before: Opaque,
  requester: PrincipalSchema,
  approver: PrincipalSchema.extend({ at: z.string() }).optional(),
  reason: z.string().optional(),
  ticket: z.string().optional(),
  immediate: z.boolean().optional(),
  approvalReason: z.string().optional(),
  audit: z.array(AuditEntrySchema),
  warnings: z.array(z.string()),
  failure: FailureInfoSchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  receivedAt: z.string().optional(),
  receivedEvent: z
    .strictObject({ sha256: z.string(), bytes: z.number().int().nonnegative(), body: z.string().optional() })
    .optional(),
  explanation: z.array(z.string()).optional(),
  containedAt: z.string().optional(),
  releasedAt: z.string().optional(),
  releaseRestoreKeys: z.array(z.string()).optional(),
  leaseExpiresAt: z.string().optional(),
  leaseId: z.string().optional(),
  exposedAt: z.string().optional(),
  evidence: EvidenceRefSchema.optional(),
  reports: z.strictObject({
    securityhub: ReportOutcomeSchema.optional(),
    sns: ReportOutcomeSchema.optional(),
  }),
  pendingReports: z.array(PendingReportSchema),
  version: z.number().int(),
} satisfies Record<keyof IsolationRecord, z.ZodType>;

export const IsolationRecordSchema = z.strictObject(recordFields) satisfies z.ZodType<IsolationRecord>;

/** An isolation item: the record plus its keys, `kind` and the sparse pending-reports marker. */
const IsolationItemSchema = z
  .strictObject({
    ...recordFields,
    pk: z.string(),
    sk: z.literal('ISO'),
    kind: z.literal(ISOLATION_KIND),
    reportsPending: z.literal(REPORTS_PENDING).optional(),
  })
  .refine((item) => item.pk === keys.isolation(item.id).pk, {
    message: 'the key does not match the record id',
    path: ['pk'],
  })
  .refine((item) => (item.reportsPending !== undefined) === item.pendingReports.length > 0, {
    message: 'the pending-reports marker does not match pendingReports',
    path: ['reportsPending'],
  });

/** A finding marker or an active lock: points at the isolation that holds it. */
const PointerItemSchema = z.strictObject({
  pk: z.string(),
  sk: z.string(),
  isolationId: z.string(),
  createdAt: z.string(),
});

/** A finding reported under a `notify` rule (see `IsolationStore.markFindingNotified`): points at nothing. */
const NotifiedItemSchema = z.strictObject({
  pk: z.string(),
  sk: z.string().startsWith('notify#'),
  rule: z.string(),
  createdAt: z.string(),
});

/** The item's key for error messages: its `pk`/`sk` when they are strings, else the key it was read with. */
function keyOf(item: Record<string, unknown>, readWith?: Record<string, unknown>): Record<string, unknown> {
  const { pk, sk } = item;
  return typeof pk === 'string' && typeof sk === 'string' ? { pk, sk } : (readWith ?? { pk, sk });
}

function refuse(
  item: Record<string, unknown>,
  what: string,
  error: z.ZodError,
  readWith?: Record<string, unknown>,
): CorruptRecordError {
  return new CorruptRecordError(keyOf(item, readWith), what, error.issues, { cause: error });
}

/**
 * The record stored in an isolation item.
 * @param readWith the key the item was read with (named in the error when the item's own key is unusable)
 * @throws CorruptRecordError when the item is not a well-formed isolation item.
 */
export function recordFromItem(
  item: Record<string, unknown>,
  readWith?: Record<string, unknown>,
): IsolationRecord {
  const parsed = IsolationItemSchema.safeParse(item);
  if (!parsed.success) throw refuse(item, 'isolation record', parsed.error, readWith);
  // The internal attributes are not part of the record.
  const { pk: _pk, sk: _sk, kind: _kind, reportsPending: _marker, ...record } = parsed.data;
  return record;
}

/**
 * The item that stores a record: its keys, `kind`, every record attribute, and the pending-reports marker when
 * reports wait. The record is checked first: a record the store could not read back is never written.
 * @throws CordonError (internal) when the record does not match its schema.
 */
export function itemFromRecord(record: IsolationRecord): Record<string, unknown> {
  const parsed = IsolationRecordSchema.safeParse(record);
  if (!parsed.success) {
    throw new CordonError(`internal: isolation ${record.id} does not match the record schema`, {
      cause: parsed.error,
    });
  }
  const item: Record<string, unknown> = { ...keys.isolation(record.id), kind: ISOLATION_KIND };
  // The strict parse kept exactly the record's attributes.
  for (const [attribute, value] of Object.entries(parsed.data)) {
    if (value !== undefined) item[attribute] = value;
  }
  if (record.pendingReports.length > 0) item['reportsPending'] = REPORTS_PENDING;
  return item;
}

/** The item of an active lock or finding marker that points at an isolation. */
export function pointerItem(
  key: { pk: string; sk: string },
  isolationId: string,
  createdAt: string,
): z.output<typeof PointerItemSchema> {
  return { ...key, isolationId, createdAt };
}

/** The item of a finding reported under a `notify` rule. */
export function notifiedItem(
  key: { pk: string; sk: string },
  rule: string,
  createdAt: string,
): z.output<typeof NotifiedItemSchema> {
  return { ...key, rule, createdAt };
}

/**
 * The isolation an active lock or finding marker points at; undefined for a `notify` marker (which shares the
 * finding's partition but points at no isolation).
 * @throws CorruptRecordError when the item is neither.
 */
export function pointerFromItem(
  item: Record<string, unknown>,
  readWith?: Record<string, unknown>,
): string | undefined {
  const pointer = PointerItemSchema.safeParse(item);
  if (pointer.success) return pointer.data.isolationId;
  if (NotifiedItemSchema.safeParse(item).success) return undefined;
  throw refuse(item, 'lock or finding marker', pointer.error, readWith);
}

/** Every item of a query page as a record. @throws CorruptRecordError on the first corrupt item. */
export function recordsFromItems(items: readonly Record<string, unknown>[] | undefined): IsolationRecord[] {
  return (items ?? []).map((item) => recordFromItem(item));
}
