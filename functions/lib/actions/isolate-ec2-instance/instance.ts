/**
 * Reading an EC2 instance's live state for isolation and release, and the before-state record shape.
 */
import type { EC2, Instance } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import { awsCall } from '../steps.js';

/** Tag keys cordon puts on the instance (and the isolation id on snapshots). */
export const ISOLATION_ID_TAG = 'cordon:isolation-id';
export const ISOLATED_AT_TAG = 'cordon:isolated-at';

export interface EniFacts {
  id: string;
  vpcId: string;
  deviceIndex: number;
  groups: string[];
  /** Private IPv4 addresses: how IP-type target groups know the instance. */
  privateIps: string[];
}

/** An attached EBS volume and whether AWS deletes it when the instance terminates. */
export interface BlockDeviceFacts {
  deviceName: string;
  volumeId: string;
  deleteOnTermination: boolean;
}

export interface InstanceFacts {
  id: string;
  state: string;
  enis: EniFacts[];
  volumeIds: string[];
  tags: Record<string, string>;
  /** The instance metadata service settings (absent when AWS does not say). */
  metadataOptions?: MetadataOptions;
  /** `spot` or `scheduled`; undefined for On-Demand. */
  lifecycle?: string;
  blockDevices: BlockDeviceFacts[];
  availabilityZone?: string;
}

/** The metadata service settings cordon records before turning the endpoint off (see metadata.ts). */
export interface MetadataOptions {
  httpEndpoint: string;
  httpTokens?: string;
  httpPutResponseHopLimit?: number;
  instanceMetadataTags?: string;
}

/** States in which there is nothing left to isolate. */
export const GONE_STATES = new Set(['shutting-down', 'terminated']);

/** Instance ids in the finding are trusted only after this check (they reach AWS APIs). */
export const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

function toFacts(instance: Instance): InstanceFacts {
  return {
    id: instance.InstanceId ?? '',
    state: instance.State?.Name ?? 'unknown',
    enis: (instance.NetworkInterfaces ?? [])
      .filter((n) => n.NetworkInterfaceId && n.VpcId)
      .map((n) => ({
        id: n.NetworkInterfaceId ?? '',
        vpcId: n.VpcId ?? '',
        deviceIndex: n.Attachment?.DeviceIndex ?? 0,
        groups: (n.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
        privateIps: (n.PrivateIpAddresses ?? []).flatMap((a) =>
          a.PrivateIpAddress ? [a.PrivateIpAddress] : [],
        ),
      }))
      .sort((a, b) => a.deviceIndex - b.deviceIndex),
    volumeIds: (instance.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.VolumeId ? [m.Ebs.VolumeId] : [])),
    tags: Object.fromEntries((instance.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : []))),
    ...(instance.MetadataOptions?.HttpEndpoint
      ? {
          metadataOptions: {
            httpEndpoint: instance.MetadataOptions.HttpEndpoint,
            httpTokens: instance.MetadataOptions.HttpTokens,
            httpPutResponseHopLimit: instance.MetadataOptions.HttpPutResponseHopLimit,
            instanceMetadataTags: instance.MetadataOptions.InstanceMetadataTags,
          },
        }
      : {}),
    lifecycle: instance.InstanceLifecycle,
    blockDevices: (instance.BlockDeviceMappings ?? []).flatMap((m) =>
      m.DeviceName && m.Ebs?.VolumeId
        ? [
            {
              deviceName: m.DeviceName,
              volumeId: m.Ebs.VolumeId,
              deleteOnTermination: m.Ebs.DeleteOnTermination ?? false,
            },
          ]
        : [],
    ),
    availabilityZone: instance.Placement?.AvailabilityZone,
  };
}

/** The instance, or undefined when AWS no longer lists it. `InvalidInstanceID.NotFound` propagates. */
export async function describeInstance(ec2: EC2, instanceId: string): Promise<InstanceFacts | undefined> {
  const out = await awsCall('ec2:DescribeInstances', () =>
    ec2.describeInstances({ InstanceIds: [instanceId] }),
  );
  const instance = out.Reservations?.flatMap((r) => r.Instances ?? []).find(
    (i) => i.InstanceId === instanceId,
  );
  return instance ? toFacts(instance) : undefined;
}

/** Same members regardless of order. */
export function sameGroups(a: readonly string[], b: readonly string[]): boolean {
  const left = [...new Set(a)].sort();
  const right = [...new Set(b)].sort();
  return left.length === right.length && left.every((value, i) => value === right[i]);
}

// ---- Settings before-state: volumes, Auto Scaling, load balancers (issue 11 item 4). ----
// Kept apart from the rest of the schema so that other changes to it do not collide with these.
const targetRegistrationSchema = z.object({
  targetGroupArn: z.string(),
  /** The registered target: the instance id (instance-type groups) or a private IP (IP-type groups). */
  id: z.string().optional(),
  port: z.number().optional(),
  /** Set for IP targets registered with an explicit zone (`all` for addresses outside the VPC). */
  availabilityZone: z.string().optional(),
  /** Health state when recorded; `unused` is a registration too (its zone or group is not in use). */
  state: z.string().optional(),
});
const settingsBeforeShape = {
  targetRegistrations: z.array(targetRegistrationSchema).optional(),
  /** Classic Load Balancer names the instance was registered with. */
  classicLoadBalancers: z.array(z.string()).optional(),
  /** Per device name: the volume and its DeleteOnTermination before isolation. */
  volumeDeleteOnTermination: z
    .record(z.string(), z.object({ volumeId: z.string(), deleteOnTermination: z.boolean() }))
    .optional(),
  /** Instance scale-in protection in its Auto Scaling group before isolation. */
  scaleInProtection: z.object({ groupName: z.string(), protectedBefore: z.boolean() }).optional(),
};
// ---- end of the settings before-state ----

/**
 * The before-state the isolate-ec2-instance action records. Parsed with zod on release because it comes
 * back from the store; every section is optional because a failed apply may have recorded only some.
 */
export const ec2BeforeSchema = z.object({
  instance: z.object({ id: z.string(), state: z.string() }).optional(),
  networkInterfaces: z
    .record(z.string(), z.object({ vpcId: z.string(), deviceIndex: z.number(), groups: z.array(z.string()) }))
    .optional(),
  isolationGroups: z
    .record(z.string(), z.object({ isolation: z.string(), flowCut: z.string().optional() }))
    .optional(),
  terminationProtection: z
    .object({ disableApiTermination: z.boolean(), shutdownBehavior: z.string() })
    .optional(),
  autoScaling: z
    .object({ member: z.boolean(), groupName: z.string().optional(), lifecycleState: z.string().optional() })
    .optional(),
  instanceProfile: z
    .object({
      associated: z.boolean(),
      profileArn: z.string().optional(),
      associationId: z.string().optional(),
    })
    .optional(),
  roleSessionRevocation: z
    .object({
      roleName: z.string(),
      policyName: z.string(),
      tokenIssuedBefore: z.string(),
      addedByCordon: z.boolean(),
    })
    .optional(),
  evidenceSnapshots: z.record(z.string(), z.string()).optional(),
  // --- Metadata service (disableMetadataService; ec2/metadata.ts) ---------------------------------------------
  metadataOptions: z
    .object({
      httpEndpoint: z.string(),
      httpTokens: z.string().optional(),
      httpPutResponseHopLimit: z.number().optional(),
      instanceMetadataTags: z.string().optional(),
    })
    .optional(),
  // --- end of metadata service ---------------------------------------------------------------------------------
  ...settingsBeforeShape,
});
export type Ec2Before = z.infer<typeof ec2BeforeSchema>;
