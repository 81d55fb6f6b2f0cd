/**
 * Safety guards: the resources cordon must never contain, whatever a policy says.
 *
 * Checked before any mutating call, with the resource's live tags when the action has read them (finding
 * tags can be stale or missing: GuardDuty does not report IAM user tags). Refused resources end `skipped`
 * with the reason recorded.
 */
import type { Resource } from '../findings/model.js';
import type { GuardSettings } from './contract.js';
import { iamIdentity, kindOf, protectionArns } from '../resources/registry.js';

export type GuardVerdict = { allowed: true } | { allowed: false; reason: string };

/** Compile an ARN glob (`*` = any run of characters, `?` = one character) to an anchored regex. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** Last path segment of an IAM ARN's resource (`role/path/name` → `name`). */
function iamNameFromArn(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  return parts.length > 1 ? parts[parts.length - 1] : undefined;
}

/**
 * Every ARN that identifies the resource: its own plus the ARNs of what it belongs to, so that protecting a
 * user also protects its access keys, and protecting a role also protects its sessions.
 */
export function candidateArns(resource: Resource): string[] {
  return protectionArns(resource);
}

function isRootName(name: string): boolean {
  return name.toLowerCase() === 'root' || name === '<root_account>';
}

function refuse(reason: string): GuardVerdict {
  return { allowed: false, reason };
}

/**
 * Decide whether cordon may act on a resource.
 *
 * Refuses, in this order: the root user and account-level resources; cordon's own roles, functions and
 * isolation security groups (names starting with `guard.cordonResourcePrefix`, and the member role);
 * service-linked roles; resources carrying the exemption tag (live tags win over finding tags); ARNs
 * matching `guard.protectedArns`.
 *
 * @param liveTags tags read from AWS just before acting; they override the finding's tags.
 */
export function checkGuards(
  resource: Resource,
  guard: GuardSettings,
  liveTags?: Record<string, string>,
): GuardVerdict {
  const arns = candidateArns(resource);
  const prefix = guard.cordonResourcePrefix.toLowerCase();
  const ownName = (name: string | undefined): boolean =>
    name !== undefined &&
    ((prefix !== '' && name.toLowerCase().startsWith(prefix)) || name === guard.memberRoleName);

  // Root and account level: never, whatever the policy says (IAM cannot deny the root user anyway).
  const never = kindOf(resource).neverContained;
  if (never) return refuse(never.why(resource));
  if (arns.some((arn) => /:root$/.test(arn))) return refuse('the root user is never contained by cordon');
  const identity = iamIdentity(resource);
  if (identity?.kind === 'user' && isRootName(identity.name)) {
    return refuse('the root user is never contained by cordon');
  }

  // cordon's own identity: containing it would disarm the responder.
  if (identity?.kind === 'role') {
    const roleName = identity.name;
    const names = [roleName, iamNameFromArn(resource.arn)];
    if (names.some(ownName)) {
      return refuse(
        `role ${roleName} belongs to cordon (member role or "${guard.cordonResourcePrefix}" prefix)`,
      );
    }
    if (
      roleName.startsWith('AWSServiceRoleFor') ||
      arns.some((arn) => arn.includes(':role/aws-service-role/'))
    ) {
      return refuse(`role ${roleName} is a service-linked role; AWS does not allow changing its policies`);
    }
  }
  for (const arn of arns) {
    const owned = ownedArnName(arn);
    if (owned !== undefined && ownName(owned))
      return refuse(`${arn} belongs to cordon and is never contained`);
  }

  // Exemption tag: live tags (read from AWS just now) override the finding's copy.
  const tags = { ...resource.tags, ...(liveTags ?? {}) };
  const { key, value } = guard.exemptionTag;
  const tagValue = tags[key];
  if (tagValue !== undefined && (value === undefined || tagValue === value)) {
    return refuse(`exempt: tagged ${key}${value === undefined ? '' : `=${value}`}`);
  }

  // Protected ARNs from the policy settings.
  for (const pattern of guard.protectedArns) {
    const regex = globToRegExp(pattern);
    const hit = arns.find((arn) => regex.test(arn));
    if (hit) return refuse(`protected: ${hit} matches protectedArns pattern ${pattern}`);
  }
  return { allowed: true };
}

/**
 * The name of a role, Lambda function or security group named by an ARN (the kinds of resource cordon
 * itself deploys), or undefined for anything else.
 */
function ownedArnName(arn: string): string | undefined {
  const [, , service, , , ...rest] = arn.split(':');
  const resource = rest.join(':');
  if (service === 'iam' && resource.startsWith('role/')) return resource.split('/').pop();
  if (service === 'sts' && resource.startsWith('assumed-role/')) return resource.split('/')[1];
  if (service === 'lambda' && resource.startsWith('function:')) return resource.split(':')[1];
  if (service === 'ec2' && resource.startsWith('security-group/')) return resource.split('/').pop();
  return undefined;
}
