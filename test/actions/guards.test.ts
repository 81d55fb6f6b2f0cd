import { describe, expect, it } from 'vitest';
import { checkGuards } from '../../functions/lib/actions/guards.js';
import type { GuardSettings } from '../../functions/lib/actions/contract.js';
import type { Resource } from '../../functions/lib/findings/model.js';

const guard: GuardSettings = {
  exemptionTag: { key: 'cordon:exempt', value: 'true' },
  protectedArns: [
    'arn:aws:iam::*:user/breakglass-*',
    'arn:aws:ec2:*:111122223333:instance/*',
    'arn:aws:iam::*:role/ops/?dmin',
  ],
  cordonResourcePrefix: 'cordon',
  memberRoleName: 'SecurityResponder',
};

const base = { accountId: '123456789012', region: 'eu-west-1', tags: {} };
const user = (userName: string, extra: Partial<Resource> = {}): Resource =>
  ({ ...base, type: 'iam-user', id: userName, userName, ...extra }) as Resource;
const role = (roleName: string, arn?: string): Resource => ({
  ...base,
  type: 'iam-role',
  id: roleName,
  roleName,
  ...(arn ? { arn } : {}),
});
const instance = (id: string, accountId = '123456789012', tags: Record<string, string> = {}): Resource => ({
  ...base,
  accountId,
  tags,
  type: 'ec2-instance',
  id,
  networkInterfaces: [],
  securityGroupIds: [],
});

describe('Guards: resources cordon never contains', () => {
  const refusals: [string, Resource, RegExp, Record<string, string>?][] = [
    [
      'the root user (account resource)',
      { ...base, type: 'aws-account', id: '123456789012', root: true },
      /root user/,
    ],
    [
      'an account-level resource',
      { ...base, type: 'aws-account', id: '123456789012', root: false },
      /account-level/,
    ],
    ['the root user as an IAM user', user('root'), /root user/],
    ['the root user by ARN', user('x', { arn: 'arn:aws:iam::123456789012:root' }), /root user/],
    [
      'root access keys',
      { ...base, type: 'iam-access-key', id: 'AKIAROOT', accessKeyId: 'AKIAROOT', userName: 'Root' },
      /root user/,
    ],
    ["cordon's member role", role('SecurityResponder'), /belongs to cordon/],
    ["a role with cordon's prefix", role('cordon-isolate'), /belongs to cordon/],
    [
      "a role with cordon's prefix under a path",
      role('x', 'arn:aws:iam::123456789012:role/team/Cordon-Worker'),
      /belongs to cordon/,
    ],
    [
      "cordon's Lambda function",
      {
        ...base,
        type: 'other',
        id: 'f',
        sourceType: 'AwsLambdaFunction',
        arn: 'arn:aws:lambda:eu-west-1:123456789012:function:cordon-triage',
      },
      /belongs to cordon/,
    ],
    [
      "a session of cordon's member role",
      {
        ...base,
        type: 'iam-role',
        id: 'r',
        roleName: 'r',
        arn: 'arn:aws:sts::123456789012:assumed-role/SecurityResponder/cordon-iso-1',
      },
      /belongs to cordon/,
    ],
    ['a service-linked role by name', role('AWSServiceRoleForSupport'), /service-linked/],
    [
      'a service-linked role by path',
      role('Custom', 'arn:aws:iam::123456789012:role/aws-service-role/es.amazonaws.com/Custom'),
      /service-linked/,
    ],
    [
      'an exempt-tagged resource (finding tags)',
      instance('i-1', '123456789012', { 'cordon:exempt': 'true' }),
      /exempt/,
    ],
    [
      'an exempt-tagged resource (live tags)',
      instance('i-2'),
      /exempt: tagged cordon:exempt=true/,
      { 'cordon:exempt': 'true' },
    ],
    ['a protected user ARN glob', user('breakglass-alice'), /protected: .*breakglass-\*/],
    ['every instance of a protected account', instance('i-3', '111122223333'), /protected/],
    ['a protected ? glob', role('admin', 'arn:aws:iam::123456789012:role/ops/admin'), /protected/],
    [
      'the keys of a protected user',
      { ...base, type: 'iam-access-key', id: 'AKIA1', accessKeyId: 'AKIA1', userName: 'breakglass-bob' },
      /protected/,
    ],
  ];

  it.each(refusals)('refuses %s', (_label, resource, reason, liveTags) => {
    // Act
    const verdict = checkGuards(resource, guard, liveTags);

    // Assess
    expect(verdict.allowed).toBe(false);
    expect(verdict.allowed ? '' : verdict.reason).toMatch(reason);
  });

  const allowed: [string, Resource, Record<string, string>?][] = [
    ['an ordinary user', user('alice')],
    ['an ordinary role', role('app-role')],
    ['an instance in an unprotected account', instance('i-4')],
    ['an exemption tag with another value', instance('i-5', '123456789012', { 'cordon:exempt': 'false' })],
    [
      'a resource whose live tags dropped the exemption',
      instance('i-6', '123456789012', { 'cordon:exempt': 'true' }),
      { 'cordon:exempt': 'no' },
    ],
    ['a role that only mentions cordon later in its name', role('app-cordon-like')],
    ['a glob that must match the whole ARN', role('admins', 'arn:aws:iam::123456789012:role/ops/admins')],
  ];

  it.each(allowed)('allows %s', (_label, resource, liveTags) => {
    // Act
    const verdict = checkGuards(resource, guard, liveTags);

    // Assess
    expect(verdict).toEqual({ allowed: true });
  });

  it('treats an exemption tag without a value as "any value"', () => {
    // Prepare
    const anyValue: GuardSettings = { ...guard, exemptionTag: { key: 'DoNotIsolate' } };

    // Act
    const verdict = checkGuards(instance('i-7', '123456789012', { DoNotIsolate: '' }), anyValue);

    // Assess
    expect(verdict).toEqual({ allowed: false, reason: 'exempt: tagged DoNotIsolate' });
  });
});
