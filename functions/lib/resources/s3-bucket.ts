/** S3 buckets: named by GuardDuty's `S3Bucket` block and ASFF `AwsS3Bucket`. Not containable yet. */
import * as z from 'zod';
import { tagListToRecord } from '../findings/schemas.js';
import { buildArn } from '../kernel/arn.js';
import { defineKind, storedResourceBase, nonEmpty, type ResourceBase } from './kind.js';

const TYPE = 's3-bucket';

export type S3BucketResource = ResourceBase & { type: typeof TYPE };

/** The bucket name of an S3 ARN (`arn:<partition>:s3:::<name>`), or the value when it is not one. */
function bucketName(value: string): string {
  return value.replace(/^arn:[^:]*:s3:::/, '');
}

export const s3Bucket = defineKind<S3BucketResource, never>({
  type: TYPE,
  label: 'S3 bucket',
  idSchema: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  stored: z.strictObject({ ...storedResourceBase, type: z.literal(TYPE) }),
  arn: (r) => buildArn({ region: r.region, service: 's3', resource: r.id, global: true }),
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
});
