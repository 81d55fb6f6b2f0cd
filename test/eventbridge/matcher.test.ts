import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePattern, evaluateMatch, matchesPattern } from '../../functions/lib/eventbridge/matcher.js';

/**
 * Operator-by-operator semantics from /work/shared/reference/eventbridge-patterns.md. Test names cite the
 * AWS-validated LocalStack case ([LS ...]) or the Event Ruler README section ([RULER ...]) where one exists.
 */

/** Runs one pattern against several events and returns the verdicts in order. */
function verdicts(pattern: unknown, events: unknown[]): boolean[] {
  const compiled = compilePattern(pattern);
  return events.map((event) => compiled.matches(event));
}

describe('EventBridge matcher: API', () => {
  it('accepts a JSON string or a parsed object and compiles once for many events', () => {
    // Prepare
    const pattern = { source: ['aws.guardduty'] };

    // Act
    const fromObject = compilePattern(pattern);
    const fromText = compilePattern(JSON.stringify(pattern));

    // Assess
    expect(fromObject.matches({ source: 'aws.guardduty' })).toBe(true);
    expect(fromText.matches({ source: 'aws.guardduty' })).toBe(true);
    expect(fromText.matches({ source: 'aws.securityhub' })).toBe(false);
    expect(matchesPattern(pattern, { source: 'aws.guardduty' })).toBe(true);
  });

  it('does not match events that are not JSON objects', () => {
    // Prepare
    const pattern = { a: [{ exists: false }] };

    // Act
    const results = verdicts(pattern, [null, 'text', 42, [], [{ b: 1 }], undefined]);

    // Assess
    expect(results).toEqual([false, false, false, false, false, false]);
  });

  it('does not parse an event given as a JSON string', () => {
    // Prepare
    const pattern = { a: ['x'] };

    // Act
    const result = matchesPattern(pattern, '{"a": "x"}');

    // Assess
    expect(result).toBe(false);
  });

  it('classifies results for the CLI without throwing on invalid patterns', () => {
    // Prepare
    const valid = { a: ['x'] };

    // Act
    const match = evaluateMatch(valid, { a: 'x' });
    const noMatch = evaluateMatch(valid, { a: 'y' });
    const invalid = evaluateMatch({ a: 'x' }, { a: 'x' });

    // Assess
    expect(match).toEqual({ result: 'match' });
    expect(noMatch).toEqual({ result: 'no_match' });
    expect(invalid).toEqual({ result: 'invalid_pattern', reason: '"a" must be an object or an array' });
  });

  it('ignores event fields the pattern does not name', () => {
    // Prepare
    const pattern = { detail: { state: ['running'] } };

    // Act
    const result = matchesPattern(pattern, {
      version: '0',
      extra: { deep: [1, 2] },
      detail: { state: 'running', x: 1 },
    });

    // Assess
    expect(result).toBe(true);
  });

  it('requires every named field, with the same nesting', () => {
    // Prepare
    const pattern = { source: ['s'], detail: { state: ['running'] } };

    // Act
    const results = verdicts(pattern, [
      { source: 's', detail: { state: 'running' } },
      { source: 's' },
      { source: 's', state: 'running' },
      { source: 's', detail: { nested: { state: 'running' } } },
    ]);

    // Assess
    expect(results).toEqual([true, false, false, false]);
  });
});

describe('EventBridge matcher: exact values', () => {
  it('is type-strict across strings, numbers, booleans and null', () => {
    // Prepare
    const pattern = { v: ['300', 7, true, null] };

    // Act
    const results = verdicts(pattern, [
      { v: '300' },
      { v: 300 },
      { v: 7 },
      { v: '7' },
      { v: true },
      { v: 'true' },
      { v: false },
      { v: null },
      { v: 'null' },
    ]);

    // Assess
    expect(results).toEqual([true, false, true, false, true, false, false, true, false]);
  });

  it('matches numbers by value: 300 equals 300.0 and 3.0e2 [LS number_comparison_float]', () => {
    // Prepare
    const compiled = compilePattern('{"n": [3.0e2]}');

    // Act
    const results = [
      compiled.matches(JSON.parse('{"n": 300.0}')),
      compiled.matches({ n: 300 }),
      compiled.matches({ n: 301 }),
    ];

    // Assess
    expect(results).toEqual([true, true, false]);
  });

  it('keeps large account numbers exact', () => {
    // Prepare
    const pattern = { account: ['123456789012'], detail: { n: [123456789012] } };

    // Act
    const results = verdicts(pattern, [
      { account: '123456789012', detail: { n: 123456789012 } },
      { account: '123456789013', detail: { n: 123456789012 } },
      { account: '123456789012', detail: { n: 123456789013 } },
    ]);

    // Assess
    expect(results).toEqual([true, false, false]);
  });

  it('compares strings character by character, case-sensitively, without normalising ARNs', () => {
    // Prepare
    const pattern = { resources: ['arn:aws:iam::123456789012:user/alice'] };

    // Act
    const results = verdicts(pattern, [
      { resources: ['arn:aws:iam::123456789012:user/alice'] },
      { resources: ['arn:aws:iam::123456789012:user/Alice'] },
      { resources: ['arn:aws:iam::123456789012:user:alice'] },
      { resources: ['arn:aws:iam::123456789012:user/alice '] },
    ]);

    // Assess
    expect(results).toEqual([true, false, false, false]);
  });

  it('matches an exact IPv6 address in any notation, as Ruler turns it into a one-address range', () => {
    // Prepare
    const pattern = { ip: ['2001:db8::1'] };

    // Act
    const results = verdicts(pattern, [
      { ip: '2001:db8::1' },
      { ip: '2001:0DB8:0:0:0:0:0:1' },
      { ip: '2001:db8::2' },
      { ip: 'x2001:db8::1' },
    ]);

    // Assess
    expect(results).toEqual([true, true, false, false]);
  });

  it('tells null, the empty string and a missing field apart [EB-DOC null values]', () => {
    // Prepare
    const nullPattern = { f: [null] };
    const emptyPattern = { f: [''] };
    const events = [{ f: null }, { f: '' }, {}, { f: 'null' }];

    // Act
    const nullResults = verdicts(nullPattern, events);
    const emptyResults = verdicts(emptyPattern, events);

    // Assess
    expect(nullResults).toEqual([true, false, false, false]);
    expect(emptyResults).toEqual([false, true, false, false]);
  });
});

describe('EventBridge matcher: arrays', () => {
  it('matches when the pattern list and the event array intersect [LS arrays]', () => {
    // Prepare
    const pattern = { resources: ['a', 'b'] };

    // Act
    const results = verdicts(pattern, [
      { resources: ['x', 'b'] },
      { resources: ['x', 'y'] },
      { resources: [] },
    ]);

    // Assess
    expect(results).toEqual([true, false, false]);
  });

  it('applies operators to any element, including nested arrays', () => {
    // Prepare
    const pattern = { v: [{ numeric: ['>', 10] }], w: [{ prefix: 'ab' }] };

    // Act
    const results = verdicts(pattern, [
      { v: [1, 20], w: ['x', 'abc'] },
      { v: [1, [2, [30]]], w: [['abc']] },
      { v: [1, 2], w: ['abc'] },
    ]);

    // Assess
    expect(results).toEqual([true, true, false]);
  });

  it('crushes arrays of objects, also several levels deep [RULER JSON Array Matching]', () => {
    // Prepare
    const pattern = { employees: { firstName: ['Peter'] } };
    const nested = {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones' }],
      ],
    };

    // Act
    const result = matchesPattern(pattern, nested);

    // Assess
    expect(result).toBe(true);
  });

  it('requires all fields of an object node within the same array element [RULER rulesForJSONEvent]', () => {
    // Prepare
    const pattern = { employees: { firstName: ['Anna'], lastName: ['Jones'] } };
    const event = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };

    // Act
    const mixed = matchesPattern(pattern, event);
    const same = matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, event);

    // Assess
    expect(mixed).toBe(false);
    expect(same).toBe(true);
  });

  it('keeps the same-element rule for deeper fields and for $or branches', () => {
    // Prepare: a.b and a.c must come from the same element of `a`
    const pattern = { a: { b: ['1'] }, $or: [{ a: { c: ['2'] } }, { d: ['3'] }] };

    // Act
    const results = verdicts(pattern, [
      { a: [{ b: '1' }, { c: '2' }] },
      { a: [{ b: '1', c: '2' }] },
      { a: [{ b: '1' }, { c: '2' }], d: '3' },
    ]);

    // Assess
    expect(results).toEqual([false, true, true]);
  });

  it('reads Security Hub findings through the one-element findings array', () => {
    // Prepare
    const pattern = {
      source: ['aws.securityhub'],
      detail: { findings: { Workflow: { Status: ['NEW'] }, RecordState: ['ACTIVE'] } },
    };
    const finding = (status: string, state: string): unknown => ({
      source: 'aws.securityhub',
      detail: { findings: [{ Workflow: { Status: status }, RecordState: state }] },
    });

    // Act
    const results = verdicts(pattern, [
      finding('NEW', 'ACTIVE'),
      finding('NOTIFIED', 'ACTIVE'),
      finding('NEW', 'ARCHIVED'),
    ]);

    // Assess
    expect(results).toEqual([true, false, false]);
  });

  it('treats a scalar where an object is expected as an absent subtree', () => {
    // Prepare
    const pattern = { a: { b: [{ exists: false }] } };
    const present = { a: { b: [{ exists: true }] } };

    // Act
    const absent = verdicts(pattern, [{ a: 5 }, { a: [1, 2] }, { a: [] }, { a: [{ b: 1 }] }]);
    const exists = verdicts(present, [{ a: 5 }, { a: [{ c: 1 }, { b: null }] }]);

    // Assess
    expect(absent).toEqual([true, true, true, false]);
    expect(exists).toEqual([false, true]);
  });
});

describe('EventBridge matcher: dot-joined keys', () => {
  it('treats nested and dotted pattern keys as the same field [LS dot_joining_pattern, dot_joining_event]', () => {
    // Prepare
    const nested = { detail: { state: { status: ['running'] } } };
    const dotted = { detail: { 'state.status': ['running'] } };
    const topDotted = { 'detail.state.status': ['running'] };
    const events = [
      { detail: { state: { status: 'running' } } },
      { detail: { 'state.status': 'running' } },
      { 'detail.state': { status: 'running' } },
      { 'detail.state.status': 'running' },
      { detail: { state: { status: 'stopped' } } },
    ];

    // Act
    const results = [nested, dotted, topDotted].map((pattern) => verdicts(pattern, events));

    // Assess
    for (const result of results) expect(result).toEqual([true, true, true, true, false]);
  });

  it('lets the later of two spellings of one field win', () => {
    // Prepare
    const pattern = { a: { b: ['first'] }, 'a.b': ['second'] };

    // Act
    const results = verdicts(pattern, [{ a: { b: 'second' } }, { a: { b: 'first' } }]);

    // Assess
    expect(results).toEqual([true, false]);
  });

  it('honours exists:false through dotted event keys', () => {
    // Prepare
    const pattern = { detail: { state: { status: [{ exists: false }] } } };

    // Act
    const results = verdicts(pattern, [
      { detail: { 'state.status': 'x' } },
      { detail: { 'state.other': 'x' } },
    ]);

    // Assess
    expect(results).toEqual([false, true]);
  });

  it('allows a field to be both a leaf and a parent', () => {
    // Prepare: "a" (a leaf) and "a.b" are different fields
    const pattern = { a: [{ exists: false }], 'a.b': ['x'] };

    // Act
    const results = verdicts(pattern, [{ a: { b: 'x' } }, { 'a.b': 'x' }, { a: 'y', 'a.b': 'x' }]);

    // Assess
    expect(results).toEqual([true, true, false]);
  });
});

describe('EventBridge matcher: prefix and suffix', () => {
  it('matches strings by prefix, never numbers [LS content_prefix, content_prefix_NEG]', () => {
    // Prepare
    const pattern = { time: [{ prefix: '2017-10-02' }] };

    // Act
    const results = verdicts(pattern, [
      { time: '2017-10-02T18:43:48Z' },
      { time: '2017-10-03T18:43:48Z' },
      { time: 20171002 },
      { time: null },
    ]);

    // Assess
    expect(results).toEqual([true, false, false, false]);
  });

  it('matches any string with an empty prefix or suffix [LS content_prefix_empty, content_suffix_empty]', () => {
    // Prepare
    const pattern = { a: [{ prefix: '' }], b: [{ suffix: '' }] };

    // Act
    const results = verdicts(pattern, [
      { a: '', b: 'x' },
      { a: 'x', b: 0 },
    ]);

    // Assess
    expect(results).toEqual([true, false]);
  });

  it('matches suffixes case-sensitively unless equals-ignore-case is used [LS content_suffix_ignorecase]', () => {
    // Prepare
    const strict = { FileName: [{ suffix: '.png' }] };
    const relaxed = { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] };
    const events = [{ FileName: 'a.png' }, { FileName: 'a.PNG' }, { FileName: 'a.pngx' }];

    // Act
    const strictResults = verdicts(strict, events);
    const relaxedResults = verdicts(relaxed, events);

    // Assess
    expect(strictResults).toEqual([true, false, false]);
    expect(relaxedResults).toEqual([true, true, false]);
  });

  it('matches prefixes ignoring case [LS content_prefix_ignorecase]', () => {
    // Prepare
    const pattern = { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] };

    // Act
    const results = verdicts(pattern, [
      { service: 'eventbridge' },
      { service: 'EVENTBRIDGE' },
      { service: 'Event' },
    ]);

    // Assess
    expect(results).toEqual([true, true, false]);
  });

  it('treats regular-expression characters literally', () => {
    // Prepare
    const pattern = {
      a: [{ prefix: { 'equals-ignore-case': 'a.b(' } }],
      b: [{ 'equals-ignore-case': '$x^' }],
    };

    // Act
    const results = verdicts(pattern, [
      { a: 'A.B(c', b: '$X^' },
      { a: 'axb(c', b: '$X^' },
    ]);

    // Assess
    expect(results).toEqual([true, false]);
  });
});

describe('EventBridge matcher: equals-ignore-case', () => {
  it('matches strings ignoring case, including non-ASCII letters [LS content_ignorecase]', () => {
    // Prepare
    const pattern = { name: [{ 'equals-ignore-case': 'ÉLODIE' }] };

    // Act
    const results = verdicts(pattern, [
      { name: 'élodie' },
      { name: 'Élodie' },
      { name: 'elodie' },
      { name: 5 },
    ]);

    // Assess
    expect(results).toEqual([true, true, false, false]);
  });

  it('matches only the empty string with an empty operand [LS content_ignorecase_empty]', () => {
    // Prepare
    const pattern = { s: [{ 'equals-ignore-case': '' }] };

    // Act
    const results = verdicts(pattern, [{ s: '' }, { s: ' ' }, { s: null }]);

    // Assess
    expect(results).toEqual([true, false, false]);
  });
});

describe('EventBridge matcher: wildcard', () => {
  it('matches zero or more characters per star [LS content_wildcard_*]', () => {
    // Prepare
    const pattern = { key: [{ wildcard: '*/lib/*.png' }] };

    // Act
    const results = verdicts(pattern, [
      { key: '/lib/.png' },
      { key: 'usr/lib/a/b.png' },
      { key: 'usr/lib/a.png.bak' },
      { key: 'usr/bin/a.png' },
      { key: 5 },
    ]);

    // Assess
    expect(results).toEqual([true, true, false, false, false]);
  });

  it('does not let a prefix and a suffix overlap', () => {
    // Prepare
    const pattern = { key: [{ wildcard: 'ab*ba' }] };

    // Act
    const results = verdicts(pattern, [{ key: 'aba' }, { key: 'abba' }, { key: 'abxba' }]);

    // Assess
    expect(results).toEqual([false, true, true]);
  });

  it('supports escaped stars and backslashes', () => {
    // Prepare: the JSON text "a\\*b*" is the wildcard a\*b* — a literal star, then a wildcard
    const literalStar = compilePattern('{"key": [{"wildcard": "a\\\\*b*"}]}');
    const literalBackslash = compilePattern('{"key": [{"wildcard": "a\\\\\\\\*"}]}');

    // Act
    const starResults = [literalStar.matches({ key: 'a*bcd' }), literalStar.matches({ key: 'axbcd' })];
    const backslashResults = [
      literalBackslash.matches({ key: 'a\\tail' }),
      literalBackslash.matches({ key: 'atail' }),
    ];

    // Assess
    expect(starResults).toEqual([true, false]);
    expect(backslashResults).toEqual([true, false]);
  });

  it('matches only the empty string with an empty wildcard [LS content_wildcard_empty_NEG]', () => {
    // Prepare
    const pattern = { s: [{ wildcard: '' }] };

    // Act
    const results = verdicts(pattern, [{ s: '' }, { s: 'x' }]);

    // Assess
    expect(results).toEqual([true, false]);
  });

  it('accepts realistic ARN wildcards and several single-star alternatives', () => {
    // Prepare
    const arn = { resources: [{ wildcard: 'arn:aws:securityhub:*:*:action/custom/Cordon*' }] };
    const files = {
      key: [{ wildcard: '*.bif' }, { wildcard: '*.tiff' }, { wildcard: '*.tif' }, { wildcard: '*.svs' }],
    };

    // Act
    const arnResults = verdicts(arn, [
      { resources: ['arn:aws:securityhub:eu-west-1:111122223333:action/custom/CordonApprove'] },
      { resources: ['arn:aws:securityhub:eu-west-1:111122223333:action/custom/Other'] },
    ]);
    const fileResults = verdicts(files, [{ key: 'x.tif' }, { key: 'x.svs' }, { key: 'x.png' }]);

    // Assess
    expect(arnResults).toEqual([true, false]);
    expect(fileResults).toEqual([true, true, false]);
  });
});

describe('EventBridge matcher: anything-but', () => {
  it('excludes listed strings and matches null and other types [LS content_anything_but_string_null]', () => {
    // Prepare
    const pattern = { state: [{ 'anything-but': ['stopped', 'overloaded'] }] };

    // Act
    const results = verdicts(pattern, [
      { state: 'running' },
      { state: 'stopped' },
      { state: null },
      { state: 5 },
      { state: true },
      {},
    ]);

    // Assess
    expect(results).toEqual([true, false, true, true, true, false]);
  });

  it('excludes listed numbers by value, including 0 [LS content_anything_but_number_zero]', () => {
    // Prepare
    const pattern = { n: [{ 'anything-but': [0, 100] }] };

    // Act
    const results = verdicts(pattern, [{ n: 0 }, { n: 100.0 }, { n: 1 }, { n: '0' }]);

    // Assess
    expect(results).toEqual([false, false, true, true]);
  });

  it('on an array, matches when any element is not excluded, and never an empty array', () => {
    // Prepare
    const pattern = { s: [{ 'anything-but': 'x' }] };

    // Act
    const results = verdicts(pattern, [{ s: ['x', 'y'] }, { s: ['x', 'x'] }, { s: [] }, { s: [{ a: 1 }] }]);

    // Assess
    expect(results).toEqual([true, false, false, false]);
  });

  it('does not match a missing field in any form [LS content_anything_*_missing_NEG]', () => {
    // Prepare
    const patterns = [
      { a: [{ 'anything-but': 'x' }] },
      { a: [{ 'anything-but': [1, 2] }] },
      { a: [{ 'anything-but': { prefix: 'x' } }] },
      { a: [{ 'anything-but': { suffix: ['x', 'y'] } }] },
      { a: [{ 'anything-but': { 'equals-ignore-case': 'x' } }] },
      { a: [{ 'anything-but': { wildcard: 'x*' } }] },
    ];

    // Act
    const missing = patterns.map((pattern) => matchesPattern(pattern, { b: 'z' }));
    const nulls = patterns.map((pattern) => matchesPattern(pattern, { a: null }));

    // Assess
    expect(missing).toEqual([false, false, false, false, false, false]);
    expect(nulls).toEqual([true, true, true, true, true, true]);
  });

  it('excludes prefixes and suffixes, single or listed [LS content_anything_prefix_list, content_anything_suffix]', () => {
    // Prepare
    const prefix = { s: [{ 'anything-but': { prefix: ['init', 'error'] } }] };
    const suffix = { s: [{ 'anything-but': { suffix: '.txt' } }] };

    // Act
    const prefixResults = verdicts(prefix, [
      { s: 'initializing' },
      { s: 'error-1' },
      { s: 'running' },
      { s: 12 },
    ]);
    const suffixResults = verdicts(suffix, [{ s: 'a.txt' }, { s: 'a.png' }]);

    // Assess
    expect(prefixResults).toEqual([false, false, true, true]);
    expect(suffixResults).toEqual([false, true]);
  });

  it('excludes values ignoring case [LS content_anything_but_ignorecase_list]', () => {
    // Prepare
    const pattern = { s: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'Overloaded'] } }] };

    // Act
    const results = verdicts(pattern, [{ s: 'STOPPED' }, { s: 'overloaded' }, { s: 'Running' }]);

    // Assess
    expect(results).toEqual([false, false, true]);
  });

  it('excludes wildcard matches, and an empty wildcard excludes only the empty string [LS content_anything_wildcard_empty]', () => {
    // Prepare
    const pattern = { s: [{ 'anything-but': { wildcard: ['*/lib/*', '*.tmp'] } }] };
    const empty = { s: [{ 'anything-but': { wildcard: '' } }] };

    // Act
    const results = verdicts(pattern, [{ s: '/usr/lib/x' }, { s: 'a.tmp' }, { s: '/usr/bin/x' }, { s: 7 }]);
    const emptyResults = verdicts(empty, [{ s: '' }, { s: 'x' }]);

    // Assess
    expect(results).toEqual([false, false, true, true]);
    expect(emptyResults).toEqual([false, true]);
  });
});

describe('EventBridge matcher: numeric', () => {
  it('applies lower and upper bounds with open and closed ends [LS content_numeric_and]', () => {
    // Prepare
    const pattern = { n: [{ numeric: ['>', 0, '<=', 5] }] };
    const closedOpen = { n: [{ numeric: ['>=', 0, '<', 5] }] };

    // Act
    const results = verdicts(pattern, [{ n: 0 }, { n: 0.0001 }, { n: 5 }, { n: 5.0001 }]);
    const closedOpenResults = verdicts(closedOpen, [{ n: 0 }, { n: 5 }, { n: -1 }]);

    // Assess
    expect(results).toEqual([false, true, true, false]);
    expect(closedOpenResults).toEqual([true, false, false]);
  });

  it('supports =, single upper bounds and scientific notation', () => {
    // Prepare
    const equals = { n: [{ numeric: ['=', 3.018e2] }] };
    const below = { n: [{ numeric: ['<', 10] }] };
    const atMost = { n: [{ numeric: ['<=', -5e9] }] };

    // Act
    const results = [
      matchesPattern(equals, { n: 301.8 }),
      matchesPattern(equals, { n: 301.9 }),
      matchesPattern(below, { n: 9.999 }),
      matchesPattern(below, { n: 10 }),
      matchesPattern(atMost, { n: -5e9 }),
    ];

    // Assess
    expect(results).toEqual([true, false, true, false, true]);
  });

  it('matches JSON numbers only, never null, strings or booleans [LS numeric-null_NEG, numeric-string_NEG]', () => {
    // Prepare
    const pattern = { n: [{ numeric: ['>=', 0] }] };

    // Act
    const results = verdicts(pattern, [{ n: null }, { n: '5' }, { n: true }, {}, { n: 1 }]);

    // Assess
    expect(results).toEqual([false, false, false, false, true]);
  });

  it('filters GuardDuty severity', () => {
    // Prepare
    const pattern = { source: ['aws.guardduty'], detail: { severity: [{ numeric: ['>=', 7] }] } };

    // Act
    const results = verdicts(pattern, [
      { source: 'aws.guardduty', detail: { severity: 8 } },
      { source: 'aws.guardduty', detail: { severity: 6.9 } },
    ]);

    // Assess
    expect(results).toEqual([true, false]);
  });
});

describe('EventBridge matcher: cidr', () => {
  it('matches IPv4 addresses inside the block [LS content_ip_address]', () => {
    // Prepare
    const pattern = { ip: [{ cidr: '10.0.0.0/24' }] };

    // Act
    const results = verdicts(pattern, [
      { ip: '10.0.0.0' },
      { ip: '10.0.0.255' },
      { ip: '10.0.1.0' },
      { ip: '9.255.255.255' },
      { ip: 'not-an-ip' },
      { ip: '10.0.0' },
      { ip: 167772161 },
    ]);

    // Assess
    expect(results).toEqual([true, true, false, false, false, false, false]);
  });

  it('handles /0, /8 and high addresses without sign problems', () => {
    // Prepare
    const all = { ip: [{ cidr: '0.0.0.0/0' }] };
    const high = { ip: [{ cidr: '200.1.0.0/16' }] };

    // Act
    const results = [
      matchesPattern(all, { ip: '255.255.255.255' }),
      matchesPattern(high, { ip: '200.1.255.254' }),
      matchesPattern(high, { ip: '200.2.0.1' }),
    ];

    // Assess
    expect(results).toEqual([true, true, false]);
  });

  it('matches IPv6 addresses in any notation [LS content_ip_address_v6]', () => {
    // Prepare
    const pattern = { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] };
    const odd = { ip: [{ cidr: '2001:db8::/33' }] };

    // Act
    const results = verdicts(pattern, [
      { ip: '2001:db8:1234:1a00::1' },
      { ip: '2001:0DB8:1234:1A00:0000:0000:0000:0001' },
      { ip: '2001:db8:1234:1a01::1' },
      { ip: '10.0.0.1' },
    ]);
    const oddResults = verdicts(odd, [{ ip: '2001:db8:7fff::1' }, { ip: '2001:db8:8000::1' }]);

    // Assess
    expect(results).toEqual([true, true, false, false]);
    expect(oddResults).toEqual([true, false]);
  });

  it('matches any element of an array of addresses', () => {
    // Prepare
    const pattern = { ips: [{ cidr: '192.168.0.0/16' }] };

    // Act
    const result = matchesPattern(pattern, { ips: ['10.0.0.1', '192.168.4.2'] });

    // Assess
    expect(result).toBe(true);
  });
});

describe('EventBridge matcher: exists', () => {
  it('exists:true matches any leaf value, null included, and nothing else', () => {
    // Prepare
    const pattern = { f: [{ exists: true }] };

    // Act
    const results = verdicts(pattern, [
      { f: 'x' },
      { f: 0 },
      { f: false },
      { f: null },
      { f: [1] },
      { f: [] },
      { f: { g: 1 } },
      {},
    ]);

    // Assess
    expect(results).toEqual([true, true, true, true, true, false, false, false]);
  });

  it('exists:false matches absent leaves, object values and empty arrays [RULER exists, LS content_exists_false]', () => {
    // Prepare
    const pattern = { detail: { 'c-count': [{ exists: false }] } };

    // Act
    const results = verdicts(pattern, [
      { detail: { state: 'x' } },
      { detail: { 'c-count': { c1: 100 } } },
      { detail: { 'c-count': [] } },
      {},
      { detail: { 'c-count': null } },
      { detail: { 'c-count': 0 } },
    ]);

    // Assess
    expect(results).toEqual([true, true, true, true, false, false]);
  });

  it('excludes GuardDuty sample findings with exists:false', () => {
    // Prepare
    const pattern = {
      source: ['aws.guardduty'],
      detail: { service: { additionalInfo: { sample: [{ exists: false }] } } },
    };

    // Act
    const results = verdicts(pattern, [
      { source: 'aws.guardduty', detail: { service: { additionalInfo: { sample: true } } } },
      { source: 'aws.guardduty', detail: { service: { additionalInfo: { value: '{}' } } } },
      { source: 'aws.guardduty', detail: {} },
    ]);

    // Assess
    expect(results).toEqual([false, true, true]);
  });
});

describe('EventBridge matcher: $or', () => {
  it('ORs alternatives and ANDs them with sibling fields [RULER $or]', () => {
    // Prepare
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }],
    };

    // Act
    const results = verdicts(pattern, [
      { source: 'aws.cloudwatch', metricName: 'CPUUtilization' },
      { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' },
      { source: 'aws.cloudwatch', metricType: 'MetricType' },
      { source: 'aws.other', metricName: 'CPUUtilization' },
    ]);

    // Assess
    expect(results).toEqual([true, true, false, false]);
  });

  it('supports parallel and nested $or at any level', () => {
    // Prepare
    const pattern = {
      $or: [{ a: ['1'] }, { b: ['2'] }],
      detail: {
        $or: [{ c: ['3'] }, { d: ['4'], $or: [{ e: [5] }, { f: [6] }] }],
      },
    };

    // Act
    const results = verdicts(pattern, [
      { a: '1', detail: { c: '3' } },
      { b: '2', detail: { d: '4', f: 6 } },
      { b: '2', detail: { d: '4' } },
      { detail: { c: '3' } },
    ]);

    // Assess
    expect(results).toEqual([true, true, false, false]);
  });

  it('reads $or as a plain field name when it is an object or lists operators [RULER backward compatibility]', () => {
    // Prepare
    const objectForm = { $or: { metricType: ['MetricType'] } };
    const operatorList = { $or: [{ prefix: 'a' }, { suffix: 'z' }] };

    // Act
    const objectResults = verdicts(objectForm, [
      { $or: { metricType: 'MetricType' } },
      { metricType: 'MetricType' },
    ]);
    const operatorResults = verdicts(operatorList, [{ $or: 'abc' }, { $or: 'xyz' }, { $or: 'mmm' }]);

    // Assess
    expect(objectResults).toEqual([true, false]);
    expect(operatorResults).toEqual([true, true, false]);
  });
});

describe('EventBridge matcher: several matchers on one field', () => {
  it('ORs exact values and operators in one list [LS operator_multiple_list]', () => {
    // Prepare
    const pattern = { f: ['exact', { prefix: 'pre' }, { numeric: ['>', 100] }, { exists: false }] };

    // Act
    const results = verdicts(pattern, [
      { f: 'exact' },
      { f: 'prefixed' },
      { f: 101 },
      {},
      { f: 'other' },
      { f: 50 },
    ]);

    // Assess
    expect(results).toEqual([true, true, true, true, false, false]);
  });
});

describe('EventBridge matcher: hostile input', () => {
  it('matches __proto__ and constructor keys as ordinary own fields', () => {
    // Prepare
    const pattern = compilePattern('{"__proto__": {"polluted": ["yes"]}, "constructor": ["c"]}');
    const event = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": "c"}') as unknown;

    // Act
    const own = pattern.matches(event);
    const inherited = pattern.matches({});
    const toStringOnly = matchesPattern({ toString: [{ exists: true }] }, {});

    // Assess
    expect(own).toBe(true);
    expect(inherited).toBe(false);
    expect(toStringOnly).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never consults inherited properties for exists:false', () => {
    // Prepare
    const pattern = { constructor: [{ exists: false }], hasOwnProperty: [{ exists: false }] };

    // Act
    const result = matchesPattern(pattern, {});

    // Assess
    expect(result).toBe(true);
  });
});

describe('EventBridge matcher: sample events', () => {
  it('delivers the shared GuardDuty sample events to a GuardDuty rule', () => {
    // Prepare
    const files = [
      'guardduty-ec2-backdoor-ccactivity-b-dns.custodian.json',
      'guardduty-ec2-ssh-bruteforce.envelope-assembled.json',
      'guardduty-iam-accesskey-toripcaller.custodian.json',
    ];
    const events = files.map(
      (file) => JSON.parse(readFileSync(new URL(`../events/${file}`, import.meta.url), 'utf8')) as unknown,
    );
    const rule = compilePattern({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: { severity: [{ numeric: ['>', 0] }], type: [{ wildcard: '*/*' }] },
    });

    // Act
    const results = events.map((event) => rule.matches(event));

    // Assess
    expect(results).toEqual([true, true, true]);
  });
});
