import { compilePattern } from '../../functions/lib/eventbridge/matcher.js';

/** Runs one pattern against several events and returns the verdicts in order. */
export function verdicts(pattern: unknown, events: unknown[]): boolean[] {
  const compiled = compilePattern(pattern);
  return events.map((event) => compiled.matches(event));
}
