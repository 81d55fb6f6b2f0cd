/**
 * Globs for finding types and ARNs: `*` stands for any run of characters (including none), `?` for exactly
 * one. Nothing else is special. Globs are compiled once, when the policy loads, into the cheapest test that
 * implements them (equality, prefix, suffix, substring, or a regular expression as a last resort), because
 * the policy engine runs them for every finding.
 */

/** A compiled glob. `source` is the glob as written, for explanations. */
export interface Glob {
  readonly source: string;
  test(value: string): boolean;
}

/** Characters that would suggest another glob dialect (classes, braces, negation) that cordon does not support. */
const UNSUPPORTED = /[[\]{}]/;

/**
 * Why `glob` is not a valid cordon glob, or undefined when it is valid. Kept separate from {@link compileGlob}
 * so the validator can report every bad glob with its position instead of throwing on the first.
 */
export function globProblem(glob: string): string | undefined {
  if (glob.length === 0) return 'an empty glob matches nothing';
  if (glob.trim() !== glob) return 'a glob must not start or end with whitespace';
  if (UNSUPPORTED.test(glob)) {
    return 'unsupported glob syntax: only * (any run of characters) and ? (one character) are wildcards';
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
}

/** Compile a glob (already checked with {@link globProblem}) into a fast matcher. Matching is case-sensitive. */
export function compileGlob(glob: string): Glob {
  const hasQuestion = glob.includes('?');
  const stars = glob.split('*').length - 1;
  if (!hasQuestion) {
    if (stars === 0) return { source: glob, test: (v) => v === glob };
    const inner = glob.slice(1, -1);
    if (glob === '*' || /^\*+$/.test(glob)) return { source: glob, test: () => true };
    if (stars === 1 && glob.endsWith('*')) {
      const prefix = glob.slice(0, -1);
      return { source: glob, test: (v) => v.startsWith(prefix) };
    }
    if (stars === 1 && glob.startsWith('*')) {
      const suffix = glob.slice(1);
      return { source: glob, test: (v) => v.endsWith(suffix) };
    }
    if (stars === 2 && glob.startsWith('*') && glob.endsWith('*') && !inner.includes('*')) {
      return { source: glob, test: (v) => v.includes(inner) };
    }
  }
  const pattern = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegExp(c)))
    .join('');
  // `s` so that `*` also spans newlines: a hostile type string must not slip past a protected-ARN glob.
  const regex = new RegExp(`^${pattern}$`, 's');
  // Most values fail on the literal prefix (`arn:aws:iam::` for an EC2 ARN); skip the regex for them.
  const prefix = literalPrefix(glob);
  return { source: glob, test: (v) => v.startsWith(prefix) && regex.test(v) };
}

/**
 * The literal text before the first wildcard. The engine indexes type globs by the part of this prefix
 * before `:` (GuardDuty's threat purpose, e.g. `CryptoCurrency`).
 */
export function literalPrefix(glob: string): string {
  const index = glob.search(/[*?]/);
  return index === -1 ? glob : glob.slice(0, index);
}
