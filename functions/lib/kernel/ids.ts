/**
 * The identifier forms cordon validates, each defined once. Kernel module: imports nothing from cordon.
 * Readers of findings stay lenient (they take what the source says); these are for validating at the edges.
 */
import * as z from 'zod';

/** A 12-digit AWS account id. */
export const ACCOUNT_ID = /^\d{12}$/;
export const AccountIdSchema = z.string().regex(ACCOUNT_ID, 'expected 12 digits');

/** AWS region names: `us-east-1`, `us-gov-west-1`, `cn-northwest-1`, `eu-isoe-west-1`... (form only). */
export const REGION = /^[a-z]{2,}(-[a-z]+)+-\d{1,2}$/;
export const RegionSchema = z.string().max(32).regex(REGION, 'expected an AWS region name such as us-east-1');

/** An EC2 instance id: `i-` and 8 (old) or 17 hex digits. */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
export const InstanceIdSchema = z
  .string()
  .regex(INSTANCE_ID, 'must be an instance id: i- followed by 8 or 17 hex digits');

/** IAM user and role names: 1-64 of `[\w+=,.@-]` (IAM's own rule). */
export const IAM_NAME = /^[\w+=,.@-]{1,64}$/;
export const IamUserNameSchema = z
  .string()
  .regex(IAM_NAME, 'must be an IAM user name (1-64 of letters, digits and +=,.@_-)');
export const IamRoleNameSchema = z
  .string()
  .regex(IAM_NAME, 'must be an IAM role name (1-64 of letters, digits and +=,.@_-)');

/** Long-term access key ids: AKIA + 16 upper-case alphanumerics. Temporary (ASIA) keys cannot be disabled. */
export const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
export const AccessKeyIdSchema = z
  .string()
  .regex(ACCESS_KEY_ID, 'must be a long-term access key id: AKIA followed by 16 letters or digits');

/** cordon's isolation ids: `iso-<UTC yyyymmddhhmmssSSS>-<10 hex>`. */
export const ISOLATION_ID = /^iso-\d{17}-[0-9a-f]{10}$/;
export const IsolationIdSchema = z
  .string()
  .regex(ISOLATION_ID, 'is not an isolation id (iso-<timestamp>-<hex>)');
