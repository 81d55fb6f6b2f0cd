/**
 * The zod schemas of a policy file (`version: 1`). They check the shape of each part; the loader adds the
 * checks that need more than one field or the action registry (min <= max, unknown actions, params,
 * resource types, duplicate names), and maps every issue back to a `file:line:col`.
 *
 * Every object is strict: an unknown key is an error (with a "did you mean" suggestion), never silently ignored,
 * because a misspelt condition would otherwise widen a rule that contains production resources.
 */
import * as z from 'zod';
import { RESOURCE_TYPES, SEVERITY_LABELS } from '../findings/model.js';
import { ruleEvidenceSchema } from './evidence-schema.js';

export const MODES = ['auto', 'approval', 'notify'] as const;
export const SOURCES = ['guardduty', 'securityhub'] as const;

/** A value that may be written as one string or as a list; always read as a non-empty list. */
function oneOrMany<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z.array(item, { error: 'expected a string or a list of strings' }).min(1),
  );
}

const ACCOUNT_ID = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const REGION = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region code such as eu-west-1');

const includeExclude = <T extends z.ZodType>(item: T) =>
  z.strictObject({ include: oneOrMany(item).optional(), exclude: oneOrMany(item).optional() });

export const severitySchema = z.strictObject({
  min: z.number().min(0).max(10).optional(),
  max: z.number().min(0).max(10).optional(),
  labels: oneOrMany(z.enum(SEVERITY_LABELS)).optional(),
});

export const matchSchema = z.strictObject({
  source: oneOrMany(z.enum(SOURCES)).optional(),
  product: oneOrMany(z.string().min(1)).optional(),
  type: oneOrMany(z.string()).optional(),
  severity: severitySchema.optional(),
  resourceType: oneOrMany(z.enum(RESOURCE_TYPES)).optional(),
  accounts: includeExclude(ACCOUNT_ID).optional(),
  regions: includeExclude(REGION).optional(),
  tags: z.record(z.string().min(1), z.string()).optional(),
  eksNode: z.boolean().optional(),
  sample: z.boolean().optional(),
});

export const ruleSchema = z.strictObject({
  name: z
    .string()
    .max(64)
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case: lower-case letters and digits joined by "-"'),
  description: z.string().optional(),
  match: matchSchema.optional(),
  action: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  mode: z.enum(MODES),
  /** Evidence after containment (docs/evidence.md): on unless `enabled: false`. */
  evidence: ruleEvidenceSchema.optional(),
});

const DURATION = /^([1-9]\d*)(m|h|d)$/;

export const settingsSchema = z.strictObject({
  exemptionTag: z
    .strictObject({ key: z.string().min(1).max(128), value: z.string().max(256).optional() })
    .optional(),
  protected: oneOrMany(z.string()).optional(),
  limits: z
    .strictObject({
      autoPerAccountPerHour: z.number().int().min(0).optional(),
      autoGlobalPerHour: z.number().int().min(0).optional(),
    })
    .optional(),
  approvalExpiry: z
    .string({ error: 'expected a duration such as 30m, 24h or 7d' })
    .regex(
      DURATION,
      'must be a duration: a whole number followed by m (minutes), h (hours) or d (days), e.g. 24h',
    )
    .optional(),
  customActions: z
    .strictObject({
      approve: z
        .string()
        .regex(/^[A-Za-z0-9]{1,20}$/, 'must be a Security Hub custom action id: 1 to 20 letters or digits'),
      reject: z
        .string()
        .regex(/^[A-Za-z0-9]{1,20}$/, 'must be a Security Hub custom action id: 1 to 20 letters or digits'),
    })
    .optional(),
  includeSampleFindings: z.boolean().optional(),
  incidentWindowMarginMinutes: z
    .number()
    .int('must be a whole number of minutes')
    .min(0)
    .max(7 * 24 * 60, 'must be at most 10080 minutes (7 days)')
    .optional(),
  /** Off by default: a finding naming a resource in another account than its own is refused. */
  allowCrossAccountResources: z.boolean().optional(),
  /** The member accounts cordon may act in; absent: any account the member role exists in. */
  memberAccounts: oneOrMany(ACCOUNT_ID).optional(),
  /** Where IAM Identity Center is administered; actions that contain Identity Center users run there. */
  identityCenter: z
    .strictObject({
      accountId: ACCOUNT_ID,
      region: REGION,
      instanceArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/,
          'must be an IAM Identity Center instance ARN such as arn:aws:sso:::instance/ssoins-1234567890abcdef',
        )
        .optional(),
      identityStoreId: z
        .string()
        .regex(
          /^(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
          'must be an identity store id such as d-1234567890',
        )
        .optional(),
    })
    .optional(),
});

/** The top level of a file; `rules` and `settings` are validated item by item so that every issue is reported. */
export const fileSchema = z.strictObject({
  version: z.literal(1, { error: 'unsupported policy version; expected version: 1' }),
  settings: z.unknown().optional(),
  rules: z.array(z.unknown(), { error: 'expected a list of rules' }).min(1).optional(),
});

export type RuleInput = z.output<typeof ruleSchema>;
export type MatchInput = z.output<typeof matchSchema>;
export type SettingsInput = z.output<typeof settingsSchema>;

/** Minutes in a duration such as `24h`; the schema has already checked the format. */
export function durationMinutes(duration: string): number {
  const parsed = DURATION.exec(duration);
  if (!parsed) throw new RangeError(`not a duration: ${duration}`);
  const amount = Number(parsed[1]);
  const unit = parsed[2];
  return unit === 'm' ? amount : unit === 'h' ? amount * 60 : amount * 60 * 24;
}

/**
 * The keys allowed in the object that `schema` expects at `path`, for "did you mean" suggestions.
 * Walks through optional, default, preprocess and array wrappers; returns [] where no object is expected.
 */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let node = s;
    for (;;) {
      if (node instanceof z.ZodOptional || node instanceof z.ZodDefault || node instanceof z.ZodNullable) {
        node = node.unwrap() as z.ZodType;
      } else if (node instanceof z.ZodPipe) {
        node = node.out as z.ZodType;
      } else {
        return node;
      }
    }
  };
  for (const segment of path) {
    if (!current) return [];
    const node = unwrap(current);
    if (node instanceof z.ZodObject) current = (node.shape as Record<string, z.ZodType>)[String(segment)];
    else if (node instanceof z.ZodArray) current = node.element as z.ZodType;
    else return [];
  }
  if (!current) return [];
  const node = unwrap(current);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}
