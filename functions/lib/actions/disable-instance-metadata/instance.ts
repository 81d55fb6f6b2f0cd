/** Reading and setting the metadata service options of one EC2 instance. */
import type { EC2, Instance } from '@aws-sdk/client-ec2';
import { CordonError } from '../../errors.js';
import { awsCall } from '../steps.js';
import type { RecordedMetadataOptions } from './before.js';

/** The AWS error names meaning the instance itself is gone. */
export const INSTANCE_GONE = ['InvalidInstanceID.NotFound'] as const;

/** States in which there is nothing left to contain. */
export const GONE_STATES: ReadonlySet<string> = new Set(['shutting-down', 'terminated']);

/** The options as read now; `httpProtocolIpv6` is not recorded, only carried through unchanged. */
export interface LiveOptions extends RecordedMetadataOptions {
  httpProtocolIpv6?: string;
}

export interface LiveInstance {
  id: string;
  state: string;
  tags: Record<string, string>;
  /** Undefined when AWS returns no metadata options: cordon then refuses to change them. */
  options?: LiveOptions;
}

/** The metadata options could not be read, or do not read back as set. */
export class MetadataOptionsError extends CordonError {
  constructor(message: string, code: 'METADATA_OPTIONS_UNKNOWN' | 'METADATA_READBACK_MISMATCH') {
    super(message, { code });
  }
}

function optionsOf(instance: Instance): LiveOptions | undefined {
  const options = instance.MetadataOptions;
  if (options?.HttpEndpoint === undefined) return undefined;
  // Undefined values are left out: the before-state is stored as JSON and compared field by field.
  return {
    httpEndpoint: options.HttpEndpoint,
    ...(options.HttpTokens !== undefined ? { httpTokens: options.HttpTokens } : {}),
    ...(options.HttpPutResponseHopLimit !== undefined
      ? { httpPutResponseHopLimit: options.HttpPutResponseHopLimit }
      : {}),
    ...(options.InstanceMetadataTags !== undefined
      ? { instanceMetadataTags: options.InstanceMetadataTags }
      : {}),
    ...(options.HttpProtocolIpv6 !== undefined ? { httpProtocolIpv6: options.HttpProtocolIpv6 } : {}),
  };
}

/** The instance, or undefined when AWS no longer lists it. `InvalidInstanceID.NotFound` propagates. */
export async function describeInstance(ec2: EC2, instanceId: string): Promise<LiveInstance | undefined> {
  const out = await awsCall('ec2:DescribeInstances', () =>
    ec2.describeInstances({ InstanceIds: [instanceId] }),
  );
  const instance = out.Reservations?.flatMap((r) => r.Instances ?? []).find(
    (i) => i.InstanceId === instanceId,
  );
  if (!instance) return undefined;
  const options = optionsOf(instance);
  return {
    id: instanceId,
    state: instance.State?.Name ?? 'unknown',
    tags: Object.fromEntries((instance.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : []))),
    ...(options ? { options } : {}),
  };
}

/**
 * Set `HttpEndpoint`, and nothing else. The other settings are sent with the values just read: AWS's API
 * reference gives defaults for some settings a request leaves out (HttpTokens), the emulator resets every one,
 * and explicit values make the call change exactly one setting on both (never weakening IMDSv2 to optional).
 * Returns the endpoint state the response reports.
 */
export async function setEndpoint(
  ec2: EC2,
  instanceId: string,
  endpoint: 'enabled' | 'disabled',
  live: LiveOptions,
): Promise<string | undefined> {
  const out = await awsCall('ec2:ModifyInstanceMetadataOptions', () =>
    ec2.modifyInstanceMetadataOptions({
      InstanceId: instanceId,
      HttpEndpoint: endpoint,
      ...(live.httpTokens === 'required' || live.httpTokens === 'optional'
        ? { HttpTokens: live.httpTokens }
        : {}),
      ...(live.httpPutResponseHopLimit !== undefined
        ? { HttpPutResponseHopLimit: live.httpPutResponseHopLimit }
        : {}),
      ...(live.instanceMetadataTags === 'enabled' || live.instanceMetadataTags === 'disabled'
        ? { InstanceMetadataTags: live.instanceMetadataTags }
        : {}),
      ...(live.httpProtocolIpv6 === 'enabled' || live.httpProtocolIpv6 === 'disabled'
        ? { HttpProtocolIpv6: live.httpProtocolIpv6 }
        : {}),
    }),
  );
  return out.InstanceMetadataOptions?.HttpEndpoint;
}
