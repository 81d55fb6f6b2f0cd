/** Permission meta-test scenarios of `isolate-s3-bucket`, together covering every optional path. */
import type { Resource } from '../../../functions/lib/findings/model.js';
import { bucketResource, customerPolicy, s3FindingEvent, seedBucket } from '../support/s3-state.js';
import { unique } from '../../pipeline/support.js';
import type { ActionSubject } from '../../resilience/subject.js';
import { nextId, type Scenario } from './scenario.js';

export const action = 'isolate-s3-bucket';

export const scenarios: Scenario[] = [
  {
    label: 'bucket with a policy and a public-access block (release puts both back)',
    params: { breakGlassRoleArns: ['arn:aws:iam::123456789012:role/breakglass'] },
    async seed(ctx) {
      const bucket = `meta-bucket-${nextId()}`;
      await seedBucket(ctx.clients.s3, bucket, {
        policy: customerPolicy(bucket),
        block: {
          BlockPublicAcls: true,
          IgnorePublicAcls: false,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: false,
        },
        tags: { team: 'data' },
      });
      return bucketResource(bucket);
    },
  },
  {
    label: 'bare bucket (release deletes the policy and the block)',
    params: {},
    async seed(ctx) {
      const bucket = `meta-bucket-${nextId()}`;
      await seedBucket(ctx.clients.s3, bucket);
      return bucketResource(bucket);
    },
  },
];

/** The resilience suite's subject: a bucket with a customer policy, and the shared S3 exfiltration finding about it. */
export const subject: ActionSubject = {
  action,
  rule: { type: 'Exfiltration:S3/MaliciousIPCaller', resourceType: 's3-bucket' },
  async create(world) {
    const bucket = unique('rs-bucket').toLowerCase();
    await seedBucket(world.s3, bucket, { policy: customerPolicy(bucket) });
    return { event: { ...s3FindingEvent(bucket) }, resourceId: bucket };
  },
};

/** A resource of the action's type, built offline (the runner's refusal tests make no AWS call). */
export const sample: Resource = {
  type: 's3-bucket',
  id: 'evidence-bucket',
  accountId: '111122223333',
  region: 'us-east-1',
  tags: {},
};
