/**
 * EC2 instances: named by GuardDuty's `Instance` block and ASFF `AwsEc2Instance`; requestable through the API. A
 * finding about an EKS pod names the node it runs on in the same block, and the instance is then marked as that
 * cluster's node (`eksNode`), so that a policy can treat node containment apart (match.eksNode).
 */
import * as z from 'zod';
import { awsCall } from '../actions/steps.js';
import { unlessNotFound } from '../aws/errors.js';
import type { GuardDutyFindingDetail } from '../findings/schemas.js';
import { tagListToRecord } from '../findings/string-maps.js';
import { buildArn } from '../kernel/arn.js';
import { INSTANCE_ID, PARTITION, part } from '../kernel/id-patterns.js';
import { AccountIdSchema, InstanceIdSchema, RegionSchema } from '../kernel/ids.js';
import {
  defineKind,
  storedResourceBase,
  lastSegment,
  nonEmpty,
  uniqueStrings,
  type ResourceBase,
} from './kind.js';

const TYPE = 'ec2-instance';
/** The type name, for the actions that contain this kind. */
export { TYPE as EC2_INSTANCE };

export interface NetworkInterfaceRef {
  id: string;
  vpcId?: string;
  subnetId?: string;
  privateIpAddress?: string;
  securityGroupIds: string[];
}

/**
 * The instance is the node of an EKS pod the finding is about. Only GuardDuty's structured blocks decide it
 * (`eksClusterDetails`/`kubernetesDetails` beside `instanceDetails`, or an ASFF `AwsEksCluster` resource), never
 * pod names, labels or other workload text.
 */
export interface EksNodeRef {
  /** The cluster, when the finding names it with a valid EKS cluster name. */
  clusterName?: string;
}

export interface Ec2InstanceResource extends ResourceBase {
  type: typeof TYPE;
  eksNode?: EksNodeRef;
  vpcId?: string;
  subnetId?: string;
  networkInterfaces: NetworkInterfaceRef[];
  securityGroupIds: string[];
  instanceProfileArn?: string;
}

/** An instance id at the end of an ASFF resource id (an ARN or the bare id); lenient: the source's word. */
const ASFF_INSTANCE_ID = /(?:^|\/)(i-[0-9a-f]{8,17})$/;

/** EKS's cluster-name rule (CreateCluster): a name outside it is not recorded, the node mark stays. */
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

function eksNodeRef(clusterName: string | undefined): EksNodeRef {
  return clusterName !== undefined && EKS_CLUSTER_NAME.test(clusterName) ? { clusterName } : {};
}

/** The node mark of a GuardDuty finding's instance: the finding is about an EKS cluster's workload. */
function guardDutyEksNode(resource: GuardDutyFindingDetail['resource']): EksNodeRef | undefined {
  const eks = resource.eksClusterDetails;
  if (!eks && !resource.kubernetesDetails && resource.resourceType !== 'EKSCluster') return undefined;
  const arn = nonEmpty(eks?.arn);
  return eksNodeRef(nonEmpty(eks?.name) ?? (arn !== undefined ? lastSegment(arn) : undefined));
}

function instanceArn(region: string, account: string, id: string, partition?: string): string {
  return buildArn({
    region,
    service: 'ec2',
    account,
    resource: `instance/${id}`,
    ...(partition !== undefined ? { partition } : {}),
  });
}

const TagTarget = z.strictObject({
  type: z.literal(TYPE),
  accountId: AccountIdSchema,
  region: RegionSchema,
  id: InstanceIdSchema,
});

export const ec2Instance = defineKind<Ec2InstanceResource, z.infer<typeof TagTarget>>({
  type: TYPE,
  label: 'EC2 instance',
  consolePage: { path: '/ec2/home?region={region}#InstanceDetails:instanceId={id}' },
  idSchema: InstanceIdSchema,
  stored: z.strictObject({
    ...storedResourceBase,
    type: z.literal(TYPE),
    vpcId: z.string().optional(),
    subnetId: z.string().optional(),
    networkInterfaces: z.array(
      z.strictObject({
        id: z.string(),
        vpcId: z.string().optional(),
        subnetId: z.string().optional(),
        privateIpAddress: z.string().optional(),
        securityGroupIds: z.array(z.string()),
      }),
    ),
    securityGroupIds: z.array(z.string()),
    instanceProfileArn: z.string().optional(),
    eksNode: z.strictObject({ clusterName: z.string().optional() }).optional(),
  }),
  arn: (r) => instanceArn(r.region, r.accountId, r.id),
  protectionArns: (r, partition) => [instanceArn(r.region, r.accountId, r.id, partition)],
  guardDuty: {
    block: 'Instance',
    read: (detail, scope) => {
      const inst = detail.resource.instanceDetails;
      // Only a well-formed instance id becomes a target: anything else in the field names no instance.
      const parsed = InstanceIdSchema.safeParse(inst?.instanceId);
      if (!inst || !parsed.success) return undefined;
      const id = parsed.data;
      const enis: NetworkInterfaceRef[] = (inst.networkInterfaces ?? []).flatMap((n) => {
        const eni = nonEmpty(n.networkInterfaceId);
        if (eni === undefined) return [];
        const ref: NetworkInterfaceRef = {
          id: eni,
          securityGroupIds: uniqueStrings((n.securityGroups ?? []).map((g) => g.groupId)),
        };
        const vpcId = nonEmpty(n.vpcId);
        const subnetId = nonEmpty(n.subnetId);
        const privateIp = nonEmpty(n.privateIpAddress);
        if (vpcId !== undefined) ref.vpcId = vpcId;
        if (subnetId !== undefined) ref.subnetId = subnetId;
        if (privateIp !== undefined) ref.privateIpAddress = privateIp;
        return [ref];
      });
      const instance: Ec2InstanceResource = {
        type: TYPE,
        id,
        arn: instanceArn(scope.region, scope.accountId, id, scope.partition),
        accountId: scope.accountId,
        region: scope.region,
        tags: tagListToRecord(inst.tags),
        networkInterfaces: enis,
        securityGroupIds: uniqueStrings(enis.flatMap((e) => e.securityGroupIds)),
      };
      const vpcId = enis.find((e) => e.vpcId !== undefined)?.vpcId;
      const subnetId = enis.find((e) => e.subnetId !== undefined)?.subnetId;
      if (vpcId !== undefined) instance.vpcId = vpcId;
      if (subnetId !== undefined) instance.subnetId = subnetId;
      const profileArn = nonEmpty(inst.iamInstanceProfile?.arn);
      if (profileArn !== undefined) instance.instanceProfileArn = profileArn;
      const eksNode = guardDutyEksNode(detail.resource);
      if (eksNode !== undefined) instance.eksNode = eksNode;
      return [instance];
    },
  },
  asff: {
    type: 'AwsEc2Instance',
    category: 'VM',
    read: ({ resource: r, finding, scope, arn, tags }) => {
      const id = ASFF_INSTANCE_ID.exec(r.Id)?.[1];
      if (!id) return undefined;
      const details = r.Details?.AwsEc2Instance;
      const vpcId = nonEmpty(details?.VpcId);
      const instance: Ec2InstanceResource = {
        accountId: scope.accountId,
        region: scope.region,
        tags,
        type: TYPE,
        id,
        arn: arn ?? instanceArn(scope.region, scope.accountId, id, scope.partition),
        // ASFF lists interface ids only; all interfaces of an instance share its VPC.
        networkInterfaces: uniqueStrings(
          (details?.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId),
        ).map((eni) => ({ id: eni, securityGroupIds: [], ...(vpcId !== undefined ? { vpcId } : {}) })),
        securityGroupIds: [],
      };
      if (vpcId !== undefined) instance.vpcId = vpcId;
      const subnetId = nonEmpty(details?.SubnetId);
      if (subnetId !== undefined) instance.subnetId = subnetId;
      const profileArn = nonEmpty(details?.IamInstanceProfileArn);
      if (profileArn !== undefined) instance.instanceProfileArn = profileArn;
      // Security Hub lists the cluster of a GuardDuty EKS finding as a resource of its own, beside the node.
      const cluster = finding.Resources.find((other) => other.Type === 'AwsEksCluster');
      if (cluster !== undefined)
        instance.eksNode = eksNodeRef(
          nonEmpty(cluster.Details?.AwsEksCluster?.Name) ?? lastSegment(cluster.Id),
        );
      return [instance];
    },
  },
  tags: {
    target: TagTarget,
    targetOf: (r) => ({ type: TYPE, accountId: r.accountId, region: r.region, id: r.id }),
    services: ['ec2'],
    read: async (clients, target) => {
      const out = await unlessNotFound(
        awsCall('ec2:DescribeInstances', () => clients.ec2.describeInstances({ InstanceIds: [target.id] })),
      );
      const instance = out?.Reservations?.flatMap((r) => r.Instances ?? []).find(
        (i) => i.InstanceId === target.id,
      );
      return Object.fromEntries(
        (instance?.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])),
      );
    },
  },
  request: {
    hint: 'Instance id (i-…) or instance ARN.',
    idPattern: new RegExp(
      `^(?:arn:${part(PARTITION)}:ec2:(?<region>[a-z0-9-]+):(?<account>\\d{12}):instance/)?(?<id>${part(INSTANCE_ID)})$`,
    ),
    idMessage: 'must be an instance id: i- followed by 8 or 17 hex digits (or its ARN)',
    toResource: (body, { id }) => {
      return {
        type: TYPE,
        accountId: body.accountId,
        region: body.region,
        tags: {},
        id,
        arn: instanceArn(body.region, body.accountId, id),
        networkInterfaces: [],
        securityGroupIds: [],
      };
    },
  },
});
