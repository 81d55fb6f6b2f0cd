/**
 * A permission meta-test scenario (test/actions/permissions.meta.test.ts): seed a resource in moto, run the action's
 * apply and release on it with `params`, and record every command sent. Each action's scenarios live in
 * `<action>.scenarios.ts` next to this file and, together, cover every optional path of the action. The file also
 * exports `sample`, a resource of the action's type built offline, for the runner's refusal tests
 * (test/actions/runner.test.ts), and `subject` for the resilience suite.
 */
import type { ActionContext } from '../../../functions/lib/actions/contract.js';
import type { Resource } from '../../../functions/lib/findings/model.js';
import type { FaultInjector } from '../../aws/support/faults.js';

export interface Scenario {
  label: string;
  params: Record<string, unknown>;
  seed(ctx: ActionContext): Promise<Resource>;
  /** Faults to plan once the resource exists, to reach a fallback path. */
  faults?: (faults: FaultInjector) => void;
}

let counter = 0;

/** A number unique in this test run, for resource names and isolation ids. */
export function nextId(): number {
  counter += 1;
  return counter;
}
