/**
 * Support for the resilience suite: a pipeline world (test/pipeline/support.ts) whose member-account clients
 * carry a fault injector that also knows timeouts and counts calls (not attempts), plus one subject per action
 * (a fresh resource in moto and the GuardDuty event about it), found in the actions' scenarios files.
 */
import { S3 } from '@aws-sdk/client-s3';
import { Lambda } from '@aws-sdk/client-lambda';
import { IAM } from '@aws-sdk/client-iam';
import { s3ClientConfig } from '../../functions/lib/aws/member-services.js';
import type { IAMClient } from '@aws-sdk/client-iam';
import { IAMClient as IAMClientClass } from '@aws-sdk/client-iam';
import { readdirSync } from 'node:fs';
import { SSOAdmin } from '@aws-sdk/client-sso-admin';
import { Identitystore } from '@aws-sdk/client-identitystore';
import type { InstrumentableClient } from '../../functions/lib/aws/command-recorder.js';
import { createMemberClientFactory } from '../../functions/lib/aws/member-clients.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { benchPolicy, type BenchRule } from '../../bench/lib/scenario.js';
import type { ActionSubject } from './subject.js';
import { awsFault, type FaultKind as BaseFaultKind } from '../aws/support/faults.js';
import { MEMBER_ROLE, createWorld, type PipelineWorld } from '../pipeline/support.js';
import type { MotoHandle } from '../support/moto.js';

export const RESILIENCE_FAULTS = ['throttling', 'server-error', 'access-denied', 'timeout'] as const;
export type ResilienceFault = (typeof RESILIENCE_FAULTS)[number];

/** Services of the member account (what an action calls). */
export const MEMBER_SERVICES = new Set([
  'EC2',
  'IAM',
  'AutoScaling',
  'ElasticLoadBalancingV2',
  'ElasticLoadBalancing',
  'SSOAdmin',
  'Identitystore',
  'S3',
  'Lambda',
  'RDS',
  'SSM',
  'ECS',
]);

/** The error a fault raises: the SDK's service exceptions, or the HTTP handler's TimeoutError. */
export function faultError(kind: ResilienceFault, service: string, command: string): Error {
  if (kind === 'timeout') {
    // What @smithy/node-http-handler throws when a request exceeds its timeout; the SDK treats it as transient.
    const error = new Error(`Connection timed out after 3000 ms (injected into ${service}:${command})`);
    error.name = 'TimeoutError';
    return error;
  }
  return awsFault(kind as BaseFaultKind, service, command);
}

interface Plan {
  command: string;
  /** Which call of the command fails (1-based, counting calls, not retry attempts). */
  nth: number;
  kind: ResilienceFault;
  /** Attempts of that call that fail; Infinity = every attempt (the SDK's retries cannot absorb it). */
  attempts: number;
}

/**
 * Fails chosen calls of the clients it is attached to, inside the SDK's retry loop (finalizeRequest), so the
 * SDK's own retry strategy sees the fault as it would see AWS's.
 */
export class CallFaults {
  #plans: Plan[] = [];
  readonly #calls = new Map<string, number>();
  readonly #callOf = new WeakMap<object, { command: string; index: number; failures: number }>();
  /** Faults raised, as `<Command>#<call>:<kind>`. */
  readonly raised: string[] = [];

  /** Plan a fault; `attempts` defaults to every attempt. */
  plan(command: string, kind: ResilienceFault, options: { nth?: number; attempts?: number } = {}): this {
    this.#plans.push({ command, kind, nth: options.nth ?? 1, attempts: options.attempts ?? Infinity });
    return this;
  }

  /** Forget plans and call counts. */
  clear(): void {
    this.#plans = [];
    this.#calls.clear();
    this.raised.length = 0;
  }

  attach<C extends InstrumentableClient>(client: C): C {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const service = (context.clientName ?? '').replace(/Client$/, '');
        const command = (context.commandName ?? '').replace(/Command$/, '');
        // The context object is shared by the attempts of one call: count calls, not attempts.
        let call = this.#callOf.get(context);
        if (!call) {
          const index = (this.#calls.get(command) ?? 0) + 1;
          this.#calls.set(command, index);
          call = { command, index, failures: 0 };
          this.#callOf.set(context, call);
        }
        const plan = this.#plans.find((p) => p.command === command && p.nth === call.index);
        if (plan && call.failures < plan.attempts) {
          call.failures += 1;
          this.raised.push(`${command}#${call.index}:${plan.kind}`);
          throw faultError(plan.kind, service, command);
        }
        return next(args);
      },
      {
        step: 'finalizeRequest',
        priority: 'low',
        name: `resilienceFaults${Math.random().toString(36).slice(2)}`,
      },
    );
    return client;
  }
}

export interface ResilienceWorld extends PipelineWorld {
  faults: CallFaults;
  iam: IAMClient;
  /** Identity Center set-up clients (no faults). */
  ssoAdmin: SSOAdmin;
  identityStore: Identitystore;
  /** S3 set-up client (no faults). */
  s3: S3;
  /** Lambda set-up clients (no faults): functions and their execution roles. */
  lambda: Lambda;
  iamRoles: IAM;
  /** Client configuration against this moto, for set-up clients of other services (no faults). */
  setupConfig: ReturnType<MotoHandle['clientConfig']>;
}

/**
 * A pipeline world with the benchmark's policy (one automatic rule per action, high limits) and member clients
 * that carry {@link CallFaults}.
 * @param options.maxAttempts SDK attempts per member-account call (1 = no retry)
 */
export async function resilienceWorld(
  moto: MotoHandle,
  options: { maxAttempts?: number } = {},
): Promise<ResilienceWorld> {
  const world = await createWorld(moto, { policy: benchPolicy(subjectRules()) });
  const faults = new CallFaults();
  const config = moto.clientConfig();
  world.deps.memberClients = createMemberClientFactory({
    memberRoleName: MEMBER_ROLE,
    endpoint: moto.endpoint,
    securityCredentials: config.credentials,
    maxAttempts: options.maxAttempts ?? 1,
    instrument: (client) => {
      world.recorder.attach(client);
      faults.attach(client);
    },
  });
  return {
    ...world,
    faults,
    iam: new IAMClientClass(config),
    ssoAdmin: new SSOAdmin(config),
    identityStore: new Identitystore(config),
    s3: new S3(s3ClientConfig(config)),
    lambda: new Lambda(config),
    iamRoles: new IAM(config),
    setupConfig: config,
  };
}

/**
 * One subject per registered action: `subject` of its scenarios file, test/actions/scenarios/<action>.scenarios.ts
 * (found by file name, like the permission meta-test's scenarios), so a new action adds no line here.
 */
export const SUBJECTS: Readonly<Record<string, ActionSubject>> = await discoverSubjects();

async function discoverSubjects(): Promise<Record<string, ActionSubject>> {
  const found: Record<string, ActionSubject> = {};
  const directory = new URL('../actions/scenarios/', import.meta.url);
  for (const file of readdirSync(directory)) {
    if (!file.endsWith('.scenarios.ts')) continue;
    const module: unknown = await import(`../actions/scenarios/${file}`);
    const subject: unknown =
      typeof module === 'object' && module !== null ? Reflect.get(module, 'subject') : undefined;
    if (!isSubject(subject))
      throw new Error(`${file} must export a resilience subject (see test/resilience/subject.ts)`);
    found[subject.action] = subject;
  }
  return found;
}

function isSubject(value: unknown): value is ActionSubject {
  if (typeof value !== 'object' || value === null) return false;
  return (
    typeof Reflect.get(value, 'action') === 'string' && typeof Reflect.get(value, 'create') === 'function'
  );
}

/** The rules subjects bring for actions the benchmark policy has no rule for. */
function subjectRules(): BenchRule[] {
  return Object.values(SUBJECTS).flatMap((subject) =>
    subject.rule ? [{ name: `resilience-${subject.action}`, action: subject.action, ...subject.rule }] : [],
  );
}

/** Triage an event, let the worker finish, and return the one isolation record it created. */
export async function containOnce(
  world: ResilienceWorld,
  event: Record<string, unknown>,
): Promise<IsolationRecord> {
  const result = await triageEvent(world.deps, event);
  await world.worker.drain();
  const id = result.findings[0]?.actions[0]?.isolationId;
  if (id === undefined) throw new Error(`no isolation was created: ${JSON.stringify(result)}`);
  const record = await world.store.get(id);
  if (!record) throw new Error(`isolation ${id} vanished`);
  return record;
}

/** Distinct member-account commands recorded so far, in order of first use, with how often each was sent. */
export function memberCommands(world: PipelineWorld): { command: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const c of world.recorder.commands) {
    if (!MEMBER_SERVICES.has(c.service)) continue;
    counts.set(c.command, (counts.get(c.command) ?? 0) + 1);
  }
  return [...counts].map(([command, count]) => ({ command, count }));
}

export type { ActionSubject } from './subject.js';
