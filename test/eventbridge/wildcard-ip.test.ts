import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidEventPatternError } from '../../functions/lib/errors.js';
import { compileCidr, parseIPv4, parseIPv6 } from '../../functions/lib/eventbridge/ip.js';
import {
  MAX_WILDCARD_COMPLEXITY,
  parseWildcard,
  wildcardComplexity,
  wildcardMatcher,
} from '../../functions/lib/eventbridge/wildcard.js';

describe('EventBridge wildcard', () => {
  it('splits on unescaped stars and resolves escapes', () => {
    // Prepare
    const source = 'a\\*b*c\\\\d*';

    // Act
    const parsed = parseWildcard(source);

    // Assess
    expect(parsed.pieces).toEqual(['a*b', 'c\\d', '']);
  });

  it('reports positions as UTF-8 byte offsets inside the quoted value, like Ruler', () => {
    // Prepare: "é" is two UTF-8 bytes, so the stars sit at byte 3 of the quoted value
    const source = 'é**';

    // Act
    const parse = (): unknown => parseWildcard(source);

    // Assess
    expect(parse).toThrow(InvalidEventPatternError);
    expect(parse).toThrow('Consecutive wildcard characters at pos 3');
  });

  it('agrees with a reference regular expression on random patterns and values', () => {
    // Prepare: a small alphabet makes overlaps between pieces likely
    const piece = fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 4 });
    const pieces = fc.array(piece, { minLength: 1, maxLength: 4 });
    const value = fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 12 });

    // Act + Assess
    fc.assert(
      fc.property(pieces, value, (parts, text) => {
        const source = parts.join('*').replace(/\*\*+/g, '*');
        const matcher = wildcardMatcher(parseWildcard(source));
        const reference = new RegExp(
          `^${source
            .split('*')
            .map((p) => p.replace(/[/]/g, '\\/'))
            .join('.*')}$`,
          's',
        );
        expect(matcher(text)).toBe(reference.test(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('matches in linear time on adversarial input', () => {
    // Prepare
    const matcher = wildcardMatcher(parseWildcard('*a*a*a*b'));
    const value = 'a'.repeat(100_000);

    // Act
    const miss = matcher(value);
    const hit = matcher(`${value}b`);

    // Assess
    expect(miss).toBe(false);
    expect(hit).toBe(true);
  });

  it.each([
    ['arn:aws:events:us-east-1:*:event-bus/*'],
    ['/Users/*/dir/dir/dir/dir/dir/doc.txt'],
    ['*/lib/*.png'],
  ])('admits %s [LS content_wildcard_* positive cases]', (source) => {
    // Prepare
    const patterns = [parseWildcard(source)];

    // Act
    const complexity = wildcardComplexity(patterns);

    // Assess
    expect(complexity).toBeLessThanOrEqual(MAX_WILDCARD_COMPLEXITY);
  });

  it('admits the finding-type alternatives generated rules use on one field', () => {
    // Prepare: deterministic prefixes share one path, as in Ruler's byte machine
    const guardDuty = [
      'CryptoCurrency:EC2/*',
      'Backdoor:EC2/*',
      'Trojan:EC2/*',
      'UnauthorizedAccess:IAMUser/*',
      'UnauthorizedAccess:EC2/*',
      'Impact:EC2/*',
      'CredentialAccess:IAMUser/*',
      'Exfiltration:S3/*',
    ].map(parseWildcard);
    const asff = [
      'TTPs/*/CryptoCurrency:EC2-*',
      'TTPs/*/Backdoor:EC2-*',
      'TTPs/*/Trojan:EC2-*',
      'TTPs/*/UnauthorizedAccess:IAMUser-*',
    ].map(parseWildcard);

    // Act
    const scores = [guardDuty, asff].map(wildcardComplexity);

    // Assess
    expect(scores[0]).toBeLessThanOrEqual(MAX_WILDCARD_COMPLEXITY);
    expect(scores[1]).toBeLessThanOrEqual(MAX_WILDCARD_COMPLEXITY);
  });

  it('rejects the AWS-rejected *:*:*:*:*:event-bus/* and grows with alternatives on one field', () => {
    // Prepare
    const complex = [parseWildcard('*:*:*:*:*:event-bus/*')];
    const two = ['*/datasync/*.bif', '*/datasync/*.tif'].map(parseWildcard);
    const four = ['*/datasync/*.bif', '*/datasync/*.tiff', '*/datasync/*.tif', '*/datasync/*.svs'].map(
      parseWildcard,
    );

    // Act
    const scores = [complex, two, four].map(wildcardComplexity);

    // Assess
    expect(scores[0]).toBeGreaterThan(MAX_WILDCARD_COMPLEXITY);
    expect(scores[1]).toBeLessThanOrEqual(MAX_WILDCARD_COMPLEXITY);
    expect(scores[2]).toBeGreaterThan(MAX_WILDCARD_COMPLEXITY);
  });
});

describe('EventBridge cidr', () => {
  it('parses IPv4 strictly', () => {
    // Prepare
    const inputs = [
      '0.0.0.0',
      '255.255.255.255',
      '10.0.0.1',
      '256.0.0.1',
      '1.2.3',
      '1.2.3.4.5',
      '1..2.3',
      'a.b.c.d',
      '',
    ];

    // Act
    const parsed = inputs.map(parseIPv4);

    // Assess
    expect(parsed).toEqual([0, 4294967295, 167772161, -1, -1, -1, -1, -1, -1]);
  });

  it('parses IPv6 with and without compression', () => {
    // Prepare
    const out = new Uint16Array(8);
    const valid = ['::', '::1', '1::', '2001:db8::8:800:200c:417a', '1:2:3:4:5:6:7:8', 'fe80::'];
    const invalid = [':', ':1', '1:', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', '1:2:3:4:5:6:7', 'g::1'];

    // Act
    const validResults = valid.map((text) => parseIPv6(text, out));
    const invalidResults = invalid.map((text) => parseIPv6(text, out));
    parseIPv6('2001:db8::8:800:200c:417a', out);

    // Assess
    expect(validResults.every(Boolean)).toBe(true);
    expect(invalidResults.some(Boolean)).toBe(false);
    expect([...out]).toEqual([0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]);
  });

  it('builds range predicates for both families', () => {
    // Prepare
    const v4 = compileCidr('172.16.0.0/12');
    const v6 = compileCidr('fe80::/10');

    // Act
    const results = [
      v4('172.31.255.255'),
      v4('172.32.0.0'),
      v4('fe80::1'),
      v6('febf::1'),
      v6('fec0::1'),
      v6('172.16.0.1'),
    ];

    // Assess
    expect(results).toEqual([true, false, false, true, false, false]);
  });

  it('rejects a negative mask', () => {
    // Prepare
    const cidr = '10.0.0.0/-1';

    // Act
    const compile = (): unknown => compileCidr(cidr);

    // Assess
    expect(compile).toThrow('Malformed CIDR, mask bits must not be negative');
  });
});
