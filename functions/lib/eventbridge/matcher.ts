/**
 * An offline EventBridge event-pattern matcher with AWS's semantics, so policy authors (and cordon's tests) can
 * prove which events a rule delivers without calling AWS. Specification:
 * /work/shared/reference/eventbridge-patterns.md (EventBridge docs, Event Ruler, AWS-validated LocalStack cases).
 *
 * Compilation mirrors Event Ruler, the engine behind EventBridge:
 * - The pattern is validated completely up front; every rejection is an {@link InvalidEventPatternError} whose
 *   message is AWS's "Reason" text (without the "Event pattern is not valid. Reason: " prefix).
 * - `$or` is expanded into alternative flat rules ("sub-rules"), exactly as Ruler does; more than
 *   {@link MAX_OR_COMBINATIONS} is rejected. A field named again later in the same rule overrides the earlier one.
 * - Keys are dot-joined: `{"a":{"b":[..]}}` and `{"a.b":[..]}` are the same field, and each matches both
 *   `{"a":{"b":..}}` and `{"a.b":..}` in the event.
 * - Each sub-rule becomes a tree of closures-over-data; matching walks the event once per sub-rule with own-property
 *   lookups only and allocates nothing per event.
 * Array semantics are Ruler's `rulesForJSONEvent`: a leaf matches when any array element matches, and the fields
 * of one object node must all hold within the same element of an array of objects.
 */
import { errorMessage, InvalidEventPatternError } from '../errors.js';
import { compileLeaf, isPlainObject, RESERVED_NAMES, type Leaf, type Scalar } from './operators.js';
import { MAX_WILDCARD_COMPLEXITY, wildcardComplexity, type WildcardPattern } from './wildcard.js';

/** A compiled, validated event pattern. */
export interface CompiledPattern {
  /** True when EventBridge would deliver `event` (a parsed JSON object) to a rule with this pattern. */
  matches(event: unknown): boolean;
}

/** `PutRule.EventPattern` maximum length [botocore events model]. */
export const MAX_PATTERN_LENGTH = 4096;
/** `$or` may expand to at most this many rule combinations [EventBridge user guide]. */
export const MAX_OR_COMBINATIONS = 1000;

const OR_KEYWORD = '$or';
const hasOwn = Object.hasOwn;

/** One node of a sub-rule's field tree: a field that may be both a leaf (`a`) and a parent (`a.b`). */
interface Node {
  leaf: Leaf | null;
  children: Child[];
  /** Whether every child subtree holds when this node has no object value (absent, scalar, or no objects). */
  childrenMissing: boolean;
}

interface Child {
  node: Node;
  /**
   * `keys[j]`: the event key that reaches this child when the last `j` segments of the parent's path were
   * written dot-joined in the event (`keys[0] = "status"`, `keys[1] = "state.status"`...). Precomputed so
   * matching never concatenates strings.
   */
  keys: string[];
}

/** A flat rule: dot-joined field path → its compiled leaf. */
type FlatRule = Map<string, Leaf>;

function fail(message: string): never {
  throw new InvalidEventPatternError(message);
}

/**
 * Compiles and validates an EventBridge event pattern.
 *
 * @param pattern the pattern as a JSON string or as an already-parsed object
 * @returns a {@link CompiledPattern}; compile once and reuse it for every event
 * @throws InvalidEventPatternError with AWS's reason text when the pattern is invalid
 */
export function compilePattern(pattern: unknown): CompiledPattern {
  let parsed: unknown = pattern;
  if (typeof pattern === 'string') {
    checkLength(pattern.length);
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      throw new InvalidEventPatternError(`Pattern is not valid JSON: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  } else if (isPlainObject(pattern)) {
    checkLength(JSON.stringify(pattern).length);
  }
  if (!isPlainObject(parsed)) fail('Filter is not an object');

  const rules: FlatRule[] = [];
  compileObject(parsed, '', rules, false);
  checkWildcardComplexity(rules);
  const roots = rules.map(buildTree);
  if (roots.length === 1) {
    const root = roots[0] as Node;
    return { matches: (event) => isPlainObject(event) && matchObject(root, event, 0) };
  }
  return {
    matches(event) {
      if (!isPlainObject(event)) return false;
      for (let i = 0; i < roots.length; i++) if (matchObject(roots[i] as Node, event, 0)) return true;
      return false;
    },
  };
}

/**
 * Convenience: compiles `pattern` and tests one event. Compile once with {@link compilePattern} when matching
 * many events.
 *
 * @throws InvalidEventPatternError when the pattern is invalid
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern).matches(event);
}

function checkLength(length: number): void {
  if (length > MAX_PATTERN_LENGTH) {
    fail(`Event pattern is too long: ${length} characters (maximum ${MAX_PATTERN_LENGTH})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Compilation: validate and expand into flat rules (Ruler's JsonRuleCompiler.parseObject / parseIntoOrRelationship)
// ---------------------------------------------------------------------------------------------------------------

function joinPath(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function compileObject(obj: Record<string, unknown>, path: string, rules: FlatRule[], inOr: boolean): void {
  const keys = Object.keys(obj);
  if (keys.length === 0) fail('Empty objects are not allowed');
  for (const key of keys) {
    const value = obj[key];
    if (key === OR_KEYWORD && isOrRelationship(value)) {
      compileOr(value, path, rules);
      continue;
    }
    if (inOr && RESERVED_NAMES.has(key)) {
      fail(`${key} is Ruler reserved fieldName which cannot be used inside ${OR_KEYWORD}.`);
    }
    if (isPlainObject(value)) {
      compileObject(value, joinPath(path, key), rules, inOr);
    } else if (Array.isArray(value)) {
      const leaf = compileLeaf(value);
      if (rules.length === 0) rules.push(new Map());
      // A field given twice (e.g. `{"a":{"b":..}}` and `{"a.b":..}`) keeps its last definition, as in AWS.
      for (const rule of rules) rule.set(joinPath(path, key), leaf);
    } else {
      fail(`"${key}" must be an object or an array`);
    }
  }
}

/**
 * Ruler reads `$or` as an OR only when it holds an array of objects with no operator names inside; otherwise
 * `$or` is an ordinary field name (backward compatibility with legacy rules). An array of objects with fewer than
 * two entries is still an OR attempt, and rejected.
 */
function isOrRelationship(value: unknown): value is Record<string, unknown>[] {
  if (!Array.isArray(value) || value.length === 0) return false;
  if (!value.every(isPlainObject)) return false;
  return !value.some(usesReservedName);
}

function usesReservedName(obj: Record<string, unknown>): boolean {
  for (const key of Object.keys(obj)) {
    if (RESERVED_NAMES.has(key)) return true;
    const value = obj[key];
    if (key === OR_KEYWORD && Array.isArray(value)) {
      if (value.some((branch) => isPlainObject(branch) && usesReservedName(branch))) return true;
    } else if (isPlainObject(value) && usesReservedName(value)) return true;
  }
  return false;
}

function compileOr(branches: Record<string, unknown>[], path: string, rules: FlatRule[]): void {
  if (branches.length < 2) fail(`There must have at least 2 Objects in ${OR_KEYWORD} relationship.`);
  const current = rules.map((rule) => new Map(rule));
  rules.length = 0;
  for (const branch of branches) {
    const forked = current.length === 0 ? [new Map<string, Leaf>()] : current.map((rule) => new Map(rule));
    compileObject(branch, path, forked, true);
    rules.push(...forked);
    if (rules.length > MAX_OR_COMBINATIONS) {
      fail(`Rule is too complex - $or expands to more than ${MAX_OR_COMBINATIONS} combinations`);
    }
  }
}

function checkWildcardComplexity(rules: FlatRule[]): void {
  // Ruler builds one byte machine per field; rules share it, so complexity adds up across $or alternatives.
  const byField = new Map<string, Map<string, WildcardPattern>>();
  for (const rule of rules) {
    for (const [path, leaf] of rule) {
      if (leaf.wildcards.length === 0) continue;
      let patterns = byField.get(path);
      if (!patterns) byField.set(path, (patterns = new Map()));
      for (const w of leaf.wildcards) patterns.set(w.source, w);
    }
  }
  for (const patterns of byField.values()) {
    if (wildcardComplexity([...patterns.values()]) > MAX_WILDCARD_COMPLEXITY) {
      fail(
        'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
      );
    }
  }
}

/** Turns a flat rule into a field tree by splitting dot-joined paths into segments. */
function buildTree(rule: FlatRule): Node {
  const root: Node = { leaf: null, children: [], childrenMissing: true };
  const index = new Map<Node, Map<string, Child>>();
  for (const [path, leaf] of rule) {
    const segments = path.split('.');
    let node = root;
    segments.forEach((segment, depth) => {
      let children = index.get(node);
      if (!children) index.set(node, (children = new Map()));
      let child = children.get(segment);
      if (!child) {
        const keys: string[] = [];
        for (let j = 0; j <= depth; j++) keys.push(segments.slice(depth - j, depth + 1).join('.'));
        child = { node: { leaf: null, children: [], childrenMissing: true }, keys };
        children.set(segment, child);
        node.children.push(child);
      }
      node = child.node;
    });
    node.leaf = leaf;
  }
  computeMissing(root);
  return root;
}

/** Precomputes, bottom-up, whether a subtree holds when the event has nothing there. */
function computeMissing(node: Node): boolean {
  let all = true;
  for (const child of node.children) if (!computeMissing(child.node)) all = false;
  node.childrenMissing = all;
  return (node.leaf === null || node.leaf.missing) && all;
}

// ---------------------------------------------------------------------------------------------------------------
// Matching (hot path: no allocation, own properties only)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Matches `node`'s children against event object `obj`, where the last `prefix` segments of `node`'s path are
 * still pending as a dot-joined key prefix in `obj`.
 */
function matchObject(node: Node, obj: Record<string, unknown>, prefix: number): boolean {
  const children = node.children;
  for (let i = 0; i < children.length; i++) {
    const child = children[i] as Child;
    const key = child.keys[prefix] as string;
    if (hasOwn(obj, key)) {
      if (!matchValue(child.node, obj[key])) return false;
    } else if (!matchAbsent(child.node, obj, prefix + 1)) {
      return false;
    }
  }
  return true;
}

/** The field is not a key of `obj`, but its descendants may be, dot-joined (`"state.status"`). */
function matchAbsent(node: Node, obj: Record<string, unknown>, prefix: number): boolean {
  if (node.leaf !== null && !node.leaf.missing) return false;
  return node.children.length === 0 || matchObject(node, obj, prefix);
}

function matchValue(node: Node, value: unknown): boolean {
  if (node.leaf !== null && !matchLeaf(node.leaf, value)) return false;
  if (node.children.length === 0) return true;
  if (isPlainObject(value)) return matchObject(node, value, 0);
  if (Array.isArray(value)) {
    const result = matchObjectElements(node, value);
    return result === NO_OBJECTS ? node.childrenMissing : result === MATCH;
  }
  return node.childrenMissing;
}

const MATCH = 1;
const NO_MATCH = 0;
const NO_OBJECTS = -1;
const NO_SCALARS = -1;

/** Same-element rule: some single object element (at any array depth) must satisfy all of `node`'s children. */
function matchObjectElements(node: Node, array: unknown[]): number {
  let sawObject = false;
  for (let i = 0; i < array.length; i++) {
    const element = array[i];
    if (Array.isArray(element)) {
      const nested = matchObjectElements(node, element);
      if (nested === MATCH) return MATCH;
      if (nested === NO_MATCH) sawObject = true;
    } else if (isPlainObject(element)) {
      if (matchObject(node, element, 0)) return MATCH;
      sawObject = true;
    }
  }
  return sawObject ? NO_MATCH : NO_OBJECTS;
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

function matchLeaf(leaf: Leaf, value: unknown): boolean {
  if (isScalar(value)) return leaf.test(value);
  if (Array.isArray(value)) {
    const result = matchScalarElements(leaf, value);
    return result === NO_SCALARS ? leaf.missing : result === MATCH;
  }
  // Absent, or an object: exists (and every other operator) only sees leaf values [LS exists_dynamodb_NEG].
  return leaf.missing;
}

/** Any scalar element (at any array depth) satisfying the leaf; objects inside arrays are not leaf values. */
function matchScalarElements(leaf: Leaf, array: unknown[]): number {
  let sawScalar = false;
  for (let i = 0; i < array.length; i++) {
    const element = array[i];
    if (isScalar(element)) {
      if (leaf.test(element)) return MATCH;
      sawScalar = true;
    } else if (Array.isArray(element)) {
      const nested = matchScalarElements(leaf, element);
      if (nested === MATCH) return MATCH;
      if (nested === NO_MATCH) sawScalar = true;
    }
  }
  return sawScalar ? NO_MATCH : NO_SCALARS;
}

/** Outcome words printed by `cordon rules match` and used in `--cases` files. */
export type MatchResult = 'match' | 'no_match' | 'invalid_pattern';

/** A {@link MatchResult}, with AWS's reason when the pattern is invalid. */
export type MatchOutcome =
  { result: 'match' } | { result: 'no_match' } | { result: 'invalid_pattern'; reason: string };

/**
 * Classifies one pattern/event pair the way `cordon rules match` reports it. Never throws for an invalid pattern:
 * that is a result (`invalid_pattern`) with AWS's reason.
 */
export function evaluateMatch(pattern: unknown, event: unknown): MatchOutcome {
  let compiled: CompiledPattern;
  try {
    compiled = compilePattern(pattern);
  } catch (error) {
    if (error instanceof InvalidEventPatternError)
      return { result: 'invalid_pattern', reason: error.message };
    throw error;
  }
  return { result: compiled.matches(event) ? 'match' : 'no_match' };
}
