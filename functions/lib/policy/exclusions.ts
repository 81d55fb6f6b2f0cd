/**
 * Why the matching rule leaves a resource out: its account (the account boundary, findings/account.ts), or the
 * policy's exclusions (account/root, protected ARNs, the exemption tag). Used by the policy engine's plan.
 */
import { accountRefusal, actedOnAccount, crossAccountRefusal } from '../findings/account.js';
import type { Finding, Resource } from '../findings/model.js';
import { identifyingArn, kindOf } from '../resources/registry.js';
import type { Glob } from './glob.js';
import type { AccountRefusalEntry, PolicySettings } from './model.js';

/** A rule's compiled `accounts` condition (absent sets: no constraint). */
export interface AccountCondition {
  rule: { name: string };
  accountInclude?: Set<string> | undefined;
  accountExclude?: Set<string> | undefined;
}

/**
 * The accounts a finding's rule conditions see: the accounts acted on, i.e. those of its resources
 * (findings/account.ts), or the finding's own account when it names no resource. An `accounts` condition holds
 * when one of them passes; the plan then leaves out every resource whose own account does not.
 */
export function accountsOf(finding: Finding): string[] {
  const [only, ...more] = finding.resources;
  if (only === undefined) return [finding.accountId];
  if (more.length === 0) return [actedOnAccount(only)];
  return [...new Set(finding.resources.map(actedOnAccount))];
}

/** Whether one account passes the rule's `accounts` condition. */
export function accountPasses(condition: AccountCondition, account: string): boolean {
  return (
    (condition.accountInclude === undefined || condition.accountInclude.has(account)) &&
    !(condition.accountExclude?.has(account) ?? false)
  );
}

/**
 * Why the resource's account rules it out, or undefined: another account than the finding's (unless the policy
 * allows it), an account the rule's `accounts` condition leaves out, or one outside `settings.memberAccounts`.
 * The security account is not known here; the pipeline adds it (pipeline/account-boundary.ts).
 */
export function accountExclusion(
  condition: AccountCondition,
  resource: Resource,
  finding: Finding,
  settings: PolicySettings,
): Omit<AccountRefusalEntry, 'resource' | 'action'> | undefined {
  if (!settings.allowCrossAccountResources) {
    const cross = crossAccountRefusal(resource, finding.accountId);
    if (cross) return cross;
  }
  const account = actedOnAccount(resource);
  if (!accountPasses(condition, account)) {
    return {
      code: 'account-excluded',
      reason: `account ${account} is not allowed by the accounts condition of rule ${condition.rule.name}`,
    };
  }
  return settings.memberAccounts === undefined
    ? undefined
    : accountRefusal(account, { memberAccounts: [settings.memberAccounts] });
}

export function describeResource(resource: Resource): string {
  return `${resource.type} ${resource.id}`;
}

/** Why cordon must leave this resource alone according to the policy settings, or undefined. */
export function exclusion(
  resource: Resource,
  settings: PolicySettings,
  protectedGlobs: Glob[],
): { reason: string; byTag: boolean; code: 'exempt-tag' | 'protected' | 'never-contained' } | undefined {
  const never = kindOf(resource).neverContained;
  if (never)
    return {
      reason: `left out ${describeResource(resource)}: cordon never contains ${never.what}`,
      byTag: false,
      code: 'never-contained',
    };
  if (protectedGlobs.length > 0) {
    const arn = identifyingArn(resource);
    const glob = protectedGlobs.find((g) => g.test(arn));
    if (glob)
      return {
        reason: `left out ${describeResource(resource)}: ${arn} matches protected ${JSON.stringify(glob.source)}`,
        byTag: false,
        code: 'protected',
      };
  }
  // Checked after the protected ARNs, which come from the policy itself: a tag is only named as the reason when
  // nothing trusted already excluded the resource.
  const tag = settings.exemptionTag;
  const tagValue = Object.hasOwn(resource.tags, tag.key) ? resource.tags[tag.key] : undefined;
  if (tagValue !== undefined && (tag.value === undefined || tag.value === tagValue)) {
    return {
      reason: `left out ${describeResource(resource)}: it has the exemption tag ${tag.key}=${tagValue}`,
      byTag: true,
      code: 'exempt-tag',
    };
  }
  return undefined;
}
