import { describe, expect, it } from 'vitest';
import { isolateIamUser } from '../../functions/lib/actions/isolate-iam-user/definition.js';
import { useMoto } from '../support/moto.js';
import { motoActionContext } from './support/action-context.js';
import {
  latestCredentialTime,
  otherCredentials,
  seedAttackerCredentials,
  seedUser,
  userResource,
  userState,
} from './support/iam-state.js';

const moto = useMoto({ resetEach: false });
let counter = 0;
const freshName = (base: string): string => `${base}-${++counter}`;

/** A user with an old active key, then (inside the incident window) the attacker's key and SSH key. */
async function compromisedUser(ctx: ReturnType<typeof motoActionContext>['ctx'], name: string) {
  const user = await seedUser(ctx.clients.iam, name);
  // Two keys is IAM's limit: make room for the attacker's.
  await ctx.clients.iam.deleteAccessKey({ UserName: name, AccessKeyId: user.inactiveKeyId });
  // The window opens after everything the user had, so only the attacker's credentials fall inside it.
  const windowStart = new Date((await latestCredentialTime(ctx.clients.iam, name)) + 1).toISOString();
  const attacker = await seedAttackerCredentials(ctx.clients.iam, name);
  return { oldKeyId: user.activeKeyId, attacker, windowStart };
}

describe('Action: isolate-iam-user, credentials created during the incident', () => {
  it('lists them, keeps them inactive on release and restores the older key', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const name = freshName('victim');
    const { oldKeyId, attacker, windowStart } = await compromisedUser(ctx, name);
    ctx.incidentWindowStart = windowStart;
    const params = isolateIamUser.params.parse({});

    // Act
    const applied = await isolateIamUser.apply(ctx, userResource(name), params);
    const duringIsolation = await otherCredentials(ctx.clients.iam, name);
    const released = await isolateIamUser.release(ctx, userResource(name), params, applied);
    const after = await userState(ctx.clients.iam, name);

    // Assess
    expect(applied.outcome).toBe('succeeded');
    const recorded = applied.before['iamUser'] as Record<string, unknown>;
    expect(recorded['incidentWindow']).toEqual({ from: windowStart, to: '2026-11-28T07:00:00.000Z' });
    expect(recorded['createdDuringIncident']).toEqual([
      { kind: 'access-key', id: attacker.accessKeyId, createdAt: expect.any(String) },
      { kind: 'ssh-public-key', id: attacker.sshPublicKeyId, createdAt: expect.any(String) },
    ]);
    expect(duringIsolation[attacker.sshPublicKeyId]).toBe('Inactive');
    expect(applied.warnings.join(' ')).toContain(attacker.accessKeyId);
    expect(released.outcome).toBe('succeeded');
    expect(after.keys).toEqual({ [oldKeyId]: 'Active', [attacker.accessKeyId]: 'Inactive' });
    expect((await otherCredentials(ctx.clients.iam, name))[attacker.sshPublicKeyId]).toBe('Inactive');
    expect(released.steps.find((s) => s.name === 'reactivate-access-keys')?.detail).toContain(
      `kept inactive (created during the incident): ${attacker.accessKeyId}`,
    );
    expect(released.warnings.join(' ')).toContain(attacker.sshPublicKeyId);
  });

  it('restores a credential created during the incident only when the releaser names it', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const name = freshName('victim');
    const { oldKeyId, attacker, windowStart } = await compromisedUser(ctx, name);
    ctx.incidentWindowStart = windowStart;
    const params = isolateIamUser.params.parse({});
    const applied = await isolateIamUser.apply(ctx, userResource(name), params);

    // Act
    const releasing = { ...ctx, restoreKeys: [attacker.accessKeyId] };
    const released = await isolateIamUser.release(releasing, userResource(name), params, applied);

    // Assess
    expect(released.outcome).toBe('succeeded');
    expect((await userState(ctx.clients.iam, name)).keys).toEqual({
      [oldKeyId]: 'Active',
      [attacker.accessKeyId]: 'Active',
    });
    // Not named: the attacker's SSH key stays inactive.
    expect((await otherCredentials(ctx.clients.iam, name))[attacker.sshPublicKeyId]).toBe('Inactive');
    expect(released.steps.find((s) => s.name === 'reactivate-access-keys')?.detail).toContain(
      `restored as named by the releaser: ${attacker.accessKeyId}`,
    );
  });

  it('without an incident window (no finding) records none and restores every key as before', async () => {
    // Prepare
    const { ctx } = motoActionContext(moto);
    const name = freshName('victim');
    const { oldKeyId, attacker } = await compromisedUser(ctx, name);
    const params = isolateIamUser.params.parse({});

    // Act
    const applied = await isolateIamUser.apply(ctx, userResource(name), params);
    const released = await isolateIamUser.release(ctx, userResource(name), params, applied);

    // Assess
    expect(applied.before['iamUser']).not.toHaveProperty('createdDuringIncident');
    expect(released.outcome).toBe('succeeded');
    expect((await userState(ctx.clients.iam, name)).keys).toEqual({
      [oldKeyId]: 'Active',
      [attacker.accessKeyId]: 'Active',
    });
  });
});
