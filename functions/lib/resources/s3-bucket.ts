/**
 * S3 buckets: named by GuardDuty's `S3Bucket` block (`resource.s3BucketDetails[]`) and ASFF `AwsS3Bucket`.
 *
 * An S3 ARN (`arn:<partition>:s3:::<bucket>`) names neither a region nor an account, so the account acted on is
 * the finding's (findings/account.ts `actedOnAccount` falls back to it): GuardDuty reports S3 findings in the
 * account that owns the bucket. Every S3 call cordon makes passes that account as `ExpectedBucketOwner`, so a
 * bucket name that now belongs to someone else is refused by S3 rather than acted on.
 */
import * as z from 'zod';
import { tagListToRecord } from '../findings/string-maps.js';
import { buildArn } from '../kernel/arn.js';
import { PARTITION, part } from '../kernel/id-patterns.js';
import { AccountIdSchema, RegionSchema } from '../kernel/ids.js';
import { awsCall } from '../actions/steps.js';
import { awsErrorName } from '../aws/errors.js';
import type { MemberClients } from '../actions/contract.js';
import { defineKind, nonEmpty, storedResourceBase, type ResourceBase } from './kind.js';

const TYPE = 's3-bucket';
/** The type name, for the collectors and actions of this kind. */
export { TYPE as S3_BUCKET };

export type S3BucketResource = ResourceBase & { type: typeof TYPE };

/** A general purpose bucket name (S3 naming rules: 3-63 of lower-case letters, digits, dots and hyphens). */
export const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const S3BucketNameSchema = z.string().regex(S3_BUCKET_NAME, 'must be an S3 bucket name');

/** The bucket name of an S3 ARN (`arn:<partition>:s3:::<name>`), or the value when it is not one. */
function bucketName(value: string): string {
  return value.replace(/^arn:[^:]*:s3:::/, '');
}

/** The bucket's ARN in the partition of `region`. */
export function bucketArn(region: string, bucket: string): string {
  return buildArn({ region, service: 's3', resource: bucket, global: true });
}

/** S3's answer for a bucket without tags: not an error for cordon. */
const NO_TAG_SET = 'NoSuchTagSet';

/**
 * The bucket's live tags (GetBucketTagging), `{}` when it has none.
 * @throws AwsCallError for anything else (a missing bucket included)
 */
export async function readBucketTags(
  clients: Pick<MemberClients, 's3'>,
  bucket: string,
  accountId: string,
): Promise<Record<string, string>> {
  try {
    const out = await awsCall('s3:GetBucketTagging', () =>
      clients.s3.getBucketTagging({ Bucket: bucket, ExpectedBucketOwner: accountId }),
    );
    return Object.fromEntries((out.TagSet ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
  } catch (error) {
    if (awsErrorName(error) === NO_TAG_SET) return {};
    throw error;
  }
}

const TagTarget = z.strictObject({
  type: z.literal(TYPE),
  accountId: AccountIdSchema,
  region: RegionSchema,
  bucket: S3BucketNameSchema,
});

export const s3Bucket = defineKind<S3BucketResource, z.infer<typeof TagTarget>>({
  type: TYPE,
  label: 'S3 bucket',
  consolePage: { path: '/s3/buckets/{id}?region={region}', global: true },
  idSchema: S3BucketNameSchema,
  stored: z.strictObject({ ...storedResourceBase, type: z.literal(TYPE) }),
  arn: (r) => bucketArn(r.region, r.id),
  guardDuty: {
    block: 'S3Bucket',
    read: (detail, scope) => {
      const buckets = (detail.resource.s3BucketDetails ?? []).flatMap((b): S3BucketResource[] => {
        const arn = nonEmpty(b.arn);
        const name = nonEmpty(b.name) ?? (arn !== undefined ? bucketName(arn) : undefined);
        if (name === undefined) return [];
        return [
          {
            type: TYPE,
            id: name,
            arn: arn ?? `arn:${scope.partition}:s3:::${name}`,
            // The ARN carries no account: the bucket is the finding's account's (see the module comment).
            accountId: scope.accountId,
            region: scope.region,
            tags: tagListToRecord(b.tags),
          },
        ];
      });
      return buckets.length > 0 ? buckets : undefined;
    },
  },
  asff: {
    type: 'AwsS3Bucket',
    category: 'User',
    read: ({ resource: r, scope, arn, tags }) => {
      const name = bucketName(r.Id);
      return [
        {
          accountId: scope.accountId,
          region: scope.region,
          tags,
          type: TYPE,
          id: name,
          arn: arn ?? `arn:${scope.partition}:s3:::${name}`,
        },
      ];
    },
  },
  tags: {
    target: TagTarget,
    targetOf: (r) => ({ type: TYPE, accountId: r.accountId, region: r.region, bucket: r.id }),
    services: ['s3'],
    read: (clients, target) => readBucketTags(clients, target.bucket, target.accountId),
  },
  request: {
    hint: 'S3 bucket name or ARN (arn:aws:s3:::<name>).',
    // An S3 ARN names no account or region: the bucket is the request's account's (see the module comment).
    idPattern: new RegExp(`^(?:arn:${part(PARTITION)}:s3:::)?(?<id>${part(S3_BUCKET_NAME)})$`),
    idMessage: 'must be an S3 bucket name (or its ARN, arn:aws:s3:::<name>)',
    toResource: (body, { id }) => ({
      type: TYPE,
      accountId: body.accountId,
      region: body.region,
      tags: {},
      id,
      arn: bucketArn(body.region, id),
    }),
  },
});
