/**
 * `isolate-ec2-instance`: cut an EC2 instance off the network, keep its evidence, and make it reversible.
 *
 * Critical path (what the benchmark counts, issue 7), when the VPC already has cordon's groups:
 *   1. DescribeInstances ∥ DescribeSecurityGroups (cordon's groups, all VPCs at once)
 *   2. ModifyNetworkInterfaceAttribute → flow-cut group, every interface in parallel (flows become untracked)
 *   3. ModifyNetworkInterfaceAttribute → isolation group, every interface in parallel  ⇒ contained
 *      (retried, else rolled back to the original groups: never left in the allow-all group; ec2/containment.ts)
 * Everything else (termination protection, volumes kept on termination, Auto Scaling, load balancers, instance
 * profile, role sessions, snapshots, tags) runs after containment, in parallel, and is still recorded.
 *
 * Groups are always set per network interface: instance-level `Groups` fails on multi-ENI instances.
 */

import type { ActionResult } from '../contract.js';
import { isolateEc2InstanceManifest } from './manifest.js';
import { defineRunnableAction, stageNames } from '../runner.js';
import type { StageSpec } from '../steps.js';
import { INSTANCE_ID, ec2BeforeSchema } from './instance.js';
import { networkStages } from './apply-network.js';
import { settingsStages } from './apply-settings.js';
import { releaseStages } from './release.js';
import { disableMetadataStep } from './metadata.js';
import { paramsSchema, VANISHED, type Params, type ApplyWork, type ReleaseWork } from './shared.js';

function applyStages(params: Params): StageSpec<ApplyWork>[] {
  // The metadata endpoint goes off alongside the first settings stage: no extra stage after containment.
  const [first, ...rest] = settingsStages(params);
  const metadata = disableMetadataStep(params);
  return [
    ...networkStages(params),
    first ? { ...first, steps: [metadata, ...first.steps] } : { steps: [metadata] },
    ...rest,
  ];
}

/** A failure to contain carries its class (rolled back, or rollback failed) and any exposed interface. */
function withContainmentFailure(result: ActionResult, work: ApplyWork): ActionResult {
  const failure = work.containmentFailure;
  if (result.outcome !== 'failed' || failure === undefined) return result;
  return {
    ...result,
    error: { code: failure.code, message: result.error?.message ?? failure.code },
    ...(failure.exposure.length > 0 ? { exposure: failure.exposure } : {}),
  };
}

const DEFAULT_PARAMS = paramsSchema.parse({});

/** Step names per stage (steps of one stage run in parallel), for docs, the UI timeline and tests. */
export const APPLY_STAGES: readonly (readonly string[])[] = stageNames(applyStages(DEFAULT_PARAMS));

export const isolateEc2Instance = defineRunnableAction(isolateEc2InstanceManifest, {
  limitations: [
    'Security groups never filter DNS to the VPC resolver (VPC base + 2, 169.254.169.253), the instance metadata service (169.254.169.254), Time Sync, Windows activation or DHCP: DNS command-and-control and DNS exfiltration continue after isolation. Use Route 53 Resolver DNS Firewall on the VPC, and disableMetadataService against credential theft through IMDS.',
    'AWS does not interrupt tracked connections when security groups change; the flow cut makes flows untracked first so that they are interrupted, which does not work on always-tracked paths (below).',
    'Flows on automatically tracked paths are not cut by the security-group swap: through a Network Load Balancer, NAT gateway, Gateway Load Balancer, PrivateLink interface endpoints, transit gateway attachments, egress-only internet gateways, Global Accelerator and Network Firewall endpoints. They end when idle (TCP up to 5 days by default); use a network ACL or stop the instance to cut them at once.',
    'ICMP is always tracked, so an ongoing ICMP exchange may continue until it idles out.',
    'With cutTrackedFlows=false, established TCP/UDP connections allowed by the old groups keep flowing until they time out.',
    'Credentials already taken from the instance (instance-profile role sessions, keys on disk) keep working unless revokeRoleSessions is on; the instance can still fetch fresh role credentials unless removeInstanceProfile is on.',
    'Revoking role sessions denies every session of that role issued before now, including other instances sharing the role (listed as a warning).',
    'Processes on the instance keep running; local activity (disk, CPU) continues. Stop the instance after the evidence is captured if needed.',
    'Auto Scaling: standby and detach keep the desired capacity, so the group launches a replacement; on release AWS increments the desired capacity again, unless restoreDesiredCapacity is set (cordon then sets it back, and the group terminates one instance by its own termination policy).',
    'Auto Scaling: a release that would put the instance back into a group already at its maximum size is refused before any change; raise the maximum (or scale in) and release again.',
    'Spot Instances cannot get termination protection (AWS refuses it) and AWS may interrupt them at any time; the snapshots and the volumes kept on termination are the evidence.',
    'Snapshots are one crash-consistent set (taken while the instance runs, like a power cut, not application-consistent) and are kept after release as evidence.',
  ],
  checkResource: (resource) =>
    INSTANCE_ID.test(resource.id) ? undefined : `"${resource.id}" is not an EC2 instance id`,
  before: ec2BeforeSchema,
  goneErrors: VANISHED,
  apply: {
    stages: applyStages,
    work: ({ resource }): ApplyWork => {
      let settleGroupRules: (set: boolean) => void = () => undefined;
      const groupRulesSet = new Promise<boolean>((resolve) => {
        settleGroupRules = resolve;
      });
      return {
        instanceId: resource.id,
        resource,
        cordonGroups: [],
        groupsByVpc: new Map(),
        chosenGroups: [],
        groupRulesSet,
        settleGroupRules,
      };
    },
    finish: withContainmentFailure,
  },
  release: {
    stages: releaseStages,
    work: ({ resource, before }): ReleaseWork => ({ instanceId: resource.id, before }),
  },
});
