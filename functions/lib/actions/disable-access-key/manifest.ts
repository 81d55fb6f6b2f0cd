/**
 * The manifest of `disable-access-key`: deactivate one access key, optionally denying the owner's older sessions. Side-effect free: see actions/manifest.ts.
 */
import * as z from 'zod';
import { defineActionManifest } from '../manifest.js';
import { IAM_ACCESS_KEY } from '../../resources/iam-access-key.js';
import { DISABLE_ACCESS_KEY_SCOPING } from '../iam-scopes.js';

const params = z
  .object({
    /**
     * Also put an inline policy on the key's owner that denies temporary credentials issued before now
     * (all of the user's sessions, not only those minted from this key).
     */
    denyOlderSessions: z
      .boolean()
      .default(false)
      .describe("Also deny the owner's temporary credentials issued before now (aws:TokenIssueTime)"),
  })
  .strict();

export const disableAccessKeyManifest = defineActionManifest({
  name: 'disable-access-key',
  description:
    "Deactivate the one access key named in the finding, optionally denying the owner's sessions issued before now (always, for an IAM user's temporary ASIA key); release reactivates it and removes the deny.",
  resourceType: IAM_ACCESS_KEY,
  params,
  permissions: [
    'iam:GetUser',
    'iam:ListAccessKeys',
    'iam:GetUserPolicy',
    'iam:UpdateAccessKey',
    'iam:PutUserPolicy',
    'iam:DeleteUserPolicy',
  ],
  scoping: DISABLE_ACCESS_KEY_SCOPING,
});
