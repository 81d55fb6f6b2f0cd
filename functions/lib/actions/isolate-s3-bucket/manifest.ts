/**
 * The manifest of `isolate-s3-bucket`: deny every other principal on a bucket and block public access.
 * Side-effect free: see actions/manifest.ts.
 */
import * as z from 'zod';
import { defineActionManifest } from '../manifest.js';
import { ISOLATE_S3_BUCKET_SCOPING } from '../iam-scopes.js';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

const params = z
  .object({
    /**
     * Roles that keep access to the contained bucket besides cordon's member role (and every session of them):
     * the people who investigate or recover it.
     */
    breakGlassRoleArns: z
      .array(z.string().regex(ROLE_ARN, 'expected an IAM role ARN, arn:aws:iam::<account>:role/<name>'))
      .max(10)
      .default([])
      .describe(
        'IAM role ARNs that keep access to the contained bucket (every session of them), besides cordon; for the people who investigate it',
      ),
  })
  .strict();

export const isolateS3BucketManifest = defineActionManifest({
  name: 'isolate-s3-bucket',
  description:
    "Deny every principal except cordon's member role and the break-glass roles on an S3 bucket (a statement merged into its policy) and turn its Block Public Access on; release restores both exactly.",
  resourceType: 's3-bucket',
  params,
  permissions: [
    's3:GetBucketTagging',
    's3:GetBucketPublicAccessBlock',
    's3:PutBucketPublicAccessBlock',
    's3:GetBucketPolicy',
    's3:PutBucketPolicy',
    's3:DeleteBucketPolicy',
  ],
  scoping: ISOLATE_S3_BUCKET_SCOPING,
});
