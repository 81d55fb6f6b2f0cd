/**
 * cordon's deny-older-sessions inline policy on a user or a role: read its cut-off, put it, delete it. Shared by
 * the actions that revoke sessions (disable-access-key on the key's owner, revoke-role-sessions on a role), so the
 * two never drift in how they label calls, treat a missing policy or build the document.
 */
import type { IAM } from '@aws-sdk/client-iam';
import { unlessNotFound } from '../../aws/errors.js';
import { denyOlderSessionsPolicy, issuedBeforeOf } from '../../aws/iam-policies.js';
import { awsCall } from '../steps.js';

/** The principal that carries the policy. */
export type SessionPrincipal = { kind: 'user'; userName: string } | { kind: 'role'; roleName: string };

/**
 * The cut-off of the named policy on the principal, or undefined when the policy is absent.
 * Present but unreadable (not cordon's shape) reads as `''`, so a caller never mistakes it for absent.
 */
export async function readSessionRevocation(
  iam: IAM,
  principal: SessionPrincipal,
  policyName: string,
): Promise<string | undefined> {
  const output =
    principal.kind === 'user'
      ? await awsCall('iam:GetUserPolicy', () =>
          unlessNotFound(iam.getUserPolicy({ UserName: principal.userName, PolicyName: policyName })),
        )
      : await awsCall('iam:GetRolePolicy', () =>
          unlessNotFound(iam.getRolePolicy({ RoleName: principal.roleName, PolicyName: policyName })),
        );
  if (output === undefined) return undefined;
  return issuedBeforeOf(output.PolicyDocument) ?? '';
}

/** Put the policy denying every session of the principal issued before `issuedBefore`. */
export async function putSessionRevocation(
  iam: IAM,
  principal: SessionPrincipal,
  policyName: string,
  issuedBefore: string,
): Promise<void> {
  const PolicyDocument = JSON.stringify(denyOlderSessionsPolicy(issuedBefore));
  if (principal.kind === 'user') {
    await awsCall('iam:PutUserPolicy', () =>
      iam.putUserPolicy({ UserName: principal.userName, PolicyName: policyName, PolicyDocument }),
    );
  } else {
    await awsCall('iam:PutRolePolicy', () =>
      iam.putRolePolicy({ RoleName: principal.roleName, PolicyName: policyName, PolicyDocument }),
    );
  }
}

/**
 * Delete the policy. Reads first, so a release that finds nothing sends no write.
 * @returns false when the policy was not there (already removed, by a concurrent release or by hand)
 */
export async function deleteSessionRevocation(
  iam: IAM,
  principal: SessionPrincipal,
  policyName: string,
): Promise<boolean> {
  if ((await readSessionRevocation(iam, principal, policyName)) === undefined) return false;
  // Not-found here means a concurrent release removed it in between: done either way.
  const deleted =
    principal.kind === 'user'
      ? await awsCall('iam:DeleteUserPolicy', () =>
          unlessNotFound(iam.deleteUserPolicy({ UserName: principal.userName, PolicyName: policyName })),
        )
      : await awsCall('iam:DeleteRolePolicy', () =>
          unlessNotFound(iam.deleteRolePolicy({ RoleName: principal.roleName, PolicyName: policyName })),
        );
  return deleted !== undefined;
}
