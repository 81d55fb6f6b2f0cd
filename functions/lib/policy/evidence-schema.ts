/**
 * A rule's `evidence: { … }` block (docs/evidence.md): whether evidence is collected, how far back CloudTrail is
 * read, whether Lambda environment values are kept, and the optional memory capture through Systems Manager.
 * Strict like every policy object, so a misspelt key is reported at its `file:line:col`, never ignored.
 */
import * as z from 'zod';

/**
 * A pinned SSM document version: a positive number. `$LATEST` and `$DEFAULT` are refused, because whoever can
 * update the document would then choose what cordon runs on a compromised instance.
 */
const DOCUMENT_VERSION = z
  .string()
  .regex(
    /^[1-9]\d{0,9}$/,
    'must be a pinned document version number such as "3" ($LATEST and $DEFAULT are not allowed)',
  );

/** An SSM document name (of the member account) or the ARN of a document shared with it. */
const DOCUMENT_NAME = z
  .string()
  .regex(
    /^([a-zA-Z0-9_.-]{3,128}|arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:document\/[a-zA-Z0-9_.-]{3,128})$/,
    'must be an SSM document name (3-128 characters of A-Z a-z 0-9 _ . -) or a shared document ARN',
  );

export const memoryCaptureSchema = z.strictObject({
  /** The organisation's acquisition tool (AVML, LiME... wrapped in a Command document), pinned by version. */
  ssmDocument: z.strictObject({
    name: DOCUMENT_NAME.refine((name) => !name.startsWith('AWS-'), {
      message: "must be the organisation's own document: cordon never runs an AWS-owned document for capture",
    }),
    version: DOCUMENT_VERSION,
    /** Optional: the document content's SHA-256 (DescribeDocument's Hash); a different document is not run. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256')
      .optional(),
  }),
  /**
   * The document's parameters, as SendCommand takes them. `{{cordon:bucket}}` and `{{cordon:prefix}}` in a
   * value are replaced by the evidence bucket and `<isolation-id>/memory/`, so the tool can write its image there.
   */
  parameters: z.record(z.string().min(1), z.array(z.string())).optional(),
  /** How long the worker polls the command before listing it as timed out (the command itself keeps running). */
  waitSeconds: z.number().int().min(10).max(180).default(120),
});
export type MemoryCaptureConfig = z.output<typeof memoryCaptureSchema>;

export const LAMBDA_ENVIRONMENT_MODES = ['hashed', 'raw'] as const;
export type LambdaEnvironmentMode = (typeof LAMBDA_ENVIRONMENT_MODES)[number];

export const ruleEvidenceSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** CloudTrail history before the finding's first activity, in hours (1 hour to 90 days, CloudTrail's). */
  lookbackHours: z.number().int().min(1).max(2160).optional(),
  /** Lambda environment variables: names with the SHA-256 of each value (default), or the values themselves. */
  lambdaEnvironment: z.enum(LAMBDA_ENVIRONMENT_MODES).optional(),
  /** Memory capture of an EC2 instance through SSM Run Command; off unless given. */
  memory: memoryCaptureSchema.optional(),
});

/** A rule's evidence settings, as the compiled policy holds them. */
export type RuleEvidence = z.output<typeof ruleEvidenceSchema>;
