/**
 * IAM access keys, and the principal behind an access key. GuardDuty's `AccessKey` block and ASFF's
 * `AwsIamAccessKey` resource name a principal rather than a key; it maps by its type, identically on both paths
 * so that a finding and its Security Hub twin yield the same resources:
 * - `IAMUser`: the access key (when its id is known) and the user who owns it. Both are listed so that a policy
 *   can disable just the key or isolate the whole user.
 * - `AssumedRole`: the role (the access key is temporary; revoking the role's sessions is what contains it), and
 *   for a session of an IAM Identity Center `AWSReservedSSO_*` role also the Identity Center user behind it.
 * - `Root`: the account root, which cordon never contains but must be able to name and notify about.
 * - anything else: `other`.
 */
import * as z from 'zod';
import { iamArn } from '../kernel/arn.js';
import { ACCESS_KEY_ID, REQUESTED_OWNER_MISSING, part } from '../kernel/id-patterns.js';
import { AccessKeyIdSchema, AccountIdSchema, IamUserNameSchema, RegionSchema } from '../kernel/ids.js';
import type { Resource } from '../findings/model.js';
import { principalRoot } from './aws-account.js';
import { readUserTags } from './iam.js';
import { principalRole } from './iam-role.js';
import { principalUser } from './iam-user.js';
import { identityCenterSessionUser } from './identity-center-user.js';
import {
  defineKind,
  storedResourceBase,
  fieldError,
  nonEmpty,
  type FindingScope,
  type ResourceBase,
} from './kind.js';
import { otherResource } from './other.js';

const TYPE = 'iam-access-key';
/** The type name, for the actions that contain this kind. */
export { TYPE as IAM_ACCESS_KEY };

export interface IamAccessKeyResource extends ResourceBase {
  type: typeof TYPE;
  accessKeyId: string;
  /** The key's owner; GuardDuty gives it, and actions need it to call UpdateAccessKey cross-account. */
  userName: string;
}

/** What a finding says about the principal behind an access key. */
export interface AccessKeyPrincipal {
  userType: string | undefined;
  userName: string | undefined;
  principalId: string | undefined;
  accessKeyId: string | undefined;
}

/** An access key id is unknown when absent or reported as the literal `null` (seen in real ASFF events). */
function knownKeyId(value: string | null | undefined): string | undefined {
  const v = nonEmpty(value);
  return v === undefined || v === 'null' ? undefined : v;
}

/** The resources an access-key principal stands for (see the module comment). */
export function principalResources(p: AccessKeyPrincipal, scope: FindingScope): Resource[] {
  const type = p.userType ?? (p.userName !== undefined ? 'IAMUser' : undefined);
  if (type === 'Root') return [principalRoot(scope)];
  if (type === 'AssumedRole' && p.userName !== undefined) {
    const colon = p.principalId?.indexOf(':') ?? -1;
    const sessionName = colon >= 0 ? nonEmpty(p.principalId?.slice(colon + 1)) : undefined;
    const person = identityCenterSessionUser(scope, p.userName, sessionName);
    // The role first, so that rules on roles see what they saw before Identity Center users were modelled.
    const role = principalRole(scope, p.userName, sessionName);
    return person ? [role, person] : [role];
  }
  if (type === 'IAMUser' && p.userName !== undefined) {
    const out: Resource[] = [];
    if (p.accessKeyId !== undefined) {
      const key: IamAccessKeyResource = {
        accountId: scope.accountId,
        region: scope.region,
        tags: {},
        type: TYPE,
        id: p.accessKeyId,
        accessKeyId: p.accessKeyId,
        userName: p.userName,
      };
      out.push(key);
    }
    out.push(principalUser(scope, p.userName));
    return out;
  }
  const id = p.userName ?? p.principalId ?? p.accessKeyId;
  if (id === undefined) return [];
  return [otherResource(scope, id, `AccessKey/${type ?? 'unknown'}`)];
}

/** The key id an ASFF access-key resource id carries (`AWS::IAM::AccessKey:<id>`). */
const ACCESS_KEY_RESOURCE_ID = /^AWS::IAM::AccessKey:(.*)$/;

const TagTarget = z.strictObject({
  type: z.literal(TYPE),
  accountId: AccountIdSchema,
  region: RegionSchema,
  userName: IamUserNameSchema,
});

export const iamAccessKey = defineKind<IamAccessKeyResource, z.infer<typeof TagTarget>>({
  type: TYPE,
  label: 'IAM access key',
  idSchema: AccessKeyIdSchema,
  stored: z.strictObject({
    ...storedResourceBase,
    type: z.literal(TYPE),
    accessKeyId: z.string(),
    userName: z.string(),
  }),
  // A key has no ARN: its owner's stands for it (protecting a user protects the user's keys).
  arn: (r) => iamArn(r.region, r.accountId, `user/${r.userName}`),
  protectionArns: (r, partition) => [`arn:${partition}:iam::${r.accountId}:user/${r.userName}`],
  // A key acts as its owner.
  iamIdentity: (r) => ({ kind: 'user', name: r.userName }),
  guardDuty: {
    block: 'AccessKey',
    read: (detail, scope) => {
      const key = detail.resource.accessKeyDetails;
      if (!key) return undefined;
      return principalResources(
        {
          userType: nonEmpty(key.userType),
          userName: nonEmpty(key.userName),
          principalId: nonEmpty(key.principalId),
          accessKeyId: knownKeyId(key.accessKeyId),
        },
        scope,
      );
    },
  },
  asff: {
    type: 'AwsIamAccessKey',
    category: 'User',
    resourceId: (r) => `AWS::IAM::AccessKey:${r.accessKeyId}`,
    read: ({ resource: r, scope, tags }) => {
      const details = r.Details?.AwsIamAccessKey;
      const fromId = ACCESS_KEY_RESOURCE_ID.exec(r.Id)?.[1];
      const resources = principalResources(
        {
          userType: nonEmpty(details?.PrincipalType),
          userName: nonEmpty(details?.PrincipalName) ?? nonEmpty(details?.UserName),
          principalId: nonEmpty(details?.PrincipalId),
          accessKeyId: knownKeyId(details?.AccessKeyId) ?? knownKeyId(fromId),
        },
        scope,
      );
      return resources.map((res) => ({ ...res, tags }));
    },
  },
  tags: {
    target: TagTarget,
    // A key carries no exemption of its own: its owner's tags protect it (as the action checks).
    targetOf: (r) => ({ type: TYPE, accountId: r.accountId, region: r.region, userName: r.userName }),
    services: ['iam'],
    read: (clients, target) => readUserTags(clients, target.userName),
  },
  request: {
    hint: 'Long-term access key id (AKIA…).',
    idPattern: new RegExp(`^(?<id>${part(ACCESS_KEY_ID)})$`),
    idMessage: 'must be a long-term access key id: AKIA followed by 16 letters or digits',
    needsUserName: true,
    toResource: (body, { id }) => {
      // Checked before (kind.ts, needsUserName); narrowed here for the type.
      const userName = body.userName;
      if (userName === undefined) throw fieldError('userName', REQUESTED_OWNER_MISSING);
      return {
        accountId: body.accountId,
        region: body.region,
        tags: {},
        type: TYPE,
        id,
        accessKeyId: id,
        userName,
        arn: iamArn(body.region, body.accountId, `user/${userName}`),
      };
    },
  },
});
