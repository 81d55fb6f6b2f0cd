/**
 * The account boundary: which account cordon acts in for a resource, and which accounts it must never act in.
 *
 * "The account acted on" is the resource's account (from its ARN), never the account a finding claims to come
 * from: the worker assumes the member role in the resource's account. The policy's `accounts` conditions, the
 * guards, the per-account limits, the stored record, the reports and the API all use {@link actedOnAccount}.
 */
import type { Resource } from './model.js';

const ACCOUNT_ID = /^\d{12}$/;

/** Why cordon refuses to act in an account; stable codes for logs, metrics and the decision. */
export type AccountRefusalCode =
  'cross-account-resource' | 'account-excluded' | 'security-account' | 'not-member-account';

export interface AccountRefusal {
  code: AccountRefusalCode;
  /** In words, naming the accounts involved. */
  reason: string;
}

/** Where cordon may act: never in its own (security) account; when an allow-list is set, only in its accounts. */
export interface AccountBoundary {
  /** The account cordon runs in; undefined where it is not known (the offline policy CLI). */
  securityAccountId?: string;
  /**
   * Member-account allow-lists (the policy's `settings.memberAccounts`, the deployment's `member_accounts`):
   * an account must be in every list given. None given: any account of the organisation.
   */
  memberAccounts: readonly (readonly string[])[];
}

/** The account field of an ARN, when it is a 12-digit account id. */
export function accountOfArn(arn: string | undefined): string | undefined {
  if (arn === undefined || !arn.startsWith('arn:')) return undefined;
  const account = arn.split(':')[4];
  return account !== undefined && ACCOUNT_ID.test(account) ? account : undefined;
}

/**
 * The account cordon acts in for this resource: the account of its ARN when the ARN names one, else the
 * account the normaliser gave it (taken from the resource's identity, the finding's account only as a fallback
 * for resources whose identifiers carry no account, such as an access key id or an S3 bucket name).
 */
export function actedOnAccount(resource: Pick<Resource, 'arn' | 'accountId'>): string {
  return accountOfArn(resource.arn) ?? resource.accountId;
}

/** The resource with `accountId` set to the account acted on (what is stored, keyed and reported). */
export function withActedOnAccount<R extends Resource>(resource: R): R {
  const account = actedOnAccount(resource);
  return account === resource.accountId ? resource : { ...resource, accountId: account };
}

/**
 * A resource in another account than the finding names: refused unless the policy allows it
 * (`settings.allowCrossAccountResources`). A finding is imported by one account; letting it name resources in
 * another would let anyone who can import findings in one account contain resources in any other.
 */
export function crossAccountRefusal(
  resource: Pick<Resource, 'arn' | 'accountId' | 'type' | 'id'>,
  findingAccountId: string,
): AccountRefusal | undefined {
  const account = actedOnAccount(resource);
  if (account === findingAccountId) return undefined;
  return {
    code: 'cross-account-resource',
    reason: `${resource.type} ${resource.id} is in account ${account}, not in the finding's account ${findingAccountId} (settings.allowCrossAccountResources is off)`,
  };
}

/** Why cordon must not act in `account`, or undefined when it may. */
export function accountRefusal(account: string, boundary: AccountBoundary): AccountRefusal | undefined {
  if (boundary.securityAccountId !== undefined && account === boundary.securityAccountId) {
    return {
      code: 'security-account',
      reason: `account ${account} is the security account cordon runs in, which is never a target`,
    };
  }
  if (boundary.memberAccounts.some((list) => !list.includes(account))) {
    return {
      code: 'not-member-account',
      reason: `account ${account} is not in the member-account allow-list`,
    };
  }
  return undefined;
}
