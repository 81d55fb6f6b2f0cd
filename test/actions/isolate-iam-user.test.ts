import { describe, expect, it } from 'vitest';
import {
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  TagUserCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { isolateIamUser } from '../../functions/lib/actions/isolate-iam-user/definition.js';
import { useMoto } from '../support/moto.js';
import { isMutating, motoActionContext } from './support/action-context.js';
import { seedUser, userPolicy, userResource, userState } from './support/iam-state.js';

// One emulator for the file and no reset between tests (a reset costs seconds): each test has its own user.
const moto = useMoto({ resetEach: false });
let counter = 0;
const freshName = (base: string): string => `${base}-${++counter}`;

/** Deny-all, sparing the test guard's exempt-tagged and protected principals. */
const DENY_ALL = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'CordonDenyAll',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: {
        StringNotEquals: { 'aws:PrincipalTag/cordon:exempt': 'true' },
        StringNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:user/breakglass-*'] },
      },
    },
  ],
};
const defaults = isolateIamUser.params.parse({});

function statuses(result: { steps: { name: string; status: string }[] }): Record<string, string> {
  return Object.fromEntries(result.steps.map((s) => [s.name, s.status]));
}

async function deleteUser(iam: IAMClient, userName: string, keyIds: string[]): Promise<void> {
  for (const AccessKeyId of keyIds)
    await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId }));
  await iam.send(new DeleteLoginProfileCommand({ UserName: userName }));
  await iam.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: 'customer-read' }));
  await iam.send(new DeleteUserCommand({ UserName: userName }));
}

/** An IAM service error as the SDK raises it. */
function iamError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  Object.assign(error, { $fault: 'client', $metadata: { httpStatusCode: 409, requestId: 'injected' } });
  return error;
}

/** IAM's answer to a PutUserPolicy that would take the user's inline policies past 2,048 characters. */
function inlineQuotaExceeded(userName: string): () => Error {
  return () =>
    iamError('LimitExceededException', `Maximum policy size of 2048 bytes exceeded for user ${userName}`);
}

describe('Action: isolate-iam-user', () => {
  it('denies everything, deactivates the active key and tags the user, keeping the password', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const name = freshName('alice');
    const user = await seedUser(ctx.clients.iam, name);

    // Act
    const result = await isolateIamUser.apply(ctx, userResource(name), defaults);

    // Assess
    expect(result.outcome).toBe('succeeded');
    expect(result.containedAt).toBe('2026-11-28T07:00:00.000Z');
    expect(statuses(result)).toEqual({
      'capture-user-state': 'done',
      'attach-deny-all-policy': 'done',
      'deactivate-access-keys': 'done',
      'deactivate-incident-credentials': 'skipped',
      'remove-console-password': 'skipped',
      'tag-user': 'done',
    });
    const state = await userState(ctx.clients.iam, name);
    expect(state.keys).toEqual({ [user.activeKeyId]: 'Inactive', [user.inactiveKeyId]: 'Inactive' });
    expect(state.policies).toEqual(['cordon-deny-all', 'customer-read']);
    expect(await userPolicy(ctx.clients.iam, name, 'cordon-deny-all')).toEqual(DENY_ALL);
    expect(state.tags).toEqual({
      team: 'payments',
      'cordon:isolation-id': 'iso-0001',
      'cordon:isolated-at': '2026-11-28T07:00:00.000Z',
    });
    expect(state.password).toBe(true);
    expect(result.before['iamUser']).toMatchObject({
      userName: name,
      arn: `arn:aws:iam::123456789012:user/${name}`,
      accessKeys: expect.arrayContaining([
        { accessKeyId: user.activeKeyId, status: 'Active' },
        { accessKeyId: user.inactiveKeyId, status: 'Inactive' },
      ]),
      consolePassword: true,
    });
  });

  it('sends the deny-all policy as its first call, in the same round trip as the state read', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('alice');
    await seedUser(ctx.clients.iam, name);
    recorder.clear();

    // Act
    await isolateIamUser.apply(ctx, userResource(name), defaults);

    // Assess
    const commands = recorder.commands.map((c) => c.command);
    expect(commands[0]).toBe('PutUserPolicy');
    // Reads of the first round trip are sent before any of them returns; key changes only after.
    const firstKeyChange = commands.indexOf('UpdateAccessKey');
    expect(commands.slice(0, firstKeyChange)).toEqual([
      'PutUserPolicy',
      'GetUser',
      'ListAccessKeys',
      'GetLoginProfile',
      'ListSSHPublicKeys',
      'ListSigningCertificates',
      'ListMFADevices',
    ]);
    expect(commands.filter((c) => isMutating(c))).toEqual(['PutUserPolicy', 'UpdateAccessKey', 'TagUser']);
  });

  it('changes nothing when applied again', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('alice');
    await seedUser(ctx.clients.iam, name);
    const first = await isolateIamUser.apply(ctx, userResource(name), defaults);
    const afterFirst = await userState(ctx.clients.iam, name);
    recorder.clear();

    // Act
    const second = await isolateIamUser.apply(ctx, userResource(name), defaults, first);

    // Assess
    expect(second.outcome).toBe('succeeded');
    expect(new Set(second.steps.map((s) => s.status))).toEqual(new Set(['skipped']));
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await userState(ctx.clients.iam, name)).toEqual(afterFirst);
    expect(second.before).toEqual(first.before);
  });

  it('restores exactly the keys that were active, removes only its policy and tags, and is idempotent', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('alice');
    const user = await seedUser(ctx.clients.iam, name);
    const original = await userState(ctx.clients.iam, name);
    const applied = await isolateIamUser.apply(ctx, userResource(name), defaults);

    // Act
    const released = await isolateIamUser.release(ctx, userResource(name), defaults, applied);
    const afterRelease = await userState(ctx.clients.iam, name);
    recorder.clear();
    const again = await isolateIamUser.release(ctx, userResource(name), defaults, applied);

    // Assess
    expect(released.outcome).toBe('succeeded');
    expect(statuses(released)).toEqual({
      'reactivate-access-keys': 'done',
      'restore-named-credentials': 'skipped',
      'remove-deny-all-policy': 'done',
      'untag-user': 'done',
    });
    expect(afterRelease).toEqual(original);
    expect(afterRelease.keys).toEqual({ [user.activeKeyId]: 'Active', [user.inactiveKeyId]: 'Inactive' });
    expect(again.outcome).toBe('succeeded');
    expect(new Set(again.steps.map((s) => s.status))).toEqual(new Set(['skipped']));
    expect(recorder.commands.filter((c) => isMutating(c.command))).toEqual([]);
    expect(await userState(ctx.clients.iam, name)).toEqual(original);
  });

  it('deletes the console password only when asked, and says release cannot restore it', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const name = freshName('alice');
    await seedUser(ctx.clients.iam, name);
    const params = isolateIamUser.params.parse({ removeConsoleAccess: true });

    // Act
    const applied = await isolateIamUser.apply(ctx, userResource(name), params);
    const afterApply = await userState(ctx.clients.iam, name);
    const released = await isolateIamUser.release(ctx, userResource(name), params, applied);

    // Assess
    expect(statuses(applied)['remove-console-password']).toBe('done');
    expect(afterApply.password).toBe(false);
    expect(applied.before['iamUser']).toMatchObject({
      consolePassword: true,
      consolePasswordDeletedAt: '2026-11-28T07:00:00.000Z',
    });
    expect(applied.warnings.join('\n')).toMatch(/release cannot restore it/);
    expect(released.outcome).toBe('succeeded');
    expect(released.warnings.join('\n')).toMatch(/cannot be restored/);
    expect((await userState(ctx.clients.iam, name)).password).toBe(false);
  });

  it('skips a user that no longer exists, on apply and on release', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('alice');
    const user = await seedUser(ctx.clients.iam, name);
    const applied = await isolateIamUser.apply(ctx, userResource(name), defaults);
    await ctx.clients.iam.send(
      new DeleteUserPolicyCommand({ UserName: name, PolicyName: 'cordon-deny-all' }),
    );
    await deleteUser(ctx.clients.iam, name, [user.activeKeyId, user.inactiveKeyId]);
    recorder.clear();

    // Act
    const reapplied = await isolateIamUser.apply(ctx, userResource(name), defaults);
    const released = await isolateIamUser.release(ctx, userResource(name), defaults, applied);

    // Assess
    expect(reapplied.outcome).toBe('skipped');
    expect(reapplied.detail).toMatch(/no longer exists.*NoSuchEntity/);
    expect(released.outcome).toBe('skipped');
    expect(released.detail).toMatch(/no longer exists/);
    // The deny-all goes out with the first read and fails with NoSuchEntity: nothing was changed.
    expect(recorder.commands.filter((c) => isMutating(c.command) && c.outcome === 'ok')).toEqual([]);
  });

  it('refuses a user that carries the exemption tag live, even when the finding shows no tags', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('alice');
    await seedUser(ctx.clients.iam, name, { 'cordon:exempt': 'true' });
    const before = await userState(ctx.clients.iam, name);
    recorder.clear();

    // Act
    const result = await isolateIamUser.apply(ctx, userResource(name), defaults);

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.containedAt).toBeUndefined();
    expect(result.detail).toMatch(
      /refused: exempt: tagged cordon:exempt=true \(removed the conditional cordon-deny-all/,
    );
    // The deny-all sent alongside the read spares exempt users by its own condition, and is removed again.
    const sent = recorder.commands.filter((c) => isMutating(c.command));
    expect(sent.map((c) => c.command)).toEqual(['PutUserPolicy', 'DeleteUserPolicy']);
    expect(JSON.parse(String((sent[0]?.input as { PolicyDocument?: string }).PolicyDocument))).toEqual(
      DENY_ALL,
    );
    expect(await userState(ctx.clients.iam, name)).toEqual(before);
  });

  it('falls back to AWSDenyAll when the inline policy quota is full, and detaches it on release', async () => {
    // Prepare
    const { ctx, recorder, faults } = motoActionContext(moto);
    const name = freshName('alice');
    const user = await seedUser(ctx.clients.iam, name);
    const original = await userState(ctx.clients.iam, name);
    faults.injectError('PutUserPolicy', inlineQuotaExceeded(name));
    recorder.clear();

    // Act
    const applied = await isolateIamUser.apply(ctx, userResource(name), defaults);
    const isolated = await userState(ctx.clients.iam, name);
    recorder.clear();
    const reapplied = await isolateIamUser.apply(ctx, userResource(name), defaults, applied);
    const reappliedCommands = recorder.commands.filter((c) => isMutating(c.command));
    const released = await isolateIamUser.release(ctx, userResource(name), defaults, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(faults.raised).toEqual(['PutUserPolicy:LimitExceededException']);
    const attach = applied.steps.find((st) => st.name === 'attach-deny-all-policy');
    expect(attach?.status).toBe('done');
    expect(attach?.detail).toMatch(/2,048-character quota.*arn:aws:iam::aws:policy\/AWSDenyAll/);
    expect(applied.warnings.join('\n')).toMatch(/AWSDenyAll/);
    expect(applied.before['managedDenyAll']).toEqual({ policyArn: 'arn:aws:iam::aws:policy/AWSDenyAll' });
    expect(isolated.attached).toEqual(['arn:aws:iam::aws:policy/AWSDenyAll']);
    expect(isolated.policies).toEqual(['customer-read']);
    expect(isolated.keys[user.activeKeyId]).toBe('Inactive');
    expect(reapplied.outcome).toBe('succeeded');
    expect(reappliedCommands).toEqual([]);
    expect(released.outcome).toBe('succeeded');
    expect(released.steps.find((st) => st.name === 'remove-deny-all-policy')?.detail).toBe(
      'detached managed policy arn:aws:iam::aws:policy/AWSDenyAll',
    );
    expect(await userState(ctx.clients.iam, name)).toEqual(original);
  });

  it('leaves an AWSDenyAll attached before the isolation in place on release', async () => {
    // Prepare
    const { ctx, faults } = motoActionContext(moto);
    const name = freshName('alice');
    await seedUser(ctx.clients.iam, name);
    await ctx.clients.iam.attachUserPolicy({
      UserName: name,
      PolicyArn: 'arn:aws:iam::aws:policy/AWSDenyAll',
    });
    const original = await userState(ctx.clients.iam, name);
    faults.injectError('PutUserPolicy', inlineQuotaExceeded(name));

    // Act
    const applied = await isolateIamUser.apply(ctx, userResource(name), defaults);
    const released = await isolateIamUser.release(ctx, userResource(name), defaults, applied);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    expect(applied.steps.find((st) => st.name === 'attach-deny-all-policy')).toMatchObject({
      status: 'skipped',
      detail: 'managed policy arn:aws:iam::aws:policy/AWSDenyAll is already attached',
    });
    expect(applied.before['managedDenyAll']).toBeUndefined();
    expect(released.outcome).toBe('succeeded');
    expect(await userState(ctx.clients.iam, name)).toEqual(original);
  });

  it('never attaches the unconditional AWSDenyAll to a user the live guards refuse', async () => {
    // Prepare
    const { ctx, recorder, faults } = motoActionContext(moto);
    const name = freshName('alice');
    await seedUser(ctx.clients.iam, name, { 'cordon:exempt': 'true' });
    const before = await userState(ctx.clients.iam, name);
    faults.injectError('PutUserPolicy', inlineQuotaExceeded(name));
    recorder.clear();

    // Act
    const result = await isolateIamUser.apply(ctx, userResource(name), defaults);

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.detail).toMatch(/refused: exempt/);
    expect(recorder.commands.filter((c) => c.outcome === 'ok' && isMutating(c.command))).toEqual([]);
    expect(await userState(ctx.clients.iam, name)).toEqual(before);
  });

  it('fails naming the step when neither the inline quota nor a managed-policy slot is left', async () => {
    // Prepare
    const { ctx, faults } = motoActionContext(moto);
    const name = freshName('alice');
    await seedUser(ctx.clients.iam, name);
    faults
      .injectError('PutUserPolicy', inlineQuotaExceeded(name))
      .injectError('AttachUserPolicy', () =>
        iamError('LimitExceededException', 'Cannot exceed quota for PoliciesPerUser: 10'),
      );

    // Act
    const result = await isolateIamUser.apply(ctx, userResource(name), defaults);

    // Assess
    expect(result.outcome).toBe('failed');
    expect(result.failedStep).toBe('attach-deny-all-policy');
    expect(result.error).toMatchObject({ code: 'LimitExceededException' });
    expect(result.error?.message).toMatch(/PoliciesPerUser/);
  });

  it('refuses a protected user before sending any AWS call', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = freshName('breakglass-admin');
    await seedUser(ctx.clients.iam, name);
    recorder.clear();

    // Act
    const result = await isolateIamUser.apply(ctx, userResource(name), defaults);

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(result.detail).toMatch(/refused: protected/);
    expect(recorder.count()).toBe(0);
  });

  it('leaves tags that belong to another isolation in place on release', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const name = freshName('alice');
    await seedUser(ctx.clients.iam, name);
    const applied = await isolateIamUser.apply(ctx, userResource(name), defaults);
    await ctx.clients.iam.send(
      new TagUserCommand({ UserName: name, Tags: [{ Key: 'cordon:isolation-id', Value: 'iso-other' }] }),
    );

    // Act
    const released = await isolateIamUser.release(ctx, userResource(name), defaults, applied);

    // Assess
    expect(released.steps.find((s) => s.name === 'untag-user')).toMatchObject({
      status: 'skipped',
      detail: expect.stringMatching(/another isolation \(iso-other\)/),
    });
    expect((await userState(ctx.clients.iam, name)).tags['cordon:isolation-id']).toBe('iso-other');
  });
});
