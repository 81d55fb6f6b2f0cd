/**
 * `isolate-ec2-instance` and load balancers: take the instance out of every ELBv2 target group (instance-type
 * groups by instance id, IP-type groups by each interface's private IPs) and every Classic Load Balancer, and
 * put back exactly those registrations on release.
 */
import { awsErrorName, settleAll } from '../../aws/errors.js';
import type { ElasticLoadBalancingV2, TargetDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElasticLoadBalancing } from '@aws-sdk/client-elastic-load-balancing';
import { awsCall, type StepSpec, type StepOutcome } from '../steps.js';
import type { ActionContext } from '../contract.js';
import type { InstanceFacts } from './instance.js';
import {
  APPLY_STEPS,
  RELEASE_STEPS,
  need,
  doneOrSkipped,
  skipped,
  type ApplyWork,
  type Params,
  type ReleaseWork,
} from './shared.js';

export interface TargetRegistration {
  targetGroupArn: string;
  /** Instance id (instance-type group) or private IP (IP-type group). Absent in records made before IP support. */
  id?: string;
  port?: number;
  availabilityZone?: string;
  state?: string;
}

/** How the instance is known to the load balancers, from its live description. */
export interface LoadBalancerIdentity {
  instanceId: string;
  privateIps: readonly string[];
  vpcIds: readonly string[];
}

export function identityOf(instance: InstanceFacts): LoadBalancerIdentity {
  return {
    instanceId: instance.id,
    privateIps: [...new Set(instance.enis.flatMap((e) => e.privateIps))],
    vpcIds: [...new Set(instance.enis.map((e) => e.vpcId))],
  };
}

/**
 * `draining` means deregistration is already under way. `unused` is NOT here: the target is registered but its
 * zone or group is not in use by a load balancer, and it serves as soon as that changes.
 */
const LEAVING = new Set(['draining']);

/** The instance's live registrations in instance-type and IP-type target groups of its VPCs. */
export async function readTargetRegistrations(
  elbv2: ElasticLoadBalancingV2,
  identity: LoadBalancerIdentity,
): Promise<TargetRegistration[]> {
  const arns: string[] = [];
  let marker: string | undefined;
  do {
    const page = await awsCall('elasticloadbalancing:DescribeTargetGroups', () =>
      elbv2.describeTargetGroups({ Marker: marker }),
    );
    for (const group of page.TargetGroups ?? []) {
      const typed = group.TargetType === 'instance' || group.TargetType === 'ip';
      if (group.TargetGroupArn && typed && group.VpcId && identity.vpcIds.includes(group.VpcId)) {
        arns.push(group.TargetGroupArn);
      }
    }
    marker = page.NextMarker;
  } while (marker);
  const perGroup = await Promise.all(arns.map((arn) => registrationsIn(elbv2, arn, identity)));
  return perGroup.flat();
}

/** Registrations of the instance (by id or by one of its IPs) in one target group; a deleted group has none. */
export async function registrationsIn(
  elbv2: ElasticLoadBalancingV2,
  targetGroupArn: string,
  identity: LoadBalancerIdentity,
): Promise<TargetRegistration[]> {
  const ids = new Set([identity.instanceId, ...identity.privateIps]);
  try {
    const health = await awsCall('elasticloadbalancing:DescribeTargetHealth', () =>
      elbv2.describeTargetHealth({ TargetGroupArn: targetGroupArn }),
    );
    return (health.TargetHealthDescriptions ?? []).flatMap((d) => {
      const id = d.Target?.Id;
      const state = d.TargetHealth?.State;
      if (id === undefined || !ids.has(id) || LEAVING.has(state ?? '')) return [];
      return [
        {
          targetGroupArn,
          id,
          port: d.Target?.Port,
          availabilityZone: d.Target?.AvailabilityZone,
          state,
        },
      ];
    });
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'TargetGroupNotFound' || name === 'TargetGroupNotFoundException') return [];
    throw error;
  }
}

/** Names of the Classic Load Balancers the instance is registered with. */
export async function readClassicLoadBalancers(
  elb: ElasticLoadBalancing,
  instanceId: string,
): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await awsCall('elasticloadbalancing:DescribeLoadBalancers', () =>
      elb.describeLoadBalancers({ Marker: marker }),
    );
    for (const lb of page.LoadBalancerDescriptions ?? []) {
      if (lb.LoadBalancerName && (lb.Instances ?? []).some((i) => i.InstanceId === instanceId)) {
        names.push(lb.LoadBalancerName);
      }
    }
    marker = page.NextMarker;
  } while (marker);
  return names.sort();
}

function targetOf(r: TargetRegistration, instanceId: string): TargetDescription {
  return { Id: r.id ?? instanceId, Port: r.port, AvailabilityZone: r.availabilityZone };
}

function label(r: TargetRegistration, instanceId: string): string {
  const id = r.id ?? instanceId;
  return `${r.targetGroupArn} ${id}${r.port ? `:${r.port}` : ''}${r.state === 'unused' ? ' (unused)' : ''}`;
}

function byGroup(registrations: readonly TargetRegistration[]): Map<string, TargetRegistration[]> {
  const groups = new Map<string, TargetRegistration[]>();
  for (const r of registrations) groups.set(r.targetGroupArn, [...(groups.get(r.targetGroupArn) ?? []), r]);
  return groups;
}

/** Apply: deregister from target groups and Classic Load Balancers (what the record step read). */
export function deregisterStep(params: Params): StepSpec<ApplyWork> {
  return {
    name: APPLY_STEPS.targets,
    offCriticalPath: true,
    async run({ work, ctx }) {
      if (!params.deregisterTargets) return skipped('disabled (deregisterTargets=false)');
      const registrations = need(work.targets, 'the target registrations');
      const classic = need(work.classicLoadBalancers, 'the Classic Load Balancer registrations');
      if (registrations.length === 0 && classic.length === 0) {
        return skipped('not registered in any target group or Classic Load Balancer');
      }
      const changes: string[] = [];
      await settleAll([
        ...[...byGroup(registrations)].map(async ([arn, regs]) => {
          await awsCall('elasticloadbalancing:DeregisterTargets', () =>
            ctx.clients.elbv2.deregisterTargets({
              TargetGroupArn: arn,
              Targets: regs.map((r) => targetOf(r, work.instanceId)),
            }),
          );
          changes.push(...regs.map((r) => label(r, work.instanceId)));
        }),
        ...classic.map(async (name) => {
          await awsCall('elasticloadbalancing:DeregisterInstancesFromLoadBalancer', () =>
            ctx.clients.elb.deregisterInstancesFromLoadBalancer({
              LoadBalancerName: name,
              Instances: [{ InstanceId: work.instanceId }],
            }),
          );
          changes.push(`Classic Load Balancer ${name}`);
        }),
      ]);
      return { status: 'done', detail: `deregistered from ${changes.sort().join(', ')}` };
    },
  };
}

/** Register the instance with a Classic Load Balancer again unless it is; a deleted balancer is a note. */
async function restoreClassic(
  ctx: ActionContext,
  name: string,
  instanceId: string,
): Promise<{ change?: string; note?: string }> {
  let registered: boolean;
  try {
    const out = await awsCall('elasticloadbalancing:DescribeLoadBalancers', () =>
      ctx.clients.elb.describeLoadBalancers({ LoadBalancerNames: [name] }),
    );
    registered = (out.LoadBalancerDescriptions ?? []).some((lb) =>
      (lb.Instances ?? []).some((i) => i.InstanceId === instanceId),
    );
  } catch (error) {
    const code = awsErrorName(error);
    if (code === 'LoadBalancerNotFound' || code === 'AccessPointNotFound') {
      return { note: `Classic Load Balancer ${name} no longer exists` };
    }
    throw error;
  }
  if (registered) return {};
  await awsCall('elasticloadbalancing:RegisterInstancesWithLoadBalancer', () =>
    ctx.clients.elb.registerInstancesWithLoadBalancer({
      LoadBalancerName: name,
      Instances: [{ InstanceId: instanceId }],
    }),
  );
  return { change: `Classic Load Balancer ${name}` };
}

/** Release: register again what was recorded and is not registered now. */
export function restoreRegistrationsStep(
  gone: (work: ReleaseWork) => StepOutcome | undefined,
): StepSpec<ReleaseWork> {
  return {
    name: RELEASE_STEPS.targets,
    async run({ work, ctx }) {
      const absent = gone(work);
      if (absent) return absent;
      const instance = need(work.instance, 'the instance');
      const recorded = work.before.targetRegistrations ?? [];
      const classic = work.before.classicLoadBalancers ?? [];
      if (recorded.length === 0 && classic.length === 0) {
        return skipped('was not registered in any target group or Classic Load Balancer');
      }
      const identity = identityOf(instance);
      const changes: string[] = [];
      const notes: string[] = [];
      await settleAll([
        ...[...byGroup(recorded)].map(async ([arn, regs]) => {
          const live = await registrationsIn(ctx.clients.elbv2, arn, identity);
          const missing = regs.filter(
            (r) =>
              !live.some(
                (l) => l.id === (r.id ?? work.instanceId) && (r.port === undefined || l.port === r.port),
              ),
          );
          if (missing.length === 0) return;
          await awsCall('elasticloadbalancing:RegisterTargets', () =>
            ctx.clients.elbv2.registerTargets({
              TargetGroupArn: arn,
              Targets: missing.map((r) => targetOf(r, work.instanceId)),
            }),
          );
          changes.push(...missing.map((r) => label(r, work.instanceId)));
        }),
        ...classic.map(async (name) => {
          const { change, note } = await restoreClassic(ctx, name, work.instanceId);
          if (change) changes.push(change);
          if (note) notes.push(note);
        }),
      ]);
      const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
      return doneOrSkipped(
        changes.length > 0 ? [`re-registered in ${changes.sort().join(', ')}${suffix}`] : [],
        `already registered wherever it was recorded${suffix}`,
      );
    },
  };
}
