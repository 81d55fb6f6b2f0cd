/** Permission meta-test scenarios of `disable-instance-metadata`, together covering every optional path. */
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { EC2 } from '@aws-sdk/client-ec2';
import type { Ec2InstanceResource, Resource } from '../../../functions/lib/findings/model.js';
import { TEST_ACCOUNT } from '../../support/moto.js';
import type { Scenario } from './scenario.js';
import { guardDutyEvent } from '../../../bench/lib/scenario.js';
import { launchInstance as launchPipelineInstance } from '../../pipeline/support.js';
import type { ActionSubject } from '../../resilience/subject.js';

export const action = 'disable-instance-metadata';

/** Non-default metadata options, so that a release which reset any of them would show. */
export const HARDENED = {
  HttpEndpoint: 'enabled',
  HttpTokens: 'required',
  HttpPutResponseHopLimit: 2,
  InstanceMetadataTags: 'enabled',
} as const;

/** An instance in the default VPC with the given metadata options (default: {@link HARDENED}). */
export async function seedInstance(
  ec2: EC2,
  options: {
    metadata?: {
      HttpEndpoint?: 'enabled' | 'disabled';
      HttpTokens?: 'required' | 'optional';
      HttpPutResponseHopLimit?: number;
      InstanceMetadataTags?: 'enabled' | 'disabled';
    };
    tags?: Record<string, string>;
  } = {},
): Promise<string> {
  const tags = Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      MetadataOptions: options.metadata ?? HARDENED,
      ...(tags.length > 0 ? { TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] } : {}),
    }),
  );
  return run.Instances?.[0]?.InstanceId ?? '';
}

export function instanceResource(instanceId: string, tags: Record<string, string> = {}): Ec2InstanceResource {
  return {
    type: 'ec2-instance',
    id: instanceId,
    accountId: TEST_ACCOUNT,
    region: 'us-east-1',
    tags,
    networkInterfaces: [],
    securityGroupIds: [],
  };
}

export const scenarios: Scenario[] = [
  {
    label: 'instance with IMDSv2 required, hop limit 2 and tags in metadata',
    params: {},
    async seed(ctx) {
      return instanceResource(await seedInstance(ctx.clients.ec2));
    },
  },
];

/** A GuardDuty finding type that policies would answer with this action. */
const METADATA_TYPE = 'UnauthorizedAccess:EC2/MetadataDNSRebind';

/** The resilience suite's subject: an instance, and a metadata DNS-rebinding finding about it. */
export const subject: ActionSubject = {
  action,
  rule: { type: METADATA_TYPE, resourceType: 'ec2-instance' },
  async create(world) {
    const { instanceId } = await launchPipelineInstance(world.ec2);
    return {
      event: guardDutyEvent({ kind: 'instance', instanceId }, { type: METADATA_TYPE }),
      resourceId: instanceId,
    };
  },
};

/** A resource of the action's type, built offline (the runner's refusal tests make no AWS call). */
export const sample: Resource = {
  type: 'ec2-instance',
  id: 'i-0123456789abcdef0',
  networkInterfaces: [],
  securityGroupIds: [],
  accountId: '111122223333',
  region: 'us-east-1',
  tags: {},
};
