import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePattern, evaluateMatch, matchesPattern } from '../../functions/lib/eventbridge/matcher.js';
import { verdicts } from './support.js';

/**
 * Operator-by-operator semantics from /work/shared/reference/eventbridge-patterns.md. Test names cite the
 * AWS-validated LocalStack case ([LS ...]) or the Event Ruler README section ([RULER ...]) where one exists.
 */

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
