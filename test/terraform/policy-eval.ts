/**
 * A small evaluator of the generated member-role policy (permissions.json), for tests that replay the requests
 * cordon's code sends (captured against moto, which enforces no IAM) and ask whether the role allows them.
 *
 * It implements only what permissions.json uses: Allow statements with `*` globs in resources and the operators
 * StringEquals, StringLike, ArnEquals, ArnLike, ForAllValues:StringEquals, ForAllValues:StringLike and Null, plus
 * the Deny statements on protected roles. Anything else throws, so a new operator cannot pass unnoticed.
 */
import type { MemberRolePolicy, MemberRoleStatement } from '../../scripts/terraform-permissions.js';

/** One authorisation IAM performs: an action on one resource, with the request's condition keys. */
export interface AuthRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

function glob(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

function fill(text: string, account: string): string {
  return text.replaceAll('${partition}', 'aws').replaceAll('${account_id}', account);
}

function conditionHolds(condition: MemberRoleStatement['conditions'][number], request: AuthRequest, account: string): boolean {
  const raw = request.context[condition.variable];
  const present = raw !== undefined;
  const actual = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const values = condition.values.map((v) => fill(v, account));
  const equals = (a: string): boolean => values.includes(a);
  const like = (a: string): boolean => values.some((v) => glob(v).test(a));
  switch (condition.test) {
    case 'StringEquals':
    case 'ArnEquals':
      return present && actual.some(equals);
    case 'StringLike':
    case 'ArnLike':
      return present && actual.some(like);
    case 'ForAllValues:StringEquals':
      return actual.every(equals);
    case 'ForAllValues:StringLike':
      return actual.every(like);
    case 'Null':
      return values.includes(present ? 'false' : 'true');
    default:
      throw new Error(`policy-eval does not implement condition operator ${condition.test}`);
  }
}

function matches(statement: MemberRoleStatement, request: AuthRequest, account: string): boolean {
  return (
    statement.actions.includes(request.action) &&
    statement.resources.some((r) => glob(fill(r, account)).test(request.resource)) &&
    statement.conditions.every((c) => conditionHolds(c, request, account))
  );
}

/**
 * Whether the member role, deployed in `account`, allows the request: an Allow statement matches and no Deny
 * statement (the member role itself, the protected roles) does.
 * @param memberRoleName the deployed role's name (its own Deny statement)
 */
export function allows(policy: MemberRolePolicy, request: AuthRequest, account: string, memberRoleName: string): boolean {
  const denied =
    policy.selfProtectionActions.includes(request.action) &&
    [...policy.protectedRoleArns, `arn:\${partition}:iam::\${account_id}:role/${memberRoleName}`].some((r) =>
      glob(fill(r, account)).test(request.resource),
    );
  if (denied) return false;
  return policy.statements.some((s) => !s.identityCenterAdminOnly && matches(s, request, account));
}
