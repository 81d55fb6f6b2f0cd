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
import type { Resource } from '../findings/model.js';
import { AccountIdSchema, RegionSchema } from '../kernel/ids.js';
import { findKind, KINDS, kindOf } from '../resources/registry.js';
import { TagsUnavailableError, ValidationError } from '../errors.js';

/** The resource types whose tags the API reads (each kind states how: resources/*.ts `tags`). */
const TAG_TYPES = KINDS.flatMap((kind) => (kind.tags ? [kind.type] : []));

/**
 * What is needed to find a resource's tags: its kind's tag target (e.g. `{type, accountId, region, id}` for an
 * instance, `userName` for a user or key, `roleName` for a role). Each kind's own schema checks the whole target.
 */
export const TagTargetSchema = z
  .looseObject({ type: z.string(), accountId: AccountIdSchema, region: RegionSchema })
  .superRefine((value, ctx) => {
    const target = findKind(value.type)?.tags?.target;
    if (target === undefined) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `must be one of ${TAG_TYPES.join(', ')}` });
      return;
    }
    const parsed = target.safeParse(value);
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom' });
  });
export type TagTarget = z.infer<typeof TagTargetSchema>;

/** The worker's read-only job: the live tags of one resource, answered synchronously. */
export const ReadTagsJobSchema = z.strictObject({ kind: z.literal('read-tags'), resource: TagTargetSchema });
export type ReadTagsJob = z.infer<typeof ReadTagsJobSchema>;

/** What the worker answers to a read-tags job. */
export const ReadTagsResultSchema = z.strictObject({ tags: z.record(z.string(), z.string()) });

/** The live tags could not be read, so an exemption cannot be ruled out: the request is not accepted (503). */
export { TagsUnavailableError };

/** The tag target of a resource, or undefined for a kind whose tags the API never needs. */
export function tagTarget(resource: Resource): TagTarget | undefined {
  return kindOf(resource).tags?.targetOf(resource);
}

/**
 * Read the live tags through the member role. A resource that does not exist has no tags (the worker reports
 * it missing later); any other failure throws, because an unread exemption must not be treated as none.
 */
export async function readResourceTags(
  memberClients: MemberClientFactory,
  target: TagTarget,
): Promise<Record<string, string>> {
  const tags = findKind(target.type)?.tags;
  if (tags === undefined) throw new ValidationError(`the tags of a ${target.type} are not read`);
  const clients = await memberClients(target.accountId, target.region, 'read-tags', tags.services);
  return tags.read(clients, target);
}
