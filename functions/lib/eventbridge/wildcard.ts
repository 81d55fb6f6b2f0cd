/**
 * EventBridge `wildcard` operator: parsing (with AWS's validation messages), a linear-time matcher, and the
 * "Rule is too complex" admission check.
 *
 * Grammar (Event Ruler's WildcardParser): `*` matches zero or more characters, `\*` is a literal star, `\\` a
 * literal backslash; a backslash before anything else, and two consecutive stars, are rejected. Error positions
 * count UTF-8 bytes of the value as Ruler sees it, i.e. wrapped in JSON quotes, so the first character is pos 1.
 */
import { InvalidEventPatternError } from '../errors.js';

/** A parsed wildcard value: literal pieces between unescaped stars. `pieces.length - 1` stars. */
export interface WildcardPattern {
  /** The value as written in the pattern (escapes intact); identifies the pattern for complexity grouping. */
  source: string;
  /** Literal text between stars, escapes resolved. Always at least one entry (possibly empty strings). */
  pieces: string[];
}

const STAR = 0x2a;
const BACKSLASH = 0x5c;

/** Position Ruler reports for the character at `index`: UTF-8 byte offset inside the quoted value. */
function rulerPosition(value: string, index: number): number {
  return Buffer.byteLength(value.slice(0, index), 'utf8') + 1;
}

/**
 * Parses a wildcard value, throwing {@link InvalidEventPatternError} with AWS's message for consecutive stars or
 * an invalid escape.
 */
export function parseWildcard(value: string): WildcardPattern {
  const pieces: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === STAR) {
      if (value.charCodeAt(i + 1) === STAR) {
        throw new InvalidEventPatternError(
          `Consecutive wildcard characters at pos ${rulerPosition(value, i)}`,
        );
      }
      pieces.push(current);
      current = '';
    } else if (code === BACKSLASH) {
      const next = value.charCodeAt(i + 1);
      // A trailing backslash would escape the closing quote Ruler adds around the value: also invalid.
      if (next !== STAR && next !== BACKSLASH) {
        throw new InvalidEventPatternError(`Invalid escape character at pos ${rulerPosition(value, i)}`);
      }
      current += value[i + 1];
      i++;
    } else {
      current += value[i];
    }
  }
  pieces.push(current);
  return { source: value, pieces };
}

/**
 * Builds a matcher for a parsed wildcard. Greedy leftmost placement of the middle pieces is exact for a
 * star-only glob and runs in linear time: no regular expression, no backtracking, no allocation per call.
 */
export function wildcardMatcher(pattern: WildcardPattern): (value: string) => boolean {
  const pieces = pattern.pieces;
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return (value) => value === first;
  const last = pieces[pieces.length - 1] ?? '';
  const middle = pieces.slice(1, -1).filter((p) => p.length > 0);
  const minLength = pieces.reduce((n, p) => n + p.length, 0);
  if (middle.length === 0) {
    return (value) =>
      value.length >= first.length + last.length && value.startsWith(first) && value.endsWith(last);
  }
  return (value) => {
    if (value.length < minLength || !value.startsWith(first) || !value.endsWith(last)) return false;
    const end = value.length - last.length;
    let pos = first.length;
    for (let i = 0; i < middle.length; i++) {
      const piece = middle[i] as string;
      const at = value.indexOf(piece, pos);
      if (at === -1 || at + piece.length > end) return false;
      pos = at + piece.length;
    }
    return true;
  };
}

/**
 * Highest complexity AWS admits. Calibrated on AWS-validated cases: `arn:aws:events:us-east-1:*:event-bus/*`,
 * `/Users/*\/dir/dir/dir/dir/dir/doc.txt` and four `*.ext` alternatives are accepted; `*:*:*:*:*:event-bus/*`
 * [LS content_wildcard_complex_EXC] and four `*\/datasync/*.ext` alternatives on one field are rejected.
 */
export const MAX_WILDCARD_COMPLEXITY = 10;

/** Exploration budget for the subset walk; the walk stops early once the limit is exceeded anyway. */
const MAX_EXPLORED_SUBSETS = 20_000;

interface NfaState {
  /** Literal byte transitions (several targets once paths stop being shared). */
  next: Map<number, number[]>;
  /** The star's self-looping state entered without consuming input, if a `*` follows this position. */
  star: number;
  /** True when this state loops on any byte (the position right after a `*`). */
  loop: boolean;
  /** Whether a star has been passed on the way here: only these states add non-determinism. */
  afterStar: boolean;
}

/**
 * Worst-case number of wildcard-pattern positions simultaneously alive while scanning one field value, in the
 * spirit of Event Ruler's MachineComplexityEvaluator. Every byte of every pattern is a state and a star is a
 * self-looping state. As in Ruler's byte machine, patterns share their deterministic prefix and its first star;
 * past that star each pattern keeps its own path. We walk the reachable sets of states (subset construction) over
 * the bytes that occur in the patterns plus one "other" byte, and count the states past a star: those are the
 * paths that stay alive concurrently.
 */
export function wildcardComplexity(patterns: WildcardPattern[]): number {
  const states: NfaState[] = [];
  const alphabet = new Set<number>();
  const newState = (loop: boolean, afterStar: boolean): number =>
    states.push({ next: new Map(), star: -1, loop, afterStar }) - 1;
  const root = newState(false, false);
  for (const pattern of patterns) {
    // Ruler matches the JSON text of the value, quotes included.
    const tokens: (number | 'star')[] = [0x22];
    pattern.pieces.forEach((piece, i) => {
      if (i > 0) tokens.push('star');
      for (const byte of Buffer.from(piece, 'utf8')) tokens.push(byte);
    });
    tokens.push(0x22);
    let current = root;
    let shared = true;
    for (const token of tokens) {
      const state = states[current] as NfaState;
      if (token === 'star') {
        if (!(shared && state.star !== -1)) state.star = newState(true, true);
        current = state.star;
        shared = false;
        continue;
      }
      alphabet.add(token);
      const targets = state.next.get(token);
      if (shared && targets !== undefined && targets.length > 0) {
        current = targets[0] as number;
        continue;
      }
      const created = newState(false, state.afterStar || state.loop);
      if (targets) targets.push(created);
      else state.next.set(token, [created]);
      current = created;
    }
  }
  const closure = (set: Set<number>): Set<number> => {
    for (const id of set) {
      const star = (states[id] as NfaState).star;
      if (star !== -1) set.add(star);
    }
    return set;
  };
  const bytes = [...alphabet, -2]; // -2: any byte that occurs in no pattern
  const score = (set: Set<number>): number => {
    let n = 0;
    for (const id of set) if ((states[id] as NfaState).afterStar) n++;
    return n;
  };
  const startSet = closure(new Set([root]));
  const seen = new Set<string>([[...startSet].sort((a, b) => a - b).join(',')]);
  const pending = [startSet];
  let maximum = score(startSet);
  while (pending.length > 0 && seen.size < MAX_EXPLORED_SUBSETS) {
    const active = pending.pop() as Set<number>;
    for (const byte of bytes) {
      const next = new Set<number>();
      for (const id of active) {
        const state = states[id] as NfaState;
        if (state.loop) next.add(id);
        const targets = byte >= 0 ? state.next.get(byte) : undefined;
        if (targets !== undefined) for (const target of targets) next.add(target);
      }
      if (next.size === 0) continue;
      closure(next);
      const complexity = score(next);
      if (complexity > maximum) maximum = complexity;
      if (maximum > MAX_WILDCARD_COMPLEXITY) return maximum;
      const key = [...next].sort((a, b) => a - b).join(',');
      if (!seen.has(key)) {
        seen.add(key);
        pending.push(next);
      }
    }
  }
  return maximum;
}
