/**
 * The action runner's shared lifecycle, checked for every registered action alike: a resource of another type
 * is refused with WrongResourceTypeError, and a guarded resource ends `skipped` with the reason, both before
 * any AWS call and without touching the earlier state. The clients point at a closed port and record every
 * command: a single call would show up in the recorder (and fail).
 */
import { readdirSync } from 'node:fs';
import { testMemberClients } from '../support/member-clients.js';
import { describe, expect, it } from 'vitest';
import type { ActionContext, ActionState, MemberClients } from '../../functions/lib/actions/contract.js';
import { loadActions } from '../../functions/lib/actions/registry.js';
import { BeforeStateError, WrongResourceTypeError } from '../../functions/lib/actions/runner.js';
import { CommandRecorder } from '../../functions/lib/aws/command-recorder.js';
import type { Resource, ResourceType } from '../../functions/lib/findings/model.js';
import { findKind } from '../../functions/lib/resources/registry.js';
import { TEST_GUARD } from './support/action-context.js';

/** Every registered action's definition, loaded as the worker loads them. */
const DEFINITIONS = await loadActions();

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const EXEMPT = { 'cordon:exempt': 'true' };

/**
 * Each action's offline sample resource (`sample` in test/actions/scenarios/<action>.scenarios.ts, the file every
 * action has), so a new action or kind needs no edit here.
 */
const SAMPLES = new Map<string, Resource>();
for (const file of readdirSync(new URL('./scenarios/', import.meta.url))) {
  if (!file.endsWith('.scenarios.ts')) continue;
  const module: unknown = await import(`./scenarios/${file}`);
  const action: unknown = Reflect.get(Object(module), 'action');
  const sample = storedResource(Reflect.get(Object(module), 'sample'));
  if (typeof action !== 'string' || sample === undefined)
    throw new Error(`${file} must export action and sample`);
  SAMPLES.set(action, sample);
}

/** The value read with its kind's stored schema, or undefined when it is not a resource. */
function storedResource(value: unknown): Resource | undefined {
  const type: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'type') : undefined;
  const parsed = typeof type === 'string' ? findKind(type)?.stored.safeParse(value) : undefined;
  return parsed?.success === true ? parsed.data : undefined;
}

/** The action's sample resource, in the offline context's account and region, carrying `tags`. */
function resourceOf(action: string, type: ResourceType, tags: Record<string, string> = {}): Resource {
  const sample = SAMPLES.get(action);
  if (sample === undefined) throw new Error(`no sample resource for ${action}`);
  if (sample.type !== type) throw new Error(`the sample of ${action} is a ${sample.type}, not a ${type}`);
  return { ...sample, accountId: ACCOUNT, region: REGION, tags };
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
      const result = await action.apply(
        ctx,
        resourceOf(action.name, type, EXEMPT),
        action.params.parse({}),
        previous,
      );

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
        action.release(ctx, resourceOf(action.name, type), action.params.parse({}), garbled),
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
