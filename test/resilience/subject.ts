/**
 * A resilience subject: how the resilience suite (test/resilience) makes a fresh resource for one action and the
 * event that makes the policy contain it. Each action's scenarios file (test/actions/scenarios/) exports one as
 * `subject`; test/resilience/support.ts finds them by file name.
 */
import type { ResilienceWorld } from './support.js';

/**
 * An IAM user with an inline policy and one active access key, and a role EC2 may assume: the benchmark's own
 * world builders, so the resilience suite and the benchmark contain the same resources.
 */
export { createUser as resilienceUser, createRole as resilienceRole } from '../../bench/lib/scenario.js';

export interface ActionSubject {
  action: string;
  /**
   * The rule the suite's policy adds for this action when the benchmark policy (bench/lib/scenario.ts) has none:
   * the finding type of the subject's event and the resource type, contained automatically.
   */
  rule?: { type: string; resourceType: string };
  /** Create the resource in moto; returns the event about it and the resource's id. */
  create(world: ResilienceWorld): Promise<{ event: Record<string, unknown>; resourceId: string }>;
}
