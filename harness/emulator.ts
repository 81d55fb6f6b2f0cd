/**
 * What the pipeline needs in a local emulator (table, topic, member role), created idempotently: in AWS,
 * Terraform creates them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { awsClientConfig } from '../functions/lib/aws/client-config.js';
import { ensureIsolationTable } from '../functions/lib/store/table.js';
import { iamArn } from '../functions/lib/kernel/arn.js';

/** What {@link bootstrapEmulator} created or found. */
export interface EmulatorResources {
  tableName: string;
  topicArn: string;
  memberRoleArn: string;
  /** The evidence bucket, when the pipeline collects evidence. */
  evidence?: EmulatorEvidenceBucket;
}

/**
 * Create the table, the topic and the member role in a local emulator (idempotent).
 * @param options.endpoint the emulator's URL; credentials are dummies (emulators accept any).
 */
export async function bootstrapEmulator(options: {
  endpoint: string;
  region: string;
  tableName: string;
  topicName: string;
  memberRoleName: string;
  securityAccountId: string;
}): Promise<EmulatorResources> {
  const config = {
    ...awsClientConfig({ region: options.region, endpoint: options.endpoint, maxAttempts: 2 }),
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  await ensureIsolationTable(new DynamoDBClient(config), options.tableName);
  const topic = await new SNSClient(config).send(new CreateTopicCommand({ Name: options.topicName }));
  const iam = new IAMClient(config);
  let memberRoleArn: string;
  try {
    const role = await iam.send(new GetRoleCommand({ RoleName: options.memberRoleName }));
    memberRoleArn = role.Role?.Arn ?? '';
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'NoSuchEntityException') throw error;
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: options.memberRoleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: iamArn(options.region, options.securityAccountId, 'root') },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    memberRoleArn = created.Role?.Arn ?? '';
  }
  return { tableName: options.tableName, topicArn: topic.TopicArn ?? '', memberRoleArn };
}

/** The evidence key id used against an emulator. */
export const EMULATOR_EVIDENCE_KEY_ID = '00000000-0000-4000-8000-0000000e71de';

/** The evidence bucket in an emulator, as the Terraform module makes it: versioned, Object Lock, SSE-KMS. */
export interface EmulatorEvidenceBucket {
  bucket: string;
  keyArn: string;
}

/**
 * Create the evidence bucket in a local emulator (idempotent): Object Lock (which turns versioning on) with a
 * COMPLIANCE default retention of one day. A later PutObject on a key is a new version; the locked one stays.
 */
export async function bootstrapEvidenceBucket(options: {
  endpoint: string;
  region: string;
  accountId: string;
  bucket: string;
}): Promise<EmulatorEvidenceBucket> {
  const config = {
    ...awsClientConfig({ region: options.region, endpoint: options.endpoint, maxAttempts: 2 }),
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  let exists = true;
  try {
    await s3.send(new HeadBucketCommand({ Bucket: options.bucket }));
  } catch (error) {
    if (!(error instanceof Error) || (error.name !== 'NotFound' && error.name !== 'NoSuchBucket'))
      throw error;
    exists = false;
  }
  // us-east-1 takes no location constraint; the others are S3's own list.
  const location = Object.values(BucketLocationConstraint).find((c) => c === options.region);
  if (!exists) {
    await s3.send(
      new CreateBucketCommand({
        Bucket: options.bucket,
        ObjectLockEnabledForBucket: true,
        ...(location === undefined ? {} : { CreateBucketConfiguration: { LocationConstraint: location } }),
      }),
    );
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: options.bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1 } },
        },
      }),
    );
  }
  // The emulator does not check the key exists (no KMS client is installed here to create one): the ARN has the
  // deployed shape, so the SSE-KMS parameters are the ones AWS receives.
  return {
    bucket: options.bucket,
    keyArn: `arn:aws:kms:${options.region}:${options.accountId}:key/${EMULATOR_EVIDENCE_KEY_ID}`,
  };
}
