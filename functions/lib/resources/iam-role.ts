/** IAM roles: named by an `AssumedRole` access-key principal (iam-access-key.ts) and ASFF `AwsIamRole`. */
import * as z from 'zod';
import { iamArn } from '../kernel/arn.js';
import { AccountIdSchema, IamRoleNameSchema, RegionSchema } from '../kernel/ids.js';
import { readRoleTags, iamRequest, requestedIamArn, scopedIamArn } from './iam.js';
import {
  defineKind,
  storedResourceBase,
  lastSegment,
  nonEmpty,
  type FindingScope,
  type ResourceBase,
} from './kind.js';

const TYPE = 'iam-role';
/** The type name, for the actions that contain this kind. */
export { TYPE as IAM_ROLE };

export interface IamRoleResource extends ResourceBase {
  type: typeof TYPE;
  roleName: string;
  /** For an AssumedRole principal: the session that was seen. */
  sessionName?: string;
}

/** The role an `AssumedRole` principal names. GuardDuty gives the name without its path: default path `/`. */
export function principalRole(
  scope: FindingScope,
  roleName: string,
  sessionName: string | undefined,
): IamRoleResource {
  return {
    accountId: scope.accountId,
    region: scope.region,
    tags: {},
    type: TYPE,
    id: roleName,
    arn: scopedIamArn(scope, `role/${roleName}`),
    roleName,
    ...(sessionName !== undefined ? { sessionName } : {}),
  };
}

const TagTarget = z.strictObject({
  type: z.literal(TYPE),
  accountId: AccountIdSchema,
  region: RegionSchema,
  roleName: IamRoleNameSchema,
});

export const iamRole = defineKind<IamRoleResource, z.infer<typeof TagTarget>>({
  type: TYPE,
  label: 'IAM role',
  idSchema: IamRoleNameSchema,
  stored: z.strictObject({
    ...storedResourceBase,
    type: z.literal(TYPE),
    roleName: z.string(),
    sessionName: z.string().optional(),
  }),
  arn: (r) => iamArn(r.region, r.accountId, `role/${r.roleName}`),
  protectionArns: (r, partition) => [
    // A finding may carry the assumed-role ARN; the role's own ARN is what operators protect.
    ...(r.arn?.includes(':role/') ? [] : [`arn:${partition}:iam::${r.accountId}:role/${r.roleName}`]),
    ...(r.sessionName
      ? [`arn:${partition}:sts::${r.accountId}:assumed-role/${r.roleName}/${r.sessionName}`]
      : []),
  ],
  iamIdentity: (r) => ({ kind: 'role', name: r.roleName }),
  asff: {
    type: 'AwsIamRole',
    category: 'User',
    read: ({ resource: r, scope, arn, tags }) => {
      const roleName = nonEmpty(r.Details?.AwsIamRole?.RoleName) ?? lastSegment(r.Id);
      return [
        {
          accountId: scope.accountId,
          region: scope.region,
          tags,
          ...(arn !== undefined ? { arn } : {}),
          type: TYPE,
          id: roleName,
          roleName,
        },
      ];
    },
  },
  tags: {
    target: TagTarget,
    targetOf: (r) => ({ type: TYPE, accountId: r.accountId, region: r.region, roleName: r.roleName }),
    services: ['iam'],
    read: (clients, target) => readRoleTags(clients, target.roleName),
  },
  request: {
    ...iamRequest('role'),
    toResource: (body, { id: name, path }) => {
      const arn = requestedIamArn(body, 'role', name, path);
      return {
        accountId: body.accountId,
        region: body.region,
        tags: {},
        type: TYPE,
        id: name,
        arn,
        roleName: name,
      };
    },
  },
});
