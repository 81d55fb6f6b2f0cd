/**
 * IAM roles: named by an `AssumedRole` access-key principal (iam-access-key.ts), by the Kubernetes user of an EKS
 * audit-log finding when that user is a session of an IAM role (below), and by ASFF `AwsIamRole`.
 */
import * as z from 'zod';
import type { GuardDutyFindingDetail } from '../findings/schemas.js';
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

/**
 * The Kubernetes user name EKS gives a session of an IAM role by default (access entries; the usual aws-auth
 * mapping `{{SessionName}}` template): `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`.
 */
const ASSUMED_ROLE_USERNAME =
  /^arn:(aws[a-z-]{0,20}):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{2,64})$/;
/**
 * The uid EKS's authenticator gives an IAM principal: `aws-iam-authenticator:<account>:<unique id>`, and a role's
 * unique id starts with AROA. Unlike the user name (an operator's mapping, free text), it says how the caller
 * signed in.
 */
const AUTHENTICATOR_ROLE_UID = /^aws-iam-authenticator:(\d{12}):AROA[A-Z0-9]{4,124}$/;

function sessionNames(value: string | readonly string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/**
 * The IAM role whose session the Kubernetes user of an EKS audit-log finding is, only when the finding proves it:
 * the user name is an assumed-role ARN, the uid is an IAM role's in the same account, and the session GuardDuty
 * reports (if any) is the one the name carries. Anything else (service accounts, `system:anonymous`, nodes, IAM
 * users, custom user names) names no role: cordon must not guess which role to cut off.
 */
export function kubernetesUserRole(
  detail: GuardDutyFindingDetail,
  scope: FindingScope,
): IamRoleResource[] | undefined {
  const user = detail.resource.kubernetesDetails?.kubernetesUserDetails;
  const name = ASSUMED_ROLE_USERNAME.exec(nonEmpty(user?.username) ?? '');
  const uid = AUTHENTICATOR_ROLE_UID.exec(nonEmpty(user?.uid) ?? '');
  if (!user || !name || !uid) return undefined;
  const [, partition, account, roleName, session] = name;
  if (partition === undefined || account === undefined || roleName === undefined || session === undefined)
    return undefined;
  // A name naming another account's role than the one that signed in is a mapping, not the caller.
  if (uid[1] !== account) return undefined;
  const reported = sessionNames(user.sessionName);
  if (reported.length > 0 && !reported.includes(session)) return undefined;
  // The role's account is the ARN's: a role of another account is then refused by the account boundary.
  return [principalRole({ accountId: account, region: scope.region, partition }, roleName, session)];
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
  consolePage: { path: '/iam/home#/roles/details/{id}', global: true },
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
  // GuardDuty's AccessKey block is read by iam-access-key.ts; this reads the Kubernetes user of EKS findings.
  guardDuty: { block: 'KubernetesUser', read: kubernetesUserRole },
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
