import { describe, expect, it } from 'vitest';
import { CreateUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import {
  createMemberClientFactory,
  servicesForPermissions,
  sessionNameFor,
  UndeclaredServiceError,
} from '../../functions/lib/aws/member-clients.js';
import { ACTIONS } from '../../functions/lib/actions/registry.js';
import { CommandRecorder, type InstrumentableClient } from '../../functions/lib/aws/command-recorder.js';
import { AssumeRoleError } from '../../functions/lib/aws/errors.js';
import { ConfigurationError } from '../../functions/lib/errors.js';
import { useMoto } from '../support/moto.js';
import { FaultInjector } from './support/faults.js';

const moto = useMoto({ resetEach: false });
const MEMBER = '111122223333';

function factoryWith(options: { externalId?: string; now?: () => Date; faults?: FaultInjector } = {}) {
  const recorder = new CommandRecorder();
  const factory = createMemberClientFactory({
    memberRoleName: 'cordon-member',
    endpoint: moto.endpoint,
    securityCredentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
    ...(options.externalId ? { externalId: options.externalId } : {}),
    ...(options.now ? { now: options.now } : {}),
    instrument: (client: InstrumentableClient) => {
      recorder.attach(client);
      options.faults?.attach(client);
    },
  });
  return { factory, recorder };
}

describe('AWS: cross-account member clients', () => {
  it('acts in the member account through the assumed role', async () => {
    // Prepare
    const { factory, recorder } = factoryWith();
    const security = new IAMClient(moto.clientConfig());

    // Act
    const clients = await factory(MEMBER, 'eu-west-1', 'iso-1');
    await clients.iam.send(new CreateUserCommand({ UserName: 'member-only' }));
    const inMember = await clients.iam.send(new ListUsersCommand({}));
    const inSecurity = await security.send(new ListUsersCommand({}));

    // Assess
    const assume = recorder.commands.find((c) => c.command === 'AssumeRole');
    expect(assume?.input).toMatchObject({
      RoleArn: `arn:aws:iam::${MEMBER}:role/cordon-member`,
      RoleSessionName: 'cordon-iso-1',
    });
    expect(inMember.Users?.map((u) => u.Arn)).toEqual([`arn:aws:iam::${MEMBER}:user/member-only`]);
    expect(inSecurity.Users?.map((u) => u.UserName) ?? []).not.toContain('member-only');
    expect(await clients.ec2.config.region()).toBe('eu-west-1');
  });

  it('caches credentials per account and region', async () => {
    // Prepare
    const { factory, recorder } = factoryWith();

    // Act
    const first = await factory(MEMBER, 'eu-west-1', 'iso-1');
    const second = await factory(MEMBER, 'eu-west-1', 'iso-2');
    await Promise.all([factory(MEMBER, 'us-east-1', 'iso-3'), factory(MEMBER, 'us-east-1', 'iso-4')]);
    await factory('444455556666', 'eu-west-1', 'iso-5');
    await first.iam.send(new ListUsersCommand({}));
    await second.iam.send(new ListUsersCommand({}));

    // Assess
    expect(second).toBe(first);
    expect(recorder.count('AssumeRole')).toBe(3);
  });

  it('builds only the requested services and refuses the others with a clear error', async () => {
    // Prepare
    const created: string[] = [];
    const factory = createMemberClientFactory({
      memberRoleName: 'cordon-member',
      endpoint: moto.endpoint,
      securityCredentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
      // The modular clients (aws/modular.ts) are the SDK's `<Service>Client` classes, bound.
      instrument: (client) =>
        created.push(client.constructor.name.replace(/^bound /, '').replace(/Client$/, '')),
    });

    // Act
    const iamOnly = await factory(MEMBER, 'eu-west-1', 'iso-1', ['iam']);
    const users = await iamOnly.iam.send(new ListUsersCommand({}));
    const all = await factory(MEMBER, 'eu-west-1', 'iso-2');

    // Assess
    expect(users.Users).toBeDefined();
    expect(() => iamOnly.ec2).toThrow(UndeclaredServiceError);
    expect(() => iamOnly.ec2).toThrow(/ec2 member client was used but not requested \(loaded: iam\)/);
    // STS first, then IAM for the first call; the later full request adds only the missing clients.
    expect(created).toEqual([
      'STS',
      'IAM',
      'EC2',
      'AutoScaling',
      'ElasticLoadBalancingV2',
      'ElasticLoadBalancing',
      'SSOAdmin',
      'Identitystore',
      'S3',
      'GuardDuty',
      'CloudTrail',
      'Lambda',
      'RDS',
      'SSM',
      'ECS',
    ]);
    expect(all.iam).toBe(iamOnly.iam);
    expect(await all.ec2.config.region()).toBe('eu-west-1');
  });

  it('derives the services an action may use from the permissions it declares', () => {
    // Act
    const services = Object.fromEntries(
      [...ACTIONS.values()].map((a) => [a.name, servicesForPermissions(a.permissions)]),
    );

    // Assess: every registered action derives its services (an unknown service would throw above); these show
    // the mapping, without listing every action (a new action must not have to edit this test)
    expect(services).toMatchObject({
      'isolate-ec2-instance': ['ec2', 'iam', 'autoScaling', 'elbv2', 'elb'],
      'isolate-iam-user': ['iam'],
      'isolate-identity-center-user': ['ssoAdmin', 'identityStore'],
      'isolate-s3-bucket': ['s3'],
      'isolate-lambda-function': ['iam', 'lambda'],
      'isolate-rds-instance': ['ec2', 'rds'],
    });
    expect(() => servicesForPermissions(['redshift:ModifyCluster'])).toThrow(ConfigurationError);
    expect(() => servicesForPermissions(['redshift:ModifyCluster'])).toThrow(/no member client for/);
  });

  it('assumes the role again 5 minutes before the credentials expire', async () => {
    // Prepare
    let clock = new Date();
    const { factory, recorder } = factoryWith({ now: () => clock });
    await factory(MEMBER, 'eu-west-1', 'iso-1');

    // Act
    clock = new Date(Date.now() + 50 * 60 * 1000);
    await factory(MEMBER, 'eu-west-1', 'iso-2');
    const beforeMargin = recorder.count('AssumeRole');
    clock = new Date(Date.now() + 56 * 60 * 1000);
    await factory(MEMBER, 'eu-west-1', 'iso-3');

    // Assess
    expect(beforeMargin).toBe(1);
    expect(recorder.count('AssumeRole')).toBe(2);
    const sessions = recorder.commands.filter((c) => c.command === 'AssumeRole').map((c) => c.input);
    expect(sessions).toMatchObject([
      { RoleSessionName: 'cordon-iso-1' },
      { RoleSessionName: 'cordon-iso-3' },
    ]);
  });

  it('passes the ExternalId and keeps the session name valid and at most 64 characters', async () => {
    // Prepare
    const { factory, recorder } = factoryWith({ externalId: 'cordon-ext-42' });
    const longId = `iso/${'x'.repeat(80)}:weird id`;

    // Act
    await factory(MEMBER, 'eu-west-1', longId);

    // Assess
    const input = recorder.commands.find((c) => c.command === 'AssumeRole')?.input as Record<string, unknown>;
    expect(input['ExternalId']).toBe('cordon-ext-42');
    const name = String(input['RoleSessionName']);
    expect(name.length).toBe(64);
    expect(name).toMatch(/^cordon-iso-x+$/);
    expect(sessionNameFor('01J9Z3 abc/def')).toBe('cordon-01J9Z3-abc-def');
  });

  it('says which role could not be assumed, and why', async () => {
    // Prepare
    const faults = new FaultInjector().inject('AssumeRole', 'access-denied');
    const { factory } = factoryWith({ externalId: 'cordon-ext-42', faults });

    // Act
    const attempt = factory(MEMBER, 'eu-west-1', 'iso-1');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(AssumeRoleError);
    await expect(factory(MEMBER, 'eu-west-1', 'iso-1')).resolves.toBeDefined();
    await expect(
      (async () => {
        const f = factoryWith({
          externalId: 'cordon-ext-42',
          faults: new FaultInjector().inject('AssumeRole', 'access-denied'),
        });
        return f.factory(MEMBER, 'eu-west-1', 'iso-1');
      })(),
    ).rejects.toThrow(/arn:aws:iam::111122223333:role\/cordon-member.*AccessDenied.*ExternalId/);
  });

  it('rejects malformed account ids and role names', async () => {
    // Prepare
    const { factory } = factoryWith();

    // Act + Assess
    await expect(factory('12345', 'eu-west-1', 'iso-1')).rejects.toBeInstanceOf(ConfigurationError);
    expect(() => createMemberClientFactory({ memberRoleName: 'bad role name!' })).toThrow(ConfigurationError);
  });
});
