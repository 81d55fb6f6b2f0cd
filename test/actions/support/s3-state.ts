/** Test support: seed S3 buckets in moto and read back the state isolate-s3-bucket changes. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { S3 } from '@aws-sdk/client-s3';
import type { S3BucketResource } from '../../../functions/lib/findings/model.js';
import { TEST_ACCOUNT } from '../../support/moto.js';

/** A customer's policy with two statements, formatted as people write it (whitespace, a single-statement form). */
export function customerPolicy(bucket: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'customer-policy',
      Statement: [
        {
          Sid: 'PublicRead',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/*`,
        },
        {
          Sid: 'PartnerList',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::210987654321:root' },
          Action: ['s3:ListBucket'],
          Resource: `arn:aws:s3:::${bucket}`,
        },
      ],
    },
    null,
    2,
  );
}

export interface BucketSeed {
  policy?: string;
  block?: {
    BlockPublicAcls: boolean;
    IgnorePublicAcls: boolean;
    BlockPublicPolicy: boolean;
    RestrictPublicBuckets: boolean;
  };
  tags?: Record<string, string>;
}

export async function seedBucket(s3: S3, bucket: string, seed: BucketSeed = {}): Promise<void> {
  await s3.createBucket({ Bucket: bucket });
  if (seed.policy !== undefined) await s3.putBucketPolicy({ Bucket: bucket, Policy: seed.policy });
  if (seed.block)
    await s3.putPublicAccessBlock({ Bucket: bucket, PublicAccessBlockConfiguration: seed.block });
  if (seed.tags) {
    await s3.putBucketTagging({
      Bucket: bucket,
      Tagging: { TagSet: Object.entries(seed.tags).map(([Key, Value]) => ({ Key, Value })) },
    });
  }
}

/** What isolate-s3-bucket changes, as S3 reports it: `null` for an absent policy or block. */
export interface BucketState {
  policy: string | null;
  block: Record<string, boolean | undefined> | null;
}

export async function bucketState(s3: S3, bucket: string): Promise<BucketState> {
  const policy = await s3.getBucketPolicy({ Bucket: bucket }).then(
    (out) => out.Policy ?? null,
    (error: unknown) => {
      if (error instanceof Error && error.name === 'NoSuchBucketPolicy') return null;
      throw error;
    },
  );
  const block = await s3.getPublicAccessBlock({ Bucket: bucket }).then(
    (out) => ({ ...out.PublicAccessBlockConfiguration }),
    (error: unknown) => {
      if (error instanceof Error && error.name === 'NoSuchPublicAccessBlockConfiguration') return null;
      throw error;
    },
  );
  return { policy, block };
}

/** The statements of a policy text (parsed for assertions only). */
export function statementsOf(policy: string | null): unknown[] {
  if (policy === null) return [];
  const parsed: unknown = JSON.parse(policy);
  if (typeof parsed !== 'object' || parsed === null) return [];
  const statement: unknown = Reflect.get(parsed, 'Statement');
  return Array.isArray(statement) ? statement : [statement];
}

export function bucketResource(bucket: string): S3BucketResource {
  return {
    type: 's3-bucket',
    id: bucket,
    arn: `arn:aws:s3:::${bucket}`,
    accountId: TEST_ACCOUNT,
    region: 'us-east-1',
    tags: {},
  };
}

interface S3Event {
  id: string;
  account: string;
  detail: {
    accountId: string;
    id: string;
    arn: string;
    resource: { s3BucketDetails: { arn: string; name: string }[] };
  };
}

/** The shared S3 sample event (test/events), naming `bucket` in the test account, with a finding id of its own. */
export function s3FindingEvent(bucket: string): S3Event {
  const event = JSON.parse(
    readFileSync(
      new URL('../../events/guardduty-s3-exfiltration.docs-assembled.json', import.meta.url),
      'utf8',
    ),
  ) as S3Event;
  const id = randomBytes(16).toString('hex');
  event.id = randomBytes(16).toString('hex');
  event.account = TEST_ACCOUNT;
  event.detail.accountId = TEST_ACCOUNT;
  event.detail.id = id;
  event.detail.arn = event.detail.arn
    .replace(/:\d{12}:/, `:${TEST_ACCOUNT}:`)
    .replace(/finding\/.*$/, `finding/${id}`);
  event.detail.resource.s3BucketDetails = [{ arn: `arn:aws:s3:::${bucket}`, name: bucket }];
  return event;
}
