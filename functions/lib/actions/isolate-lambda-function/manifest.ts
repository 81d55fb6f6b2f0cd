/**
 * The manifest of `isolate-lambda-function`: throttle a function to zero, close its public URL and take out the
 * public and cross-account statements of its resource policy. Side-effect free: see actions/manifest.ts.
 */
import * as z from 'zod';
import { LAMBDA_FUNCTION } from '../../resources/lambda-function.js';
import { defineActionManifest } from '../manifest.js';
import { ISOLATE_LAMBDA_FUNCTION_SCOPING } from '../iam-scopes.js';

const params = z
  .object({
    revokeExecutionRoleSessions: z
      .boolean()
      .default(false)
      .describe(
        "Also deny every session of the function's execution role issued before now (an inline aws:TokenIssueTime deny, as revoke-role-sessions does); affects every function and person sharing the role",
      ),
  })
  .strict();

export const isolateLambdaFunctionManifest = defineActionManifest({
  name: 'isolate-lambda-function',
  description:
    "Set a Lambda function's reserved concurrency to 0, switch a public function URL to AWS_IAM auth and remove the public and cross-account statements of its resource policy (optionally revoke the execution role's sessions); release restores each exactly.",
  resourceType: LAMBDA_FUNCTION,
  params,
  permissions: [
    'lambda:ListTags',
    'lambda:GetFunctionConfiguration',
    'lambda:GetFunctionConcurrency',
    'lambda:PutFunctionConcurrency',
    'lambda:DeleteFunctionConcurrency',
    'lambda:GetFunctionUrlConfig',
    'lambda:UpdateFunctionUrlConfig',
    'lambda:GetPolicy',
    'lambda:RemovePermission',
    'lambda:AddPermission',
    'iam:GetRolePolicy',
    'iam:PutRolePolicy',
    'iam:DeleteRolePolicy',
  ],
  scoping: ISOLATE_LAMBDA_FUNCTION_SCOPING,
});
