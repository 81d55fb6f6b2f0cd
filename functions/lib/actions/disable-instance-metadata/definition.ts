/**
 * `disable-instance-metadata`: turn the instance metadata service (IMDS, 169.254.169.254) of an EC2 instance off,
 * and nothing else. Security groups never filter IMDS, so a compromised instance can keep fetching its role's
 * credentials; `ModifyInstanceMetadataOptions HttpEndpoint=disabled` stops that without touching its network.
 *
 * The first step records the options in force (endpoint, tokens, hop limit, tags in metadata) before any change,
 * so a crash between the change and its persistence cannot lose them. Release sets the endpoint back to what was
 * recorded and reads it back; it never changes the other options (someone may have hardened them meanwhile).
 */
import type { Ec2InstanceResource } from '../../findings/model.js';
import { INSTANCE_ID } from '../../kernel/ids.js';
import { checkGuards } from '../guards.js';
import { defineRunnableAction } from '../runner.js';
import { disableInstanceMetadataManifest } from './manifest.js';
import type { StageSpec, StepOutcome } from '../steps.js';
import { metadataBeforeSchema, recordedOptions, type MetadataBefore } from './before.js';
import {
  GONE_STATES,
  INSTANCE_GONE,
  MetadataOptionsError,
  describeInstance,
  setEndpoint,
  type LiveInstance,
} from './instance.js';

interface ApplyWork {
  resource: Ec2InstanceResource;
  /** What the first step read; the containment step acts on it. */
  instance?: LiveInstance;
}

interface ReleaseWork {
  instanceId: string;
  before: MetadataBefore;
}

function skipped(detail: string, halt = false): StepOutcome {
  return { status: 'skipped', detail, ...(halt ? { halt } : {}) };
}

function applyStages(): StageSpec<ApplyWork>[] {
  return [
    {
      steps: [
        {
          name: 'record-metadata-options',
          async run({ work, before, ctx }) {
            const instanceId = work.resource.id;
            const instance = await describeInstance(ctx.clients.ec2, instanceId);
            if (!instance || GONE_STATES.has(instance.state)) {
              return skipped(
                `instance ${instanceId} no longer exists (${instance?.state ?? 'not found'})`,
                true,
              );
            }
            // The live tags win over the finding's: an exemption added since the finding is honoured.
            const verdict = checkGuards(work.resource, ctx.guard, instance.tags);
            if (!verdict.allowed) return skipped(`refused: ${verdict.reason}`, true);
            work.instance = instance;
            if (recordedOptions(before) !== undefined) {
              return skipped('metadata options already recorded by an earlier run');
            }
            const live = instance.options;
            if (live === undefined) {
              throw new MetadataOptionsError(
                `DescribeInstances returned no metadata options for ${instanceId}, so cordon will not change them`,
                'METADATA_OPTIONS_UNKNOWN',
              );
            }
            const { httpProtocolIpv6: _notRecorded, ...recorded } = live;
            return {
              status: 'done',
              detail: `recorded HttpEndpoint=${live.httpEndpoint}, HttpTokens=${live.httpTokens ?? '?'}, HttpPutResponseHopLimit=${live.httpPutResponseHopLimit ?? '?'}, InstanceMetadataTags=${live.instanceMetadataTags ?? '?'}`,
              before: { instanceId, metadataOptions: recorded },
            };
          },
        },
      ],
    },
    {
      containment: true,
      steps: [
        {
          name: 'disable-metadata-endpoint',
          async run({ work, before, ctx }) {
            const instance = work.instance;
            const live = instance?.options;
            // Only reached after the first step recorded the options (it throws or halts otherwise).
            if (!instance || live === undefined || recordedOptions(before) === undefined) {
              throw new MetadataOptionsError(
                `the metadata options of ${work.resource.id} were not recorded, so cordon will not change them`,
                'METADATA_OPTIONS_UNKNOWN',
              );
            }
            if (live.httpEndpoint === 'disabled') return skipped('the metadata endpoint is already disabled');
            const now = await setEndpoint(ctx.clients.ec2, instance.id, 'disabled', live);
            if (now !== undefined && now !== 'disabled') {
              throw new MetadataOptionsError(
                `the metadata endpoint of ${instance.id} reads back as ${now} after disabling it`,
                'METADATA_READBACK_MISMATCH',
              );
            }
            return {
              status: 'done',
              detail: `disabled the instance metadata endpoint of ${instance.id} (was ${live.httpEndpoint})`,
              warnings: [
                `software on ${instance.id} that reads instance metadata (role credentials for the SDKs, the SSM and CloudWatch agents, cloud-init) stops working until release`,
              ],
            };
          },
        },
      ],
    },
  ];
}

function releaseStages(): StageSpec<ReleaseWork>[] {
  return [
    {
      steps: [
        {
          name: 'restore-metadata-endpoint',
          async run({ work, ctx }) {
            const recorded = work.before.metadataOptions;
            if (recorded === undefined)
              return skipped('no metadata options were recorded: cordon changed nothing');
            if (recorded.httpEndpoint === 'disabled') {
              return skipped('the metadata endpoint was already disabled before the isolation; left as is');
            }
            const instance = await describeInstance(ctx.clients.ec2, work.instanceId);
            if (!instance || GONE_STATES.has(instance.state)) {
              return skipped(`instance ${work.instanceId} no longer exists; nothing to restore`, true);
            }
            const live = instance.options;
            if (live === undefined) {
              throw new MetadataOptionsError(
                `DescribeInstances returned no metadata options for ${instance.id}: cannot restore them safely`,
                'METADATA_OPTIONS_UNKNOWN',
              );
            }
            const wanted = recorded.httpEndpoint === 'enabled' ? 'enabled' : 'disabled';
            const changed = live.httpEndpoint !== wanted;
            if (changed) await setEndpoint(ctx.clients.ec2, instance.id, wanted, live);
            // Read back: report the restore only once AWS says it holds.
            const after = changed ? await describeInstance(ctx.clients.ec2, instance.id) : instance;
            const now = after?.options;
            if (now?.httpEndpoint !== wanted) {
              throw new MetadataOptionsError(
                `the metadata endpoint of ${instance.id} reads back as ${now?.httpEndpoint ?? 'unknown'} after restoring it to ${wanted}`,
                'METADATA_READBACK_MISMATCH',
              );
            }
            const drift = (['httpTokens', 'httpPutResponseHopLimit', 'instanceMetadataTags'] as const).filter(
              (key) => recorded[key] !== undefined && now[key] !== recorded[key],
            );
            const warnings = drift.map(
              (key) =>
                `${key} of ${instance.id} is ${String(now[key])}, was ${String(recorded[key])} before the isolation; cordon did not change it and left it`,
            );
            return changed
              ? {
                  status: 'done',
                  detail: `re-enabled the instance metadata endpoint (HttpEndpoint=${wanted})`,
                  warnings,
                }
              : { status: 'skipped', detail: `the metadata endpoint is already ${wanted}`, warnings };
          },
        },
      ],
    },
  ];
}

export const disableInstanceMetadata = defineRunnableAction(disableInstanceMetadataManifest, {
  checkResource: (resource) =>
    INSTANCE_ID.test(resource.id) ? undefined : `"${resource.id}" is not an EC2 instance id`,
  before: metadataBeforeSchema,
  goneErrors: INSTANCE_GONE,
  limitations: [
    'Credentials already fetched from the metadata service keep working until they expire (up to 6 hours for instance-profile roles, longer if copied and refreshed elsewhere): revoke them with revoke-role-sessions on the instance role.',
    'The network is not touched: the instance keeps every connection, DNS and whatever else it can reach. Use isolate-ec2-instance to cut it off.',
    'Software on the instance that needs instance metadata (SDK credentials, the SSM and CloudWatch agents, cloud-init) stops working until release, so Session Manager access may be lost too.',
    'Someone with ec2:ModifyInstanceMetadataOptions in the account can turn the endpoint back on.',
    'Release turns the endpoint back on even while another isolation of the instance is active (e.g. isolate-ec2-instance with disableMetadataService, which then found it off and leaves it as found): release this one last.',
  ],
  apply: { stages: applyStages, work: ({ resource }): ApplyWork => ({ resource }) },
  release: {
    stages: releaseStages,
    work: ({ resource, before }): ReleaseWork => ({ instanceId: resource.id, before }),
  },
});
