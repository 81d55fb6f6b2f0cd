/** SSOAdmin for cordon: `SSOAdminClient` with the commands cordon sends, and the aggregated interface (see ../modular.ts). */
import type { SSOAdmin, SSOAdminClientConfig } from '@aws-sdk/client-sso-admin';
import {
  SSOAdminClient,
  DeleteInlinePolicyFromPermissionSetCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { modularClient } from '../modular.js';

const COMMANDS = {
  DeleteInlinePolicyFromPermissionSetCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
};

/** A client with every method of `SSOAdmin`: those of {@link COMMANDS} bundled, any other loaded on first use. */
export function create(config: SSOAdminClientConfig): SSOAdmin {
  return modularClient<SSOAdmin>(new SSOAdminClient(config), COMMANDS, '@aws-sdk/client-sso-admin');
}
