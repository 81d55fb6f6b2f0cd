/**
 * Test support: seed IAM Identity Center in moto (moto 5 emulates sso-admin and identitystore, including
 * inline policies, account assignments, group memberships and ProvisionPermissionSet) and read back what
 * isolate-identity-center-user changes.
 */
import type { SSOAdmin } from '@aws-sdk/client-sso-admin';
import type { Identitystore } from '@aws-sdk/client-identitystore';
import type { IdentityCenterUserResource } from '../../../functions/lib/findings/model.js';

/** The member account where the session was seen, and another one the user reaches through a group. */
export const SEEN_ACCOUNT = '111111111111';
export const GROUP_ACCOUNT = '222222222222';

/** A customer's own inline policy on a permission set, formatted as a person would write it. */
export const CUSTOMER_INLINE_POLICY = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [{ Sid: 'NoIamUsers', Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }],
  },
  null,
  2,
);

export interface SeededIdentityCenter {
  instanceArn: string;
  identityStoreId: string;
  userId: string;
  userName: string;
  /** Permission set name → ARN. */
  sets: Record<string, string>;
}

interface SeedOptions {
  userName?: string;
  /** Assign AdministratorAccess to the user directly (default true). */
  assignDirect?: boolean;
  /** Put the user in a group that has ReadOnly (default true). */
  assignGroup?: boolean;
  /** Appended to the permission set and group names, for several seeds in one moto account. */
  suffix?: string;
}

/**
 * One Identity Center instance with a user, a group the user belongs to, and three permission sets:
 * AdministratorAccess (the customer's inline policy; assigned to the user directly), ReadOnly (no inline policy;
 * assigned to the group) and Billing (assigned to nobody, never to be touched).
 */
export async function seedIdentityCenter(
  ssoAdmin: SSOAdmin,
  identityStore: Identitystore,
  options: SeedOptions = {},
): Promise<SeededIdentityCenter> {
  const userName = options.userName ?? 'alice@example.com';
  const instances = await ssoAdmin.listInstances({});
  const instance = instances.Instances?.[0];
  const instanceArn = instance?.InstanceArn ?? '';
  const identityStoreId = instance?.IdentityStoreId ?? '';
  const user = await identityStore.createUser({
    IdentityStoreId: identityStoreId,
    UserName: userName,
    DisplayName: 'Alice',
    Name: { GivenName: 'Alice', FamilyName: 'Example' },
    Emails: [{ Value: userName.includes('@') ? userName : `${userName}@example.com`, Primary: true }],
  });
  const userId = user.UserId ?? '';
  const suffix = options.suffix ?? '';
  // Keyed by the names without the suffix, so tests read them the same way whatever the suffix.
  const sets: Record<string, string> = {};
  for (const name of ['AdministratorAccess', 'ReadOnly', 'Billing']) {
    const created = await ssoAdmin.createPermissionSet({
      InstanceArn: instanceArn,
      Name: `${name}${suffix}`,
    });
    sets[name] = created.PermissionSet?.PermissionSetArn ?? '';
  }
  await ssoAdmin.putInlinePolicyToPermissionSet({
    InstanceArn: instanceArn,
    PermissionSetArn: sets['AdministratorAccess'],
    InlinePolicy: CUSTOMER_INLINE_POLICY,
  });
  if (options.assignDirect !== false) {
    await ssoAdmin.createAccountAssignment({
      InstanceArn: instanceArn,
      PermissionSetArn: sets['AdministratorAccess'],
      PrincipalId: userId,
      PrincipalType: 'USER',
      TargetId: SEEN_ACCOUNT,
      TargetType: 'AWS_ACCOUNT',
    });
  }
  if (options.assignGroup !== false) {
    const group = await identityStore.createGroup({
      IdentityStoreId: identityStoreId,
      DisplayName: `readers${suffix}`,
    });
    await identityStore.createGroupMembership({
      IdentityStoreId: identityStoreId,
      GroupId: group.GroupId,
      MemberId: { UserId: userId },
    });
    await ssoAdmin.createAccountAssignment({
      InstanceArn: instanceArn,
      PermissionSetArn: sets['ReadOnly'],
      PrincipalId: group.GroupId,
      PrincipalType: 'GROUP',
      TargetId: GROUP_ACCOUNT,
      TargetType: 'AWS_ACCOUNT',
    });
  }
  return { instanceArn, identityStoreId, userId, userName, sets };
}

/** The resource a GuardDuty finding on the user's AdministratorAccess session yields. */
export function identityCenterUserResource(
  userName = 'alice@example.com',
  permissionSetName = 'AdministratorAccess',
): IdentityCenterUserResource {
  const roleName = `AWSReservedSSO_${permissionSetName}_0123456789abcdef`;
  return {
    type: 'identity-center-user',
    id: userName,
    arn: `arn:aws:sts::${SEEN_ACCOUNT}:assumed-role/${roleName}/${userName}`,
    accountId: SEEN_ACCOUNT,
    region: 'us-east-1',
    tags: {},
    userName,
    roleName,
    permissionSetName,
  };
}

/** Each permission set's inline policy text, by name. */
export async function inlinePolicies(
  ssoAdmin: SSOAdmin,
  seeded: SeededIdentityCenter,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, arn] of Object.entries(seeded.sets)) {
    const policy = await ssoAdmin.getInlinePolicyForPermissionSet({
      InstanceArn: seeded.instanceArn,
      PermissionSetArn: arn,
    });
    out[name] = policy.InlinePolicy ?? '';
  }
  return out;
}

/** The statements of a policy text that deny everything to this Identity Store user. */
export function userDenies(policy: string, userId: string): unknown[] {
  if (policy === '') return [];
  const parsed: unknown = JSON.parse(policy);
  const statements =
    typeof parsed === 'object' && parsed !== null && 'Statement' in parsed ? parsed.Statement : undefined;
  const list: unknown[] = Array.isArray(statements) ? statements : [statements];
  return list.filter(
    (s) =>
      JSON.stringify(s).includes(`"identitystore:userId":"${userId}"`) &&
      JSON.stringify(s).includes('"Effect":"Deny"') &&
      JSON.stringify(s).includes('"Action":"*"'),
  );
}
