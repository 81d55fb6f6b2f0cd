/**
 * People signed in through IAM Identity Center, seen as a session of an `AWSReservedSSO_<PermissionSet>_<hash>`
 * role (which AWS does not let anyone modify). Named by an `AssumedRole` access-key principal on such a role.
 */
import * as z from 'zod';
import { ConfigurationError } from '../errors.js';
import { regionPartition } from '../kernel/arn.js';
import { PARTITION, part } from '../kernel/id-patterns.js';
import { defineKind, storedResourceBase, type FindingScope, type ResourceBase } from './kind.js';

const TYPE = 'identity-center-user';
/** The type name, for the actions that contain this kind. */
export { TYPE as IDENTITY_CENTER_USER };

/**
 * `arn` is the assumed-role session ARN, so that protected-ARN patterns can name Identity Center sessions apart
 * from the role itself.
 */
export interface IdentityCenterUserResource extends ResourceBase {
  type: typeof TYPE;
  /** The role session name: Identity Center sets it to the user's user name (often an email address). */
  userName: string;
  /** The `AWSReservedSSO_*` role the session was seen on, in `accountId`. */
  roleName: string;
  /** The permission set's name, from the role name. */
  permissionSetName: string;
}

/** `AWSReservedSSO_<PermissionSetName>_<16 hex digits>`: the roles IAM Identity Center provisions. */
const RESERVED_SSO_ROLE = /^AWSReservedSSO_(.+)_[0-9a-f]{16}$/;
/** A role session name (AWS: 2-64 of [\w+=,.@-]); Identity Center uses the user name. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * The Identity Center user behind a session of an `AWSReservedSSO_*` role; undefined for any other role or when
 * the session name is unknown.
 */
export function identityCenterSessionUser(
  scope: FindingScope,
  roleName: string,
  sessionName: string | undefined,
): IdentityCenterUserResource | undefined {
  const permissionSetName = RESERVED_SSO_ROLE.exec(roleName)?.[1];
  if (permissionSetName === undefined || sessionName === undefined) return undefined;
  return {
    type: TYPE,
    id: sessionName,
    arn: `arn:${scope.partition}:sts::${scope.accountId}:assumed-role/${roleName}/${sessionName}`,
    accountId: scope.accountId,
    region: scope.region,
    tags: {},
    userName: sessionName,
    roleName,
    permissionSetName,
  };
}

export const identityCenterUser = defineKind<IdentityCenterUserResource, never>({
  type: TYPE,
  label: 'Identity Center user',
  idSchema: z.string().regex(SESSION_NAME, 'must be a role session name'),
  stored: z.strictObject({
    ...storedResourceBase,
    type: z.literal(TYPE),
    userName: z.string(),
    roleName: z.string(),
    permissionSetName: z.string(),
  }),
  // ASFF has no type for an Identity Center user; the finding names the session's role.
  asff: { type: 'AwsIamRole', category: 'User' },
  // By the session ARN CloudTrail and the finding show: the user name alone does not say which permission set's
  // role the person used, and the ARN names the account, which must be the request's.
  request: {
    hint: 'Session ARN: arn:aws:sts::<account>:assumed-role/AWSReservedSSO_<permission set>_<hash>/<user name>.',
    idPattern: new RegExp(
      `^arn:${part(PARTITION)}:sts::(?<account>\\d{12}):assumed-role/(?<role>AWSReservedSSO_[\\w+=,.@-]+_[0-9a-f]{16})/(?<id>${part(SESSION_NAME)})$`,
    ),
    idMessage:
      'must be the ARN of an Identity Center session: arn:aws:sts::<account>:assumed-role/AWSReservedSSO_<permission set>_<hash>/<user name>',
    toResource: (body, { id, role }) => {
      const user = identityCenterSessionUser(
        { accountId: body.accountId, region: body.region, partition: regionPartition(body.region) },
        role ?? '',
        id,
      );
      // The pattern admits only AWSReservedSSO_ roles and session names, so this never happens.
      if (user === undefined)
        throw new ConfigurationError(`not an Identity Center session: ${role ?? ''}/${id}`);
      return user;
    },
  },
});
