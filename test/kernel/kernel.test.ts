/** The kernel: the one ARN module (format, parse, partitions) and the id schemas, each defined once. */
import { describe, expect, it } from 'vitest';
import {
  arnPartition,
  buildArn,
  parseArn,
  regionPartition,
  resourcePartition,
} from '../../functions/lib/kernel/arn.js';
import {
  AccessKeyIdSchema,
  AccountIdSchema,
  IamUserNameSchema,
  InstanceIdSchema,
  IsolationIdSchema,
  RegionSchema,
} from '../../functions/lib/kernel/ids.js';
import { isIsolationId, newIsolationId } from '../../functions/lib/store/items.js';

describe('Kernel ARN module', () => {
  it.each([
    ['us-east-1', 'aws'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['cn-northwest-1', 'aws-cn'],
  ] as const)('formats and parses back an ARN in %s (%s)', (region, partition) => {
    // Act
    const arn = buildArn({ region, service: 'eks', account: '111122223333', resource: 'cluster/prod' });

    // Assess
    expect(arn).toBe(`arn:${partition}:eks:${region}:111122223333:cluster/prod`);
    expect(parseArn(arn)).toEqual({
      partition,
      service: 'eks',
      region,
      account: '111122223333',
      resource: 'cluster/prod',
    });
    expect(regionPartition(region)).toBe(partition);
    expect(arnPartition(arn)).toBe(partition);
  });

  it('keeps colons in the resource part, and refuses what is not an ARN', () => {
    expect(parseArn('arn:aws:lambda:us-east-1:111122223333:function:f:1')?.resource).toBe('function:f:1');
    expect(parseArn('AWS::IAM::AccessKey:AKIA')).toBeUndefined();
    expect(parseArn('arn:aws:iam')).toBeUndefined();
  });

  it('takes a resource partition from its ARN, else its region, else aws', () => {
    expect(resourcePartition('arn:aws-cn:iam::111122223333:user/u', 'us-east-1')).toBe('aws-cn');
    expect(resourcePartition('arn:aws-iso:iam::111122223333:user/u', 'us-gov-east-1')).toBe('aws-us-gov');
    expect(resourcePartition(undefined, 'cn-north-1')).toBe('aws-cn');
    expect(resourcePartition(undefined, undefined)).toBe('aws');
  });

  it('builds a global ARN (IAM, S3) without a region but in the region partition, or a given one', () => {
    expect(buildArn({ region: 'cn-north-1', service: 's3', resource: 'b', global: true })).toBe(
      'arn:aws-cn:s3:::b',
    );
    expect(
      buildArn({ region: 'us-east-1', service: 's3', resource: 'b', global: true, partition: 'aws-iso' }),
    ).toBe('arn:aws-iso:s3:::b');
  });
});

describe('Kernel id schemas', () => {
  it.each([
    [AccountIdSchema, '111122223333', '11112222333'],
    [RegionSchema, 'eu-isoe-west-1', 'us-east'],
    [InstanceIdSchema, 'i-0123456789abcdef0', 'i-0123456789'],
    [InstanceIdSchema, 'i-12345678', 'i-1234567g'],
    [IamUserNameSchema, 'jane.doe+ops@example.com', 'jane doe'],
    [AccessKeyIdSchema, 'AKIAIOSFODNN7EXAMPLE', 'ASIAIOSFODNN7EXAMPLE'],
  ])('accepts %# the valid form and refuses the other', (schema, valid, invalid) => {
    expect(schema.safeParse(valid).success).toBe(true);
    expect(schema.safeParse(invalid).success).toBe(false);
  });

  it('accepts the isolation ids the store makes, and the store checks with the same pattern', () => {
    // Prepare
    const id = newIsolationId(new Date('2026-12-05T08:00:00.000Z'));

    // Assess
    expect(IsolationIdSchema.safeParse(id).success).toBe(true);
    expect(isIsolationId(id)).toBe(true);
    expect(IsolationIdSchema.safeParse('iso-1-abc').success).toBe(false);
    expect(isIsolationId('iso-1-abc')).toBe(false);
  });
});
