/**
 * The account boundary every path applies (triage, the custom-action approval, the API, the worker): cordon
 * never acts in the security account it runs in, and, when an allow-list is set (the policy's
 * `settings.memberAccounts`, the deployment's `CORDON_MEMBER_ACCOUNTS`), only in the accounts it lists.
 */
import type { PipelineConfig } from '../config.js';
import { RefusedAccountError } from '../errors.js';
import {
  accountRefusal,
  actedOnAccount,
  type AccountBoundary,
  type AccountRefusal,
} from '../findings/account.js';
import type { Resource } from '../findings/model.js';
import type { CompiledPolicy } from '../policy/model.js';

type BoundaryConfig = Pick<PipelineConfig, 'securityAccountId' | 'memberAccounts' | 'emulatorSingleAccount'>;

/** The boundary from the policy settings and the deployment. */
export function accountBoundary(policy: CompiledPolicy, config: BoundaryConfig): AccountBoundary {
  const lists: (readonly string[])[] = [];
  if (policy.settings.memberAccounts !== undefined) lists.push(policy.settings.memberAccounts);
  if (config.memberAccounts !== undefined) lists.push(config.memberAccounts);
  return {
    ...(config.emulatorSingleAccount === true ? {} : { securityAccountId: config.securityAccountId }),
    memberAccounts: lists,
  };
}

/** Why cordon must not act on this resource because of its account, or undefined. */
export function resourceAccountRefusal(
  resource: Pick<Resource, 'arn' | 'accountId'>,
  policy: CompiledPolicy,
  config: BoundaryConfig,
): AccountRefusal | undefined {
  return accountRefusal(actedOnAccount(resource), accountBoundary(policy, config));
}

/**
 * Refuse a resource outside the boundary.
 * @throws RefusedAccountError (the API answers 422) naming the account and why
 */
export function assertAccountAllowed(
  resource: Pick<Resource, 'arn' | 'accountId' | 'id'>,
  policy: CompiledPolicy,
  config: BoundaryConfig,
): void {
  const refusal = resourceAccountRefusal(resource, policy, config);
  if (refusal !== undefined) {
    throw new RefusedAccountError(refusal.code, `cordon will not act on ${resource.id}: ${refusal.reason}`);
  }
}
