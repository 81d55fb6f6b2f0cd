/**
 * The S3 calls of `isolate-s3-bucket`. Every call names the account the bucket must belong to
 * (`ExpectedBucketOwner`): bucket names are global, and S3 refuses the call when the bucket is someone else's.
 */
import type { S3 } from '@aws-sdk/client-s3';
import { awsErrorName } from '../../aws/errors.js';
import { awsCall } from '../steps.js';
import type { PublicAccessBlock, RecordedBlock, RecordedPolicy } from './before.js';

/** The bucket a run acts on. */
export interface BucketRef {
  s3: S3;
  Bucket: string;
  ExpectedBucketOwner: string;
}

/** Read an S3 configuration whose absence S3 reports as the error `absentName`: undefined then. */
async function unlessAbsent<T>(absentName: string, call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (awsErrorName(error) === absentName) return undefined;
    throw error;
  }
}

/** The bucket's own Block Public Access configuration. */
export async function readPublicAccessBlock({ s3, ...ref }: BucketRef): Promise<RecordedBlock> {
  const out = await unlessAbsent(
    'NoSuchPublicAccessBlockConfiguration',
    awsCall('s3:GetBucketPublicAccessBlock', () => s3.getPublicAccessBlock(ref)),
  );
  if (out === undefined) return { state: 'absent' };
  const c = out.PublicAccessBlockConfiguration;
  // S3 leaves out a flag that is off.
  return {
    state: 'present',
    BlockPublicAcls: c?.BlockPublicAcls === true,
    IgnorePublicAcls: c?.IgnorePublicAcls === true,
    BlockPublicPolicy: c?.BlockPublicPolicy === true,
    RestrictPublicBuckets: c?.RestrictPublicBuckets === true,
  };
}

/** The bucket policy's text. */
export async function readBucketPolicy({ s3, ...ref }: BucketRef): Promise<RecordedPolicy> {
  const out = await unlessAbsent(
    'NoSuchBucketPolicy',
    awsCall('s3:GetBucketPolicy', () => s3.getBucketPolicy(ref)),
  );
  return out?.Policy === undefined ? { state: 'absent' } : { state: 'present', document: out.Policy };
}

export async function putPublicAccessBlock(
  { s3, ...ref }: BucketRef,
  flags: PublicAccessBlock,
): Promise<void> {
  await awsCall('s3:PutBucketPublicAccessBlock', () =>
    s3.putPublicAccessBlock({ ...ref, PublicAccessBlockConfiguration: flags }),
  );
}

/** DeletePublicAccessBlock is authorised as s3:PutBucketPublicAccessBlock. */
export async function deletePublicAccessBlock({ s3, ...ref }: BucketRef): Promise<void> {
  await awsCall('s3:PutBucketPublicAccessBlock', () => s3.deletePublicAccessBlock(ref));
}

export async function putBucketPolicy({ s3, ...ref }: BucketRef, Policy: string): Promise<void> {
  await awsCall('s3:PutBucketPolicy', () => s3.putBucketPolicy({ ...ref, Policy }));
}

export async function deleteBucketPolicy({ s3, ...ref }: BucketRef): Promise<void> {
  await awsCall('s3:DeleteBucketPolicy', () => s3.deleteBucketPolicy(ref));
}

/** The four flags all on: what isolation sets. */
export const ALL_BLOCKED: PublicAccessBlock = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

/** Whether a recorded or live configuration has exactly these flags. */
export function blockEquals(block: RecordedBlock, flags: PublicAccessBlock): boolean {
  return (
    block.state === 'present' &&
    block.BlockPublicAcls === flags.BlockPublicAcls &&
    block.IgnorePublicAcls === flags.IgnorePublicAcls &&
    block.BlockPublicPolicy === flags.BlockPublicPolicy &&
    block.RestrictPublicBuckets === flags.RestrictPublicBuckets
  );
}
