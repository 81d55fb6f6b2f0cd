/**
 * Live tags through the kinds (pipeline/resource-tags.ts): each requestable kind states its read-tags target and
 * reads the tags through the member role, against moto.
 */
import { describe, expect, it } from 'vitest';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { useMoto, TEST_ACCOUNT } from '../support/moto.js';
import { createMemberClientFactory } from '../../functions/lib/aws/member-clients.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import {
  ReadTagsJobSchema,
  readResourceTags,
  tagTarget,
  TagTargetSchema,
} from '../../functions/lib/pipeline/resource-tags.js';
import { launchInstance } from '../pipeline/support.js';

const moto = useMoto({ resetEach: false });
const REGION = 'us-east-1';

function factory() {
  return createMemberClientFactory({
    memberRoleName: 'cordon-member',
    endpoint: moto.endpoint,
    securityCredentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
}

describe('Live tags of resource kinds', () => {
  it('reads the tags of an instance, a user (also for its key) and a role through the member role', async () => {
    // Prepare
    const ec2 = new EC2Client(moto.clientConfig(REGION));
    const iam = new IAMClient(moto.clientConfig(REGION));
    const { instanceId } = await launchInstance(ec2, { tags: { team: 'web', 'cordon:exempt': 'true' } });
    await iam.send(new CreateUserCommand({ UserName: 'mallory', Tags: [{ Key: 'team', Value: 'red' }] }));
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'app',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
        Tags: [{ Key: 'owner', Value: 'ops' }],
      }),
    );
    const base = { accountId: TEST_ACCOUNT, region: REGION, tags: {} };
    const resources: Resource[] = [
      { ...base, type: 'ec2-instance', id: instanceId, networkInterfaces: [], securityGroupIds: [] },
      { ...base, type: 'iam-user', id: 'mallory', userName: 'mallory' },
      {
        ...base,
        type: 'iam-access-key',
        id: 'AKIAIOSFODNN7EXAMPLE',
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        userName: 'mallory',
      },
      { ...base, type: 'iam-role', id: 'app', roleName: 'app' },
    ];
    const memberClients = factory();

    // Act
    const tags = await Promise.all(
      resources.map(async (resource) => {
        const target = tagTarget(resource);
        if (target === undefined) throw new Error(`no tag target for ${resource.type}`);
        // The target crosses a Lambda boundary as a job: it must survive its own schema.
        const job = ReadTagsJobSchema.parse(
          JSON.parse(JSON.stringify({ kind: 'read-tags', resource: target })),
        );
        return readResourceTags(memberClients, job.resource);
      }),
    );

    // Assess
    expect(tags).toEqual([
      { team: 'web', 'cordon:exempt': 'true' },
      { team: 'red' },
      // A key carries no exemption of its own: its owner's tags are read.
      { team: 'red' },
      { owner: 'ops' },
    ]);
  });

  it('reads no tags for a resource that is gone (the worker reports it missing later)', async () => {
    // Act
    const tags = await readResourceTags(factory(), {
      type: 'iam-user',
      accountId: TEST_ACCOUNT,
      region: REGION,
      userName: 'nobody',
    });

    // Assess
    expect(tags).toEqual({});
  });

  it('has no tag target for kinds the API never reads, and refuses malformed targets', () => {
    // Prepare
    const cluster: Resource = {
      type: 'eks-cluster',
      id: 'prod',
      accountId: TEST_ACCOUNT,
      region: REGION,
      tags: {},
    };
    const target = { type: 'iam-role', accountId: TEST_ACCOUNT, region: REGION, roleName: 'app' };

    // Act / Assess
    expect(tagTarget(cluster)).toBeUndefined();
    expect(TagTargetSchema.safeParse(target).success).toBe(true);
    expect(TagTargetSchema.safeParse({ ...target, type: 'eks-cluster' }).success).toBe(false);
    expect(TagTargetSchema.safeParse({ ...target, extra: 1 }).success).toBe(false);
    expect(TagTargetSchema.safeParse({ ...target, roleName: 'no spaces' }).success).toBe(false);
    expect(TagTargetSchema.safeParse({ ...target, type: 'ec2-instance', id: 'i-1' }).success).toBe(false);
  });
});
