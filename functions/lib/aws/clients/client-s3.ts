/** S3 for cordon: `S3Client` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { S3, S3ClientConfig } from '@aws-sdk/client-s3';
import {
  S3Client,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { modularClient } from '../modular.js';

const COMMANDS = {
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
};

/** A client with every method of `S3`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: S3ClientConfig): S3 {
  return modularClient<S3>(new S3Client(config), COMMANDS, '@aws-sdk/client-s3');
}
