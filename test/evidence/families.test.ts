/**
 * The evidence collectors of the S3 bucket, Lambda function and RDS instance kinds against moto: the artifacts
 * stored and their manifest entries, exactly the declared member-role reads, and what must never be stored (the
 * presigned code URL of a Lambda function).
 */
import { describe, expect, it } from 'vitest';
import { KIND_EVIDENCE } from '../../functions/lib/evidence/kinds.js';
import { sha256Hex } from '../../functions/lib/evidence/storage.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import { TEST_ACCOUNT, useMoto } from '../support/moto.js';
import { testMemberClients } from '../support/member-clients.js';
import { motoActionContext } from '../actions/support/action-context.js';
import { bucketResource, customerPolicy, seedBucket } from '../actions/support/s3-state.js';
import { functionResource, seedFunction } from '../actions/support/lambda-state.js';
import { dbName, dbResource, seedDb } from '../actions/support/rds-state.js';
import { unique } from '../pipeline/support.js';
import { collect, containedRecord } from './support.js';
import { readFileSync } from 'node:fs';
import { MEMBER_ROLE_PERMISSIONS_FILE, type MemberRolePolicy } from '../../scripts/terraform-permissions.js';
import { allows, type AuthRequest } from '../terraform/policy-eval.js';
import type { CommandRecorder } from '../../functions/lib/aws/command-recorder.js';

const moto = useMoto({ resetEach: false });
const REGION = 'us-east-1';

function declared(type: Resource['type']): string[] {
  return [...(KIND_EVIDENCE.find((k) => k.type === type)?.permissions ?? [])].sort();
}

/**
 * Every request the collectors sent in this file, as IAM authorises it (moto enforces no IAM): the last test
 * evaluates them against the committed member-role policy, like test/terraform/member-role-fits-code.test.ts.
 */
const sent: AuthRequest[] = [];

function rdsArn(kind: string, id: string): string {
  return `arn:aws:rds:${REGION}:${TEST_ACCOUNT}:${kind}:${id}`;
}

function keep(recorder: CommandRecorder): void {
  for (const c of recorder.commands) {
    const input = Object.fromEntries(Object.entries(c.input ?? {}).map(([k, v]) => [k, String(v)]));
    const [service] = c.iamAction.split(':');
    if (service === 's3') {
      // S3 sets aws:ResourceAccount to the bucket owner's account (the bucket ARN names none).
      sent.push({
        action: c.iamAction,
        resource: `arn:aws:s3:::${input['Bucket'] ?? ''}`,
        context: { 'aws:ResourceAccount': TEST_ACCOUNT },
      });
    } else if (service === 'lambda') {
      sent.push({
        action: c.iamAction,
        resource: `arn:aws:lambda:${REGION}:${TEST_ACCOUNT}:function:${input['FunctionName'] ?? ''}`,
        context: {},
      });
    } else if (c.iamAction === 'rds:DescribeDBInstances') {
      sent.push({
        action: c.iamAction,
        resource: rdsArn('db', input['DBInstanceIdentifier'] ?? ''),
        context: {},
      });
    } else if (c.iamAction === 'rds:DescribeDBClusters') {
      sent.push({
        action: c.iamAction,
        resource: rdsArn('cluster', input['DBClusterIdentifier'] ?? ''),
        context: {},
      });
    } else if (c.iamAction === 'rds:DescribeDBSnapshots') {
      sent.push({
        action: c.iamAction,
        resource: rdsArn('snapshot', input['DBSnapshotIdentifier'] ?? ''),
        context: {},
      });
    } else if (c.iamAction === 'rds:DescribeDBClusterSnapshots') {
      sent.push({
        action: c.iamAction,
        resource: rdsArn('cluster-snapshot', input['DBClusterSnapshotIdentifier'] ?? ''),
        context: {},
      });
    } else {
      sent.push({ action: c.iamAction, resource: 'unmapped', context: {} });
    }
  }
}

/** Seeding clients, apart from the collector's recorded ones. */
function seeders(): ReturnType<typeof testMemberClients> {
  return testMemberClients(moto.clientConfig(REGION));
}

describe('Evidence: S3 bucket, Lambda function and RDS instance collectors', () => {
  it('S3 bucket: policy, ACL, public access block, ownership, versioning, encryption, logging and tags, each hashed in the manifest', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const { s3 } = seeders();
    const bucket = unique('evidence-bucket');
    const logs = unique('evidence-logs');
    const policy = customerPolicy(bucket);
    await seedBucket(s3, bucket, {
      policy,
      block: {
        BlockPublicAcls: false,
        IgnorePublicAcls: false,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: true,
      },
      tags: { team: 'payments' },
    });
    await s3.createBucket({ Bucket: logs });
    await s3.putBucketPolicy({
      Bucket: logs,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: `arn:aws:s3:::${logs}/*`,
          },
        ],
      }),
    });
    await s3.putBucketVersioning({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } });
    await s3.putBucketEncryption({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
      },
    });
    await s3.putBucketOwnershipControls({
      Bucket: bucket,
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    await s3.putBucketLogging({
      Bucket: bucket,
      BucketLoggingStatus: { LoggingEnabled: { TargetBucket: logs, TargetPrefix: `${bucket}/` } },
    });

    // Act
    const { manifest, read, writer } = await collect(test, containedRecord(bucketResource(bucket)));

    // Assess
    keep(test.recorder);
    expect([...test.recorder.iamActions()].sort()).toEqual(declared('s3-bucket'));
    expect(manifest.artifacts.map((a) => [a.name, a.status])).toEqual([
      ['finding.json', 'collected'],
      ['decision.json', 'collected'],
      ['s3/policy.json', 'collected'],
      ['s3/acl.json', 'collected'],
      ['s3/public-access-block.json', 'collected'],
      ['s3/ownership-controls.json', 'collected'],
      ['s3/versioning.json', 'collected'],
      ['s3/encryption.json', 'collected'],
      ['s3/logging.json', 'collected'],
      ['s3/tags.json', 'collected'],
    ]);
    for (const artifact of manifest.artifacts) {
      if (artifact.status !== 'collected') continue;
      const bytes = writer.objects.get(artifact.key) ?? new Uint8Array();
      expect(sha256Hex(bytes)).toBe(artifact.sha256);
      expect(bytes.byteLength).toBe(artifact.bytes);
    }
    expect(manifest.artifacts.find((a) => a.name === 's3/encryption.json')?.calls).toEqual([
      {
        api: 's3:GetEncryptionConfiguration',
        region: REGION,
        account: TEST_ACCOUNT,
        requestId: expect.any(String),
      },
    ]);
    // Every read names the account as the expected owner, like the action.
    for (const command of test.recorder.commands) {
      expect(command.input).toMatchObject({ Bucket: bucket, ExpectedBucketOwner: TEST_ACCOUNT });
    }
    expect(read('s3/policy.json')).toEqual({ Policy: policy, Document: JSON.parse(policy) });
    expect(read('s3/acl.json')).toMatchObject({ Grants: [{ Permission: 'FULL_CONTROL' }] });
    expect(read('s3/public-access-block.json')).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: false, RestrictPublicBuckets: true },
    });
    expect(read('s3/ownership-controls.json')).toMatchObject({
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(read('s3/versioning.json')).toMatchObject({ Status: 'Enabled' });
    expect(read('s3/encryption.json')).toMatchObject({
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
      },
    });
    expect(read('s3/logging.json')).toMatchObject({ LoggingEnabled: { TargetBucket: logs } });
    expect(read('s3/tags.json')).toMatchObject({ TagSet: [{ Key: 'team', Value: 'payments' }] });
  });

  it('S3 bucket: a configuration S3 answers "not configured" for is recorded as null, not as a failed step', async () => {
    // Prepare: a bare bucket (no policy, no public access block, no ownership controls, no tags).
    const test = motoActionContext(moto);
    const bucket = unique('evidence-bare');
    await seeders().s3.createBucket({ Bucket: bucket });

    // Act
    const { manifest, read } = await collect(test, containedRecord(bucketResource(bucket)));

    // Assess
    keep(test.recorder);
    expect(manifest.artifacts.filter((a) => a.status === 'failed')).toEqual([]);
    expect(read('s3/policy.json')).toEqual({ Policy: null, Document: null });
    expect(read('s3/public-access-block.json')).toBeNull();
    expect(read('s3/ownership-controls.json')).toBeNull();
    expect(read('s3/tags.json')).toBeNull();
    // The "not configured" answer is still a call made, with its request id, in the provenance.
    expect(manifest.artifacts.find((a) => a.name === 's3/policy.json')?.calls).toEqual([
      { api: 's3:GetBucketPolicy', region: REGION, account: TEST_ACCOUNT, requestId: expect.any(String) },
    ]);
  });

  it('Lambda function: configuration, policy, URL and concurrency; the presigned code URL is never stored', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const seed = seeders();
    const name = unique('evidence-fn');
    await seedFunction(seed, name, { reserved: 7, url: 'NONE', statements: true, tags: { app: 'orders' } });
    const location = (await seed.lambda.getFunction({ FunctionName: name })).Code?.Location ?? '';

    // Act
    const { manifest, read, writer } = await collect(test, containedRecord(functionResource(name)));

    // Assess
    keep(test.recorder);
    expect([...test.recorder.iamActions()].sort()).toEqual(declared('lambda-function'));
    expect(manifest.artifacts.map((a) => [a.name, a.status])).toEqual([
      ['finding.json', 'collected'],
      ['decision.json', 'collected'],
      ['lambda/function.json', 'collected'],
      ['lambda/policy.json', 'collected'],
      ['lambda/url-config.json', 'collected'],
      ['lambda/concurrency.json', 'collected'],
    ]);
    expect(location).not.toBe('');
    const stored = [...writer.objects.values()].map((bytes) => new TextDecoder().decode(bytes));
    expect(stored.filter((text) => text.includes(location))).toEqual([]);
    expect(read('lambda/function.json')).toMatchObject({
      Configuration: { FunctionName: name, Runtime: 'nodejs20.x', CodeSha256: expect.any(String) },
      Code: { Location: 'not stored: a presigned download URL' },
      Tags: { app: 'orders' },
    });
    expect(read('lambda/policy.json')).toMatchObject({
      Document: {
        Statement: expect.arrayContaining([
          expect.objectContaining({ Sid: 'public-invoke' }),
          expect.objectContaining({ Sid: 'partner-invoke' }),
        ]),
      },
    });
    expect(read('lambda/url-config.json')).toMatchObject({ FunctionUrlConfig: { AuthType: 'NONE' } });
    expect(read('lambda/concurrency.json')).toEqual({ ReservedConcurrentExecutions: 7 });
  });

  it("Lambda function without a policy or URL: both recorded absent with Lambda's message", async () => {
    // Prepare
    const test = motoActionContext(moto);
    const name = unique('evidence-fn-bare');
    await seedFunction(seeders(), name);

    // Act
    const { manifest, read } = await collect(test, containedRecord(functionResource(name)));

    // Assess
    keep(test.recorder);
    expect(manifest.artifacts.filter((a) => a.status === 'failed')).toEqual([]);
    expect(read('lambda/policy.json')).toEqual({ Policy: null, notFound: expect.any(String) });
    expect(read('lambda/url-config.json')).toEqual({ FunctionUrlConfig: null, notFound: expect.any(String) });
  });

  it('RDS instance: the description, no cluster, and the DB snapshot the action recorded', async () => {
    // Prepare: a standalone instance and the snapshot isolate-rds-instance would have taken and recorded.
    const test = motoActionContext(moto);
    const seed = seeders();
    const seeded = await seedDb(seed.ec2, seed.rds, dbName('evidence-db'));
    const snapshotId = dbName('cordon-iso');
    await seed.rds.createDBSnapshot({
      DBInstanceIdentifier: seeded.instanceId,
      DBSnapshotIdentifier: snapshotId,
    });
    const record = containedRecord(dbResource(seeded), {
      before: { snapshot: { kind: 'db-snapshot', id: snapshotId } },
    });

    // Act
    const { manifest, read } = await collect(test, record);

    // Assess
    keep(test.recorder);
    expect([...test.recorder.iamActions()].sort()).toEqual([
      'rds:DescribeDBInstances',
      'rds:DescribeDBSnapshots',
    ]);
    expect(manifest.artifacts.map((a) => [a.name, a.status])).toEqual([
      ['finding.json', 'collected'],
      ['decision.json', 'collected'],
      ['rds/db-instance.json', 'collected'],
      ['rds/db-cluster.json', 'collected'],
      ['rds/snapshots.json', 'collected'],
    ]);
    expect(read('rds/db-instance.json')).toMatchObject({
      DBInstances: [
        { DBInstanceIdentifier: seeded.instanceId, Engine: 'postgres', PubliclyAccessible: true },
      ],
    });
    expect(read('rds/db-cluster.json')).toEqual({ DBClusterIdentifier: null, DBClusters: [] });
    expect(read('rds/snapshots.json')).toMatchObject({
      recorded: { kind: 'db-snapshot', id: snapshotId },
      DBSnapshots: [{ DBSnapshotIdentifier: snapshotId, DBInstanceIdentifier: seeded.instanceId }],
    });
  });

  it('Aurora instance: the instance, its cluster and the cluster snapshot the action recorded', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const seed = seeders();
    const clusterId = dbName('evidence-cluster');
    const seeded = await seedDb(seed.ec2, seed.rds, dbName('evidence-aurora'), { cluster: clusterId });
    const snapshotId = dbName('cordon-iso');
    await seed.rds.createDBClusterSnapshot({
      DBClusterIdentifier: clusterId,
      DBClusterSnapshotIdentifier: snapshotId,
    });
    const record = containedRecord(dbResource(seeded), {
      before: { snapshot: { kind: 'cluster-snapshot', id: snapshotId } },
    });

    // Act
    const { manifest, read } = await collect(test, record);

    // Assess
    keep(test.recorder);
    expect([...test.recorder.iamActions()].sort()).toEqual([
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBClusters',
      'rds:DescribeDBInstances',
    ]);
    expect(manifest.artifacts.filter((a) => a.status === 'failed')).toEqual([]);
    expect(read('rds/db-cluster.json')).toMatchObject({
      DBClusterIdentifier: clusterId,
      DBClusters: [{ DBClusterIdentifier: clusterId, Engine: 'aurora-postgresql' }],
    });
    expect(read('rds/snapshots.json')).toMatchObject({
      recorded: { kind: 'cluster-snapshot', id: snapshotId },
      DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: snapshotId, DBClusterIdentifier: clusterId }],
    });
    // Together the two RDS cases call every declared read.
    expect(declared('rds-db-instance')).toEqual([
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBClusters',
      'rds:DescribeDBInstances',
      'rds:DescribeDBSnapshots',
    ]);
  });

  it('a vanished Lambda function: its description fails with the error, and the policy read keeps the not-found message', async () => {
    // Prepare
    const test = motoActionContext(moto);

    // Act
    const { manifest, read } = await collect(
      test,
      containedRecord(functionResource(unique('evidence-gone'))),
    );

    // Assess
    keep(test.recorder);
    expect(manifest.artifacts.find((a) => a.name === 'lambda/function.json')).toMatchObject({
      status: 'failed',
      error: { code: 'ResourceNotFoundException' },
    });
    expect(read('lambda/policy.json')).toMatchObject({ Policy: null, notFound: expect.stringMatching(/./) });
  });

  it("the committed member role allows every read the collectors above sent, and no other account's buckets", () => {
    // Prepare
    const policy = JSON.parse(
      readFileSync(new URL(`../../${MEMBER_ROLE_PERMISSIONS_FILE}`, import.meta.url), 'utf8'),
    ) as MemberRolePolicy;

    // Act
    const refused = sent.filter((r) => !allows(policy, r, TEST_ACCOUNT, 'cordon-member'));
    const elsewhere = sent
      .filter((r) => r.action.startsWith('s3:'))
      .map((r) => ({ ...r, context: { 'aws:ResourceAccount': '999988887777' } }));

    // Assess
    expect(new Set(sent.map((r) => r.action))).toEqual(
      new Set([...declared('s3-bucket'), ...declared('lambda-function'), ...declared('rds-db-instance')]),
    );
    expect(refused).toEqual([]);
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(elsewhere.filter((r) => allows(policy, r, TEST_ACCOUNT, 'cordon-member'))).toEqual([]);
  });
});
