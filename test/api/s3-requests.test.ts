/**
 * S3 buckets are requestable through the API: the request-time exemption check reads the bucket's live tags
 * (GetBucketTagging through the member role; a bucket without tags has none), against moto.
 */
import { CreateBucketCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useApi, userRequest } from './support.js';

const MEMBER = '210987654321';
const REGION = 'eu-west-1';

describe('API: requesting an S3 bucket', () => {
  const api = useApi();

  async function bucket(name: string, tags?: Record<string, string>): Promise<void> {
    const clients = await api.env.deps.memberClients(MEMBER, REGION, 'test-setup');
    await clients.s3.send(
      new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    if (tags) {
      await clients.s3.send(
        new PutBucketTaggingCommand({
          Bucket: name,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      );
    }
  }

  async function recordsFor(resourceId: string): Promise<number> {
    return (await api.env.deps.store.list({ resourceId, limit: 10 })).items.length;
  }

  it('accepts a request for an untagged bucket, by name or ARN (no tag set is no exemption)', async () => {
    // Prepare
    await bucket('cordon-api-untagged');
    await bucket('cordon-api-by-arn', { team: 'data' });

    // Act
    const byName = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest({ resourceType: 's3-bucket', resourceId: 'cordon-api-untagged' }),
    });
    const byArn = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest({ resourceType: 's3-bucket', resourceId: 'arn:aws:s3:::cordon-api-by-arn' }),
    });
    await api.env.idle();

    // Assess
    expect(byName.status).toBe(201);
    expect(byArn.status).toBe(201);
    expect(await recordsFor('cordon-api-untagged')).toBe(1);
    expect(await recordsFor('cordon-api-by-arn')).toBe(1);
  });

  it('refuses a bucket tagged exempt with 422, and records nothing', async () => {
    // Prepare
    await bucket('cordon-api-exempt', { 'cordon:exempt': 'true' });

    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest({ resourceType: 's3-bucket', resourceId: 'cordon-api-exempt' }),
    });
    await api.env.idle();

    // Assess
    expect(response.status).toBe(422);
    expect(String(response.body['detail'])).toContain('exempt: tagged cordon:exempt=true');
    expect(await recordsFor('cordon-api-exempt')).toBe(0);
  });
});
