/** Shared pieces of `isolate-ec2-instance`: parameters, step names, per-run work and small step helpers. */
import type { EC2 } from '@aws-sdk/client-ec2';
import { CordonError } from '../../errors.js';
import type { Resource } from '../../findings/model.js';
import { type BeforeState } from '../contract.js';
import { awsCall, type StepOutcome } from '../steps.js';
import { type CordonGroup } from './groups.js';
import type { ContainmentFailure } from './containment.js';
import { ec2BeforeSchema, type Ec2Before, type InstanceFacts } from './instance.js';
import { type ProfileAssociation, type TerminationSettings } from './settings.js';
import type { AutoScalingMembership } from './auto-scaling.js';
import type { TargetRegistration } from './load-balancers.js';

export { paramsSchema, type Params } from './manifest.js';

/** The AWS error names meaning the instance itself is gone. */
export const VANISHED = ['InvalidInstanceID.NotFound'] as const;

export const APPLY_STEPS = {
  describe: 'describe-instance',
  findGroups: 'find-isolation-groups',
  ensureGroups: 'ensure-isolation-groups',
  groupRules: 'set-isolation-group-rules',
  cutFlows: 'cut-tracked-flows',
  isolate: 'isolate-network-interfaces',
  metadata: 'disable-metadata-service',
  record: 'record-instance-settings',
  protect: 'protect-from-termination',
  volumes: 'keep-volumes-on-termination',
  autoScaling: 'auto-scaling',
  targets: 'deregister-targets',
  profile: 'remove-instance-profile',
  revoke: 'revoke-role-sessions',
  snapshots: 'snapshot-volumes',
  tag: 'tag-instance',
} as const;

export const RELEASE_STEPS = {
  read: 'read-current-state',
  room: 'check-auto-scaling-room',
  network: 'restore-network-interfaces',
  metadata: 'restore-metadata-service',
  termination: 'restore-termination-settings',
  volumes: 'restore-volume-settings',
  profile: 'restore-instance-profile',
  revoke: 'remove-session-revocation',
  autoScaling: 'restore-auto-scaling',
  targets: 'restore-target-registrations',
  capacity: 'restore-desired-capacity',
  tags: 'remove-isolation-tags',
} as const;

/** Release before-state key: the group's desired capacity just before the instance returned to it. */
export const AUTO_SCALING_RETURN = 'autoScalingReturn';

export function autoScalingReturnOf(
  before: Readonly<BeforeState>,
): { groupName: string; desiredBeforeReturn: number } | undefined {
  const value = before[AUTO_SCALING_RETURN];
  if (typeof value !== 'object' || value === null) return undefined;
  const { groupName, desiredBeforeReturn } = value as Record<string, unknown>;
  return typeof groupName === 'string' && typeof desiredBeforeReturn === 'number'
    ? { groupName, desiredBeforeReturn }
    : undefined;
}

export interface ApplyWork {
  instanceId: string;
  resource: Resource;
  instance?: InstanceFacts;
  cordonGroups: CordonGroup[];
  groupsByVpc: Map<string, { isolation: string; flowCut?: string }>;
  /** The groups this instance is isolated with, found or created: their rules are set by the next stage. */
  chosenGroups: CordonGroup[];
  /** Settles once the chosen groups have their rules: true, or false when setting them failed. */
  groupRulesSet: Promise<boolean>;
  settleGroupRules: (set: boolean) => void;
  termination?: TerminationSettings;
  autoScaling?: AutoScalingMembership;
  targets?: TargetRegistration[];
  classicLoadBalancers?: string[];
  profile?: ProfileAssociation;
  /** Set by the step that failed to contain: rolled back, or rollback failed with exposed interfaces. */
  containmentFailure?: ContainmentFailure;
}

export interface ReleaseWork {
  instanceId: string;
  /** Undefined when the instance no longer exists. */
  instance?: InstanceFacts;
  before: Ec2Before;
}

/** A value an earlier stage must have produced; missing means a bug in the stage order. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new CordonError(`internal: ${what} is not available at this step`);
  return value;
}

/** A step that made `changes` is `done` (listing them); one that made none is `skipped` with `skippedDetail`. */
export function doneOrSkipped(
  changes: string[],
  skippedDetail: string,
  extra: Partial<StepOutcome> = {},
): StepOutcome {
  return changes.length > 0
    ? { status: 'done', detail: changes.join('; '), ...extra }
    : { status: 'skipped', detail: skippedDetail, ...extra };
}

export function skipped(detail: string, extra: Partial<StepOutcome> = {}): StepOutcome {
  return { status: 'skipped', detail, ...extra };
}

export function parseBefore(before: Readonly<BeforeState>): Ec2Before {
  const parsed = ec2BeforeSchema.safeParse(before);
  if (!parsed.success) {
    throw new CordonError(
      `the recorded before-state is malformed: ${parsed.error.issues[0]?.message ?? ''}`,
      {
        code: 'BEFORE_STATE_INVALID',
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}

export function modifyEniGroups(ec2: EC2, eniId: string, groups: string[]): Promise<unknown> {
  return awsCall('ec2:ModifyNetworkInterfaceAttribute', () =>
    ec2.modifyNetworkInterfaceAttribute({ NetworkInterfaceId: eniId, Groups: groups }),
  );
}

export function profileNameFromArn(arn: string): string {
  return arn.split('/').pop() ?? arn;
}
