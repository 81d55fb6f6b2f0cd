import { describe, expect, it } from 'vitest';
import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand } from '@aws-sdk/client-iam';
import { revokeRoleSessions } from '../../functions/lib/actions/revoke-role-sessions/definition.js';
import { useMoto } from '../support/moto.js';
import { isMutating, motoActionContext } from './support/action-context.js';
import { rolePolicy, roleResource, roleState, seedRole } from './support/iam-state.js';

// One emulator for the file and no reset between tests (a reset costs seconds): each test has its own role.
const moto = useMoto({ resetEach: false });
let counter = 0;
const freshName = (base: string): string => `${base}-${++counter}`;
const params = revokeRoleSessions.params.parse({});

describe('Action: revoke-role-sessions', () => {
  it('denies sessions issued before now and removes only its own policy on release', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('app-role');
    await seedRole(ctx.clients.iam, name);
    const original = await roleState(ctx.clients.iam, name);

    // Act
    const applied = await revokeRoleSessions.apply(ctx, roleResource(name), params);
    const afterApply = await roleState(ctx.clients.iam, name);
    const document = await rolePolicy(ctx.clients.iam, name, 'cordon-revoke-older-sessions-iso-0001');
    recorder.clear();
    const reapplied = await revokeRoleSessions.apply(ctx, roleResource(name), params, applied);
    const mutationsOnReapply = recorder.commands.filter((c) => isMutating(c.command));
    const released = await revokeRoleSessions.release(ctx, roleResource(name), params, applied);
    const afterRelease = await roleState(ctx.clients.iam, name);
    recorder.clear();
    const releasedAgain = await revokeRoleSessions.release(ctx, roleResource(name), params, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(applied.containedAt).toBeDefined();
    expect(afterApply.policies).toEqual([
      'AWSRevokeOlderSessions',
      'cordon-revoke-older-sessions-iso-0001',
      'customer-read',
    ]);
    expect(document).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CordonRevokeOlderSessions',
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-11-28T07:00:00.000Z' } },
        },
      ],
    });
    expect(applied.before['iamRole']).toEqual({
      roleName: name,
      arn: `arn:aws:iam::123456789012:role/${name}`,
      issuedBefore: '2026-11-28T07:00:00.000Z',
    });
    expect(applied.warnings.join('\n')).toMatch(/including legitimate ones/);
    expect(reapplied.outcome).toBe('succeeded');
    expect(new Set(reapplied.steps.map((s) => s.status))).toEqual(new Set(['skipped']));
    expect(mutationsOnReapply).toEqual([]);
    expect(released.outcome).toBe('succeeded');
    expect(released.steps.map((s) => [s.name, s.status])).toEqual([['remove-deny-older-sessions', 'done']]);
    expect(afterRelease).toEqual(original);
    expect(releasedAgain.outcome).toBe('succeeded');
    expect(releasedAgain.steps.map((s) => s.status)).toEqual(['skipped']);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await roleState(ctx.clients.iam, name)).toEqual(original);
  });

  it('refuses a service-linked role, recognised by its live path', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('ElasticSearchLinked');
    await ctx.clients.iam.send(
      new CreateRoleCommand({
        RoleName: name,
        Path: '/aws-service-role/es.amazonaws.com/',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      }),
    );
    recorder.clear();

    // Act
    const result = await revokeRoleSessions.apply(ctx, roleResource(name), params);

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.detail).toMatch(/refused: .*service-linked/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
  });

  it("refuses cordon's own member role without calling AWS", async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);

    // Act
    const result = await revokeRoleSessions.apply(ctx, roleResource('cordon-member'), params);

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.detail).toMatch(/belongs to cordon/);
    expect(recorder.count()).toBe(0);
  });

  it('skips a role that no longer exists, on apply and on release', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('app-role');
    await seedRole(ctx.clients.iam, name);
    const applied = await revokeRoleSessions.apply(ctx, roleResource(name), params);
    for (const PolicyName of [
      'customer-read',
      'AWSRevokeOlderSessions',
      'cordon-revoke-older-sessions-iso-0001',
    ]) {
      await ctx.clients.iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName }));
    }
    await ctx.clients.iam.send(new DeleteRoleCommand({ RoleName: name }));
    recorder.clear();

    // Act
    const reapplied = await revokeRoleSessions.apply(ctx, roleResource(name), params);
    const released = await revokeRoleSessions.release(ctx, roleResource(name), params, applied);

    // Assess
    expect(reapplied.outcome).toBe('skipped');
    expect(reapplied.detail).toMatch(/no longer exists/);
    expect(released.outcome).toBe('skipped');
    expect(released.detail).toMatch(/no longer exists/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
  });
});
