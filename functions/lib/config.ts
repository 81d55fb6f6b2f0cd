/**
 * The pipeline Lambdas' configuration, parsed once from the environment with zod. This is the only module that
 * reads `process.env` for the Lambdas; everything else receives a {@link PipelineConfig}.
 */
import * as z from 'zod';
import { ConfigurationError } from './errors.js';
import { customActionArn as buildCustomActionArn } from './kernel/arn.js';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** A comma-separated list of tag keys; empty turns the attribute off. */
const tagKeyList = (fallback: string) =>
  z
    .string()
    .trim()
    .regex(/^([\w .:/=+@-]{1,128}(\s*,\s*[\w .:/=+@-]{1,128})*)?$/, 'expected tag keys separated by commas')
    .default(fallback)
    .transform((v) => (v === '' ? [] : [...new Set(v.split(',').map((key) => key.trim()))]));

/** The tag keys notifications read a resource's owner and team from, first present key wins (Terraform defaults). */
export const DEFAULT_OWNER_TAG_KEYS = { owner: ['Owner', 'owner'], team: ['Team', 'team'] } as const;

const EnvSchema = z.object({
  AWS_REGION: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'expected an AWS region'),
  CORDON_SECURITY_ACCOUNT_ID: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
  CORDON_TABLE_NAME: z.string().min(3).max(255),
  CORDON_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, 'expected an SNS topic ARN'),
  CORDON_WORKER_FUNCTION: z.string().min(1, 'expected the isolate worker function name or ARN'),
  CORDON_MEMBER_ROLE_NAME: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM role name')
    .default('cordon-member'),
  CORDON_EXTERNAL_ID: optionalString,
  /**
   * The member accounts cordon may act in, comma-separated (Terraform `member_accounts`); empty or unset: no
   * deployment allow-list (the policy's `settings.memberAccounts` may still set one).
   */
  CORDON_MEMBER_ACCOUNTS: z
    .string()
    .trim()
    .regex(/^(\d{12}(\s*,\s*\d{12})*)?$/, 'expected 12-digit account ids separated by commas')
    .transform((v) => (v === '' ? undefined : [...new Set(v.split(',').map((a) => a.trim()))]))
    .optional(),
  /** Custom action ids; default: the policy's `customActions` settings. */
  CORDON_APPROVE_ACTION_ID: z
    .string()
    .regex(/^[A-Za-z0-9]{1,20}$/)
    .optional(),
  CORDON_REJECT_ACTION_ID: z
    .string()
    .regex(/^[A-Za-z0-9]{1,20}$/)
    .optional(),
  /** Endpoint override for every AWS client (local emulator only). */
  CORDON_AWS_ENDPOINT: z.url().optional(),
  /** When set, Security Hub writes go to this JSONL outbox instead of Security Hub (local emulator only). */
  CORDON_SECURITYHUB_OUTBOX: optionalString,
  CORDON_RESOURCE_PREFIX: z.string().min(1).default('cordon'),
  /** A worker run renews its lease while it lives (aws/lease-guard.ts), so a short one only bounds recovery. */
  CORDON_WORKER_LEASE_SECONDS: z.coerce.number().int().min(30).max(3600).default(60),
  CORDON_AWS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  /** The evidence bucket (Terraform `evidence_bucket`); unset: no evidence is collected. */
  CORDON_EVIDENCE_BUCKET: z
    .string()
    .trim()
    .regex(/^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$/, 'expected an S3 bucket name')
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  /** The evidence bucket's KMS key; every artifact is written with SSE-KMS under it. */
  CORDON_EVIDENCE_KEY_ARN: z
    .string()
    .trim()
    .regex(/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+)?$/, 'expected a KMS key ARN')
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  /** Tag keys whose value is sent as the `owner` SNS attribute, first present wins (Terraform `owner_tag_keys`). */
  CORDON_OWNER_TAG_KEYS: tagKeyList(DEFAULT_OWNER_TAG_KEYS.owner.join(',')),
  /** Tag keys whose value is sent as the `team` SNS attribute, first present wins (Terraform `team_tag_keys`). */
  CORDON_TEAM_TAG_KEYS: tagKeyList(DEFAULT_OWNER_TAG_KEYS.team.join(',')),
});

/** Everything the pipeline needs to know about its deployment. */
export interface PipelineConfig {
  region: string;
  securityAccountId: string;
  tableName: string;
  topicArn: string;
  workerFunction: string;
  memberRoleName: string;
  externalId?: string;
  /** The deployment's member-account allow-list; undefined: none. */
  memberAccounts?: string[];
  /**
   * Local emulator only, never read from the environment: moto's one default account plays both the security
   * account and a member account, so the security account may be a target. Everywhere else it never is.
   */
  emulatorSingleAccount?: boolean;
  approveActionId?: string;
  rejectActionId?: string;
  endpoint?: string;
  outboxPath?: string;
  resourcePrefix: string;
  leaseSeconds: number;
  maxAttempts: number;
  /** Where the worker stores evidence after containment; absent: evidence collection is off. */
  evidence?: { bucket: string; keyArn?: string };
  /** Tag keys for the notifications' `owner` and `team` attributes; absent: {@link DEFAULT_OWNER_TAG_KEYS}. */
  ownerTagKeys?: OwnerTagKeys;
}

export interface OwnerTagKeys {
  owner: readonly string[];
  team: readonly string[];
}

/**
 * Parse the Lambda environment.
 * @throws ConfigurationError naming every missing or malformed variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): PipelineConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigurationError(`Invalid cordon environment: ${problems.join('; ')}`, {
      cause: parsed.error,
    });
  }
  const e = parsed.data;
  const config: PipelineConfig = {
    region: e.AWS_REGION,
    securityAccountId: e.CORDON_SECURITY_ACCOUNT_ID,
    tableName: e.CORDON_TABLE_NAME,
    topicArn: e.CORDON_TOPIC_ARN,
    workerFunction: e.CORDON_WORKER_FUNCTION,
    memberRoleName: e.CORDON_MEMBER_ROLE_NAME,
    resourcePrefix: e.CORDON_RESOURCE_PREFIX,
    leaseSeconds: e.CORDON_WORKER_LEASE_SECONDS,
    maxAttempts: e.CORDON_AWS_MAX_ATTEMPTS,
    ownerTagKeys: { owner: e.CORDON_OWNER_TAG_KEYS, team: e.CORDON_TEAM_TAG_KEYS },
  };
  if (e.CORDON_EXTERNAL_ID !== undefined) config.externalId = e.CORDON_EXTERNAL_ID;
  if (e.CORDON_MEMBER_ACCOUNTS !== undefined) config.memberAccounts = e.CORDON_MEMBER_ACCOUNTS;
  if (e.CORDON_APPROVE_ACTION_ID !== undefined) config.approveActionId = e.CORDON_APPROVE_ACTION_ID;
  if (e.CORDON_REJECT_ACTION_ID !== undefined) config.rejectActionId = e.CORDON_REJECT_ACTION_ID;
  if (e.CORDON_AWS_ENDPOINT !== undefined) config.endpoint = e.CORDON_AWS_ENDPOINT;
  if (e.CORDON_SECURITYHUB_OUTBOX !== undefined) config.outboxPath = e.CORDON_SECURITYHUB_OUTBOX;
  if (e.CORDON_EVIDENCE_BUCKET !== undefined) {
    config.evidence = {
      bucket: e.CORDON_EVIDENCE_BUCKET,
      ...(e.CORDON_EVIDENCE_KEY_ARN === undefined ? {} : { keyArn: e.CORDON_EVIDENCE_KEY_ARN }),
    };
  }
  return config;
}

/** ARN of a Security Hub custom action in the security account. */
export function customActionArn(
  config: Pick<PipelineConfig, 'region' | 'securityAccountId'>,
  id: string,
): string {
  return buildCustomActionArn(config.region, config.securityAccountId, id);
}
