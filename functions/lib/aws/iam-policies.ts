/**
 * The inline IAM policies and tags cordon puts on IAM principals. Names start with `cordon-` so release can
 * remove exactly what cordon added and never touch the customer's own policies (or AWS's
 * `AWSRevokeOlderSessions`).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Tag } from '@aws-sdk/client-iam';

/** Inline user policy that denies everything (isolate-iam-user). */
export const DENY_ALL_POLICY_NAME = 'cordon-deny-all';
/** Inline user or role policy that denies sessions issued before a time (disable-access-key, revoke-role-sessions). */
/**
 * AWS's managed deny-all policy (`Deny * on *`) in a partition. cordon attaches it only when a user's inline policy
 * quota (2,048 characters in all) leaves no room for cordon's own deny-all.
 */
export function awsDenyAllPolicyArn(partition = 'aws'): string {
  return `arn:${partition}:iam::aws:policy/AWSDenyAll`;
}

/** Prefix of cordon's deny-older-sessions inline policies. */
export const DENY_OLDER_SESSIONS_POLICY_PREFIX = 'cordon-revoke-older-sessions';

/**
 * Name of the deny-older-sessions inline policy one isolation puts on a user or role. Per isolation, because
 * several isolations can hold one principal at once (two access keys of a user, a role and the instances that
 * use it): each release removes only its own cut-off.
 */
export function sessionRevocationPolicyName(isolationId: string): string {
  return `${DENY_OLDER_SESSIONS_POLICY_PREFIX}-${isolationId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 128);
}

/** Tag keys cordon puts on the resources it isolates. */
export const ISOLATION_ID_TAG = 'cordon:isolation-id';
export const ISOLATED_AT_TAG = 'cordon:isolated-at';

/** Who the deny-all must spare even if it lands on them: cordon's exemption tag and protected ARNs. */
export interface DenyAllExceptions {
  exemptionTag?: { key: string; value?: string };
  protectedArns?: readonly string[];
}

/**
 * Deny every action on every resource: an explicit deny beats any allow, for keys, console and sessions.
 *
 * With `exceptions`, the deny does not apply to a principal carrying the exemption tag or whose ARN matches
 * a protected glob (IAM's `StringNotLike` uses the same `*`/`?` globs as cordon). That makes it safe to send
 * the policy in the same round trip as the read of the user's live tags: if the user turns out to be exempt,
 * the policy never denied it anything, and cordon removes it again.
 */
export function denyAllPolicy(exceptions: DenyAllExceptions = {}): Record<string, unknown> {
  const condition: Record<string, Record<string, unknown>> = {};
  const tag = exceptions.exemptionTag;
  if (tag) {
    const key = `aws:PrincipalTag/${tag.key}`;
    // Negated operators match when the key is absent: untagged principals are denied.
    if (tag.value === undefined) condition['Null'] = { [key]: 'true' };
    else condition['StringNotEquals'] = { [key]: tag.value };
  }
  if (exceptions.protectedArns && exceptions.protectedArns.length > 0) {
    condition['StringNotLike'] = { 'aws:PrincipalArn': [...exceptions.protectedArns] };
  }
  const statement: Record<string, unknown> = {
    Sid: 'CordonDenyAll',
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
  };
  if (Object.keys(condition).length > 0) statement['Condition'] = condition;
  return { Version: '2012-10-17', Statement: [statement] };
}

/**
 * AWS's documented "revoke active sessions" shape: deny everything to temporary credentials whose
 * `aws:TokenIssueTime` is before `issuedBefore` (ISO-8601 UTC). Long-term keys carry no TokenIssueTime, so
 * they are not affected; sessions issued afterwards are not affected.
 */
export function denyOlderSessionsPolicy(issuedBefore: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'CordonRevokeOlderSessions',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } },
      },
    ],
  };
}

/**
 * Parse a policy document as IAM returns it: URL-encoded JSON (AWS) or plain JSON (some emulators).
 * Returns undefined when it is neither.
 */
export function parsePolicyDocument(document: string | undefined): unknown {
  if (document === undefined) return undefined;
  for (const candidate of [document, safeDecode(document)]) {
    if (candidate === undefined) continue;
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // Try the next encoding.
    }
  }
  return undefined;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** True when an IAM-returned document says the same as `expected`. */
export function samePolicy(document: string | undefined, expected: Record<string, unknown>): boolean {
  return isDeepStrictEqual(parsePolicyDocument(document), expected);
}

/** The `aws:TokenIssueTime` cut-off of a cordon deny-older-sessions document, if it is one. */
export function issuedBeforeOf(document: string | undefined): string | undefined {
  const parsed = parsePolicyDocument(document);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const statements = (parsed as { Statement?: unknown }).Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  for (const statement of list) {
    const condition = (statement as { Condition?: { DateLessThan?: Record<string, unknown> } } | undefined)
      ?.Condition?.DateLessThan?.['aws:TokenIssueTime'];
    if (typeof condition === 'string') return condition;
  }
  return undefined;
}

/** IAM tag list → record. */
export function tagRecord(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}
