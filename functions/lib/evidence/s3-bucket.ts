/**
 * Evidence of an S3 bucket: who could reach it and how it was configured, read after containment through the
 * member role. The bucket policy as it is now (cordon's deny statement included; the customer's own policy as it
 * was is in the before-state, `decision.json`), the ACL, Block Public Access, object ownership, versioning,
 * default encryption, server access logging and tags. Every read passes the account as `ExpectedBucketOwner`, like
 * the action (resources/s3-bucket.ts): a name that now belongs to someone else is refused by S3.
 *
 * S3 answers "not configured" with an error for several of these; those are recorded as `null`, not as failures.
 */
import { S3_BUCKET } from '../resources/s3-bucket.js';
import type { S3BucketResource } from '../findings/model.js';
import { BUCKETS_OF_THIS_ACCOUNT } from '../actions/iam-scopes.js';
import {
  absentOn,
  defineKindEvidence,
  parsedDocument,
  withoutMetadata,
  type EvidenceStep,
  type StepContext,
} from './collector.js';

const PERMISSIONS = [
  's3:GetBucketPolicy',
  's3:GetBucketAcl',
  's3:GetBucketPublicAccessBlock',
  's3:GetBucketOwnershipControls',
  's3:GetBucketVersioning',
  's3:GetEncryptionConfiguration',
  's3:GetBucketLogging',
  's3:GetBucketTagging',
] as const;

/** One artifact per read, so a refused read (or a missing API in a partition) does not take the others with it. */
function read(
  name: string,
  absentErrors: readonly string[],
  readBucket: (ctx: StepContext, bucket: string) => Promise<unknown>,
): EvidenceStep<S3BucketResource> {
  return { name, collect: (ctx, bucket) => absentOn(absentErrors, () => readBucket(ctx, bucket.id)) };
}

export const s3BucketEvidence = defineKindEvidence<S3BucketResource>({
  type: S3_BUCKET,
  permissions: PERMISSIONS,
  // Bucket ARNs carry no account: every read is limited to this account's buckets, like the action's.
  scoping: Object.fromEntries(PERMISSIONS.map((permission) => [permission, [BUCKETS_OF_THIS_ACCOUNT]])),
  steps: [
    {
      name: 's3/policy.json',
      collect: async (ctx, bucket) => {
        const out = await absentOn(['NoSuchBucketPolicy'], () =>
          ctx.call('s3:GetBucketPolicy', () =>
            ctx.clients.s3.getBucketPolicy({ Bucket: bucket.id, ExpectedBucketOwner: ctx.accountId }),
          ),
        );
        // The text as S3 returned it (what a hash of the policy would be taken over) and parsed, for reading.
        return { Policy: out?.Policy ?? null, Document: parsedDocument(out?.Policy) };
      },
    },
    read('s3/acl.json', [], async (ctx, Bucket) =>
      withoutMetadata(
        await ctx.call('s3:GetBucketAcl', () =>
          ctx.clients.s3.getBucketAcl({ Bucket, ExpectedBucketOwner: ctx.accountId }),
        ),
      ),
    ),
    read('s3/public-access-block.json', ['NoSuchPublicAccessBlockConfiguration'], async (ctx, Bucket) =>
      withoutMetadata(
        await ctx.call('s3:GetBucketPublicAccessBlock', () =>
          ctx.clients.s3.getPublicAccessBlock({ Bucket, ExpectedBucketOwner: ctx.accountId }),
        ),
      ),
    ),
    read('s3/ownership-controls.json', ['OwnershipControlsNotFoundError'], async (ctx, Bucket) =>
      withoutMetadata(
        await ctx.call('s3:GetBucketOwnershipControls', () =>
          ctx.clients.s3.getBucketOwnershipControls({ Bucket, ExpectedBucketOwner: ctx.accountId }),
        ),
      ),
    ),
    read('s3/versioning.json', [], async (ctx, Bucket) =>
      withoutMetadata(
        await ctx.call('s3:GetBucketVersioning', () =>
          ctx.clients.s3.getBucketVersioning({ Bucket, ExpectedBucketOwner: ctx.accountId }),
        ),
      ),
    ),
    read('s3/encryption.json', ['ServerSideEncryptionConfigurationNotFoundError'], async (ctx, Bucket) =>
      withoutMetadata(
        // GetBucketEncryption is authorised as s3:GetEncryptionConfiguration.
        await ctx.call('s3:GetEncryptionConfiguration', () =>
          ctx.clients.s3.getBucketEncryption({ Bucket, ExpectedBucketOwner: ctx.accountId }),
        ),
      ),
    ),
    read('s3/logging.json', [], async (ctx, Bucket) =>
      withoutMetadata(
        await ctx.call('s3:GetBucketLogging', () =>
          ctx.clients.s3.getBucketLogging({ Bucket, ExpectedBucketOwner: ctx.accountId }),
        ),
      ),
    ),
    read('s3/tags.json', ['NoSuchTagSet'], async (ctx, Bucket) =>
      withoutMetadata(
        await ctx.call('s3:GetBucketTagging', () =>
          ctx.clients.s3.getBucketTagging({ Bucket, ExpectedBucketOwner: ctx.accountId }),
        ),
      ),
    ),
  ],
});
