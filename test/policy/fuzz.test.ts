import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../functions/lib/errors.js';
import { evaluatePolicy, loadPolicyFromStrings } from '../../functions/lib/policy/index.js';
import { finding } from './support.js';

/** Load and, when valid, evaluate; the only error allowed out is a PolicyValidationError with positioned issues. */
function loadSafely(text: string): 'valid' | 'invalid' {
  try {
    const policy = loadPolicyFromStrings([{ file: 'fuzz.yaml', text }]);
    evaluatePolicy(policy, finding());
    return 'valid';
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyValidationError);
    const issues = (error as PolicyValidationError).issues;
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) {
      expect(issue.file).toBe('fuzz.yaml');
      expect(issue.line).toBeGreaterThanOrEqual(1);
      expect(issue.col).toBeGreaterThanOrEqual(1);
      expect(issue.message.length).toBeGreaterThan(0);
      expect(issue.message).not.toContain('\n');
    }
    return 'invalid';
  }
}

const hostileKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'name',
  'match',
  'mode',
  'rules',
);
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    '${jndi:ldap://x}',
    "'; DROP TABLE rules; --",
    '<script>alert(1)</script>',
    '*',
    '**',
    '[a-z]*',
    'arn:*',
  ),
  fc.string({ minLength: 2_000, maxLength: 5_000 }),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 12 })), tie('node'), { maxKeys: 4 }),
  ),
})).node;

const ruleLike = fc.record(
  {
    name: fc.oneof(fc.constantFrom('r', 'ec2-crypto', 'Bad Name'), hostileString),
    match: fc.oneof(
      value,
      fc.record(
        { type: fc.oneof(hostileString, fc.array(hostileString, { maxLength: 3 })), severity: value },
        { requiredKeys: [] },
      ),
    ),
    action: fc.oneof(
      fc.constantFrom('isolate-ec2-instance', 'disable-access-key', 'isolate-ec2'),
      hostileString,
    ),
    params: value,
    mode: fc.oneof(fc.constantFrom('auto', 'approval', 'notify'), hostileString),
  },
  { requiredKeys: [] },
);

describe('Policy validation: hostile and malformed input (fuzz)', () => {
  it('never throws anything but a positioned PolicyValidationError for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        loadSafely(text);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws anything but a positioned PolicyValidationError for policy-shaped documents', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            version: fc.oneof(fc.constant(1), value),
            settings: value,
            rules: fc.array(ruleLike, { maxLength: 4 }),
          },
          { requiredKeys: [] },
        ),
        (doc) => {
          loadSafely(stringify(doc));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reports a __proto__ key as unknown instead of letting it change an object prototype', () => {
    // Prepare
    const text =
      'version: 1\nrules:\n  - name: r\n    mode: notify\n    match:\n      __proto__: { sample: true }\n';

    // Act
    const outcome = loadSafely(text);

    // Assess
    expect(outcome).toBe('invalid');
    expect(({} as Record<string, unknown>)['sample']).toBeUndefined();
  });

  it('rejects deeply nested documents with a positioned error', () => {
    // Prepare
    const text = `version: 1\nsettings: ${'['.repeat(500)}${']'.repeat(500)}\nrules:\n  - { name: r, mode: notify }\n`;

    // Act
    const outcome = loadSafely(text);

    // Assess
    expect(outcome).toBe('invalid');
  });
});
