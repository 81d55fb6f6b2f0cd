/**
 * Fault matrix for the IAM actions: for every AWS command each action sends (apply and release, all
 * optional parameters on) and for throttling, AccessDenied and a 500, the run stops with the step that sent
 * the command `failed` (naming the call, and for AccessDenied the missing permission and the member role);
 * a re-run completes; the end state equals an uninterrupted run's; nothing is applied twice.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  ActionContext,
  ActionDefinition,
  ActionResult,
  ActionState,
} from '../../functions/lib/actions/contract.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import { isolateIamUser } from '../../functions/lib/actions/isolate-iam-user/definition.js';
import { disableAccessKey } from '../../functions/lib/actions/disable-access-key/definition.js';
import { revokeRoleSessions } from '../../functions/lib/actions/revoke-role-sessions/definition.js';
import { useMoto } from '../support/moto.js';
import { FAULT_KINDS, type FaultKind } from '../aws/support/faults.js';
import { appliedTwice, motoActionContext } from './support/action-context.js';
import {
  accessKeyResource,
  roleResource,
  roleState,
  seedRole,
  seedUser,
  userResource,
  userState,
} from './support/iam-state.js';

const moto = useMoto({ resetEach: false });
let counter = 0;

interface Scenario {
  action: ActionDefinition;
  params: Record<string, unknown>;
  /** Commands sent after the resource is contained: a fault there leaves containment reported. */
  afterContainment: string[];
  /** Create a fresh principal; return the resource and a state reader with names normalised away. */
  seed(ctx: ActionContext): Promise<{ resource: Resource; state: () => Promise<unknown> }>;
}

const scenarios: Scenario[] = [
  {
    action: isolateIamUser,
    params: { removeConsoleAccess: true },
    afterContainment: ['UpdateAccessKey', 'DeleteLoginProfile', 'TagUser'],
    async seed(ctx) {
      const name = `fm-user-${++counter}`;
      const user = await seedUser(ctx.clients.iam, name);
      return {
        resource: userResource(name),
        state: async () => {
          const s = await userState(ctx.clients.iam, name);
          return { ...s, keys: [s.keys[user.activeKeyId], s.keys[user.inactiveKeyId]] };
        },
      };
    },
  },
  {
    action: disableAccessKey,
    params: { denyOlderSessions: true },
    afterContainment: [],
    async seed(ctx) {
      const name = `fm-key-${++counter}`;
      const user = await seedUser(ctx.clients.iam, name);
      return {
        resource: accessKeyResource(name, user.activeKeyId),
        state: async () => {
          const s = await userState(ctx.clients.iam, name);
          return { ...s, keys: [s.keys[user.activeKeyId], s.keys[user.inactiveKeyId]] };
        },
      };
    },
  },
  {
    action: revokeRoleSessions,
    params: {},
    afterContainment: [],
    async seed(ctx) {
      const name = `fm-role-${++counter}`;
      await seedRole(ctx.clients.iam, name);
      return { resource: roleResource(name), state: () => roleState(ctx.clients.iam, name) };
    },
  },
];

/** Commands of a clean apply and release, and the state after each, for one scenario. */
interface Baseline {
  applyCommands: string[];
  releaseCommands: string[];
  applied: unknown;
  released: unknown;
}

function expectFailedOn(result: ActionResult, command: string, kind: FaultKind, contained: boolean): void {
  expect(result.outcome).toBe('failed');
  // Containment is reported only when the containing stage fully succeeded.
  if (contained) expect(result.containedAt).toBeDefined();
  else expect(result.containedAt).toBeUndefined();
  const failed = result.steps.find((s) => s.name === result.failedStep);
  expect(failed?.status).toBe('failed');
  const iamAction = `iam:${command}`;
  if (kind === 'access-denied') {
    expect(failed?.detail).toContain(`${iamAction} denied to the member role cordon-member`);
  } else {
    expect(failed?.detail).toContain(`calling ${iamAction}`);
    expect(failed?.detail).toContain(kind === 'throttling' ? 'Throttling' : 'ServiceFailure');
  }
}

for (const scenario of scenarios) {
  const { action } = scenario;
  const params = action.params.parse(scenario.params);
  const baseline: Baseline = {
    applyCommands: [],
    releaseCommands: [],
    applied: undefined,
    released: undefined,
  };

  describe(`Fault matrix: ${action.name}`, () => {
    beforeAll(async () => {
      // An uninterrupted run: which commands each operation sends, and the state it leaves.
      const { ctx, recorder } = motoActionContext(moto);
      const { resource, state } = await scenario.seed(ctx);
      recorder.clear();
      const applied = await action.apply(ctx, resource, params);
      expect(applied.outcome).toBe('succeeded');
      baseline.applyCommands = [...new Set(recorder.commands.map((c) => c.command))];
      baseline.applied = await state();
      recorder.clear();
      const released = await action.release(ctx, resource, params, applied);
      expect(released.outcome).toBe('succeeded');
      baseline.releaseCommands = [...new Set(recorder.commands.map((c) => c.command))];
      baseline.released = await state();
    });

    it('sends at least one command in apply and in release', () => {
      expect(baseline.applyCommands.length).toBeGreaterThan(0);
      expect(baseline.releaseCommands.length).toBeGreaterThan(0);
    });

    for (const kind of FAULT_KINDS) {
      it(`apply: ${kind} on each command stops the run; a re-run completes without repeating work`, async () => {
        for (const command of baseline.applyCommands) {
          // Prepare
          const { ctx, recorder, faults } = motoActionContext(moto);
          const { resource, state } = await scenario.seed(ctx);
          recorder.clear();
          faults.inject(command, kind);

          // Act
          const first = await action.apply(ctx, resource, params);
          const second = await action.apply(ctx, resource, params, first);

          // Assess
          expect(faults.raised).toEqual([`${command}:${kind}`]);
          expectFailedOn(first, command, kind, scenario.afterContainment.includes(command));
          expect(second.outcome, `re-run after ${kind} on ${command}`).toBe('succeeded');
          expect(await state(), `state after ${kind} on ${command}`).toEqual(baseline.applied);
          expect(appliedTwice(recorder), `applied twice after ${kind} on ${command}`).toEqual([]);
        }
      });

      it(`release: ${kind} on each command stops the run; a re-run completes without repeating work`, async () => {
        for (const command of baseline.releaseCommands) {
          // Prepare
          const { ctx, recorder, faults } = motoActionContext(moto);
          const { resource, state } = await scenario.seed(ctx);
          const applied = await action.apply(ctx, resource, params);
          recorder.clear();
          faults.inject(command, kind);

          // Act
          const first = await action.release(ctx, resource, params, applied);
          const second = await action.release(ctx, resource, params, {
            steps: first.steps,
            before: first.before,
          });

          // Assess
          expect(faults.raised).toEqual([`${command}:${kind}`]);
          expect(first.outcome).toBe('failed');
          const failed = first.steps.find((s) => s.name === first.failedStep);
          expect(failed?.detail).toContain(`iam:${command}`);
          expect(second.outcome, `re-run after ${kind} on ${command}`).toBe('succeeded');
          expect(await state(), `state after ${kind} on ${command}`).toEqual(baseline.released);
          expect(appliedTwice(recorder), `applied twice after ${kind} on ${command}`).toEqual([]);
        }
      });
    }
  });
}

describe('Resilience: isolate-iam-user', () => {
  it('is contained after the SDK retries a throttled deny-all policy and a failed key update', async () => {
    // Prepare
    const { ctx, recorder, faults } = motoActionContext(moto, { maxAttempts: 3 });
    const name = `rs-user-${++counter}`;
    const user = await seedUser(ctx.clients.iam, name);
    recorder.clear();
    faults.inject('PutUserPolicy', 'throttling').inject('UpdateAccessKey', 'server-error');

    // Act
    const result = await isolateIamUser.apply(ctx, userResource(name), isolateIamUser.params.parse({}));

    // Assess
    expect(result.outcome).toBe('succeeded');
    expect(faults.raised).toEqual(['PutUserPolicy:throttling', 'UpdateAccessKey:server-error']);
    expect(recorder.count('PutUserPolicy')).toBe(1);
    expect((await userState(ctx.clients.iam, name)).keys[user.activeKeyId]).toBe('Inactive');
  });

  it('resumes after a crash between steps and ends as an uninterrupted run would', async () => {
    // Prepare
    const { ctx, recorder } = motoActionContext(moto);
    const name = `rs-user-${++counter}`;
    await seedUser(ctx.clients.iam, name);
    recorder.clear();
    let persisted: ActionState | undefined;
    const crashing: ActionContext = {
      ...ctx,
      onStep: async (step, state) => {
        persisted = state;
        if (step.name === 'attach-deny-all-policy') throw new Error('worker killed');
      },
    };

    // Act
    const crashed = isolateIamUser.apply(crashing, userResource(name), isolateIamUser.params.parse({}));
    await expect(crashed).rejects.toThrow('worker killed');
    const resumed = await isolateIamUser.apply(
      ctx,
      userResource(name),
      isolateIamUser.params.parse({}),
      persisted,
    );

    // Assess
    expect(resumed.outcome).toBe('succeeded');
    const state = await userState(ctx.clients.iam, name);
    expect(Object.values(state.keys)).toEqual(['Inactive', 'Inactive']);
    expect(state.policies).toEqual(['cordon-deny-all', 'customer-read']);
    expect(state.tags['cordon:isolation-id']).toBe('iso-0001');
    expect(resumed.before['iamUser']).toMatchObject({ consolePassword: true });
    expect(appliedTwice(recorder)).toEqual([]);
  });
});
