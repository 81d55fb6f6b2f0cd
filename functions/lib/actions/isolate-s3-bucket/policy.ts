/**
 * cordon's statement in a bucket policy, merged into the customer's document and taken out again. Pure: no AWS.
 *
 * The merge keeps every other statement as it is (and the document's other keys, `Version` and `Id`) and adds
 * one statement with cordon's own Sid, so that release can find and remove exactly what cordon added. A single
 * `Statement` object becomes a one-element list, which IAM's grammar treats the same.
 */
import * as z from 'zod';
import { CordonError } from '../../errors.js';

/** The Sid of cordon's statement; release removes only the statement with this Sid. */
export const CORDON_SID = 'CordonIsolation';

/** S3's limit on a bucket policy ("Bucket policies are limited to 20 KB in size"). */
export const BUCKET_POLICY_MAX_BYTES = 20 * 1024;

const StatementSchema = z.record(z.string(), z.unknown());
export type PolicyStatement = z.output<typeof StatementSchema>;

const DocumentSchema = z.looseObject({
  Version: z.string().optional(),
  Statement: z.union([z.array(StatementSchema), StatementSchema]),
});

/** A bucket policy, its statements always as a list; `rest` holds its other top-level keys as they were. */
export interface PolicyDocument {
  rest: Record<string, unknown>;
  statements: PolicyStatement[];
}

/** The existing bucket policy is not a JSON policy document: cordon will not write a policy it cannot merge. */
export class MalformedBucketPolicyError extends CordonError {
  constructor(bucket: string, problem: string, cause?: unknown) {
    super(
      `the bucket policy of ${bucket} is not a valid policy document (${problem}); cordon changed nothing: fix or delete the policy, then retry`,
      { code: 'BucketPolicyMalformed', cause },
    );
    this.name = 'BucketPolicyMalformed';
  }
}

/** The merged policy would exceed S3's size limit: cordon writes nothing rather than a truncated policy. */
export class BucketPolicyTooLargeError extends CordonError {
  constructor(bucket: string, bytes: number) {
    super(
      `the bucket policy of ${bucket} with cordon's deny statement would be ${bytes} bytes, over S3's limit of ${BUCKET_POLICY_MAX_BYTES}; cordon changed nothing: shorten the policy, or contain the bucket by hand`,
      { code: 'BucketPolicyTooLarge' },
    );
    this.name = 'BucketPolicyTooLarge';
  }
}

/**
 * Parse a bucket policy's text.
 * @throws MalformedBucketPolicyError when it is not JSON or has no `Statement` of objects
 */
export function parsePolicy(bucket: string, text: string): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MalformedBucketPolicyError(bucket, 'not JSON', error);
  }
  const parsed = DocumentSchema.safeParse(json);
  if (!parsed.success) {
    throw new MalformedBucketPolicyError(
      bucket,
      parsed.error.issues[0]?.message ?? 'no Statement',
      parsed.error,
    );
  }
  const { Statement, ...rest } = parsed.data;
  return { rest, statements: Array.isArray(Statement) ? Statement : [Statement] };
}

/** The policy's text, compact (S3 stores policies without insignificant whitespace). */
export function policyText(document: PolicyDocument): string {
  return JSON.stringify({ ...document.rest, Statement: document.statements });
}

/**
 * cordon's Deny: every S3 action on the bucket and its objects, for every principal (anonymous ones included:
 * a negated condition on an absent key holds) except the principals whose `aws:PrincipalArn` is one of
 * `exceptRoleArns`. For a role session, `aws:PrincipalArn` is the role's ARN, so every session of those roles
 * passes.
 */
export function cordonStatement(bucketArn: string, exceptRoleArns: readonly string[]): PolicyStatement {
  return {
    Sid: CORDON_SID,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { ArnNotLike: { 'aws:PrincipalArn': [...exceptRoleArns] } },
  };
}

function isCordons(statement: PolicyStatement): boolean {
  return statement['Sid'] === CORDON_SID;
}

/** cordon's statement in the document, if any. */
export function findCordonStatement(document: PolicyDocument): PolicyStatement | undefined {
  return document.statements.find(isCordons);
}

/** The document without cordon's statement. */
export function withoutCordon(document: PolicyDocument): PolicyDocument {
  return { rest: document.rest, statements: document.statements.filter((s) => !isCordons(s)) };
}

/**
 * The document with `statement` as cordon's (replacing an earlier one of cordon's), or a new document when
 * the bucket has no policy.
 * @throws BucketPolicyTooLargeError when the result exceeds S3's limit
 */
export function mergeCordon(
  bucket: string,
  existing: PolicyDocument | undefined,
  statement: PolicyStatement,
): { document: PolicyDocument; text: string } {
  const base = existing ? withoutCordon(existing) : { rest: { Version: '2012-10-17' }, statements: [] };
  const document = { rest: base.rest, statements: [...base.statements, statement] };
  const text = policyText(document);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > BUCKET_POLICY_MAX_BYTES) throw new BucketPolicyTooLargeError(bucket, bytes);
  return { document, text };
}

/** JSON with object keys sorted: two documents that differ only in key order or whitespace compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether two documents say the same (statements in order, other keys in any order). */
export function samePolicy(a: PolicyDocument, b: PolicyDocument): boolean {
  return (
    canonical({ ...a.rest, Statement: a.statements }) === canonical({ ...b.rest, Statement: b.statements })
  );
}

/** Whether two statements say the same. */
export function sameStatement(a: PolicyStatement, b: PolicyStatement): boolean {
  return canonical(a) === canonical(b);
}
