/**
 * Turning validation problems into messages a policy author can act on: `file:line:col`, the offending key,
 * what is allowed, and a suggestion for typos. Positions come from the `yaml` package's CST ranges.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import type { PolicyIssue } from '../errors.js';
import { keysAt } from './schema.js';

export type Path = readonly (string | number)[];

/** `rules[0].match.severity`, or `the top level` for the empty path. */
export function formatPath(path: Path): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text === '' ? 'the top level' : text;
}

/** A short, safe rendering of a value for messages (never a whole object, never unbounded). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return value.length > 60 ? `${JSON.stringify(value.slice(0, 60))}...` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** Levenshtein distance, for "did you mean" suggestions. Inputs are short keys and action names. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  // Keys, actions and enum values are short; a long word is not a typo of one, and the distance would cost.
  if (word.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(2, Math.floor(word.length / 3));
  if (bestDistance <= tolerance) return best;
  // A truncated name (`isolate-ec2` for `isolate-ec2-instance`) is far in edit distance but an obvious intent.
  const lower = word.toLowerCase();
  const prefixed = candidates.filter((c) => lower.length >= 3 && c.toLowerCase().startsWith(lower));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Maps paths inside one parsed YAML document to source positions. */
export class SourceMap {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Position of an offset in the file, 1-based. */
  at(offset: number): { line: number; col: number } {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, col };
  }

  /**
   * Position of the node at `path`: its value, or with `key: true` its key. When the path does not exist
   * (a missing key), the deepest existing ancestor is used, which is where the author has to add it.
   */
  position(path: Path, options: { key?: boolean } = {}): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let pair: Pair | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const found = node.items.find(
          (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (!found) break;
        pair = found;
        node = found.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        pair = undefined;
        node = node.items[segment];
      } else {
        break;
      }
    }
    const target = options.key && pair && isScalar(pair.key) ? pair.key : node;
    const range = (target as Node | null | undefined)?.range;
    return this.at(range ? range[0] : 0);
  }

  issue(path: Path, message: string, options: { key?: boolean } = {}): PolicyIssue {
    return { file: this.file, ...this.position(path, options), message };
  }
}

function describeExpected(issue: z.core.$ZodIssueInvalidType): string {
  switch (issue.expected) {
    case 'object':
      return 'a mapping (key: value)';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return String(issue.expected);
  }
}

/** Extra context for formatting issues inside an action's `params`. */
export interface IssueContext {
  /** Schema the issues came from, for listing allowed keys. */
  schema: z.ZodType;
  /** Path of the validated value inside the document (issue paths are relative to it). */
  base: Path;
  /** Describes an unknown key, e.g. `unknown parameter "x" for action isolate-ec2-instance`. */
  unknownKey?: (key: string) => string;
  /** What to say when the object allows no keys at all. */
  noKeysHint?: string;
}

/**
 * One {@link PolicyIssue} per problem zod found (one per unknown key), positioned and worded for authors.
 */
export function zodIssuesToPolicyIssues(
  issues: readonly z.core.$ZodIssue[],
  map: SourceMap,
  context: IssueContext,
): PolicyIssue[] {
  const result: PolicyIssue[] = [];
  for (const issue of issues) {
    const relative = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    const path = [...context.base, ...relative];
    const where = formatPath(path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = keysAt(context.schema, relative);
        for (const key of issue.keys) {
          const suggestion = nearest(key, allowed);
          const what = context.unknownKey ? context.unknownKey(key) : `unknown key "${key}"`;
          const hint = suggestion
            ? `did you mean "${suggestion}"?`
            : allowed.length > 0
              ? `allowed: ${allowed.join(', ')}`
              : (context.noKeysHint ?? 'no keys are allowed here');
          result.push(map.issue([...path, key], `${what} in ${where}; ${hint}`, { key: true }));
        }
        break;
      }
      case 'invalid_type': {
        if (issue.input === undefined) {
          const key = path[path.length - 1];
          const parent = formatPath(path.slice(0, -1));
          result.push(map.issue(path.slice(0, -1), `missing required key "${String(key)}" in ${parent}`));
        } else {
          const custom = issue.message.startsWith('expected')
            ? issue.message
            : `expected ${describeExpected(issue)}`;
          const quoteHint =
            issue.expected === 'string' &&
            (typeof issue.input === 'number' || typeof issue.input === 'boolean')
              ? ' (quote it to make it a string)'
              : '';
          // `accounts` and `regions` are {include, exclude}; a bare list is the common slip.
          const last = path[path.length - 1];
          const listHint =
            Array.isArray(issue.input) && (last === 'accounts' || last === 'regions')
              ? `; write ${String(last)}: { include: [...] } (or exclude: [...]) instead of a bare list`
              : '';
          result.push(
            map.issue(path, `${where}: ${custom}, got ${describeValue(issue.input)}${quoteHint}${listHint}`),
          );
        }
        break;
      }
      case 'invalid_value': {
        if (issue.input === undefined) {
          const key = String(path[path.length - 1]);
          const parent = path.slice(0, -1);
          const hint = issue.values.length === 1 ? `; add ${key}: ${String(issue.values[0])}` : '';
          result.push(map.issue(parent, `missing required key "${key}" in ${formatPath(parent)}${hint}`));
          break;
        }
        const allowed = issue.values.map((v) => String(v));
        if (issue.message.startsWith('unsupported')) {
          result.push(map.issue(path, `${where}: ${issue.message}, got ${describeValue(issue.input)}`));
          break;
        }
        const suggestion = typeof issue.input === 'string' ? nearest(issue.input, allowed) : undefined;
        const hint = suggestion ? `; did you mean "${suggestion}"?` : '';
        result.push(
          map.issue(
            path,
            `${where}: ${describeValue(issue.input)} is not allowed; expected one of ${allowed.join(', ')}${hint}`,
          ),
        );
        break;
      }
      case 'too_small': {
        const text =
          issue.origin === 'array'
            ? 'must not be empty'
            : issue.origin === 'string'
              ? 'must not be empty'
              : `must be at least ${String(issue.minimum)}, got ${describeValue(issue.input)}`;
        result.push(map.issue(path, `${where}: ${text}`));
        break;
      }
      case 'too_big': {
        const text =
          issue.origin === 'string'
            ? `must be at most ${String(issue.maximum)} characters`
            : issue.origin === 'array'
              ? `must have at most ${String(issue.maximum)} items`
              : `must be at most ${String(issue.maximum)}, got ${describeValue(issue.input)}`;
        result.push(map.issue(path, `${where}: ${text}`));
        break;
      }
      case 'invalid_format':
        result.push(map.issue(path, `${where}: ${describeValue(issue.input)} ${issue.message}`));
        break;
      case 'not_multiple_of':
        result.push(map.issue(path, `${where}: must be a whole number, got ${describeValue(issue.input)}`));
        break;
      default:
        result.push(map.issue(path, `${where}: ${issue.message}`));
    }
  }
  return result;
}
