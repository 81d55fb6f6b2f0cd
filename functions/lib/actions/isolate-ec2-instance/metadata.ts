/**
 * `disableMetadataService`: turn the instance metadata endpoint off while the instance is isolated.
 *
 * Security groups never filter traffic to 169.254.169.254, so an isolated instance can still read its role's
 * credentials from IMDS (and hand them out over DNS, which security groups do not filter either).
 * `ModifyInstanceMetadataOptions HttpEndpoint=disabled` stops that. The options in force before are recorded by
 * the describe step (so a crash between the change and its persistence cannot lose them); release puts
 * `HttpEndpoint` back, the one setting cordon changed, and reads it back.
 */
import type { EC2 } from '@aws-sdk/client-ec2';
import { CordonError } from '../../errors.js';
import type { BeforeState } from '../contract.js';
import { awsCall, type StepSpec } from '../steps.js';
import { describeInstance, type InstanceFacts, type MetadataOptions } from './instance.js';
import {
  APPLY_STEPS,
  RELEASE_STEPS,
  need,
  parseBefore,
  skipped,
  type ApplyWork,
  type Params,
  type ReleaseWork,
} from './shared.js';

/** The before-state block the describe step records when the parameter is on (undefined values left out). */
export function metadataBefore(params: Params, instance: InstanceFacts): BeforeState {
  const options = instance.metadataOptions;
  if (!params.disableMetadataService || options === undefined) return {};
  return {
    metadataOptions: Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
  };
}

/**
 * Set `HttpEndpoint`, and nothing else: the other settings are sent with the values just read. AWS's API reference
 * gives defaults for settings a request leaves out (HttpTokens), the emulator resets every one, and explicit
 * values make the call change exactly one setting on both (never weakening IMDSv2 to optional).
 */
function setEndpoint(
  ec2: EC2,
  instanceId: string,
  endpoint: 'enabled' | 'disabled',
  live: MetadataOptions | undefined,
): Promise<unknown> {
  return awsCall('ec2:ModifyInstanceMetadataOptions', () =>
    ec2.modifyInstanceMetadataOptions({
      InstanceId: instanceId,
      HttpEndpoint: endpoint,
      ...(live?.httpTokens === 'required' || live?.httpTokens === 'optional'
        ? { HttpTokens: live.httpTokens }
        : {}),
      ...(live?.httpPutResponseHopLimit !== undefined
        ? { HttpPutResponseHopLimit: live.httpPutResponseHopLimit }
        : {}),
      ...(live?.instanceMetadataTags === 'enabled' || live?.instanceMetadataTags === 'disabled'
        ? { InstanceMetadataTags: live.instanceMetadataTags }
        : {}),
    }),
  );
}

async function liveOptions(ec2: EC2, instanceId: string): Promise<MetadataOptions | undefined> {
  return (await describeInstance(ec2, instanceId))?.metadataOptions;
}

export function disableMetadataStep(params: Params): StepSpec<ApplyWork> {
  return {
    name: APPLY_STEPS.metadata,
    async run({ work, before, ctx }) {
      if (!params.disableMetadataService) return skipped('not requested (disableMetadataService is false)');
      const instance = need(work.instance, 'the instance');
      const recorded = parseBefore(before).metadataOptions;
      if (recorded === undefined) {
        throw new CordonError(
          `the metadata options of ${instance.id} were not recorded (DescribeInstances returned none), so ` +
            'cordon will not change them',
          { code: 'METADATA_OPTIONS_UNKNOWN' },
        );
      }
      if (instance.metadataOptions?.httpEndpoint === 'disabled') {
        return skipped(
          `the metadata endpoint is already disabled (recorded before: ${recorded.httpEndpoint})`,
        );
      }
      await setEndpoint(ctx.clients.ec2, instance.id, 'disabled', instance.metadataOptions);
      return {
        status: 'done',
        detail: `disabled the instance metadata endpoint (was ${recorded.httpEndpoint}, tokens ${recorded.httpTokens ?? '?'})`,
      };
    },
  };
}

export function restoreMetadataStep(): StepSpec<ReleaseWork> {
  return {
    name: RELEASE_STEPS.metadata,
    async run({ work, ctx }) {
      const recorded = work.before.metadataOptions;
      if (recorded === undefined) return skipped('cordon did not change the metadata service');
      if (recorded.httpEndpoint === 'disabled') {
        return skipped('the metadata endpoint was already disabled before the isolation; left as is');
      }
      const instance = work.instance;
      if (!instance) return skipped(`instance ${work.instanceId} no longer exists; nothing to restore on it`);
      const wanted = 'enabled';
      if (instance.metadataOptions?.httpEndpoint === wanted) {
        return skipped(`the metadata endpoint is already ${wanted}`);
      }
      await setEndpoint(ctx.clients.ec2, instance.id, wanted, instance.metadataOptions);
      // Read back: report the restore only once AWS says it holds.
      const now = await liveOptions(ctx.clients.ec2, instance.id);
      if (now?.httpEndpoint !== wanted) {
        throw new CordonError(
          `the metadata endpoint of ${instance.id} reads back as ${now?.httpEndpoint ?? 'unknown'} after ` +
            `restoring it to ${wanted}`,
          { code: 'RELEASE_READBACK_MISMATCH' },
        );
      }
      return { status: 'done', detail: `re-enabled the instance metadata endpoint (HttpEndpoint=${wanted})` };
    },
  };
}
