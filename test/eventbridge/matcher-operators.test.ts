import { describe, expect, it } from 'vitest';
import { compilePattern, matchesPattern } from '../../functions/lib/eventbridge/matcher.js';
import { verdicts } from './support.js';

/**
 * Operator-by-operator semantics (prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, cidr,
 * exists, $or) from /work/shared/reference/eventbridge-patterns.md; the API, exact values, arrays and hostile
 * input are in matcher.test.ts. Test names cite the AWS-validated LocalStack case ([LS ...]) or the Event Ruler
 * README section ([RULER ...]) where one exists.
 */

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
