/** AWS accounts and their root user: never contained, but named and notified about. */
import * as z from 'zod';
import { iamArn } from '../kernel/arn.js';
import { AccountIdSchema } from '../kernel/ids.js';
import { scopedIamArn } from './iam.js';
import { defineKind, storedResourceBase, type FindingScope, type ResourceBase } from './kind.js';

const TYPE = 'aws-account';

export interface AwsAccountResource extends ResourceBase {
  type: typeof TYPE;
  /** True when the finding is about the account's root user. cordon never contains root. */
  root: boolean;
}

/** The root user a `Root` access-key principal names. */
export function principalRoot(scope: FindingScope): AwsAccountResource {
  return {
    accountId: scope.accountId,
    region: scope.region,
    tags: {},
    type: TYPE,
    id: scope.accountId,
    arn: scopedIamArn(scope, 'root'),
    root: true,
  };
}

export const awsAccount = defineKind<AwsAccountResource, never>({
  type: TYPE,
  label: 'AWS account',
  idSchema: AccountIdSchema,
  stored: z.strictObject({ ...storedResourceBase, type: z.literal(TYPE), root: z.boolean() }),
  arn: (r) => iamArn(r.region, r.accountId, 'root'),
  // IAM cannot deny the root user anyway; account-level containment is out of cordon's reach by design.
  neverContained: {
    what: 'an account or its root user',
    why: (r) =>
      r.root
        ? 'the root user is never contained by cordon; rotate its credentials by hand'
        : 'account-level resources are never contained by cordon',
  },
  protectionArns: (r, partition) => [`arn:${partition}:iam::${r.accountId}:root`],
  asff: {
    type: 'AwsAccount',
    category: 'User',
    read: ({ resource: r, finding, scope, arn, tags }) => {
      const id = /(\d{12})/.exec(r.Id)?.[1] ?? finding.AwsAccountId;
      return [
        {
          region: scope.region,
          tags,
          ...(arn !== undefined ? { arn } : {}),
          accountId: id,
          type: TYPE,
          id,
          root: false,
        },
      ];
    },
  },
});
