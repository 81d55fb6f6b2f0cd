/**
 * The manifest of `isolate-identity-center-user`: deny everything to one IAM Identity Center user through its permission sets. Side-effect free: see actions/manifest.ts.
 */
import * as z from 'zod';
import { defineActionManifest } from '../manifest.js';
import { IDENTITY_CENTER_USER } from '../../resources/identity-center-user.js';

const params = z.object({}).strict();

export const isolateIdentityCenterUserManifest = defineActionManifest({
  name: 'isolate-identity-center-user',
  description:
    'Deny everything to one IAM Identity Center user: a Deny-all statement keyed on identitystore:userId in the inline policy of every permission set that reaches the user, re-provisioned; runs in the account that administers Identity Center; release restores each inline policy as recorded.',
  resourceType: IDENTITY_CENTER_USER,
  target: 'identity-center',
  params,
  permissions: [
    'identitystore:GetUserId',
    'identitystore:ListGroupMembershipsForMember',
    'sso:DeleteInlinePolicyFromPermissionSet',
    'sso:DescribePermissionSet',
    'sso:GetInlinePolicyForPermissionSet',
    'sso:ListAccountAssignmentsForPrincipal',
    'sso:ListInstances',
    'sso:ListPermissionSets',
    'sso:ProvisionPermissionSet',
    'sso:PutInlinePolicyToPermissionSet',
  ],
});
