/**
 * Reading a resource's live tags for a request-time guard check. The API has no member-account access of its
 * own (its role must not hold the member role), so in AWS it asks the worker, which does, with a synchronous
 * read-only job `{kind: 'read-tags', resource}`; locally the in-process worker runs the same function.
 *
 * Only the read calls the actions already declare are used (ec2:DescribeInstances, iam:GetUser, iam:GetRole),
 * so the member role gains nothing.
 */
import * as z from 'zod';
import type { MemberClientFactory } from '../aws/member-clients.js';
import { tagRecord } from '../aws/iam-policies.js';
import { unlessNotFound } from '../aws/errors.js';
import { describeInstance } from '../actions/ec2/instance.js';
import { awsCall } from '../actions/steps.js';
import type { Resource } from '../findings/model.js';

/** The resource kinds the API can request, with what is needed to find their tags. */
export const TagTargetSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('ec2-instance'),
    accountId: z.string().regex(/^\d{12}$/),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
    id: z.string().regex(/^i-[0-9a-f]{8,17}$/),
  }),
  z.strictObject({
    type: z.enum(['iam-user', 'iam-access-key']),
    accountId: z.string().regex(/^\d{12}$/),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
    userName: z.string().regex(/^[\w+=,.@-]{1,64}$/),
  }),
  z.strictObject({
    type: z.literal('iam-role'),
    accountId: z.string().regex(/^\d{12}$/),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
    roleName: z.string().regex(/^[\w+=,.@-]{1,64}$/),
  }),
]);
export type TagTarget = z.infer<typeof TagTargetSchema>;

/** The worker's read-only job: the live tags of one resource, answered synchronously. */
export const ReadTagsJobSchema = z.strictObject({ kind: z.literal('read-tags'), resource: TagTargetSchema });
export type ReadTagsJob = z.infer<typeof ReadTagsJobSchema>;

/** What the worker answers to a read-tags job. */
export const ReadTagsResultSchema = z.strictObject({ tags: z.record(z.string(), z.string()) });

/** The live tags could not be read, so an exemption cannot be ruled out: the request is not accepted (503). */
import { TagsUnavailableError } from '../errors.js';
export { TagsUnavailableError };

/** The tag target of a resource, or undefined for a kind whose tags the API never needs. */
export function tagTarget(resource: Resource): TagTarget | undefined {
  const base = { accountId: resource.accountId, region: resource.region };
  switch (resource.type) {
    case 'ec2-instance':
      return { ...base, type: 'ec2-instance', id: resource.id };
    case 'iam-user':
    case 'iam-access-key':
      // An access key carries no exemption of its own: its owner's tags protect it (as the action checks).
      return { ...base, type: resource.type, userName: resource.userName };
    case 'iam-role':
      return { ...base, type: 'iam-role', roleName: resource.roleName };
    default:
      return undefined;
  }
}

/**
 * Read the live tags through the member role. A resource that does not exist has no tags (the worker reports
 * it missing later); any other failure throws, because an unread exemption must not be treated as none.
 */
export async function readResourceTags(
  memberClients: MemberClientFactory,
  target: TagTarget,
): Promise<Record<string, string>> {
  if (target.type === 'ec2-instance') {
    const clients = await memberClients(target.accountId, target.region, 'read-tags', ['ec2']);
    const instance = await unlessNotFound(describeInstance(clients.ec2, target.id));
    return instance?.tags ?? {};
  }
  const clients = await memberClients(target.accountId, target.region, 'read-tags', ['iam']);
  if (target.type === 'iam-role') {
    const role = await unlessNotFound(
      awsCall('iam:GetRole', () => clients.iam.getRole({ RoleName: target.roleName })),
    );
    return tagRecord(role?.Role?.Tags);
  }
  const user = await unlessNotFound(
    awsCall('iam:GetUser', () => clients.iam.getUser({ UserName: target.userName })),
  );
  return tagRecord(user?.User?.Tags);
}
