import { describe, expect, it } from 'vitest';
import { isolateS3Bucket } from '../../functions/lib/actions/isolate-s3-bucket/definition.js';
import { CORDON_SID } from '../../functions/lib/actions/isolate-s3-bucket/policy.js';
import { useMoto } from '../support/moto.js';
import { appliedTwice, isMutating, motoActionContext } from './support/action-context.js';
import { bucketResource, bucketState, customerPolicy, seedBucket, statementsOf } from './support/s3-state.js';

// One emulator for the file and no reset between tests (a reset costs seconds): each test has its own bucket.
const moto = useMoto({ resetEach: false });
let counter = 0;
const freshBucket = (base: string): string => `${base}-${++counter}`;
const BREAK_GLASS = 'arn:aws:iam::123456789012:role/incident-breakglass';
const params = isolateS3Bucket.params.parse({ breakGlassRoleArns: [BREAK_GLASS] });
const ALL_ON = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};
const PARTIAL = {
  BlockPublicAcls: true,
  IgnorePublicAcls: false,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
};

function cordonStatementOf(policy: string | null): unknown {
  return statementsOf(policy).find(
    (s) => typeof s === 'object' && s !== null && Reflect.get(s, 'Sid') === CORDON_SID,
  );
}

describe('Action: isolate-s3-bucket', () => {
  it('denies other principals and blocks public access, keeping the policy, then restores both exactly', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const bucket = freshBucket('exfil-target');
    await seedBucket(ctx.clients.s3, bucket, { policy: customerPolicy(bucket), block: PARTIAL });
    const original = await bucketState(ctx.clients.s3, bucket);

    // Act
    const applied = await isolateS3Bucket.apply(ctx, bucketResource(bucket), params);
    const isolated = await bucketState(ctx.clients.s3, bucket);
    recorder.clear();
    const reapplied = await isolateS3Bucket.apply(ctx, bucketResource(bucket), params, applied);
    const mutationsOnReapply = recorder.commands.filter((c) => isMutating(c.command));
    const released = await isolateS3Bucket.release(ctx, bucketResource(bucket), params, applied);
    const afterRelease = await bucketState(ctx.clients.s3, bucket);
    recorder.clear();
    const releasedAgain = await isolateS3Bucket.release(ctx, bucketResource(bucket), params, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(applied.containedAt).toBeDefined();
    expect(applied.steps.map((s) => [s.name, s.status])).toEqual([
      ['capture-bucket-state', 'done'],
      ['deny-other-principals', 'done'],
      ['block-public-access', 'done'],
    ]);
    expect(isolated.block).toEqual(ALL_ON);
    expect(cordonStatementOf(isolated.policy)).toEqual({
      Sid: CORDON_SID,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      Condition: {
        ArnNotLike: {
          'aws:PrincipalArn': ['arn:aws:iam::123456789012:role/cordon-member', BREAK_GLASS],
        },
      },
    });
    // The customer's statements are all still there, unchanged, before cordon's.
    expect(statementsOf(isolated.policy).slice(0, -1)).toEqual(statementsOf(original.policy));
    expect(applied.before['s3Bucket']).toEqual({
      bucket,
      publicAccessBlock: { state: 'present', ...PARTIAL },
      policy: { state: 'present', document: original.policy },
    });
    expect(reapplied.outcome).toBe('succeeded');
    expect(reapplied.steps.slice(1).map((s) => s.status)).toEqual(['skipped', 'skipped']);
    expect(mutationsOnReapply).toEqual([]);
    expect(released.outcome).toBe('succeeded');
    expect(released.steps.map((s) => [s.name, s.status])).toEqual([
      ['restore-public-access-block', 'done'],
      ['restore-bucket-policy', 'done'],
    ]);
    expect(afterRelease).toEqual(original);
    expect(releasedAgain.outcome).toBe('succeeded');
    expect(releasedAgain.steps.map((s) => s.status)).toEqual(['skipped', 'skipped']);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
  });

  it('on a bucket without policy or block, adds both and release deletes both', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const bucket = freshBucket('bare');
    await seedBucket(ctx.clients.s3, bucket);

    // Act
    const applied = await isolateS3Bucket.apply(
      ctx,
      bucketResource(bucket),
      isolateS3Bucket.params.parse({}),
    );
    const isolated = await bucketState(ctx.clients.s3, bucket);
    const released = await isolateS3Bucket.release(ctx, bucketResource(bucket), params, applied);
    const afterRelease = await bucketState(ctx.clients.s3, bucket);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(applied.before['s3Bucket']).toEqual({
      bucket,
      publicAccessBlock: { state: 'absent' },
      policy: { state: 'absent' },
    });
    expect(isolated.block).toEqual(ALL_ON);
    expect(statementsOf(isolated.policy)).toHaveLength(1);
    expect(cordonStatementOf(isolated.policy)).toMatchObject({
      Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::123456789012:role/cordon-member'] } },
    });
    expect(released.outcome).toBe('succeeded');
    expect(afterRelease).toEqual({ policy: null, block: null });
    expect(appliedTwice(recorder)).toEqual([]);
  });

  it('fails before any write on a malformed policy, leaving the bucket as it was', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const bucket = freshBucket('malformed');
    await seedBucket(ctx.clients.s3, bucket, { policy: '{"Statement": [ not json', block: PARTIAL });
    const original = await bucketState(ctx.clients.s3, bucket);
    recorder.clear();

    // Act
    const applied = await isolateS3Bucket.apply(ctx, bucketResource(bucket), params);
    const after = await bucketState(ctx.clients.s3, bucket);
    const released = await isolateS3Bucket.release(ctx, bucketResource(bucket), params, applied);

    // Assess
    expect(applied.outcome).toBe('failed');
    expect(applied.failedStep).toBe('deny-other-principals');
    expect(applied.error?.message).toMatch(/not a valid policy document \(not JSON\).*changed nothing/);
    expect(applied.steps.map((s) => s.name)).toEqual(['capture-bucket-state', 'deny-other-principals']);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(after).toEqual(original);
    // A release from this record changes nothing either: the bucket is as it was.
    expect(released.outcome).toBe('succeeded');
    expect(await bucketState(ctx.clients.s3, bucket)).toEqual(original);
  });

  it('fails before any write when the deny would push the policy past 20 KB', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const bucket = freshBucket('oversized');
    // 100 bytes under S3's limit: the customer's policy is valid, the merged one (cordon adds ~250) is not.
    const statement = (sid: string): Record<string, unknown> => ({
      Sid: sid,
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::210987654321:role/partner' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${bucket}/shared/*`,
    });
    const statements = Array.from({ length: 100 }, (_, i) => statement(`Partner${i}`));
    const size = (): number =>
      Buffer.byteLength(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
    statements.push(statement('Padding'));
    statements[statements.length - 1] = statement(`Padding${'x'.repeat(20 * 1024 - 100 - size())}`);
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
    expect(Buffer.byteLength(policy)).toBe(20 * 1024 - 100);
    await seedBucket(ctx.clients.s3, bucket, { policy });
    const original = await bucketState(ctx.clients.s3, bucket);
    recorder.clear();

    // Act
    const applied = await isolateS3Bucket.apply(ctx, bucketResource(bucket), params);

    // Assess
    expect(applied.outcome).toBe('failed');
    expect(applied.failedStep).toBe('deny-other-principals');
    expect(applied.error?.message).toMatch(/over S3's limit of 20480.*changed nothing/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await bucketState(ctx.clients.s3, bucket)).toEqual(original);
  });

  it('release removes only its statement when the policy was changed during the isolation', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const bucket = freshBucket('changed');
    await seedBucket(ctx.clients.s3, bucket, { policy: customerPolicy(bucket) });
    const applied = await isolateS3Bucket.apply(ctx, bucketResource(bucket), params);
    const isolated = await bucketState(ctx.clients.s3, bucket);
    const added = {
      Sid: 'ForensicsRead',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:role/forensics' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${bucket}/*`,
    };
    const changed = JSON.stringify({
      Version: '2012-10-17',
      Statement: [...statementsOf(isolated.policy), added],
    });
    await ctx.clients.s3.putBucketPolicy({ Bucket: bucket, Policy: changed });

    // Act
    const released = await isolateS3Bucket.release(ctx, bucketResource(bucket), params, applied);
    const after = await bucketState(ctx.clients.s3, bucket);

    // Assess
    expect(released.outcome).toBe('succeeded');
    expect(released.warnings.join('\n')).toMatch(/changed during the isolation/);
    expect(cordonStatementOf(after.policy)).toBeUndefined();
    expect(statementsOf(after.policy)).toEqual([...statementsOf(customerPolicy(bucket)), added]);
    // Block Public Access had no configuration before: it has none again.
    expect(after.block).toBeNull();
  });

  it('refuses a bucket tagged exempt, read live, without writing', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const bucket = freshBucket('exempt');
    await seedBucket(ctx.clients.s3, bucket, { tags: { 'cordon:exempt': 'true' } });
    recorder.clear();

    // Act
    const applied = await isolateS3Bucket.apply(ctx, bucketResource(bucket), params);

    // Assess
    expect(applied.outcome).toBe('skipped');
    expect(applied.detail).toMatch(/refused: exempt/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await bucketState(ctx.clients.s3, bucket)).toEqual({ policy: null, block: null });
  });

  it('skips a bucket that no longer exists', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);

    // Act
    const applied = await isolateS3Bucket.apply(ctx, bucketResource(freshBucket('deleted')), params);

    // Assess
    expect(applied.outcome).toBe('skipped');
    expect(applied.detail).toMatch(/no longer exists \(NoSuchBucket/);
  });

  it('refuses a break-glass value that is not a role ARN', () => {
    expect(
      isolateS3Bucket.params.safeParse({ breakGlassRoleArns: ['arn:aws:iam::123456789012:user/bob'] })
        .success,
    ).toBe(false);
  });
});
