/**
 * IAM Identity Center helpers for `isolate-identity-center-user`: find the instance, the user and the permission
 * sets that reach the user, and edit cordon's deny statement in a permission set's inline policy.
 *
 * The deny is the one AWS documents for revoking an Identity Center user's active sessions: Deny `*` on `*` when
 * `identitystore:userId` equals the user's id (stable, unlike `aws:userid`, which follows the user name). It
 * carries a Sid of cordon's own per isolation, so release removes exactly that statement.
 */
import { awsErrorName } from '../../aws/errors.js';
import type { Identitystore } from '@aws-sdk/client-identitystore';
import type { SSOAdmin } from '@aws-sdk/client-sso-admin';
import * as z from 'zod';
import { CordonError } from '../../errors.js';
import type { IdentityCenterSettings } from '../contract.js';
import { awsCall } from '../steps.js';

/** The Identity Center instance the action works in. */
export interface IdentityCenterInstance {
  instanceArn: string;
  identityStoreId: string;
}

/** Identity Center is not where the settings say, or a policy document cannot be read. */
export class IdentityCenterError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'IDENTITY_CENTER', ...options });
  }
}

/** The instance named in the settings, else the one `sso:ListInstances` finds in the account. */
export async function resolveInstance(
  ssoAdmin: SSOAdmin,
  settings: IdentityCenterSettings | undefined,
): Promise<IdentityCenterInstance> {
  if (settings?.instanceArn !== undefined && settings.identityStoreId !== undefined) {
    return { instanceArn: settings.instanceArn, identityStoreId: settings.identityStoreId };
  }
  const output = await awsCall('sso:ListInstances', () => ssoAdmin.listInstances({}));
  const instances = (output.Instances ?? []).filter(
    (i) => settings?.instanceArn === undefined || i.InstanceArn === settings.instanceArn,
  );
  const [first] = instances;
  if (instances.length !== 1 || first?.InstanceArn === undefined || first.IdentityStoreId === undefined) {
    throw new IdentityCenterError(
      `expected one IAM Identity Center instance in this account, found ${instances.length}: ` +
        'is settings.identityCenter.accountId the management account or the delegated administrator? ' +
        'Set instanceArn and identityStoreId to choose one.',
    );
  }
  return {
    instanceArn: first.InstanceArn,
    identityStoreId: settings?.identityStoreId ?? first.IdentityStoreId,
  };
}

/**
 * The Identity Store user id of the session's user: by user name, then by email address (Identity Center names
 * the role session after the user name, which is often, but not always, the email address).
 * @returns undefined when no user has that user name or email
 */
export async function findUserId(
  identityStore: Identitystore,
  identityStoreId: string,
  userName: string,
): Promise<string | undefined> {
  for (const AttributePath of ['userName', 'emails.value']) {
    try {
      const output = await awsCall('identitystore:GetUserId', () =>
        identityStore.getUserId({
          IdentityStoreId: identityStoreId,
          AlternateIdentifier: { UniqueAttribute: { AttributePath, AttributeValue: userName } },
        }),
      );
      if (output.UserId) return output.UserId;
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }
  return undefined;
}

/** Where a permission set reaches the user: through a direct assignment or a group's, in these accounts. */
export type AssignedSets = Map<string, Set<string>>;

async function assignmentsOf(
  ssoAdmin: SSOAdmin,
  instanceArn: string,
  principalId: string,
  principalType: 'USER' | 'GROUP',
  into: AssignedSets,
): Promise<void> {
  let NextToken: string | undefined;
  do {
    const page = await awsCall('sso:ListAccountAssignmentsForPrincipal', () =>
      ssoAdmin.listAccountAssignmentsForPrincipal({
        InstanceArn: instanceArn,
        PrincipalId: principalId,
        PrincipalType: principalType,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    for (const a of page.AccountAssignments ?? []) {
      if (a.PermissionSetArn === undefined) continue;
      const accounts = into.get(a.PermissionSetArn) ?? new Set<string>();
      if (a.AccountId !== undefined) accounts.add(a.AccountId);
      into.set(a.PermissionSetArn, accounts);
    }
    NextToken = page.NextToken;
  } while (NextToken);
}

/** Every permission set assigned to the user, directly or through the groups the user belongs to. */
export async function assignedPermissionSets(
  ssoAdmin: SSOAdmin,
  identityStore: Identitystore,
  instance: IdentityCenterInstance,
  userId: string,
): Promise<AssignedSets> {
  const sets: AssignedSets = new Map();
  await assignmentsOf(ssoAdmin, instance.instanceArn, userId, 'USER', sets);
  let NextToken: string | undefined;
  do {
    const page = await awsCall('identitystore:ListGroupMembershipsForMember', () =>
      identityStore.listGroupMembershipsForMember({
        IdentityStoreId: instance.identityStoreId,
        MemberId: { UserId: userId },
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    for (const m of page.GroupMemberships ?? []) {
      if (m.GroupId !== undefined)
        await assignmentsOf(ssoAdmin, instance.instanceArn, m.GroupId, 'GROUP', sets);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return sets;
}

/** The name of a permission set. */
export async function permissionSetName(
  ssoAdmin: SSOAdmin,
  instanceArn: string,
  permissionSetArn: string,
): Promise<string> {
  const output = await awsCall('sso:DescribePermissionSet', () =>
    ssoAdmin.describePermissionSet({ InstanceArn: instanceArn, PermissionSetArn: permissionSetArn }),
  );
  return output.PermissionSet?.Name ?? permissionSetArn;
}

/**
 * The ARN of the permission set with this name, or undefined. Used for the set the session was seen on, which
 * may no longer be assigned to the user while the session lives on.
 */
export async function permissionSetByName(
  ssoAdmin: SSOAdmin,
  instanceArn: string,
  name: string,
  known: ReadonlyMap<string, string>,
): Promise<string | undefined> {
  for (const [arn, knownName] of known) if (knownName === name) return arn;
  let NextToken: string | undefined;
  do {
    const page = await awsCall('sso:ListPermissionSets', () =>
      ssoAdmin.listPermissionSets({ InstanceArn: instanceArn, ...(NextToken ? { NextToken } : {}) }),
    );
    for (const arn of page.PermissionSets ?? []) {
      if (known.has(arn)) continue;
      if ((await permissionSetName(ssoAdmin, instanceArn, arn)) === name) return arn;
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return undefined;
}

/** The permission set's inline policy; `''` when it has none (as the API reports it). */
export async function readInlinePolicy(
  ssoAdmin: SSOAdmin,
  instanceArn: string,
  permissionSetArn: string,
): Promise<string> {
  const output = await awsCall('sso:GetInlinePolicyForPermissionSet', () =>
    ssoAdmin.getInlinePolicyForPermissionSet({
      InstanceArn: instanceArn,
      PermissionSetArn: permissionSetArn,
    }),
  );
  return output.InlinePolicy ?? '';
}

/** cordon's statement id for one isolation (IAM Sids are alphanumeric). */
export function denySid(isolationId: string): string {
  return `CordonDenyUser${isolationId.replace(/[^A-Za-z0-9]/g, '')}`;
}

/** The documented deny for one Identity Center user. */
export function denyStatement(sid: string, userId: string): Record<string, unknown> {
  return {
    Sid: sid,
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: { StringEquals: { 'identitystore:userId': userId } },
  };
}

const StatementSchema = z.record(z.string(), z.unknown());
const PolicySchema = z.looseObject({
  Version: z.string().optional(),
  Statement: z.union([z.array(StatementSchema), StatementSchema]).optional(),
});

interface ParsedPolicy {
  rest: Record<string, unknown>;
  statements: Record<string, unknown>[];
}

function parsePolicy(text: string, permissionSetArn: string): ParsedPolicy {
  if (text.trim() === '') return { rest: { Version: '2012-10-17' }, statements: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new IdentityCenterError(
      `the inline policy of ${permissionSetArn} is not JSON; cordon leaves it alone`,
      {
        cause: error,
      },
    );
  }
  const parsed = PolicySchema.safeParse(json);
  if (!parsed.success) {
    throw new IdentityCenterError(
      `the inline policy of ${permissionSetArn} is not an IAM policy document; cordon leaves it alone`,
      { cause: parsed.error },
    );
  }
  const { Statement, ...rest } = parsed.data;
  const statements = Statement === undefined ? [] : Array.isArray(Statement) ? Statement : [Statement];
  return { rest, statements };
}

/** Whether the policy text carries the statement with this Sid. */
export function hasStatement(text: string, sid: string, permissionSetArn: string): boolean {
  return parsePolicy(text, permissionSetArn).statements.some((s) => s['Sid'] === sid);
}

/** The policy with `statement` appended (the rest kept as is). */
export function withStatement(
  text: string,
  statement: Record<string, unknown>,
  permissionSetArn: string,
): string {
  const { rest, statements } = parsePolicy(text, permissionSetArn);
  return JSON.stringify({ ...rest, Statement: [...statements, statement] });
}

/**
 * The policy without the statement with this Sid, and whether anything but an empty document is left (an empty
 * inline policy is deleted rather than put: IAM refuses a document without statements).
 */
export function withoutStatement(
  text: string,
  sid: string,
  permissionSetArn: string,
): { text: string; empty: boolean; removed: boolean } {
  const { rest, statements } = parsePolicy(text, permissionSetArn);
  const kept = statements.filter((s) => s['Sid'] !== sid);
  return {
    text: JSON.stringify({ ...rest, Statement: kept }),
    empty: kept.length === 0,
    removed: kept.length !== statements.length,
  };
}

/** Same statements and other fields, whatever the formatting (a single Statement object equals a list of one). */
export function samePolicy(a: string, b: string, permissionSetArn: string): boolean {
  const pa = parsePolicy(a, permissionSetArn);
  const pb = parsePolicy(b, permissionSetArn);
  if (pa.statements.length === 0 && pb.statements.length === 0) return true;
  return (
    JSON.stringify({ ...pa.rest, Statement: pa.statements }) ===
    JSON.stringify({ ...pb.rest, Statement: pb.statements })
  );
}
