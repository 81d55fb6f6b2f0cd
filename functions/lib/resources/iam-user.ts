/** IAM users: named by an access-key principal (iam-access-key.ts) and ASFF `AwsIamUser`; requestable. */
import * as z from 'zod';
import { iamArn } from '../kernel/arn.js';
import { AccountIdSchema, IamUserNameSchema, RegionSchema } from '../kernel/ids.js';
import { readUserTags, iamRequest, requestedIamArn, scopedIamArn } from './iam.js';
import {
  defineKind,
  storedResourceBase,
  lastSegment,
  nonEmpty,
  type FindingScope,
  type ResourceBase,
} from './kind.js';

const TYPE = 'iam-user';
/** The type name, for the actions that contain this kind. */
export { TYPE as IAM_USER };

export interface IamUserResource extends ResourceBase {
  type: typeof TYPE;
  userName: string;
}

/** The user an access-key principal names, with its ARN in the finding's partition (default path `/`). */
export function principalUser(scope: FindingScope, userName: string): IamUserResource {
  return {
    accountId: scope.accountId,
    region: scope.region,
    tags: {},
    type: TYPE,
    id: userName,
    arn: scopedIamArn(scope, `user/${userName}`),
    userName,
  };
}

const TagTarget = z.strictObject({
  type: z.literal(TYPE),
  accountId: AccountIdSchema,
  region: RegionSchema,
  userName: IamUserNameSchema,
});

export const iamUser = defineKind<IamUserResource, z.infer<typeof TagTarget>>({
  type: TYPE,
  label: 'IAM user',
  consolePage: { path: '/iam/home#/users/details/{id}', global: true },
  idSchema: IamUserNameSchema,
  stored: z.strictObject({ ...storedResourceBase, type: z.literal(TYPE), userName: z.string() }),
  arn: (r) => iamArn(r.region, r.accountId, `user/${r.userName}`),
  // A user's own ARN (any path) is what operators protect; built only when the finding gave none.
  protectionArns: (r, partition) =>
    r.arn ? [] : [`arn:${partition}:iam::${r.accountId}:user/${r.userName}`],
  iamIdentity: (r) => ({ kind: 'user', name: r.userName }),
  asff: {
    type: 'AwsIamUser',
    category: 'User',
    read: ({ resource: r, scope, arn, tags }) => {
      const userName = nonEmpty(r.Details?.AwsIamUser?.UserName) ?? lastSegment(r.Id);
      return [
        {
          accountId: scope.accountId,
          region: scope.region,
          tags,
          ...(arn !== undefined ? { arn } : {}),
          type: TYPE,
          id: userName,
          userName,
        },
      ];
    },
  },
  tags: {
    target: TagTarget,
    targetOf: (r) => ({ type: TYPE, accountId: r.accountId, region: r.region, userName: r.userName }),
    services: ['iam'],
    read: (clients, target) => readUserTags(clients, target.userName),
  },
  request: {
    ...iamRequest('user'),
    toResource: (body, { id: name, path }) => {
      const arn = requestedIamArn(body, 'user', name, path);
      return {
        accountId: body.accountId,
        region: body.region,
        tags: {},
        type: TYPE,
        id: name,
        arn,
        userName: name,
      };
    },
  },
});
