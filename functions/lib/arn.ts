/**
 * The one ARN builder. Every ARN cordon builds takes its partition from the region it is about:
 * `us-gov-*` → `aws-us-gov` (GovCloud), `cn-*` → `aws-cn` (China), anything else → `aws`. A GovCloud or China
 * deployment therefore assumes the right member role, writes to the right Security Hub products, records the
 * right resource ARNs and matches the right custom actions, with no setting to forget.
 *
 * Validation patterns that accept any partition (zod schemas, policy globs) use `arn:aws[a-z-]*:` / `arn:aws*:`.
 */
import type { Resource } from './findings/model.js';

export const PARTITIONS = ['aws', 'aws-us-gov', 'aws-cn'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** The partition of a region. */
export function partitionOf(region: string): Partition {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

/** The partition an ARN names, or undefined when the value is not an ARN of a known partition. */
export function partitionOfArn(arn: string | undefined): Partition | undefined {
  const value = /^arn:([a-z-]+):/.exec(arn ?? '')?.[1];
  return PARTITIONS.find((p) => p === value);
}

/**
 * `arn:<partition of region>:<service>:<region or empty>:<account or empty>:<resource>`.
 * @param scope.global the service's ARNs carry no region (IAM, STS, S3); the partition still comes from `region`
 */
export function buildArn(parts: {
  region: string;
  service: string;
  account?: string;
  resource: string;
  global?: boolean;
}): string {
  const region = parts.global === true ? '' : parts.region;
  return `arn:${partitionOf(parts.region)}:${parts.service}:${region}:${parts.account ?? ''}:${parts.resource}`;
}

/** An IAM ARN (`role/<name>`, `user/<name>`, `root`...) in the partition of `region`. */
export function iamArn(region: string, account: string, resource: string): string {
  return buildArn({ region, service: 'iam', account, resource, global: true });
}

/** The role cordon assumes in a member account, for work in `region`. */
export function memberRoleArn(region: string, account: string, roleName: string): string {
  return iamArn(region, account, `role/${roleName}`);
}

/** A Security Hub product ARN: `product/<company>/<product>` (account empty for AWS's own products). */
export function securityHubProductArn(region: string, account: string, product: string): string {
  return buildArn({ region, service: 'securityhub', account, resource: `product/${product}` });
}

/** GuardDuty's Security Hub product in a region: `arn:<partition>:securityhub:<region>::product/aws/guardduty`. */
export function guardDutyProductArn(region: string): string {
  return securityHubProductArn(region, '', 'aws/guardduty');
}

/** The default product of an account (what BatchImportFindings writes as that account). */
export function defaultProductArn(region: string, account: string): string {
  return securityHubProductArn(region, account, `${account}/default`);
}

/** A Security Hub custom action: `arn:<partition>:securityhub:<region>:<account>:action/custom/<id>`. */
export function customActionArn(region: string, account: string, id: string): string {
  return buildArn({ region, service: 'securityhub', account, resource: `action/custom/${id}` });
}

/**
 * The ARN that identifies a resource: its own when the finding gave one, else built from its identifiers in the
 * partition of its region. An access key has no ARN: its owner's user ARN stands for it (protecting a user protects
 * the user's keys). Types without an ARN form give their id.
 */
export function resourceArn(resource: Resource): string {
  if (resource.arn) return resource.arn;
  const { region, accountId: account } = resource;
  switch (resource.type) {
    case 'ec2-instance':
      return buildArn({ region, service: 'ec2', account, resource: `instance/${resource.id}` });
    case 'iam-user':
    case 'iam-access-key':
      return iamArn(region, account, `user/${resource.userName}`);
    case 'iam-role':
      return iamArn(region, account, `role/${resource.roleName}`);
    case 's3-bucket':
      return buildArn({ region, service: 's3', resource: resource.id, global: true });
    case 'aws-account':
      return iamArn(region, account, 'root');
    case 'eks-cluster':
      return buildArn({ region, service: 'eks', account, resource: `cluster/${resource.id}` });
    default:
      return resource.id;
  }
}
