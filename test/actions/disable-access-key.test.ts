import { describe, expect, it } from 'vitest';
import { DeleteAccessKeyCommand } from '@aws-sdk/client-iam';
import { disableAccessKey } from '../../functions/lib/actions/disable-access-key/definition.js';
import { useMoto } from '../support/moto.js';
import { isMutating, motoActionContext } from './support/action-context.js';
import { accessKeyResource, seedUser, userPolicy, userState } from './support/iam-state.js';

// One emulator for the file and no reset between tests (a reset costs seconds): each test has its own user.
const moto = useMoto({ resetEach: false });
let counter = 0;
const freshName = (base: string): string => `${base}-${++counter}`;

function statuses(result: { steps: { name: string; status: string }[] }): Record<string, string> {
  return Object.fromEntries(result.steps.map((s) => [s.name, s.status]));
}

describe('Action: disable-access-key', () => {
  it('deactivates only the named key and reactivates it on release', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('bob');
    const user = await seedUser(ctx.clients.iam, name);
    const original = await userState(ctx.clients.iam, name);
    const key = accessKeyResource(name, user.activeKeyId);
    const params = disableAccessKey.params.parse({});

    // Act
    const applied = await disableAccessKey.apply(ctx, key, params);
    const afterApply = await userState(ctx.clients.iam, name);
    recorder.clear();
    const reapplied = await disableAccessKey.apply(ctx, key, params, applied);
    const mutationsOnReapply = recorder.commands.filter((c) => isMutating(c.command));
    const released = await disableAccessKey.release(ctx, key, params, applied);
    const afterRelease = await userState(ctx.clients.iam, name);
    recorder.clear();
    const releasedAgain = await disableAccessKey.release(ctx, key, params, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(statuses(applied)).toEqual({
      'capture-key-state': 'done',
      'deactivate-access-key': 'done',
      'deny-older-sessions': 'skipped',
    });
    expect(applied.before['accessKey']).toEqual({
      accessKeyId: user.activeKeyId,
      userName: name,
      status: 'Active',
    });
    expect(afterApply).toEqual({ ...original, keys: { ...original.keys, [user.activeKeyId]: 'Inactive' } });
    expect(reapplied.outcome).toBe('succeeded');
    expect(new Set(reapplied.steps.map((s) => s.status))).toEqual(new Set(['skipped']));
    expect(mutationsOnReapply).toEqual([]);
    expect(released.outcome).toBe('succeeded');
    expect(statuses(released)).toEqual({
      'reactivate-access-key': 'done',
      'remove-deny-older-sessions': 'skipped',
    });
    expect(afterRelease).toEqual(original);
    expect(releasedAgain.outcome).toBe('succeeded');
    expect(new Set(releasedAgain.steps.map((s) => s.status))).toEqual(new Set(['skipped']));
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await userState(ctx.clients.iam, name)).toEqual(original);
  });

  it('denies sessions issued before now when asked, and removes only its own policy on release', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const name = freshName('bob');
    const user = await seedUser(ctx.clients.iam, name);
    const original = await userState(ctx.clients.iam, name);
    const key = accessKeyResource(name, user.activeKeyId);
    const params = disableAccessKey.params.parse({ denyOlderSessions: true });

    // Act
    const applied = await disableAccessKey.apply(ctx, key, params);
    const afterApply = await userState(ctx.clients.iam, name);
    const document = await userPolicy(ctx.clients.iam, name, 'cordon-revoke-older-sessions-iso-0001');
    const reapplied = await disableAccessKey.apply(ctx, key, params, applied);
    const released = await disableAccessKey.release(ctx, key, params, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(statuses(applied)['deny-older-sessions']).toBe('done');
    expect(afterApply.policies).toEqual(['cordon-revoke-older-sessions-iso-0001', 'customer-read']);
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
    expect(applied.before['accessKey']).toMatchObject({
      denyOlderSessionsIssuedBefore: '2026-11-28T07:00:00.000Z',
    });
    expect(new Set(reapplied.steps.map((s) => s.status))).toEqual(new Set(['skipped']));
    expect(released.outcome).toBe('succeeded');
    expect(statuses(released)).toEqual({
      'reactivate-access-key': 'done',
      'remove-deny-older-sessions': 'done',
    });
    expect(await userState(ctx.clients.iam, name)).toEqual(original);
  });

  it("contains an IAM user's temporary ASIA key with the session deny, even without denyOlderSessions", async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('console');
    await seedUser(ctx.clients.iam, name);
    const original = await userState(ctx.clients.iam, name);
    const key = accessKeyResource(name, 'ASIAEXAMPLETEMPKEY01');
    const params = disableAccessKey.params.parse({});

    // Act
    const applied = await disableAccessKey.apply(ctx, key, params);
    const document = await userPolicy(ctx.clients.iam, name, 'cordon-revoke-older-sessions-iso-0001');
    const afterApply = await userState(ctx.clients.iam, name);
    recorder.clear();
    const reapplied = await disableAccessKey.apply(ctx, key, params, applied);
    const mutationsOnReapply = recorder.commands.filter((c) => isMutating(c.command));
    const released = await disableAccessKey.release(ctx, key, params, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(statuses(applied)).toEqual({
      'capture-key-state': 'done',
      'deactivate-access-key': 'skipped',
      'deny-older-sessions': 'done',
    });
    expect(applied.steps.find((s) => s.name === 'deny-older-sessions')?.detail).toMatch(
      /^denied sessions issued before 2026-11-28T07:00:00.000Z/,
    );
    expect(applied.before['accessKey']).toEqual({
      accessKeyId: 'ASIAEXAMPLETEMPKEY01',
      userName: name,
      status: 'Temporary',
      temporary: true,
      denyOlderSessionsIssuedBefore: '2026-11-28T07:00:00.000Z',
    });
    expect(document).toMatchObject({
      Statement: [
        { Effect: 'Deny', Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-11-28T07:00:00.000Z' } } },
      ],
    });
    expect(afterApply.keys).toEqual(original.keys);
    expect(mutationsOnReapply).toEqual([]);
    expect(new Set(reapplied.steps.map((s) => s.status))).toEqual(new Set(['skipped']));
    expect(released.outcome).toBe('succeeded');
    expect(statuses(released)).toEqual({
      'reactivate-access-key': 'skipped',
      'remove-deny-older-sessions': 'done',
    });
    expect(await userState(ctx.clients.iam, name)).toEqual(original);
  });

  it('leaves a key that was already inactive inactive on release', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const name = freshName('bob');
    const user = await seedUser(ctx.clients.iam, name);
    const key = accessKeyResource(name, user.inactiveKeyId);
    const params = disableAccessKey.params.parse({});

    // Act
    const applied = await disableAccessKey.apply(ctx, key, params);
    const released = await disableAccessKey.release(ctx, key, params, applied);

    // Assess
    expect(statuses(applied)['deactivate-access-key']).toBe('skipped');
    expect(released.steps.find((s) => s.name === 'reactivate-access-key')?.detail).toMatch(
      /was Inactive before/,
    );
    expect((await userState(ctx.clients.iam, name)).keys[user.inactiveKeyId]).toBe('Inactive');
  });

  it('skips a key or a user that no longer exists', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('bob');
    const user = await seedUser(ctx.clients.iam, name);
    await ctx.clients.iam.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: user.activeKeyId }));
    recorder.clear();
    const params = disableAccessKey.params.parse({ denyOlderSessions: true });

    // Act
    const deletedKey = await disableAccessKey.apply(ctx, accessKeyResource(name, user.activeKeyId), params);
    const deletedUser = await disableAccessKey.apply(
      ctx,
      accessKeyResource('nobody-here', 'AKIAEXAMPLE0000000'),
      params,
    );

    // Assess
    expect(deletedKey.outcome).toBe('skipped');
    expect(deletedKey.detail).toMatch(/no longer exists/);
    expect(deletedUser.outcome).toBe('skipped');
    expect(deletedUser.detail).toMatch(/no longer exists/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
  });

  it('refuses the key of a user carrying the exemption tag', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('bob');
    const user = await seedUser(ctx.clients.iam, name, { 'cordon:exempt': 'true' });
    recorder.clear();

    // Act
    const result = await disableAccessKey.apply(
      ctx,
      accessKeyResource(name, user.activeKeyId),
      disableAccessKey.params.parse({}),
    );

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.detail).toMatch(/refused: exempt/);
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect((await userState(ctx.clients.iam, name)).keys[user.activeKeyId]).toBe('Active');
  });

  it("keeps the other isolation's cut-off when two keys of one user are contained and one is released", async () => {
    // Prepare: both keys compromised, each contained by its own isolation
    const first = motoActionContext(moto, { isolationId: 'iso-key-1' });
    const second = motoActionContext(moto, { isolationId: 'iso-key-2' });
    const name = freshName('alice');
    const user = await seedUser(first.ctx.clients.iam, name);
    await first.ctx.clients.iam.updateAccessKey({
      UserName: name,
      AccessKeyId: user.inactiveKeyId,
      Status: 'Active',
    });
    const params = disableAccessKey.params.parse({ denyOlderSessions: true });
    const firstKey = accessKeyResource(name, user.activeKeyId);
    const secondKey = accessKeyResource(name, user.inactiveKeyId);
    const firstApplied = await disableAccessKey.apply(first.ctx, firstKey, params);
    const secondApplied = await disableAccessKey.apply(second.ctx, secondKey, params);

    // Act
    const released = await disableAccessKey.release(first.ctx, firstKey, params, firstApplied);
    const state = await userState(first.ctx.clients.iam, name);

    // Assess
    expect(firstApplied.outcome).toBe('succeeded');
    expect(secondApplied.outcome).toBe('succeeded');
    expect(released.outcome).toBe('succeeded');
    expect(state.policies).toEqual(['cordon-revoke-older-sessions-iso-key-2', 'customer-read']);
    expect(state.keys).toEqual({ [user.activeKeyId]: 'Active', [user.inactiveKeyId]: 'Inactive' });
  });
});
