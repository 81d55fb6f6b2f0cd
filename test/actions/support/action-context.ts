/**
 * Test support for the IAM actions: an ActionContext whose member clients talk to moto, instrumented with a
 * command recorder and a fault injector.
 */
import { testMemberClients } from '../../support/member-clients.js';
import type {
  ActionContext,
  GuardSettings,
  MemberClients,
  StepRecord,
} from '../../../functions/lib/actions/contract.js';
import { CommandRecorder } from '../../../functions/lib/aws/command-recorder.js';
import { TEST_ACCOUNT, type MotoHandle } from '../../support/moto.js';
import { FaultInjector } from '../../aws/support/faults.js';

export const TEST_GUARD: GuardSettings = {
  exemptionTag: { key: 'cordon:exempt', value: 'true' },
  protectedArns: ['arn:aws:iam::*:user/breakglass-*'],
  cordonResourcePrefix: 'cordon',
  memberRoleName: 'cordon-member',
};

/** Fixed clock so that re-runs send byte-identical inputs (e.g. the isolated-at tag). */
export const FIXED_NOW = new Date('2026-11-28T07:00:00.000Z');

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface TestContext {
  ctx: ActionContext;
  recorder: CommandRecorder;
  faults: FaultInjector;
  /** Every step record reported through `onStep`, in order. */
  reported: StepRecord[];
}

/** A fresh ActionContext against moto (new clients each time, so faults never leak between tests). */
export function motoActionContext(
  moto: MotoHandle,
  options: { isolationId?: string; maxAttempts?: number; now?: () => Date; guard?: GuardSettings } = {},
): TestContext {
  const config = { ...moto.clientConfig(), maxAttempts: options.maxAttempts ?? 1 };
  const recorder = new CommandRecorder();
  const faults = new FaultInjector();
  const clients: MemberClients = testMemberClients(config, (client) => {
    recorder.attach(client);
    faults.attach(client);
  });
  const reported: StepRecord[] = [];
  const ctx: ActionContext = {
    isolationId: options.isolationId ?? 'iso-0001',
    accountId: TEST_ACCOUNT,
    region: 'us-east-1',
    clients,
    guard: options.guard ?? TEST_GUARD,
    logger: silentLogger,
    now: options.now ?? (() => FIXED_NOW),
    onStep: async (step) => {
      reported.push(step);
    },
  };
  return { ctx, recorder, faults, reported };
}

/** Read-only IAM/EC2 calls; everything else mutates. */
export function isMutating(command: string): boolean {
  return !/^(Get|List|Describe)/.test(command);
}

/**
 * Mutating commands that succeeded more than once with the same input: proof that something was applied
 * twice. Empty when every change was made exactly once.
 */
export function appliedTwice(recorder: CommandRecorder): string[] {
  const seen = new Map<string, number>();
  for (const c of recorder.commands) {
    if (c.outcome !== 'ok' || !isMutating(c.command)) continue;
    const key = `${c.command} ${JSON.stringify(c.input)}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([key]) => key);
}
