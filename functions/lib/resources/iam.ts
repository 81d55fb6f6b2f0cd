/** What the IAM kinds share: names in requests, ARNs in a finding's partition, and reading a user's tags. */
import type { MemberClients } from '../actions/contract.js';
import { awsCall } from '../actions/steps.js';
import { unlessNotFound } from '../aws/errors.js';
import { tagRecord } from '../aws/iam-policies.js';
import { buildArn } from '../kernel/arn.js';
import { IAM_NAME } from '../kernel/ids.js';
import { fieldError, type FindingScope, type RequestedResource } from './kind.js';

/** An IAM user or role ARN as the API accepts it in place of the name (any path). */
const IAM_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(user|role)(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]{1,64})$/;

/**
 * The name and path of the IAM user or role a request names by name or ARN, and its ARN in the partition of the
 * request's region.
 * @throws ValidationError when it is neither a valid name nor an ARN of that kind in the request's account
 */
export function requestedIamName(
  body: RequestedResource,
  kind: 'user' | 'role',
): { name: string; arn: string } {
  const arn = IAM_ARN.exec(body.resourceId);
  let name = body.resourceId;
  let path = '/';
  if (arn) {
    if (arn[3] !== kind) throw fieldError('resourceId', `the ARN is not an IAM ${kind}`);
    if (arn[2] !== body.accountId)
      throw fieldError('resourceId', 'the ARN names another account than accountId');
    name = arn[5] ?? '';
    path = arn[4] ?? '/';
  } else if (!IAM_NAME.test(body.resourceId)) {
    throw fieldError(
      'resourceId',
      `must be an IAM ${kind} name (1-64 of letters, digits and +=,.@_-) or its ARN`,
    );
  }
  return {
    name,
    arn: buildArn({
      region: body.region,
      service: 'iam',
      account: body.accountId,
      resource: `${kind}${path}${name}`,
      global: true,
    }),
  };
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
