/**
 * The manifest of `isolate-iam-user`: deny everything to an IAM user, deactivate its keys and tag it. Side-effect free: see actions/manifest.ts.
 */
import * as z from 'zod';
import { defineActionManifest } from '../manifest.js';
import { IAM_USER } from '../../resources/iam-user.js';
import { ISOLATE_IAM_USER_SCOPING } from '../iam-scopes.js';

const params = z
  .object({
    /**
     * Also delete the console password. Off by default: the deny-all policy already blocks every console
     * action, and a deleted password cannot be restored by release.
     */
    removeConsoleAccess: z
      .boolean()
      .default(false)
      .describe(
        'Also delete the console password (release cannot restore it); the deny-all policy already blocks the console',
      ),
  })
  .strict();

export const isolateIamUserManifest = defineActionManifest({
  name: 'isolate-iam-user',
  description:
    'Deny everything to an IAM user with an inline deny-all policy, deactivate its active access keys and tag it; release puts the keys, policies and tags back.',
  resourceType: IAM_USER,
  params,
  // A deleted console password cannot be put back by release.
  irreversibleParams: ['removeConsoleAccess'],
  permissions: [
    'iam:GetUser',
    'iam:ListAccessKeys',
    'iam:GetLoginProfile',
    'iam:ListSSHPublicKeys',
    'iam:ListSigningCertificates',
    'iam:ListMFADevices',
    'iam:GetUserPolicy',
    'iam:PutUserPolicy',
    'iam:ListAttachedUserPolicies',
    'iam:AttachUserPolicy',
    'iam:UpdateAccessKey',
    'iam:UpdateSSHPublicKey',
    'iam:UpdateSigningCertificate',
    'iam:DeleteLoginProfile',
    'iam:TagUser',
    'iam:DeleteUserPolicy',
    'iam:DetachUserPolicy',
    'iam:UntagUser',
  ],
  scoping: ISOLATE_IAM_USER_SCOPING,
});
