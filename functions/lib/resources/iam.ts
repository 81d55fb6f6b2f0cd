/** What the IAM kinds share: names in requests, ARNs in a finding's partition, and reading a user's tags. */
import type { MemberClients } from '../actions/contract.js';
import { awsCall } from '../actions/steps.js';
import { unlessNotFound } from '../aws/errors.js';
import { tagRecord } from '../aws/iam-policies.js';
import { buildArn } from '../kernel/arn.js';
import { IAM_NAME, IAM_PATH, PARTITION, part } from '../kernel/id-patterns.js';
import type { FindingScope, RequestedResource } from './kind.js';

/** The request form facts of an IAM user or role: its name, or its ARN (any path) in the request's account. */
export function iamRequest(kind: 'user' | 'role'): {
  hint: string;
  idPattern: RegExp;
  idMessage: string;
} {
  return {
    hint: `IAM ${kind} name or ARN.`,
    idPattern: new RegExp(
      `^(?:arn:${part(PARTITION)}:iam::(?<account>\\d{12}):${kind}(?<path>${part(IAM_PATH)}))?(?<id>${part(IAM_NAME)})$`,
    ),
    idMessage: `must be an IAM ${kind} name (1-64 of letters, digits and +=,.@_-) or its ARN`,
  };
}

/** The ARN of a requested IAM user or role, in the partition of the request's region (default path `/`). */
export function requestedIamArn(
  body: RequestedResource,
  kind: 'user' | 'role',
  name: string,
  path: string | undefined,
): string {
  return buildArn({
    region: body.region,
    service: 'iam',
    account: body.accountId,
    resource: `${kind}${path ?? '/'}${name}`,
    global: true,
  });
}

/** An IAM ARN (`user/<name>`, `role/<name>`, `root`) in the finding's partition. */
export function scopedIamArn(scope: FindingScope, resource: string): string {
  return `arn:${scope.partition}:iam::${scope.accountId}:${resource}`;
}

/** A user's live tags; a user that does not exist has none (the worker reports it missing later). */
export async function readUserTags(
  clients: MemberClients,
  userName: string,
): Promise<Record<string, string>> {
  const user = await unlessNotFound(
    awsCall('iam:GetUser', () => clients.iam.getUser({ UserName: userName })),
  );
  return tagRecord(user?.User?.Tags);
}

/** A role's live tags; a role that does not exist has none. */
export async function readRoleTags(
  clients: MemberClients,
  roleName: string,
): Promise<Record<string, string>> {
  const role = await unlessNotFound(
    awsCall('iam:GetRole', () => clients.iam.getRole({ RoleName: roleName })),
  );
  return tagRecord(role?.Role?.Tags);
}
