/**
 * Everything cordon does not model (RDS, containers...): kept visible as `other` with the
 * source's own type name, so that policies and notifications still see it. Never contained.
 */
import * as z from 'zod';
import { defineKind, storedResourceBase, type FindingScope, type ResourceBase } from './kind.js';

const TYPE = 'other';

export interface OtherResource extends ResourceBase {
  type: typeof TYPE;
  /** The source's own resource type name, e.g. `AwsRdsDbInstance` or `Container`. */
  sourceType: string;
}

/** A resource of a type cordon does not model, named by `id`. */
export function otherResource(scope: FindingScope, id: string, sourceType: string): OtherResource {
  return { type: TYPE, sourceType, id, accountId: scope.accountId, region: scope.region, tags: {} };
}

export const other = defineKind<OtherResource, never>({
  type: TYPE,
  label: 'other resource',
  idSchema: z.string().min(1),
  stored: z.strictObject({ ...storedResourceBase, type: z.literal(TYPE), sourceType: z.string() }),
  // Also the reader of any ASFF resource no other kind reads (registry.ts).
  asff: {
    type: 'Other',
    category: 'User',
    read: ({ resource: r, scope, arn, tags }) => [
      { ...otherResource(scope, r.Id, r.Type), tags, ...(arn !== undefined ? { arn } : {}) },
    ],
  },
});
