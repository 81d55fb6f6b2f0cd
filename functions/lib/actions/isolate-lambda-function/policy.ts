/**
 * The function's resource policy, statement by statement: which statements open the function to the public or to
 * other accounts, and how AddPermission rebuilds a removed one on release. Pure: no AWS calls.
 *
 * A statement is removed only when release can put it back: AddPermission takes a principal, an action and a fixed
 * set of conditions (source ARN and account, organisation, function URL auth type, invoked via a function URL,
 * event source token). A statement with anything else (added by hand through another tool) is left in place and
 * named in a warning; reserved concurrency 0 throttles its callers anyway.
 */
import type { AddPermissionRequest } from '@aws-sdk/client-lambda';
import { CordonError } from '../../errors.js';
import type { PolicyStatement } from './before.js';

/** GetPolicy answered something that is not a policy document: nothing is removed from it. */
export class MalformedFunctionPolicyError extends CordonError {
  constructor(functionName: string, cause: unknown) {
    super(`the resource policy of function ${functionName} is not a JSON policy document`, {
      code: 'MALFORMED_FUNCTION_POLICY',
      cause,
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The statements of a policy document's text. @throws MalformedFunctionPolicyError */
export function policyStatements(functionName: string, text: string): PolicyStatement[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MalformedFunctionPolicyError(functionName, error);
  }
  if (!isRecord(parsed)) throw new MalformedFunctionPolicyError(functionName, 'not an object');
  const statements = parsed['Statement'];
  const list = Array.isArray(statements) ? statements : [statements];
  if (!list.every(isRecord))
    throw new MalformedFunctionPolicyError(functionName, 'a statement is not an object');
  return list;
}

export function sidOf(statement: PolicyStatement): string | undefined {
  const sid = statement['Sid'];
  return typeof sid === 'string' && sid !== '' ? sid : undefined;
}

function strings(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value;
  return undefined;
}

interface Condition {
  operator: string;
  /** Lower case: IAM condition keys are case-insensitive. */
  key: string;
  values: string[];
}

function conditionsOf(statement: PolicyStatement): Condition[] | undefined {
  const block = statement['Condition'];
  if (block === undefined) return [];
  if (!isRecord(block)) return undefined;
  const out: Condition[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    if (!isRecord(keys)) return undefined;
    for (const [key, value] of Object.entries(keys)) {
      const values = strings(value);
      if (values === undefined) return undefined;
      out.push({ operator, key: key.toLowerCase(), values });
    }
  }
  return out;
}

/** Condition keys that limit who may call (IAM Access Analyzer's reading of a `*` principal). */
const LIMITING_KEYS = new Set([
  'aws:sourcearn',
  'aws:sourceaccount',
  'aws:sourceowner',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'lambda:eventsourcetoken',
]);
/** Keys that name another organisation member or the organisation itself: other accounts. */
const ORGANISATION_KEYS = new Set(['aws:principalorgid', 'aws:principalorgpaths']);
const ACCOUNT_KEYS = new Set(['aws:sourceaccount', 'aws:sourceowner', 'aws:principalaccount']);
const ARN_KEYS = new Set(['aws:sourcearn', 'aws:principalarn']);

/** The account an AWS principal or ARN names: a bare account id, or the account field of an ARN. */
function accountOf(value: string): string | undefined {
  if (/^\d{12}$/.test(value)) return value;
  const account = value.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

interface Principals {
  everyone: boolean;
  aws: string[];
  services: string[];
  /** A principal form this module does not know (federated, canonical user): treated as another account. */
  unknown: boolean;
}

function principalsOf(statement: PolicyStatement): Principals {
  const principal = statement['Principal'];
  const out: Principals = { everyone: false, aws: [], services: [], unknown: false };
  if (principal === '*') return { ...out, everyone: true };
  // A bare account id: what the emulator stores for an account principal (AWS writes its root ARN).
  if (typeof principal === 'string') return { ...out, aws: [principal] };
  if (!isRecord(principal)) return { ...out, unknown: true };
  for (const [type, value] of Object.entries(principal)) {
    const values = strings(value) ?? [];
    if (type === 'AWS') out.aws.push(...values);
    else if (type === 'Service') out.services.push(...values);
    else out.unknown = true;
  }
  if (out.aws.includes('*')) out.everyone = true;
  return out;
}

/** Why a statement exposes the function beyond its account, or undefined when it does not. */
export type Exposure = 'public' | 'cross-account';

/**
 * Whether an Allow statement opens the function to everyone (a `*` principal with no condition that limits the
 * caller) or to other accounts (an AWS principal of another account, or a condition naming another account or an
 * organisation). Service principals limited to this account, and this account's principals, are kept.
 */
export function exposureOf(statement: PolicyStatement, ownAccount: string): Exposure | undefined {
  if (statement['Effect'] !== 'Allow') return undefined;
  const principals = principalsOf(statement);
  const conditions = conditionsOf(statement) ?? [];
  const limiting = conditions.filter((c) => LIMITING_KEYS.has(c.key));
  if (principals.everyone && limiting.length === 0) return 'public';
  const otherAccount = (value: string): boolean => {
    const account = accountOf(value);
    return account !== undefined && account !== ownAccount;
  };
  if (principals.unknown || principals.aws.some((p) => p !== '*' && (accountOf(p) ?? '') !== ownAccount)) {
    return 'cross-account';
  }
  for (const c of limiting) {
    if (ORGANISATION_KEYS.has(c.key)) return 'cross-account';
    if ((ACCOUNT_KEYS.has(c.key) || ARN_KEYS.has(c.key)) && c.values.some(otherAccount))
      return 'cross-account';
  }
  return undefined;
}

/** The AddPermission fields a statement was made from (FunctionName aside). */
export type PermissionInput = Omit<AddPermissionRequest, 'FunctionName' | 'Qualifier' | 'RevisionId'>;

/** Condition key (lower case) and operator → the AddPermission field that writes it. */
const CONDITION_FIELDS: Readonly<Record<string, { operator: string; field: keyof PermissionInput }>> = {
  'aws:sourcearn': { operator: 'ArnLike', field: 'SourceArn' },
  'aws:sourceaccount': { operator: 'StringEquals', field: 'SourceAccount' },
  'aws:principalorgid': { operator: 'StringEquals', field: 'PrincipalOrgID' },
  'lambda:functionurlauthtype': { operator: 'StringEquals', field: 'FunctionUrlAuthType' },
  'lambda:eventsourcetoken': { operator: 'StringEquals', field: 'EventSourceToken' },
  'lambda:invokedviafunctionurl': { operator: 'Bool', field: 'InvokedViaFunctionUrl' },
};

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'Principal', 'Resource', 'Condition']);

/**
 * The AddPermission request that writes this statement of the unqualified function `functionArn` again, or
 * undefined when AddPermission cannot write it (an unknown field or condition, several principals or actions).
 */
export function permissionInput(
  statement: PolicyStatement,
  functionArn: string,
): PermissionInput | undefined {
  if (!Object.keys(statement).every((key) => STATEMENT_KEYS.has(key))) return undefined;
  const sid = sidOf(statement);
  const action = statement['Action'];
  if (sid === undefined || statement['Effect'] !== 'Allow' || typeof action !== 'string') return undefined;
  if (statement['Resource'] !== functionArn) return undefined;
  const principal = principalOf(statement['Principal']);
  const conditions = conditionsOf(statement);
  if (principal === undefined || conditions === undefined) return undefined;
  const input: PermissionInput = { StatementId: sid, Action: action, Principal: principal };
  for (const c of conditions) {
    const mapped = CONDITION_FIELDS[c.key];
    const [value, ...more] = c.values;
    if (mapped?.operator !== c.operator || value === undefined || more.length > 0) return undefined;
    if (mapped.field === 'InvokedViaFunctionUrl') {
      if (value !== 'true') return undefined;
      input.InvokedViaFunctionUrl = true;
    } else if (mapped.field === 'FunctionUrlAuthType') {
      if (value !== 'NONE' && value !== 'AWS_IAM') return undefined;
      input.FunctionUrlAuthType = value;
    } else if (
      mapped.field === 'SourceArn' ||
      mapped.field === 'SourceAccount' ||
      mapped.field === 'PrincipalOrgID' ||
      mapped.field === 'EventSourceToken'
    ) {
      input[mapped.field] = value;
    } else {
      return undefined;
    }
  }
  return input;
}

/** The principal string AddPermission takes for a statement's one principal. */
function principalOf(principal: unknown): string | undefined {
  if (typeof principal === 'string') return principal;
  if (!isRecord(principal)) return undefined;
  const entries = Object.entries(principal);
  const [first, ...rest] = entries;
  if (first === undefined || rest.length > 0) return undefined;
  const [type, value] = first;
  if ((type !== 'AWS' && type !== 'Service') || typeof value !== 'string') return undefined;
  return value;
}
