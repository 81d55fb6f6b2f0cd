/**
 * The manifest of `revoke-role-sessions`: deny every session of a role issued before now. Side-effect free: see actions/manifest.ts.
 */
import * as z from 'zod';
import { defineActionManifest } from '../manifest.js';
import { IAM_ROLE } from '../../resources/iam-role.js';
import { REVOKE_ROLE_SESSIONS_SCOPING } from '../iam-scopes.js';

const params = z.object({}).strict();

export const revokeRoleSessionsManifest = defineActionManifest({
  name: 'revoke-role-sessions',
  description:
    'Deny every session of a role issued before now with an inline aws:TokenIssueTime policy (AWS\'s "revoke active sessions"); release deletes only that policy.',
  resourceType: IAM_ROLE,
  params,
  permissions: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
  scoping: REVOKE_ROLE_SESSIONS_SCOPING,
});
