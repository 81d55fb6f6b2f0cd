/**
 * The one ARN module: format and parse. Every ARN cordon builds takes its partition from the region it is about:
 * `us-gov-*` → `aws-us-gov` (GovCloud), `cn-*` → `aws-cn` (China), anything else → `aws`. A GovCloud or China
 * deployment therefore assumes the right member role, writes to the right Security Hub products, records the
 * right resource ARNs and matches the right custom actions, with no setting to forget.
 *
 * Validation patterns that accept any partition (zod schemas, policy globs) use `arn:aws[a-z-]*:` / `arn:aws*:`.
 * Kernel module: imports nothing from cordon.
 */

export const PARTITIONS = ['aws', 'aws-us-gov', 'aws-cn'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** The partition of a region. */
export function regionPartition(region: string): Partition {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

/** The partition an ARN names, or undefined when the value is not an ARN of a known partition. */
export function arnPartition(arn: string | undefined): Partition | undefined {
  const value = /^arn:([a-z-]+):/.exec(arn ?? '')?.[1];
  return PARTITIONS.find((p) => p === value);
}

/**
 * The partition of something that may carry its own ARN: the ARN's partition when it names a known one, else the
 * region's (else `aws` when no region is known either).
 */
export function resourcePartition(arn: string | undefined, region: string | undefined): Partition {
  return arnPartition(arn) ?? (region === undefined ? 'aws' : regionPartition(region));
}

/** The fields of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>` (resource may hold `:`). */
export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** The fields of an ARN, or undefined when the value does not have the six ARN fields. No partition check. */
export function parseArn(arn: string): ArnParts | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const [, partition, service, region, account, ...rest] = arn.split(':');
  if (partition === undefined || service === undefined || region === undefined || account === undefined) {
    return undefined;
  }
  if (rest.length === 0) return undefined;
  return { partition, service, region, account, resource: rest.join(':') };
}

/**
 * `arn:<partition of region>:<service>:<region or empty>:<account or empty>:<resource>`.
 * @param parts.global the service's ARNs carry no region (IAM, STS, S3); the partition still comes from `region`
 * @param parts.partition the partition when it is known otherwise (a finding's own); default: the region's
 */
export function buildArn(parts: {
  region: string;
  service: string;
  account?: string;
  resource: string;
  global?: boolean;
  partition?: string;
}): string {
  const region = parts.global === true ? '' : parts.region;
  const partition = parts.partition ?? regionPartition(parts.region);
  return `arn:${partition}:${parts.service}:${region}:${parts.account ?? ''}:${parts.resource}`;
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
