/**
 * Compiles the value list of one pattern field (`"f": [ ... ]`) into a {@link Leaf}: a predicate over JSON scalars
 * plus the field's behaviour when it is absent. Validation follows Event Ruler's JsonRuleCompiler, the engine
 * behind EventBridge, so invalid operands fail with the same messages AWS returns (see
 * /work/shared/reference/eventbridge-patterns.md and the LocalStack AWS-validated snapshots it cites).
 */
import { InvalidEventPatternError } from '../errors.js';
import { compileCidr, ipv6Equality } from './ip.js';
import { parseWildcard, wildcardMatcher, type WildcardPattern } from './wildcard.js';

/** A JSON scalar as found in an event: the only values operators ever test. */
export type Scalar = string | number | boolean | null;

/** The compiled matchers of one field: OR across the list. */
export interface Leaf {
  /** True when the field's scalar value satisfies at least one matcher. */
  test: (value: Scalar) => boolean;
  /** Result when the field has no scalar value at all (absent, an object, or an empty array): `exists: false`. */
  missing: boolean;
  /** Wildcard operands on this field (plain and anything-but), for the complexity admission check. */
  wildcards: WildcardPattern[];
}

type Test = (value: Scalar) => boolean;

/** Ruler's reserved operator names. Inside `$or` they stop `$or` from being read as an OR (legacy rules). */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'exact',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

function fail(message: string): never {
  throw new InvalidEventPatternError(message);
}

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJsonNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Jackson's text for a token, used in a few Ruler messages ("Invalid member in numeric match: 5"). */
function tokenText(value: unknown): string {
  if (value === undefined) return ']';
  if (Array.isArray(value)) return '[';
  if (isPlainObject(value)) return '{';
  if (typeof value === 'string') return value;
  return String(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Case-insensitive comparisons use a regular expression built once at compile time: `test` allocates nothing,
 * and the `u` flag gives Unicode case folding rather than ASCII-only folding.
 */
function ignoreCase(kind: 'equals' | 'prefix' | 'suffix', text: string): (value: string) => boolean {
  const body = escapeRegExp(text);
  const source = kind === 'equals' ? `^${body}$` : kind === 'prefix' ? `^${body}` : `${body}$`;
  const re = new RegExp(source, 'iu');
  return (value) => re.test(value);
}

const stringTest =
  (predicate: (value: string) => boolean): Test =>
  (value) =>
    typeof value === 'string' && predicate(value);

/** Wraps a list of string predicates as "any of". */
function anyOf(predicates: ((value: string) => boolean)[]): (value: string) => boolean {
  if (predicates.length === 1) return predicates[0] as (value: string) => boolean;
  return (value) => {
    for (let i = 0; i < predicates.length; i++)
      if ((predicates[i] as (v: string) => boolean)(value)) return true;
    return false;
  };
}

interface CompiledExpression {
  test: Test | null;
  /** `exists: false` contributes to absence, not to values. */
  missing: boolean;
  wildcards: WildcardPattern[];
}

/**
 * Compiles a field's value list. Exact values (strings, numbers, booleans, null) are type-strict; objects are
 * match expressions. Throws {@link InvalidEventPatternError} on anything AWS rejects.
 */
export function compileLeaf(values: unknown[]): Leaf {
  const tests: Test[] = [];
  const exactStrings = new Set<string>();
  const exactNumbers = new Set<number>();
  let matchTrue = false;
  let matchFalse = false;
  let matchNull = false;
  let missing = false;
  const wildcards: WildcardPattern[] = [];
  for (const value of values) {
    if (typeof value === 'string') {
      exactStrings.add(value);
      const sameAddress = ipv6Equality(value);
      if (sameAddress) tests.push(stringTest(sameAddress));
    } else if (isJsonNumber(value)) exactNumbers.add(value);
    else if (value === true) matchTrue = true;
    else if (value === false) matchFalse = true;
    else if (value === null) matchNull = true;
    else if (isPlainObject(value)) {
      const compiled = compileExpression(value);
      if (compiled.test) tests.push(compiled.test);
      missing ||= compiled.missing;
      wildcards.push(...compiled.wildcards);
    } else fail('Match value must be String, number, true, false, or null');
  }
  if (values.length === 0) fail('Empty arrays are not allowed');

  // Exact values first, as one set lookup per type: the common case (`"source": ["aws.guardduty"]`) costs one
  // typeof and one hash probe.
  const hasStrings = exactStrings.size > 0;
  const hasNumbers = exactNumbers.size > 0;
  const singleString = exactStrings.size === 1 ? ([...exactStrings][0] as string) : undefined;
  const exact: Test | null =
    hasStrings || hasNumbers || matchTrue || matchFalse || matchNull
      ? (value) => {
          if (typeof value === 'string') {
            return singleString !== undefined
              ? value === singleString
              : hasStrings && exactStrings.has(value);
          }
          if (typeof value === 'number') return hasNumbers && exactNumbers.has(value);
          if (value === null) return matchNull;
          return value ? matchTrue : matchFalse;
        }
      : null;
  if (exact) tests.unshift(exact);

  let test: Test;
  if (tests.length === 0) test = () => false;
  else if (tests.length === 1) test = tests[0] as Test;
  else {
    test = (value) => {
      for (let i = 0; i < tests.length; i++) if ((tests[i] as Test)(value)) return true;
      return false;
    };
  }
  return { test, missing, wildcards };
}

/** Ruler checks the operand first and the object's remaining keys afterwards; so do we, to report the same error. */
function requireSingleKey(expression: Record<string, unknown>, message: string): void {
  if (Object.keys(expression).length > 1) fail(message);
}

const ONLY_ONE_KEY = 'Only one key allowed in match expression';
const TOO_MANY_ELEMENTS = 'Too many elements in numeric expression';

function compileExpression(expression: Record<string, unknown>): CompiledExpression {
  const keys = Object.keys(expression);
  const op = keys[0];
  if (op === undefined) fail('Match expression name not found');
  const operand = expression[op];
  const result = (test: Test | null, extra: Partial<CompiledExpression> = {}): CompiledExpression => ({
    test,
    missing: extra.missing ?? false,
    wildcards: extra.wildcards ?? [],
  });
  switch (op) {
    case 'exact': {
      if (typeof operand !== 'string') fail('exact match pattern must be a string');
      requireSingleKey(expression, ONLY_ONE_KEY);
      return result((value) => value === operand);
    }
    case 'prefix':
    case 'suffix': {
      let predicate: (value: string) => boolean;
      if (isPlainObject(operand)) {
        predicate = compileAffixIgnoreCase(op, operand);
      } else {
        if (typeof operand !== 'string') fail(`${op} match pattern must be a string`);
        predicate =
          op === 'prefix' ? (value) => value.startsWith(operand) : (value) => value.endsWith(operand);
      }
      requireSingleKey(expression, ONLY_ONE_KEY);
      return result(stringTest(predicate));
    }
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') fail('equals-ignore-case match pattern must be a string');
      requireSingleKey(expression, ONLY_ONE_KEY);
      return result(stringTest(ignoreCase('equals', operand)));
    }
    case 'wildcard': {
      if (typeof operand !== 'string') fail('wildcard match pattern must be a string');
      const parsed = parseWildcard(operand);
      requireSingleKey(expression, ONLY_ONE_KEY);
      return result(stringTest(wildcardMatcher(parsed)), { wildcards: [parsed] });
    }
    case 'numeric': {
      if (!Array.isArray(operand)) fail('Value of numeric must be an array.');
      const range = compileNumeric(operand);
      requireSingleKey(expression, TOO_MANY_ELEMENTS);
      return result((value) => typeof value === 'number' && range(value));
    }
    case 'cidr': {
      // AWS's message really does say "prefix" here (Ruler copy-paste) [LS content_ip_address_type_EXC].
      if (typeof operand !== 'string') fail('prefix match pattern must be a string');
      const inRange = compileCidr(operand);
      requireSingleKey(expression, ONLY_ONE_KEY);
      return result(stringTest(inRange));
    }
    case 'exists': {
      if (typeof operand !== 'boolean') fail('exists match pattern must be either true or false.');
      requireSingleKey(expression, ONLY_ONE_KEY);
      // exists:true holds for any scalar, null included; exists:false only when there is no scalar at all.
      return operand ? result(() => true) : result(null, { missing: true });
    }
    case 'anything-but': {
      const compiled = compileAnythingBut(operand);
      requireSingleKey(expression, TOO_MANY_ELEMENTS);
      return compiled;
    }
    default:
      return fail(`Unrecognized match type ${op}`);
  }
}

/** `{"prefix": {"equals-ignore-case": "x"}}` and the suffix form. */
function compileAffixIgnoreCase(
  op: 'prefix' | 'suffix',
  operand: Record<string, unknown>,
): (value: string) => boolean {
  const label = op === 'prefix' ? 'Prefix' : 'Suffix';
  const inner = Object.keys(operand)[0];
  if (inner === undefined) fail(`${label} expression name not found`);
  if (inner !== 'equals-ignore-case') fail(`Unsupported ${op} pattern: ${inner}`);
  const text = operand[inner];
  if (typeof text !== 'string') fail('equals-ignore-case match pattern must be a string');
  requireSingleKey(operand, ONLY_ONE_KEY);
  return ignoreCase(op, text);
}

/**
 * `anything-but`: a single string/number, a list of all-strings or all-numbers, or one of the
 * `prefix`/`suffix`/`equals-ignore-case`/`wildcard` forms (single or list). It matches every scalar that is not
 * excluded, including null and values of the other JSON type, but never an absent field.
 */
function compileAnythingBut(operand: unknown): CompiledExpression {
  let form: 'plain' | 'prefix' | 'suffix' | 'equals-ignore-case' | 'wildcard' = 'plain';
  let values = operand;
  let nested: Record<string, unknown> | null = null;
  if (isPlainObject(operand)) {
    const inner = Object.keys(operand)[0];
    if (inner === undefined) fail('Anything-But expression name not found');
    if (inner !== 'prefix' && inner !== 'suffix' && inner !== 'equals-ignore-case' && inner !== 'wildcard') {
      fail(`Unsupported anything-but pattern: ${inner}`);
    }
    form = inner;
    values = operand[inner];
    nested = operand;
  }
  if (!Array.isArray(values) && typeof values !== 'string' && !isJsonNumber(values)) {
    // Also what AWS says for `{"prefix": {"equals-ignore-case": ...}}` inside anything-but
    // [LS content_anything_prefix_ignorecase_EXC].
    fail('Value of anything-but must be an array or single string/number value.');
  }
  const list: unknown[] = Array.isArray(values) ? values : [values];

  if (form === 'plain') {
    let strings = 0;
    let numbers = 0;
    for (const v of list) {
      if (typeof v === 'string') strings++;
      else if (isJsonNumber(v)) numbers++;
      else fail('Inside anything but list, start|null|boolean is not supported.');
    }
    if ((strings > 0 && numbers > 0) || strings + numbers === 0) {
      fail('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    if (strings > 0) {
      const excluded = new Set(list as string[]);
      return {
        test: (value) => !(typeof value === 'string' && excluded.has(value)),
        missing: false,
        wildcards: [],
      };
    }
    const excluded = new Set(list as number[]);
    return {
      test: (value) => !(typeof value === 'number' && excluded.has(value)),
      missing: false,
      wildcards: [],
    };
  }

  const strings: string[] = [];
  for (const v of list) {
    if (typeof v !== 'string') {
      if (form === 'equals-ignore-case') {
        fail('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
      }
      fail(
        form === 'wildcard'
          ? 'wildcard match pattern must be a string'
          : 'prefix/suffix match pattern must be a string',
      );
    }
    if ((form === 'prefix' || form === 'suffix') && v === '') fail('Null prefix/suffix not allowed');
    strings.push(v);
  }
  // `{"anything-but": {"prefix": "a", "suffix": "b"}}`: Ruler reports extra keys as "too many elements".
  if (nested) requireSingleKey(nested, TOO_MANY_ELEMENTS);

  let excluded: (value: string) => boolean;
  const wildcards: WildcardPattern[] = [];
  switch (form) {
    case 'prefix':
      excluded = anyOf(strings.map((p) => (value: string) => value.startsWith(p)));
      break;
    case 'suffix':
      excluded = anyOf(strings.map((s) => (value: string) => value.endsWith(s)));
      break;
    case 'equals-ignore-case':
      excluded = anyOf(strings.map((s) => ignoreCase('equals', s)));
      break;
    case 'wildcard': {
      const parsed = strings.map(parseWildcard);
      wildcards.push(...parsed);
      excluded = anyOf(parsed.map(wildcardMatcher));
      break;
    }
  }
  if (strings.length === 0) excluded = () => false;
  return { test: (value) => !(typeof value === 'string' && excluded(value)), missing: false, wildcards };
}

/**
 * `numeric`: `["=", n]`, or one lower bound (`>`/`>=`) optionally followed by one upper bound (`<`/`<=`), or one
 * upper bound alone. JSON numbers only. Messages follow Ruler's processNumericMatchExpression.
 */
function compileNumeric(terms: unknown[]): (value: number) => boolean {
  const op = terms[0];
  if (typeof op !== 'string') fail(`Invalid member in numeric match: ${tokenText(op)}`);
  const operand = terms[1];
  const requireNumber = (value: unknown, label: string): number => {
    if (!isJsonNumber(value)) fail(`Value of ${label} must be numeric`);
    return value;
  };
  switch (op) {
    case '=': {
      const n = requireNumber(operand, 'equals');
      if (terms.length > 2) fail(TOO_MANY_ELEMENTS);
      return (value) => value === n;
    }
    case '<':
    case '<=': {
      const top = requireNumber(operand, op);
      if (terms.length > 2) fail(TOO_MANY_ELEMENTS);
      return op === '<' ? (value) => value < top : (value) => value <= top;
    }
    case '>':
    case '>=': {
      const bottom = requireNumber(operand, op);
      const openBottom = op === '>';
      if (terms.length === 2) return openBottom ? (value) => value > bottom : (value) => value >= bottom;
      const upperOp = terms[2];
      if (typeof upperOp !== 'string') fail(`Bad value in numeric range: ${tokenText(upperOp)}`);
      if (upperOp !== '<' && upperOp !== '<=') fail(`Bad numeric range operator: ${upperOp}`);
      const top = requireNumber(terms[3], upperOp);
      if (terms.length > 4) fail('Too many terms in numeric range expression');
      if (bottom >= top) fail('Bottom must be less than top');
      const openTop = upperOp === '<';
      if (openBottom && openTop) return (value) => value > bottom && value < top;
      if (openBottom) return (value) => value > bottom && value <= top;
      if (openTop) return (value) => value >= bottom && value < top;
      return (value) => value >= bottom && value <= top;
    }
    default:
      return fail(`Unrecognized numeric range operator: ${op}`);
  }
}
