import { describe, expect, it } from 'vitest';
import { CordonError, InvalidEventPatternError } from '../../functions/lib/errors.js';
import { compilePattern } from '../../functions/lib/eventbridge/matcher.js';

/**
 * Every pattern AWS rejects, with the exact reason AWS returns (the text after "Event pattern is not valid.
 * Reason: "). Sources: LocalStack's AWS-validated snapshots ([LS name_EXC]) and Event Ruler's JsonRuleCompiler.
 */
const rejected: { name: string; pattern: unknown; message: string }[] = [
  // Structure
  {
    name: 'int leaf [LS int_nolist_EXC]',
    pattern: { int: 42 },
    message: '"int" must be an object or an array',
  },
  {
    name: 'string leaf [LS string_nolist_EXC]',
    pattern: { string: 'my-value' },
    message: '"string" must be an object or an array',
  },
  { name: 'null leaf', pattern: { detail: { a: null } }, message: '"a" must be an object or an array' },
  {
    name: 'empty array [LS arrays_empty_EXC]',
    pattern: { resources: [] },
    message: 'Empty arrays are not allowed',
  },
  { name: 'empty pattern', pattern: {}, message: 'Empty objects are not allowed' },
  { name: 'empty nested object', pattern: { detail: {} }, message: 'Empty objects are not allowed' },
  {
    name: 'pattern is an array [LS invalid json]',
    pattern: ['not', 'a', 'dict'],
    message: 'Filter is not an object',
  },
  { name: 'pattern is a number', pattern: 42, message: 'Filter is not an object' },
  {
    name: 'nested array value',
    pattern: { a: [['x']] },
    message: 'Match value must be String, number, true, false, or null',
  },
  { name: 'empty match expression', pattern: { a: [{}] }, message: 'Match expression name not found' },
  {
    name: 'operator casing NUMERIC [LS content_numeric_operatorcasing_EXC]',
    pattern: { detail: { equal: [{ NUMERIC: ['=', 5] }] } },
    message: 'Unrecognized match type NUMERIC',
  },
  {
    name: 'operator casing EXISTS [LS operator_case_sensitive_EXC]',
    pattern: { my_key: [{ EXISTS: true }] },
    message: 'Unrecognized match type EXISTS',
  },
  {
    name: 'two operators in one expression',
    pattern: { a: [{ prefix: 'a', suffix: 'b' }] },
    message: 'Only one key allowed in match expression',
  },
  // prefix / suffix / equals-ignore-case
  {
    name: 'prefix list [LS content_prefix_list_EXC]',
    pattern: { time: [{ prefix: ['2022-07-13'] }] },
    message: 'prefix match pattern must be a string',
  },
  {
    name: 'prefix int [LS content_prefix_int_EXC]',
    pattern: { time: [{ prefix: 123 }] },
    message: 'prefix match pattern must be a string',
  },
  {
    name: 'suffix int [LS content_suffix_int_EXC]',
    pattern: { FileName: [{ suffix: 123 }] },
    message: 'suffix match pattern must be a string',
  },
  {
    name: 'suffix list [LS content_suffix_list_EXC]',
    pattern: { FileName: [{ suffix: ['.png'] }] },
    message: 'suffix match pattern must be a string',
  },
  {
    name: 'prefix with an unsupported nested operator',
    pattern: { a: [{ prefix: { wildcard: 'x*' } }] },
    message: 'Unsupported prefix pattern: wildcard',
  },
  {
    name: 'prefix ignore-case with a number',
    pattern: { a: [{ prefix: { 'equals-ignore-case': 5 } }] },
    message: 'equals-ignore-case match pattern must be a string',
  },
  {
    name: 'equals-ignore-case list [LS content_ignorecase_EXC]',
    pattern: { 'detail-type': [{ 'equals-ignore-case': ['ec2 instance state-change notification'] }] },
    message: 'equals-ignore-case match pattern must be a string',
  },
  {
    name: 'equals-ignore-case of prefix [LS content_ignorecase_list_EXC]',
    pattern: { 'detail-type': [{ 'equals-ignore-case': { prefix: 'ec2' } }] },
    message: 'equals-ignore-case match pattern must be a string',
  },
  // wildcard
  {
    name: 'wildcard consecutive stars [LS content_wildcard_repeating_star_EXC]',
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:**:event-bus/*' }] },
    message: 'Consecutive wildcard characters at pos 26',
  },
  {
    name: 'wildcard consecutive stars (Ruler unit test)',
    pattern: { key: [{ wildcard: 'abc**def' }] },
    message: 'Consecutive wildcard characters at pos 4',
  },
  {
    name: 'wildcard too complex [LS content_wildcard_complex_EXC]',
    pattern: { EventBusArn: [{ wildcard: '*:*:*:*:*:event-bus/*' }] },
    message:
      'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
  },
  {
    name: 'wildcard alternatives too complex together on one field',
    pattern: {
      key: [
        { wildcard: '*/datasync/*.bif' },
        { wildcard: '*/datasync/*.tiff' },
        { wildcard: '*/datasync/*.tif' },
        { wildcard: '*/datasync/*.svs' },
      ],
    },
    message:
      'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
  },
  {
    name: 'wildcard int [LS content_wildcard_int_EXC]',
    pattern: { EventBusArn: [{ wildcard: 123 }] },
    message: 'wildcard match pattern must be a string',
  },
  {
    name: 'wildcard list [LS content_wildcard_list_EXC]',
    pattern: { EventBusArn: [{ wildcard: ['arn:*'] }] },
    message: 'wildcard match pattern must be a string',
  },
  {
    name: 'wildcard invalid escape',
    pattern: { key: [{ wildcard: 'a\\bc' }] },
    message: 'Invalid escape character at pos 2',
  },
  {
    name: 'wildcard trailing backslash',
    pattern: { key: [{ wildcard: 'abc\\' }] },
    message: 'Invalid escape character at pos 4',
  },
  // anything-but
  {
    name: 'anything-but null [LS content_anything_but_string_null_type_EXC]',
    pattern: { detail: { state: [{ 'anything-but': null }] } },
    message: 'Value of anything-but must be an array or single string/number value.',
  },
  {
    name: 'anything-but boolean',
    pattern: { detail: { state: [{ 'anything-but': true }] } },
    message: 'Value of anything-but must be an array or single string/number value.',
  },
  {
    name: 'anything-but list with null [LS content_anything_but_string_list_null_type_EXC]',
    pattern: { detail: { state: [{ 'anything-but': ['a', null] }] } },
    message: 'Inside anything but list, start|null|boolean is not supported.',
  },
  {
    name: 'anything-but mixed list',
    pattern: { detail: { state: [{ 'anything-but': ['a', 1] }] } },
    message: 'Inside anything but list, either all values are number or string, mixed type is not supported',
  },
  {
    name: 'anything-but prefix ignore-case [LS content_anything_prefix_ignorecase_EXC]',
    pattern: { detail: { FileName: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'file' } } }] } },
    message: 'Value of anything-but must be an array or single string/number value.',
  },
  {
    name: 'anything-but suffix ignore-case [LS content_anything_suffix_ignorecase_EXC]',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: { 'equals-ignore-case': '.png' } } }] } },
    message: 'Value of anything-but must be an array or single string/number value.',
  },
  {
    name: 'anything-but prefix int [LS content_anything_prefix_int_EXC]',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 123 } }] } },
    message: 'prefix/suffix match pattern must be a string',
  },
  {
    name: 'anything-but prefix list with int [LS content_anything_prefix_list_type_EXC]',
    pattern: { detail: { state: [{ 'anything-but': { prefix: [123, 'test'] } }] } },
    message: 'prefix/suffix match pattern must be a string',
  },
  {
    name: 'anything-but suffix int [LS content_anything_suffix_int_EXC]',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: 123 } }] } },
    message: 'prefix/suffix match pattern must be a string',
  },
  {
    name: 'anything-but suffix list with int [LS content_anything_suffix_list_type_EXC]',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: [123, '.txt'] } }] } },
    message: 'prefix/suffix match pattern must be a string',
  },
  {
    name: 'anything-but empty prefix [LS content_anything_prefix_empty_EXC]',
    pattern: { detail: { state: [{ 'anything-but': { prefix: '' } }] } },
    message: 'Null prefix/suffix not allowed',
  },
  {
    name: 'anything-but empty suffix [LS content_anything_suffix_empty_EXC]',
    pattern: { detail: { state: [{ 'anything-but': { suffix: '' } }] } },
    message: 'Null prefix/suffix not allowed',
  },
  {
    name: 'anything-but wildcard int [LS content_anything_wildcard_type_EXC]',
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: 123 } }] } },
    message: 'wildcard match pattern must be a string',
  },
  {
    name: 'anything-but wildcard list with int [LS content_anything_wildcard_list_type_EXC]',
    pattern: { detail: { state: [{ 'anything-but': { wildcard: [123, '*/dir/*'] } }] } },
    message: 'wildcard match pattern must be a string',
  },
  {
    name: 'anything-but ignore-case number [LS content_anything_but_ignorecase_EXC]',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 123 } }] } },
    message: 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
  },
  {
    name: 'anything-but ignore-case numbers [LS content_anything_but_ignorecase_list_EXC]',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': [123, 456] } }] } },
    message: 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
  },
  {
    name: 'anything-but numeric form',
    pattern: { a: [{ 'anything-but': { numeric: ['>', 1] } }] },
    message: 'Unsupported anything-but pattern: numeric',
  },
  {
    name: 'anything-but empty object',
    pattern: { a: [{ 'anything-but': {} }] },
    message: 'Anything-But expression name not found',
  },
  // numeric
  {
    name: 'numeric not an array',
    pattern: { a: [{ numeric: 10 }] },
    message: 'Value of numeric must be an array.',
  },
  {
    name: 'numeric bad range operator [LS content_numeric_EXC]',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '>', 0] }] } },
    message: 'Bad numeric range operator: >',
  },
  {
    name: 'numeric missing upper value [LS content_numeric_syntax_EXC]',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<'] }] } },
    message: 'Value of < must be numeric',
  },
  {
    name: 'numeric string operand',
    pattern: { a: [{ numeric: ['>', '5'] }] },
    message: 'Value of > must be numeric',
  },
  {
    name: 'numeric equals string',
    pattern: { a: [{ numeric: ['=', '5'] }] },
    message: 'Value of equals must be numeric',
  },
  {
    name: 'numeric unknown operator',
    pattern: { a: [{ numeric: ['!=', 5] }] },
    message: 'Unrecognized numeric range operator: !=',
  },
  {
    name: 'numeric starts with a number',
    pattern: { a: [{ numeric: [5, '>'] }] },
    message: 'Invalid member in numeric match: 5',
  },
  { name: 'numeric empty', pattern: { a: [{ numeric: [] }] }, message: 'Invalid member in numeric match: ]' },
  {
    name: 'numeric equals with extra terms',
    pattern: { a: [{ numeric: ['=', 5, '<', 6] }] },
    message: 'Too many elements in numeric expression',
  },
  {
    name: 'numeric upper bound only, then more',
    pattern: { a: [{ numeric: ['<', 5, '>', 1] }] },
    message: 'Too many elements in numeric expression',
  },
  {
    name: 'numeric range with extra terms',
    pattern: { a: [{ numeric: ['>', 0, '<', 5, '<', 6] }] },
    message: 'Too many terms in numeric range expression',
  },
  {
    name: 'numeric range with a non-string second operator',
    pattern: { a: [{ numeric: ['>', 0, 5] }] },
    message: 'Bad value in numeric range: 5',
  },
  {
    name: 'numeric inverted range',
    pattern: { a: [{ numeric: ['>', 10, '<', 5] }] },
    message: 'Bottom must be less than top',
  },
  // cidr
  {
    name: 'cidr list [LS content_ip_address_type_EXC]',
    pattern: { detail: { sourceIPAddress: [{ cidr: ['bad-type'] }] } },
    message: 'prefix match pattern must be a string',
  },
  {
    name: 'cidr without mask [LS content_ip_address_EXC]',
    pattern: { ip: [{ cidr: '10.0.0.1' }] },
    message: "Malformed CIDR, one '/' required",
  },
  {
    name: 'cidr bad mask [LS content_ip_address_bad_mask_EXC]',
    pattern: { ip: [{ cidr: '10.0.0.0/xx' }] },
    message: 'Malformed CIDR, mask bits must be an integer',
  },
  {
    name: 'cidr bad IPv4 [LS content_ip_address_bad_ip_EXC]',
    pattern: { ip: [{ cidr: 'xx.11.xx/24' }] },
    message: 'Nonstandard IP address: xx.11.xx',
  },
  {
    name: 'cidr bad IPv6 [LS content_ip_address_v6_bad_ip_EXC]',
    pattern: { ip: [{ cidr: 'xxxx:db8:1234:1a00::/64' }] },
    message: 'Nonstandard IP address: xxxx:db8:1234:1a00::',
  },
  {
    name: 'cidr IPv4 octet out of range',
    pattern: { ip: [{ cidr: '10.0.0.256/24' }] },
    message: 'Nonstandard IP address: 10.0.0.256',
  },
  {
    name: 'cidr IPv4 /32',
    pattern: { ip: [{ cidr: '10.0.0.1/32' }] },
    message: 'IPv4 mask bits must be < 32',
  },
  {
    name: 'cidr IPv6 /128',
    pattern: { ip: [{ cidr: '2001:db8::1/128' }] },
    message: 'IPv6 mask bits must be < 128',
  },
  // exists
  {
    name: 'exists string operand',
    pattern: { a: [{ exists: 'true' }] },
    message: 'exists match pattern must be either true or false.',
  },
  // $or
  {
    name: '$or with one object',
    pattern: { $or: [{ a: ['x'] }] },
    message: 'There must have at least 2 Objects in $or relationship.',
  },
  {
    name: '$or array of operators is a literal field: then the operator must be known',
    pattern: { $or: [{ a: ['x'] }, { prefix: 'y' }, { b: ['z'] }] },
    message: 'Unrecognized match type a',
  },
];

describe('EventBridge matcher: rejected patterns', () => {
  it.each(rejected)('rejects $name', ({ pattern, message }) => {
    // Prepare: the invalid pattern, as an object and as the JSON text a rule file holds
    const text = JSON.stringify(pattern);

    // Act
    const fromObject = (): unknown => compilePattern(pattern);
    const fromText = (): unknown => compilePattern(text);

    // Assess
    expect(fromObject).toThrow(InvalidEventPatternError);
    expect(fromObject).toThrow(message);
    expect(fromText).toThrow(message);
  });

  it('uses the exact AWS message, with a stable error code, in the cordon error hierarchy', () => {
    // Prepare
    const pattern = { int: 42 };

    // Act
    let caught: unknown;
    try {
      compilePattern(pattern);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(CordonError);
    expect(caught).toBeInstanceOf(InvalidEventPatternError);
    expect((caught as InvalidEventPatternError).message).toBe('"int" must be an object or an array');
    expect((caught as InvalidEventPatternError).code).toBe('INVALID_EVENT_PATTERN');
  });

  it('rejects text that is not JSON, keeping the parser error as the cause', () => {
    // Prepare
    const text = "{'bad': 'quotation'}";

    // Act
    let caught: unknown;
    try {
      compilePattern(text);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(InvalidEventPatternError);
    expect((caught as Error).message).toMatch(/^Pattern is not valid JSON: /);
    expect((caught as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('rejects a pattern longer than 4096 characters, given as text or as an object', () => {
    // Prepare
    const pattern = { source: ['x'.repeat(4100)] };
    const atLimit = { s: ['y'.repeat(4096 - JSON.stringify({ s: [''] }).length)] };

    // Act
    const long = (): unknown => compilePattern(pattern);
    const longText = (): unknown => compilePattern(JSON.stringify(pattern));
    const exact = compilePattern(JSON.stringify(atLimit));

    // Assess
    expect(long).toThrow(/too long: \d+ characters \(maximum 4096\)/);
    expect(longText).toThrow(InvalidEventPatternError);
    expect(JSON.stringify(atLimit).length).toBe(4096);
    expect(exact.matches({ s: atLimit.s[0] })).toBe(true);
  });

  it('rejects $or expansions beyond 1000 combinations', () => {
    // Prepare: 4 independent $or groups of 6 branches each = 1296 combinations
    const group = (field: string): Record<string, unknown>[] =>
      Array.from({ length: 6 }, (_, i) => ({ [`${field}${i}`]: [i] }));
    const pattern = {
      a: { $or: group('a') },
      b: { $or: group('b') },
      c: { $or: group('c') },
      d: { $or: group('d') },
    };
    const within = { a: { $or: group('a') }, b: { $or: group('b') }, c: { $or: group('c') } };

    // Act
    const tooMany = (): unknown => compilePattern(pattern);
    const allowed = compilePattern(within);

    // Assess
    expect(tooMany).toThrow(/more than 1000 combinations/);
    expect(allowed.matches({ a: { a5: 5 }, b: { b0: 0 }, c: { c3: 3 } })).toBe(true);
    expect(allowed.matches({ a: { a5: 5 }, b: { b0: 1 }, c: { c3: 3 } })).toBe(false);
  });
});
