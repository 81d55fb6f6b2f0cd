/**
 * The action runner's shared lifecycle, checked for every registered action alike: a resource of another type
 * is refused with WrongResourceTypeError, and a guarded resource ends `skipped` with the reason, both before
 * any AWS call and without touching the earlier state. The clients point at a closed port and record every
 * command: a single call would show up in the recorder (and fail).
 */
import { testMemberClients } from '../support/member-clients.js';
import { describe, expect, it } from 'vitest';
import type { ActionContext, ActionState, MemberClients } from '../../functions/lib/actions/contract.js';
import { loadActions } from '../../functions/lib/actions/registry.js';
import { BeforeStateError, WrongResourceTypeError } from '../../functions/lib/actions/runner.js';
import { CommandRecorder } from '../../functions/lib/aws/command-recorder.js';
import type { Resource, ResourceType } from '../../functions/lib/findings/model.js';
import { TEST_GUARD } from './support/action-context.js';

/** Every registered action's definition, loaded as the worker loads them. */
const DEFINITIONS = await loadActions();

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const EXEMPT = { 'cordon:exempt': 'true' };

/** One resource of each type an action may apply to, carrying `tags`. */
function resourceOf(type: ResourceType, tags: Record<string, string> = {}): Resource {
  const base = { accountId: ACCOUNT, region: REGION, tags };
  switch (type) {
    case 'ec2-instance':
      return {
        ...base,
        type,
        id: 'i-0123456789abcdef0',
        networkInterfaces: [],
        securityGroupIds: [],
      };
    case 'iam-user':
      return { ...base, type, id: 'alice', userName: 'alice' };
    case 'iam-access-key':
      return {
        ...base,
        type,
        id: 'AKIAEXAMPLE000000001',
        accessKeyId: 'AKIAEXAMPLE000000001',
        userName: 'alice',
      };
    case 'iam-role':
      return { ...base, type, id: 'app-role', roleName: 'app-role' };
    case 'identity-center-user':
      return {
        ...base,
        type,
        id: 'alice@example.com',
        userName: 'alice@example.com',
        roleName: 'AWSReservedSSO_Admin_0123456789abcdef',
        permissionSetName: 'Admin',
      };
    case 's3-bucket':
      return { ...base, type, id: 'evidence-bucket' };
    case 'lambda-function':
      return { ...base, type, id: 'image-thumbnailer' };
    case 'rds-db-instance':
      return { ...base, type, id: 'orders-db-instance-1' };
    default:
      throw new Error(`no sample resource for ${type}`);
  }
}

/** A resource no registered action applies to. */
const cluster: Resource = { type: 'eks-cluster', id: 'prod', accountId: ACCOUNT, region: REGION, tags: {} };

function offlineContext(): { ctx: ActionContext; recorder: CommandRecorder } {
  const config = {
    region: REGION,
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const recorder = new CommandRecorder();
  const clients: MemberClients = testMemberClients(config, (client) => recorder.attach(client));
  const ctx: ActionContext = {
    isolationId: 'iso-runner',
    accountId: ACCOUNT,
    region: REGION,
    clients,
    guard: TEST_GUARD,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    now: () => new Date('2026-12-05T08:00:00.000Z'),
  };
  return { ctx, recorder };
}

const previous: ActionState = {
  steps: [
    { name: 'earlier-step', status: 'done', detail: 'from an earlier run', at: '2026-12-05T07:00:00.000Z' },
  ],
  before: { marker: { kept: true } },
};

describe('Action runner', () => {
  const actions = DEFINITIONS;

  it.each(actions.map((a) => [a.name, a] as const))(
    '%s refuses a resource of another type on apply and release, before any AWS call',
    async (_name, action) => {
      // Prepare
      const { ctx, recorder } = offlineContext();
      const params: unknown = action.params.parse({});

      // Act + Assess
      await expect(action.apply(ctx, cluster, params, previous)).rejects.toBeInstanceOf(
        WrongResourceTypeError,
      );
      await expect(action.release(ctx, cluster, params, previous)).rejects.toBeInstanceOf(
        WrongResourceTypeError,
      );
      expect(recorder.commands).toEqual([]);
    },
  );

  it.each(actions.map((a) => [a.name, a] as const))(
    '%s refuses an exempt-tagged resource as skipped, with the earlier state untouched and no AWS call',
    async (_name, action) => {
      // Prepare
      const { ctx, recorder } = offlineContext();
      const [type] = action.resourceTypes;
      if (type === undefined) throw new Error(`${action.name} declares no resource type`);

      // Act
      const result = await action.apply(ctx, resourceOf(type, EXEMPT), action.params.parse({}), previous);

      // Assess
      expect(result).toEqual({
        outcome: 'skipped',
        steps: previous.steps,
        before: previous.before,
        warnings: [],
        detail: 'refused: exempt: tagged cordon:exempt=true',
      });
      expect(recorder.commands).toEqual([]);
    },
  );

  it.each(actions.map((a) => [a.name, a] as const))(
    '%s refuses to release from a before-state its schema cannot read, before any AWS call',
    async (_name, action) => {
      // Prepare
      const { ctx, recorder } = offlineContext();
      const [type] = action.resourceTypes;
      if (type === undefined) throw new Error(`${action.name} declares no resource type`);
      // Every action records its state under keys of its own: whatever key its schema reads holds a number
      // where a string or an object belongs, so no list of each action's keys has to be kept here.
      const garbled: ActionState = {
        steps: [],
        before: new Proxy<Record<string, unknown>>(
          {},
          {
            has: (_target, key) => typeof key === 'string',
            get: (_target, key) => (typeof key === 'string' ? 1 : undefined),
          },
        ),
      };

      // Act + Assess
      await expect(
        action.release(ctx, resourceOf(type), action.params.parse({}), garbled),
      ).rejects.toBeInstanceOf(BeforeStateError);
      expect(recorder.commands).toEqual([]);
    },
  );

  it('lists step names derived from the stages that run', () => {
    // Assess: every action lists at least one apply and one release step, without duplicates per stage list.
    for (const action of actions) {
      expect(action.steps.apply.length, action.name).toBeGreaterThan(0);
      expect(action.steps.release.length, action.name).toBeGreaterThan(0);
    }
    expect(actions.find((a) => a.name === 'disable-access-key')?.steps).toEqual({
      apply: ['capture-key-state', 'deactivate-access-key', 'deny-older-sessions'],
      release: ['reactivate-access-key', 'remove-deny-older-sessions'],
    });
  });
});
