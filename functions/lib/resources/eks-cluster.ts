/** EKS clusters: named by GuardDuty's `EKSCluster` block and ASFF `AwsEksCluster`. Not containable yet. */
import * as z from 'zod';
import { tagListToRecord } from '../findings/string-maps.js';
import { buildArn } from '../kernel/arn.js';
import { defineKind, storedResourceBase, lastSegment, nonEmpty, type ResourceBase } from './kind.js';

const TYPE = 'eks-cluster';
export { TYPE as EKS_CLUSTER };

export type EksClusterResource = ResourceBase & { type: typeof TYPE };

function clusterArn(region: string, account: string, name: string, partition?: string): string {
  return buildArn({
    region,
    service: 'eks',
    account,
    resource: `cluster/${name}`,
    ...(partition !== undefined ? { partition } : {}),
  });
}

export const eksCluster = defineKind<EksClusterResource, never>({
  type: TYPE,
  label: 'EKS cluster',
  idSchema: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'must be an EKS cluster name'),
  stored: z.strictObject({ ...storedResourceBase, type: z.literal(TYPE) }),
  arn: (r) => clusterArn(r.region, r.accountId, r.id),
  guardDuty: {
    block: 'EKSCluster',
    read: (detail, scope) => {
      const eks = detail.resource.eksClusterDetails;
      const arn = nonEmpty(eks?.arn);
      const name = nonEmpty(eks?.name) ?? (arn !== undefined ? lastSegment(arn) : undefined);
      if (!eks || name === undefined) return undefined;
      return [
        {
          type: TYPE,
          id: name,
          arn: arn ?? clusterArn(scope.region, scope.accountId, name, scope.partition),
          accountId: scope.accountId,
          region: scope.region,
          tags: tagListToRecord(eks.tags),
        },
      ];
    },
  },
  asff: {
    type: 'AwsEksCluster',
    category: 'User',
    read: ({ resource: r, scope, arn, tags }) => {
      const name = nonEmpty(r.Details?.AwsEksCluster?.Name) ?? lastSegment(r.Id);
      return [
        {
          accountId: scope.accountId,
          region: scope.region,
          tags,
          ...(arn !== undefined ? { arn } : {}),
          type: TYPE,
          id: name,
        },
      ];
    },
  },
});
