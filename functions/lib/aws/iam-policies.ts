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
export const DENY_OLDER_SESSIONS_POLICY_NAME = 'cordon-revoke-older-sessions';

/** Tag keys cordon puts on the resources it isolates. */
export const ISOLATION_ID_TAG = 'cordon:isolation-id';
export const ISOLATED_AT_TAG = 'cordon:isolated-at';

/** Deny every action on every resource: explicit deny beats any allow, for keys, console and sessions. */
export function denyAllPolicy(): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'CordonDenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
  };
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
