/**
 * The tightened member role still allows what the code does, and no more than it needs.
 *
 * moto enforces no IAM, so isolate-ec2-instance runs against moto (apply, then release) with every request
 * captured by SDK middleware; each request is then turned into the authorisations IAM performs for it (one per
 * resource type, with the condition keys IAM sets) and evaluated against the committed permissions.json by
 * test/terraform/policy-eval.ts. The negative cases show the conditions bite: requests the code never sends are
 * refused.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { useMoto } from '../support/moto.js';
import { isolateEc2Instance } from '../../functions/lib/actions/isolate-ec2-instance/definition.js';
import { isolateIamUser } from '../../functions/lib/actions/isolate-iam-user/definition.js';
import { disableAccessKey } from '../../functions/lib/actions/disable-access-key/definition.js';
import { revokeRoleSessions } from '../../functions/lib/actions/revoke-role-sessions/definition.js';
import { isolateS3Bucket } from '../../functions/lib/actions/isolate-s3-bucket/definition.js';
import { bucketResource, customerPolicy, seedBucket } from '../actions/support/s3-state.js';
import { motoActionContext } from '../actions/support/action-context.js';
import {
  accessKeyResource,
  roleResource,
  seedRole,
  seedUser,
  userResource,
} from '../actions/support/iam-state.js';
import { ROLE_TAG } from '../../functions/lib/actions/isolate-ec2-instance/groups.js';
import type { MemberClients } from '../../functions/lib/actions/contract.js';
import { MEMBER_ROLE_PERMISSIONS_FILE, type MemberRolePolicy } from '../../scripts/terraform-permissions.js';
import {
  ACCOUNT,
  MEMBER_ROLE,
  REGION,
  Traffic,
  actionContext,
  createNetwork,
  createProfile,
  instanceResource,
  launchInstance,
  memberClients,
  setupClients,
} from '../actions/isolate-ec2-instance.world.js';
import { ROOT } from './hcl.js';
import { allows, type AuthRequest } from './policy-eval.js';

const moto = useMoto({ resetEach: false });

function committedPolicy(): MemberRolePolicy {
  return JSON.parse(readFileSync(path.join(ROOT, MEMBER_ROLE_PERMISSIONS_FILE), 'utf8')) as MemberRolePolicy;
}

const ec2Arn = (type: string, id: string): string => `arn:aws:ec2:${REGION}:${ACCOUNT}:${type}/${id}`;
const iamArn = (type: string, name: string): string => `arn:aws:iam::${ACCOUNT}:${type}/${name}`;

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Key → value of a request's `Tags` or `TagSpecifications[].Tags`. */
function tagsOf(value: unknown): Record<string, string> {
  return Object.fromEntries(list(value).map((t) => [text(record(t)['Key']), text(record(t)['Value'])]));
}

function tagContext(tags: Record<string, string>): Record<string, string | string[]> {
  return {
    'aws:TagKeys': Object.keys(tags),
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
  };
}

function resourceArn(id: string): string {
  if (id.startsWith('i-')) return ec2Arn('instance', id);
  if (id.startsWith('sg-')) return ec2Arn('security-group', id);
  if (id.startsWith('snap-')) return `arn:aws:ec2:${REGION}::snapshot/${id}`;
  return ec2Arn('unknown', id);
}

interface Known {
  instanceId: string;
  roleName: string;
  /** cordon:role tag of each security group, read back from moto. */
  groupRoles: Map<string, string>;
}

/** The authorisations IAM performs for one captured request (resource types per the Service Authorization Reference). */
function authorisations(command: string, input: Record<string, unknown>, known: Known): AuthRequest[] {
  const action = (service: string) => `${service}:${command}`;
  const instance = ec2Arn('instance', known.instanceId);
  switch (command) {
    case 'CreateSecurityGroup': {
      const spec = record(list(input['TagSpecifications'])[0]);
      const context = tagContext(tagsOf(spec['Tags']));
      const group = ec2Arn('security-group', 'sg-new');
      return [
        { action: 'ec2:CreateSecurityGroup', resource: group, context },
        { action: 'ec2:CreateSecurityGroup', resource: ec2Arn('vpc', text(input['VpcId'])), context },
        // Tag-on-create: CreateTags is authorised too, with ec2:CreateAction.
        { action: 'ec2:CreateTags', resource: group, context: { ...context, 'ec2:CreateAction': command } },
      ];
    }
    case 'CreateSnapshots': {
      const spec = record(list(input['TagSpecifications'])[0]);
      const snapshot = `arn:aws:ec2:${REGION}::snapshot/snap-new`;
      return [
        { action: 'ec2:CreateSnapshots', resource: instance, context: {} },
        { action: 'ec2:CreateSnapshots', resource: snapshot, context: {} },
        {
          action: 'ec2:CreateTags',
          resource: snapshot,
          context: { ...tagContext(tagsOf(spec['Tags'])), 'ec2:CreateAction': command },
        },
      ];
    }
    case 'CreateTags':
    case 'DeleteTags':
      return list(input['Resources']).map((id) => ({
        action: action('ec2'),
        resource: resourceArn(text(id)),
        context: input['Tags'] === undefined ? {} : tagContext(tagsOf(input['Tags'])),
      }));
    case 'AuthorizeSecurityGroupIngress':
    case 'AuthorizeSecurityGroupEgress':
    case 'RevokeSecurityGroupIngress':
    case 'RevokeSecurityGroupEgress': {
      const id = text(input['GroupId']);
      const role = known.groupRoles.get(id);
      return [
        {
          action: action('ec2'),
          resource: ec2Arn('security-group', id),
          context: role === undefined ? {} : { [`aws:ResourceTag/${ROLE_TAG}`]: role },
        },
      ];
    }
    case 'AssociateIamInstanceProfile':
      return [
        { action: action('ec2'), resource: instance, context: {} },
        {
          action: 'iam:PassRole',
          resource: iamArn('role', known.roleName),
          context: { 'iam:PassedToService': 'ec2.amazonaws.com', 'iam:AssociatedResourceArn': instance },
        },
      ];
    case 'DisassociateIamInstanceProfile':
    case 'ModifyInstanceMetadataOptions':
    case 'ModifyInstanceAttribute':
      return [{ action: action('ec2'), resource: instance, context: {} }];
    case 'ModifyNetworkInterfaceAttribute':
      return [{ action: action('ec2'), resource: ec2Arn('network-interface', text(input['NetworkInterfaceId'])), context: {} }];
    case 'PutRolePolicy':
    case 'DeleteRolePolicy':
    case 'GetRolePolicy':
    case 'GetRole':
    case 'ListInstanceProfilesForRole':
      return [{ action: action('iam'), resource: iamArn('role', text(input['RoleName'])), context: {} }];
    case 'GetInstanceProfile':
      return [{ action: action('iam'), resource: iamArn('instance-profile', text(input['InstanceProfileName'])), context: {} }];
    default:
      if (command.startsWith('DescribeAutoScaling')) return [{ action: action('autoscaling'), resource: '*', context: {} }];
      if (/^Describe(LoadBalancers|TargetGroups|TargetHealth)$/.test(command)) {
        return [{ action: action('elasticloadbalancing'), resource: '*', context: {} }];
      }
      if (command.startsWith('Describe')) return [{ action: action('ec2'), resource: '*', context: {} }];
      throw new Error(`no authorisation mapping for ${command}: add one to this test`);
  }
}

/** The authorisation IAM performs for one IAM request of the IAM actions (users and roles of the account). */
function iamAuthorisation(action: string, input: Record<string, unknown>): AuthRequest {
  const role = text(input['RoleName']);
  const user = text(input['UserName']);
  const resource = role ? iamArn('role', role) : user ? iamArn('user', user) : '*';
  const context: Record<string, string | string[]> =
    action === 'iam:TagUser'
      ? tagContext(tagsOf(input['Tags']))
      : action === 'iam:UntagUser'
        ? { 'aws:TagKeys': list(input['TagKeys']).map(text) }
        : action === 'iam:AttachUserPolicy' || action === 'iam:DetachUserPolicy'
          ? { 'iam:PolicyARN': text(input['PolicyArn']) }
          : {};
  return { action, resource, context };
}

async function groupRoles(setup: MemberClients, ids: string[]): Promise<Map<string, string>> {
  const out = await setup.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ids }));
  return new Map(
    (out.SecurityGroups ?? []).map((g) => [g.GroupId ?? '', g.Tags?.find((t) => t.Key === ROLE_TAG)?.Value ?? '']),
  );
}

describe('Member role: the scoped policy fits what the code sends', () => {
  it('allows every request of an isolate-ec2-instance apply and release (groups, tags, snapshots, profile, metadata)', async () => {
    // Prepare: an instance with a profile and volumes; every optional step on
    const setup = setupClients(moto);
    const network = await createNetwork(setup, '10.42.0.0/16');
    const { profileArn, roleName } = await createProfile(setup);
    const { instanceId } = await launchInstance(setup, network, {
      profileArn,
      volumes: { rootDeleteOnTermination: true, dataVolume: true },
    });
    const traffic = new Traffic();
    const ctx = actionContext(memberClients(moto, traffic), traffic);
    const params = isolateEc2Instance.params.parse({
      removeInstanceProfile: true,
      revokeRoleSessions: true,
      disableMetadataService: true,
    });

    // Act
    const applied = await isolateEc2Instance.apply(ctx, instanceResource(instanceId), params);
    const released = await isolateEc2Instance.release(ctx, instanceResource(instanceId), params, {
      steps: applied.steps,
      before: applied.before,
    });
    const groupIds = traffic.inputs.map((i) => text(i.input['GroupId'])).filter((id) => id.startsWith('sg-'));
    const known = { instanceId, roleName, groupRoles: await groupRoles(setup, [...new Set(groupIds)]) };
    const requests = traffic.inputs.flatMap((i) => authorisations(i.command, i.input, known));
    const policy = committedPolicy();
    const refused = requests.filter((r) => !allows(policy, r, ACCOUNT, MEMBER_ROLE));

    // Assess: the run did every scoped call, and the policy allows each of them
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    const commands = new Set(traffic.inputs.map((i) => i.command));
    for (const command of [
      'CreateSecurityGroup',
      'AuthorizeSecurityGroupIngress',
      'RevokeSecurityGroupEgress',
      'CreateSnapshots',
      'CreateTags',
      'DeleteTags',
      'DisassociateIamInstanceProfile',
      'AssociateIamInstanceProfile',
      'ModifyInstanceMetadataOptions',
      'PutRolePolicy',
    ]) {
      expect(commands, command).toContain(command);
    }
    expect(refused).toEqual([]);
  });

  it('allows every request of isolate-iam-user, disable-access-key and revoke-role-sessions, apply and release', async () => {
    // Prepare: a user with keys, a password and a customer policy; a role with inline policies
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-fits' });
    const user = await seedUser(ctx.clients.iam, 'fits-alice');
    const other = await seedUser(ctx.clients.iam, 'fits-bob');
    await seedRole(ctx.clients.iam, 'fits-app-role');
    const userParams = isolateIamUser.params.parse({ removeConsoleAccess: true });
    const keyParams = disableAccessKey.params.parse({ denyOlderSessions: true });
    const roleParams = revokeRoleSessions.params.parse({});
    const seeded = recorder.commands.length;

    // Act
    const isolated = await isolateIamUser.apply(ctx, userResource(user.userName), userParams);
    const freed = await isolateIamUser.release(ctx, userResource(user.userName), userParams, isolated);
    const key = accessKeyResource(other.userName, other.activeKeyId);
    const disabled = await disableAccessKey.apply(ctx, key, keyParams);
    const enabled = await disableAccessKey.release(ctx, key, keyParams, disabled);
    const role = roleResource('fits-app-role');
    const revoked = await revokeRoleSessions.apply(ctx, role, roleParams);
    const restored = await revokeRoleSessions.release(ctx, role, roleParams, revoked);
    const requests = recorder.commands
      .slice(seeded)
      .filter((c) => c.outcome === 'ok' && c.iamAction.startsWith('iam:'))
      .map((c) => iamAuthorisation(c.iamAction, record(c.input)));
    const refused = requests.filter((r) => !allows(committedPolicy(), r, ACCOUNT, MEMBER_ROLE));

    // Assess
    for (const result of [isolated, freed, disabled, enabled, revoked, restored]) {
      expect(result.outcome, JSON.stringify(result.steps)).toBe('succeeded');
    }
    const actions = new Set(requests.map((r) => r.action));
    for (const action of [
      'iam:PutUserPolicy',
      'iam:DeleteUserPolicy',
      'iam:UpdateAccessKey',
      'iam:DeleteLoginProfile',
      'iam:TagUser',
      'iam:UntagUser',
      'iam:PutRolePolicy',
      'iam:DeleteRolePolicy',
    ]) {
      expect(actions, action).toContain(action);
    }
    expect(refused).toEqual([]);
  });

  it('allows every request of isolate-s3-bucket, apply and release, on a bucket of this account only', async () => {
    // Prepare: a bucket with a policy and a partial public-access block, so that release writes both back
    const { ctx, recorder } = motoActionContext(moto, { isolationId: 'iso-fits-s3' });
    await seedBucket(ctx.clients.s3, 'fits-bucket', {
      policy: customerPolicy('fits-bucket'),
      block: { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false },
    });
    const params = isolateS3Bucket.params.parse({});
    const seeded = recorder.commands.length;

    // Act
    const applied = await isolateS3Bucket.apply(ctx, bucketResource('fits-bucket'), params);
    const released = await isolateS3Bucket.release(ctx, bucketResource('fits-bucket'), params, applied);
    // S3 sets aws:ResourceAccount to the bucket owner's account (the bucket ARN names none).
    const requests = recorder.commands.slice(seeded).map(
      (c): AuthRequest => ({
        action: c.iamAction,
        resource: `arn:aws:s3:::${text(record(c.input)['Bucket'])}`,
        context: { 'aws:ResourceAccount': ACCOUNT },
      }),
    );
    const policy = committedPolicy();

    // Assess
    expect(applied.outcome, JSON.stringify(applied.steps)).toBe('succeeded');
    expect(released.outcome, JSON.stringify(released.steps)).toBe('succeeded');
    // Every permission but DeleteBucketPolicy (the bucket had a policy to put back).
    expect(new Set(requests.map((r) => r.action))).toEqual(
      new Set(isolateS3Bucket.permissions.filter((p) => p !== 's3:DeleteBucketPolicy')),
    );
    expect(requests.filter((r) => !allows(policy, r, ACCOUNT, MEMBER_ROLE))).toEqual([]);
    const elsewhere = requests.map((r) => ({ ...r, context: { 'aws:ResourceAccount': '999988887777' } }));
    expect(elsewhere.filter((r) => allows(policy, r, ACCOUNT, MEMBER_ROLE))).toEqual([]);
  });

  it.each<[string, AuthRequest]>([
    [
      'rule changes on a group that is not tagged as cordon’s',
      { action: 'ec2:AuthorizeSecurityGroupIngress', resource: ec2Arn('security-group', 'sg-app'), context: {} },
    ],
    [
      'rule changes on a group tagged with another cordon:role value',
      {
        action: 'ec2:RevokeSecurityGroupIngress',
        resource: ec2Arn('security-group', 'sg-app'),
        context: { [`aws:ResourceTag/${ROLE_TAG}`]: 'web' },
      },
    ],
    [
      'rule changes on another account’s group',
      {
        action: 'ec2:AuthorizeSecurityGroupEgress',
        resource: `arn:aws:ec2:${REGION}:999999999999:security-group/sg-x`,
        context: { [`aws:ResourceTag/${ROLE_TAG}`]: 'isolation' },
      },
    ],
    [
      'creating a group without the cordon tag',
      { action: 'ec2:CreateSecurityGroup', resource: ec2Arn('security-group', 'sg-new'), context: {} },
    ],
    [
      'tagging an existing group as cordon’s',
      {
        action: 'ec2:CreateTags',
        resource: ec2Arn('security-group', 'sg-app'),
        context: tagContext({ [ROLE_TAG]: 'isolation' }),
      },
    ],
    [
      'tagging a group being created with other keys',
      {
        action: 'ec2:CreateTags',
        resource: ec2Arn('security-group', 'sg-new'),
        context: { ...tagContext({ [ROLE_TAG]: 'isolation', owner: 'x' }), 'ec2:CreateAction': 'CreateSecurityGroup' },
      },
    ],
    [
      'a non-cordon tag on an instance',
      { action: 'ec2:CreateTags', resource: ec2Arn('instance', 'i-1'), context: tagContext({ Name: 'x' }) },
    ],
    [
      'deleting every tag of an instance (DeleteTags without keys)',
      { action: 'ec2:DeleteTags', resource: ec2Arn('instance', 'i-1'), context: {} },
    ],
    [
      'tagging an existing snapshot',
      { action: 'ec2:CreateTags', resource: `arn:aws:ec2:${REGION}::snapshot/snap-1`, context: tagContext({ a: 'b' }) },
    ],
    [
      'passing a role to another service',
      {
        action: 'iam:PassRole',
        resource: iamArn('role', 'web'),
        context: { 'iam:PassedToService': 'lambda.amazonaws.com', 'iam:AssociatedResourceArn': ec2Arn('instance', 'i-1') },
      },
    ],
    [
      'passing a role for another account’s instance',
      {
        action: 'iam:PassRole',
        resource: iamArn('role', 'web'),
        context: {
          'iam:PassedToService': 'ec2.amazonaws.com',
          'iam:AssociatedResourceArn': `arn:aws:ec2:${REGION}:999999999999:instance/i-1`,
        },
      },
    ],
    [
      'passing OrganizationAccountAccessRole',
      {
        action: 'iam:PassRole',
        resource: iamArn('role', 'OrganizationAccountAccessRole'),
        context: { 'iam:PassedToService': 'ec2.amazonaws.com', 'iam:AssociatedResourceArn': ec2Arn('instance', 'i-1') },
      },
    ],
    [
      'a session-revocation policy on OrganizationAccountAccessRole',
      { action: 'iam:PutRolePolicy', resource: iamArn('role', 'OrganizationAccountAccessRole'), context: {} },
    ],
    [
      'a policy on an IAM Identity Center role (aws-reserved)',
      {
        action: 'iam:PutRolePolicy',
        resource: iamArn('role', 'aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123'),
        context: {},
      },
    ],
    [
      'a policy on a service-linked role',
      { action: 'iam:DeleteRolePolicy', resource: iamArn('role', 'aws-service-role/x.amazonaws.com/AWSServiceRoleForX'), context: {} },
    ],
    ['a policy on the member role itself', { action: 'iam:PutRolePolicy', resource: iamArn('role', MEMBER_ROLE), context: {} }],
    ['a user policy put on a role', { action: 'iam:PutUserPolicy', resource: iamArn('role', 'web'), context: {} }],
    ['a role policy put on a user', { action: 'iam:PutRolePolicy', resource: iamArn('user', 'alice'), context: {} }],
    [
      'attaching a managed policy other than AWSDenyAll',
      {
        action: 'iam:AttachUserPolicy',
        resource: iamArn('user', 'alice'),
        context: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' },
      },
    ],
    [
      'a non-cordon tag on a user',
      { action: 'iam:TagUser', resource: iamArn('user', 'alice'), context: tagContext({ team: 'x' }) },
    ],
  ])('refuses %s', (_name, request) => {
    expect(allows(committedPolicy(), request, ACCOUNT, MEMBER_ROLE)).toBe(false);
  });

  it('still allows the cordon tags on users and instances, and session revocation on ordinary roles', () => {
    const policy = committedPolicy();
    expect(allows(policy, { action: 'iam:TagUser', resource: iamArn('user', 'alice'), context: tagContext({ 'cordon:isolation-id': 'x' }) }, ACCOUNT, MEMBER_ROLE)).toBe(true);
    expect(allows(policy, { action: 'iam:UntagUser', resource: iamArn('user', 'alice'), context: { 'aws:TagKeys': ['cordon:isolation-id'] } }, ACCOUNT, MEMBER_ROLE)).toBe(true);
    expect(allows(policy, { action: 'iam:PutRolePolicy', resource: iamArn('role', 'web'), context: {} }, ACCOUNT, MEMBER_ROLE)).toBe(true);
  });
});
