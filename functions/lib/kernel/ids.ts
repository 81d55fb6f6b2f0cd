/**
 * The zod schemas of the identifier forms cordon validates; the patterns themselves are in id-patterns.ts. Kernel module: imports nothing from cordon.
 * Readers of findings stay lenient (they take what the source says); these are for validating at the edges.
 */
import * as z from 'zod';
import {
  ACCESS_KEY_ID,
  ACCOUNT_ID,
  IAM_NAME,
  INSTANCE_ID,
  ISOLATION_ID,
  LAMBDA_FUNCTION_NAME,
  REGION,
} from './id-patterns.js';

export { ACCESS_KEY_ID, ACCOUNT_ID, IAM_NAME, INSTANCE_ID, ISOLATION_ID, REGION } from './id-patterns.js';

export const AccountIdSchema = z.string().regex(ACCOUNT_ID, 'expected 12 digits');

export const RegionSchema = z.string().max(32).regex(REGION, 'expected an AWS region name such as us-east-1');

export const InstanceIdSchema = z
  .string()
  .regex(INSTANCE_ID, 'must be an instance id: i- followed by 8 or 17 hex digits');

export const IamUserNameSchema = z
  .string()
  .regex(IAM_NAME, 'must be an IAM user name (1-64 of letters, digits and +=,.@_-)');
export const IamRoleNameSchema = z
  .string()
  .regex(IAM_NAME, 'must be an IAM role name (1-64 of letters, digits and +=,.@_-)');

export const LambdaFunctionNameSchema = z
  .string()
  .regex(LAMBDA_FUNCTION_NAME, 'must be a Lambda function name (1-64 of letters, digits, - and _)');

export const AccessKeyIdSchema = z
  .string()
  .regex(ACCESS_KEY_ID, 'must be a long-term access key id: AKIA followed by 16 letters or digits');

export const IsolationIdSchema = z
  .string()
  .regex(ISOLATION_ID, 'is not an isolation id (iso-<timestamp>-<hex>)');
