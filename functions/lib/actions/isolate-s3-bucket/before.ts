/** What `isolate-s3-bucket` records before acting; release reads it. Absent configurations are states too. */
import * as z from 'zod';

const FLAGS = {
  BlockPublicAcls: z.boolean(),
  IgnorePublicAcls: z.boolean(),
  BlockPublicPolicy: z.boolean(),
  RestrictPublicBuckets: z.boolean(),
};

export const PublicAccessBlockSchema = z.object(FLAGS);
export type PublicAccessBlock = z.output<typeof PublicAccessBlockSchema>;

/** The bucket's own Block Public Access configuration; `absent` is S3's NoSuchPublicAccessBlockConfiguration. */
const recordedBlockSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('absent') }),
  z.object({ state: z.literal('present'), ...FLAGS }),
]);
export type RecordedBlock = z.output<typeof recordedBlockSchema>;

/** The bucket policy's text as S3 returned it; `absent` is S3's NoSuchBucketPolicy. */
const recordedPolicySchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('absent') }),
  z.object({ state: z.literal('present'), document: z.string() }),
]);
export type RecordedPolicy = z.output<typeof recordedPolicySchema>;

const bucketSchema = z.object({
  bucket: z.string(),
  publicAccessBlock: recordedBlockSchema,
  policy: recordedPolicySchema,
});
export type BucketBefore = z.output<typeof bucketSchema>;

/** The whole before-state: `s3Bucket` is absent until the first step recorded it. */
export const bucketBeforeSchema = z.object({ s3Bucket: bucketSchema.optional() });

/** The recorded bucket state, parsed (never cast) from the before-state; undefined when none is recorded. */
export function recordedBucket(before: Readonly<Record<string, unknown>>): BucketBefore | undefined {
  const parsed = bucketSchema.safeParse(before['s3Bucket']);
  return parsed.success ? parsed.data : undefined;
}
