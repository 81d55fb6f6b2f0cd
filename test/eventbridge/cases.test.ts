import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateMatch, type MatchResult } from '../../functions/lib/eventbridge/matcher.js';

/**
 * Table-driven cases shared with `cordon rules match --cases`: each entry is `{name, pattern, event, expected}`.
 * Names cite the AWS-validated LocalStack case ([LS ...]) or Event Ruler section ([RULER ...]) they come from.
 */
interface MatchCase {
  name: string;
  pattern: unknown;
  event: unknown;
  expected: MatchResult;
}

const cases = JSON.parse(readFileSync(new URL('./cases.json', import.meta.url), 'utf8')) as MatchCase[];

describe('EventBridge matcher: shared case table', () => {
  it('has a broad table covering every outcome', () => {
    // Prepare
    const outcomes = new Set(cases.map((c) => c.expected));

    // Act
    const names = new Set(cases.map((c) => c.name));

    // Assess
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(names.size).toBe(cases.length);
    expect(outcomes).toEqual(new Set(['match', 'no_match', 'invalid_pattern']));
  });

  it.each(cases)('$name → $expected', ({ pattern, event, expected }) => {
    // Prepare: the case as loaded from the JSON fixture

    // Act
    const outcome = evaluateMatch(pattern, event);

    // Assess
    expect(outcome.result).toBe(expected);
    if (outcome.result === 'invalid_pattern') expect(outcome.reason).toMatch(/\S/);
  });
});
