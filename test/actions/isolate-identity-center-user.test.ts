/**
 * isolate-identity-center-user against moto's sso-admin and identitystore (moto 5 emulates both: instances,
 * users, groups, memberships, permission sets, inline policies, account assignments and ProvisionPermissionSet).
 * Faults are injected with the project's FaultInjector (SDK middleware), not mocks.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { isolateIdentityCenterUser } from '../../functions/lib/actions/isolate-identity-center-user/definition.js';
import type { ActionState } from '../../functions/lib/actions/contract.js';
import { useMoto } from '../support/moto.js';
import { motoActionContext } from './support/action-context.js';
import {
  CUSTOMER_INLINE_POLICY,
  GROUP_ACCOUNT,
  SEEN_ACCOUNT,
  identityCenterUserResource,
  inlinePolicies,
  seedIdentityCenter,
  userDenies,
} from './support/identity-center-state.js';

const moto = useMoto();
const params = isolateIdentityCenterUser.params.parse({});

async function provisioned(
  ctx: ReturnType<typeof motoActionContext>['ctx'],
  instanceArn: string,
): Promise<string[]> {
  const output = await ctx.clients.ssoAdmin.listPermissionSetsProvisionedToAccount({
    InstanceArn: instanceArn,
    AccountId: SEEN_ACCOUNT,
  });
  return output.PermissionSets ?? [];
}

function state(result: { steps: ActionState['steps']; before: ActionState['before'] }): ActionState {
  return { steps: result.steps, before: result.before };
}

describe('isolate-identity-center-user', () => {
  it('denies the user in every permission set that reaches them, directly or through a group, and provisions each', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const seeded = await seedIdentityCenter(ctx.clients.ssoAdmin, ctx.clients.identityStore);

    // Act
    const result = await isolateIdentityCenterUser.apply(ctx, identityCenterUserResource(), params);

    // Assess
    expect(result.outcome).toBe('succeeded');
    const policies = await inlinePolicies(ctx.clients.ssoAdmin, seeded);
    expect(userDenies(policies['AdministratorAccess'] ?? '', seeded.userId)).toHaveLength(1);
    expect(userDenies(policies['ReadOnly'] ?? '', seeded.userId)).toHaveLength(1);
    expect(policies['Billing']).toBe('');
    // The customer's own statement is still there, next to cordon's.
    expect(policies['AdministratorAccess']).toContain('"Sid":"NoIamUsers"');
    const pushed = await provisioned(ctx, seeded.instanceArn);
    expect(pushed).toEqual(
      expect.arrayContaining([seeded.sets['AdministratorAccess'], seeded.sets['ReadOnly']]),
    );
    expect(pushed).not.toContain(seeded.sets['Billing']);
    expect(recorder.commands.filter((c) => c.command === 'ProvisionPermissionSet')).toHaveLength(2);
    expect(result.before['identityCenter']).toMatchObject({
      userId: seeded.userId,
      userName: 'alice@example.com',
    });
    expect(result.before['permissionSets']).toEqual({
      [seeded.sets['AdministratorAccess'] ?? '']: {
        name: 'AdministratorAccess',
        inlinePolicy: CUSTOMER_INLINE_POLICY,
        accounts: [SEEN_ACCOUNT],
      },
      [seeded.sets['ReadOnly'] ?? '']: { name: 'ReadOnly', inlinePolicy: '', accounts: [GROUP_ACCOUNT] },
    });
    expect(result.containedAt).toBeDefined();
  });

  it('release puts every inline policy back exactly as it was, and provisions again', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const seeded = await seedIdentityCenter(ctx.clients.ssoAdmin, ctx.clients.identityStore);
    const before = await inlinePolicies(ctx.clients.ssoAdmin, seeded);
    const applied = await isolateIdentityCenterUser.apply(ctx, identityCenterUserResource(), params);
    recorder.clear();

    // Act
    const released = await isolateIdentityCenterUser.release(
      ctx,
      identityCenterUserResource(),
      params,
      state(applied),
    );

    // Assess
    expect(released.outcome).toBe('succeeded');
    expect(await inlinePolicies(ctx.clients.ssoAdmin, seeded)).toEqual(before);
    expect(recorder.commands.filter((c) => c.command === 'ProvisionPermissionSet')).toHaveLength(2);
    expect(recorder.commands.map((c) => c.command)).toContain('DeleteInlinePolicyFromPermissionSet');
  });

  it('a second run changes nothing: the deny is added once', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const seeded = await seedIdentityCenter(ctx.clients.ssoAdmin, ctx.clients.identityStore);
    const first = await isolateIdentityCenterUser.apply(ctx, identityCenterUserResource(), params);
    recorder.clear();

    // Act
    const second = await isolateIdentityCenterUser.apply(
      ctx,
      identityCenterUserResource(),
      params,
      state(first),
    );

    // Assess
    expect(second.outcome).toBe('succeeded');
    expect(recorder.commands.filter((c) => c.command === 'PutInlinePolicyToPermissionSet')).toEqual([]);
    expect(second.before).toEqual(first.before);
    const policies = await inlinePolicies(ctx.clients.ssoAdmin, seeded);
    expect(userDenies(policies['AdministratorAccess'] ?? '', seeded.userId)).toHaveLength(1);
  });

  it('a refused put leaves each permission set denied or exactly as it was; the resumed run completes and release restores', async () => {
    // Prepare
    const { ctx, faults } = motoActionContext(moto);
    const seeded = await seedIdentityCenter(ctx.clients.ssoAdmin, ctx.clients.identityStore);
    const before = await inlinePolicies(ctx.clients.ssoAdmin, seeded);
    faults.inject('PutInlinePolicyToPermissionSet', 'access-denied', 1);

    // Act
    const failed = await isolateIdentityCenterUser.apply(ctx, identityCenterUserResource(), params);

    // Assess: FAILED names the step and the permission; each set is denied or untouched, never half-written.
    expect(failed.outcome).toBe('failed');
    expect(failed.failedStep).toBe('deny-in-permission-sets');
    expect(failed.error?.message).toContain('sso:PutInlinePolicyToPermissionSet');
    const during = await inlinePolicies(ctx.clients.ssoAdmin, seeded);
    for (const name of ['AdministratorAccess', 'ReadOnly']) {
      const denied = userDenies(during[name] ?? '', seeded.userId).length === 1;
      expect(denied || during[name] === before[name], name).toBe(true);
    }
    expect(during['Billing']).toBe('');

    // Act: the retry resumes from the record.
    const resumed = await isolateIdentityCenterUser.apply(
      ctx,
      identityCenterUserResource(),
      params,
      state(failed),
    );
    const released = await isolateIdentityCenterUser.release(
      ctx,
      identityCenterUserResource(),
      params,
      state(resumed),
    );

    // Assess
    expect(resumed.outcome).toBe('succeeded');
    expect(resumed.before).toMatchObject(failed.before);
    expect(released.outcome).toBe('succeeded');
    expect(await inlinePolicies(ctx.clients.ssoAdmin, seeded)).toEqual(before);
  });

  it('a failed provisioning ends FAILED with the deny kept in the permission sets (fail-safe), and release still restores', async () => {
    // Prepare
    const { ctx, faults } = motoActionContext(moto);
    const seeded = await seedIdentityCenter(ctx.clients.ssoAdmin, ctx.clients.identityStore);
    const before = await inlinePolicies(ctx.clients.ssoAdmin, seeded);
    faults.inject('ProvisionPermissionSet', 'server-error', 1);

    // Act
    const failed = await isolateIdentityCenterUser.apply(ctx, identityCenterUserResource(), params);
    const during = await inlinePolicies(ctx.clients.ssoAdmin, seeded);
    const released = await isolateIdentityCenterUser.release(
      ctx,
      identityCenterUserResource(),
      params,
      state(failed),
    );

    // Assess
    expect(failed.outcome).toBe('failed');
    expect(failed.failedStep).toBe('provision-permission-sets');
    expect(failed.containedAt).toBeUndefined();
    expect(userDenies(during['AdministratorAccess'] ?? '', seeded.userId)).toHaveLength(1);
    expect(userDenies(during['ReadOnly'] ?? '', seeded.userId)).toHaveLength(1);
    expect(released.outcome).toBe('succeeded');
    expect(await inlinePolicies(ctx.clients.ssoAdmin, seeded)).toEqual(before);
  });

  it('also denies the permission set the session was seen on when it is no longer assigned to the user', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const seeded = await seedIdentityCenter(ctx.clients.ssoAdmin, ctx.clients.identityStore, {
      assignDirect: false,
    });

    // Act
    const result = await isolateIdentityCenterUser.apply(ctx, identityCenterUserResource(), params);

    // Assess
    expect(result.outcome).toBe('succeeded');
    const policies = await inlinePolicies(ctx.clients.ssoAdmin, seeded);
    expect(userDenies(policies['AdministratorAccess'] ?? '', seeded.userId)).toHaveLength(1);
    expect(userDenies(policies['ReadOnly'] ?? '', seeded.userId)).toHaveLength(1);
  });

  it('release keeps a change someone made to the policy after the isolation and removes only its own statement', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const seeded = await seedIdentityCenter(ctx.clients.ssoAdmin, ctx.clients.identityStore, {
      assignGroup: false,
    });
    const applied = await isolateIdentityCenterUser.apply(ctx, identityCenterUserResource(), params);
    const live = await inlinePolicies(ctx.clients.ssoAdmin, seeded);
    const edited = z
      .looseObject({ Statement: z.array(z.unknown()) })
      .parse(JSON.parse(live['AdministratorAccess'] ?? '{}'));
    edited.Statement.push({ Sid: 'AddedLater', Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' });
    await ctx.clients.ssoAdmin.putInlinePolicyToPermissionSet({
      InstanceArn: seeded.instanceArn,
      PermissionSetArn: seeded.sets['AdministratorAccess'],
      InlinePolicy: JSON.stringify(edited),
    });

    // Act
    const released = await isolateIdentityCenterUser.release(
      ctx,
      identityCenterUserResource(),
      params,
      state(applied),
    );

    // Assess
    expect(released.outcome).toBe('succeeded');
    expect(released.warnings.join(' ')).toContain('changed since the isolation');
    const after = await inlinePolicies(ctx.clients.ssoAdmin, seeded);
    expect(userDenies(after['AdministratorAccess'] ?? '', seeded.userId)).toEqual([]);
    expect(after['AdministratorAccess']).toContain('AddedLater');
    expect(after['AdministratorAccess']).toContain('NoIamUsers');
  });

  it('ends skipped, touching nothing, when no Identity Center user has the session name', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const seeded = await seedIdentityCenter(ctx.clients.ssoAdmin, ctx.clients.identityStore);
    const before = await inlinePolicies(ctx.clients.ssoAdmin, seeded);
    recorder.clear();

    // Act
    const result = await isolateIdentityCenterUser.apply(
      ctx,
      identityCenterUserResource('mallory@example.com'),
      params,
    );

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.detail).toContain('mallory@example.com');
    expect(recorder.commands.filter((c) => !/^(Get|List|Describe)/.test(c.command))).toEqual([]);
    expect(await inlinePolicies(ctx.clients.ssoAdmin, seeded)).toEqual(before);
  });

  it('is refused, touching nothing, when the session matches a protected ARN', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto, {
      guard: {
        exemptionTag: { key: 'cordon:exempt', value: 'true' },
        protectedArns: ['arn:aws:sts::*:assumed-role/AWSReservedSSO_*'],
        cordonResourcePrefix: 'cordon',
        memberRoleName: 'cordon-member',
      },
    });
    await seedIdentityCenter(ctx.clients.ssoAdmin, ctx.clients.identityStore);
    recorder.clear();

    // Act
    const result = await isolateIdentityCenterUser.apply(ctx, identityCenterUserResource(), params);

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.detail).toContain('protected');
    expect(recorder.commands).toEqual([]);
  });
});
