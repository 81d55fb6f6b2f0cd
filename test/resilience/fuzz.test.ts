/**
 * Fuzzing the edges with fast-check, end to end: 1,000 generated malformed or hostile events go through triage
 * and the approve handler of a real pipeline world (moto behind it, every AWS call recorded), and 1,000 hostile
 * policy files through the policy loader and, when they load, the evaluator. Every event is broken in a field
 * the parser must check (wrong type, huge or unicode string, deep nesting), and carries hostile extras elsewhere
 * (injection-looking tag values, `__proto__` / `constructor` keys). For each case: no unhandled exception, no
 * mutating AWS call, no prototype pollution, and a clear one-line reason.
 */
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PolicyValidationError } from '../../functions/lib/errors.js';
import { normaliseFindings } from '../../functions/lib/findings/index.js';
import type { Finding } from '../../functions/lib/findings/model.js';
import { handleCustomAction } from '../../functions/lib/pipeline/approve.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { evaluatePolicy, loadPolicyFromStrings } from '../../functions/lib/policy/index.js';
import { isReadOnly } from '../pipeline/support.js';
import { useMoto } from '../support/moto.js';
import { resilienceWorld, type ResilienceWorld } from './support.js';

const moto = useMoto({ resetEach: false });

const samples = readdirSync('test/events')
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(`test/events/${f}`, 'utf8')) as Record<string, unknown>);

/** Strings an attacker controls in a finding: tag values, names, descriptions. */
const hostileString = fc.oneof(
  fc.constantFrom(
    "'; DROP TABLE isolations; --",
    '${jndi:ldap://127.0.0.1:9/a}',
    '<script>alert(1)</script>',
    '{{constructor.constructor("return process")()}}',
    '$(rm -rf /)',
    '../../../../etc/passwd',
    '\u0000\u202e\ud83d\ude00\ufeff',
    '__proto__',
    'arn:aws:iam::*:role/*',
  ),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.string({ minLength: 1, maxLength: 8 }).map((s) => s.repeat(20_000)),
);

/** A value nested `depth` levels deep. */
const deep = fc.integer({ min: 100, max: 5000 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { nested: value };
  return value;
});

/** A value of the wrong type for any field the parser reads. */
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.anything(), { maxKeys: 3 }),
  deep,
);

/** Objects with prototype-pollution keys (as JSON.parse produces them: own properties). */
const pollution = fc
  .record({ key: fc.constantFrom('__proto__', 'constructor', 'prototype'), value: hostileString })
  .map(
    ({ key, value }) =>
      JSON.parse(`{"${key}": {"polluted": ${JSON.stringify(value.slice(0, 64))}}}`) as unknown,
  );

type Path = (string | number)[];

function setPath(target: Record<string, unknown>, path: Path, value: unknown): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<string | number, unknown>)[key];
  }
  const last = path.at(-1);
  if (node !== null && typeof node === 'object' && last !== undefined) {
    Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  }
}

/** Fields the parser must check, per event shape; each is broken by a wrong type or a hostile string. */
function requiredPaths(event: Record<string, unknown>): { path: Path; strings: boolean }[] {
  const paths: { path: Path; strings: boolean }[] = [
    { path: ['detail-type'], strings: true },
    { path: ['source'], strings: true },
    { path: ['detail'], strings: true },
  ];
  if (event['source'] === 'aws.guardduty') {
    paths.push(
      { path: ['detail', 'id'], strings: false },
      { path: ['detail', 'type'], strings: false },
      { path: ['detail', 'accountId'], strings: false },
      { path: ['detail', 'resource'], strings: true },
    );
  } else {
    paths.push(
      { path: ['detail', 'findings'], strings: true },
      { path: ['detail', 'findings', 0, 'Id'], strings: false },
      { path: ['detail', 'findings', 0, 'ProductArn'], strings: false },
      { path: ['detail', 'findings', 0, 'Resources'], strings: true },
    );
  }
  return paths;
}

/** Places where hostile extras go: tags, titles, names; present or not in the sample, they are added. */
const EXTRA_PATHS: Path[] = [
  ['detail', 'title'],
  ['detail', 'description'],
  ['detail', 'resource', 'instanceDetails', 'tags'],
  ['detail', 'findings', 0, 'Title'],
  ['detail', 'findings', 0, 'Resources', 0, 'Tags'],
  ['detail', 'service', 'additionalInfo'],
  ['debug'],
];

const hostileEvent = fc
  .record({
    base: fc.integer({ min: 0, max: samples.length - 1 }),
    broken: fc.nat(),
    brokenBy: fc.oneof(wrongType, hostileString),
    extras: fc.array(
      fc.record({
        where: fc.constantFrom(...EXTRA_PATHS),
        value: fc.oneof(
          hostileString,
          pollution,
          deep,
          fc.dictionary(
            hostileString.map((s) => s.slice(0, 128)),
            hostileString,
            { maxKeys: 4 },
          ),
        ),
      }),
      { maxLength: 3 },
    ),
  })
  .map(({ base, broken, brokenBy, extras }) => {
    const event = structuredClone(samples[base] ?? {});
    for (const extra of extras) setPath(event, extra.where, extra.value);
    const candidates = requiredPaths(event);
    const target = candidates[broken % candidates.length] ?? { path: ['detail'], strings: true };
    // A plain string may be a valid value for an id field; those fields only get wrong types.
    const value = typeof brokenBy === 'string' && !target.strings ? 42 : brokenBy;
    setPath(event, target.path, value);
    return event;
  });

describe('Resilience: fuzzing events and policies', () => {
  let world: ResilienceWorld;

  beforeAll(async () => {
    world = await resilienceWorld(moto);
  });

  it('refuses 1,000 malformed or hostile events with a clear reason and no mutating AWS call', async () => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(hostileEvent, async (event) => {
        // Prepare
        world.recorder.clear();
        const writeBacks = world.writeBacks().length;
        cases += 1;

        // Act: through the function its detail-type would reach, and through the other one
        const triaged = await triageEvent(world.deps, event);
        const approved = await handleCustomAction(world.deps, event);
        const runs = await world.worker.drain();

        // Assess
        for (const reason of [triaged.dropped, approved.refused]) {
          expect(typeof reason).toBe('string');
          expect(reason?.length).toBeGreaterThan(0);
          expect(reason?.length).toBeLessThanOrEqual(600);
          expect(reason).not.toMatch(/\n/);
        }
        expect(triaged.findings).toEqual([]);
        expect(approved.findings).toEqual([]);
        expect(runs).toEqual([]);
        expect(world.recorder.commands.filter((c) => !isReadOnly(c.command)).map((c) => c.command)).toEqual(
          [],
        );
        expect(world.writeBacks()).toHaveLength(writeBacks);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
    expect(cases).toBe(1000);
  });

  it('loads 1,000 hostile policy files only as valid policies or positioned errors, and evaluates safely', () => {
    const findings: Finding[] = samples.flatMap((event) => {
      try {
        return normaliseFindings(event);
      } catch {
        return [];
      }
    });
    const hostileRule = fc.record(
      {
        name: fc.oneof(
          fc.constantFrom('ok-rule', '__proto__', 'constructor'),
          hostileString.map((s) => s.slice(0, 80)),
        ),
        match: fc.oneof(
          fc.record(
            {
              type: fc.oneof(
                hostileString.map((s) => s.slice(0, 200)),
                fc.constant('*'),
              ),
            },
            { requiredKeys: [] },
          ),
          fc.record({
            tags: fc.dictionary(
              hostileString.map((s) => s.slice(0, 64)),
              hostileString.map((s) => s.slice(0, 64)),
            ),
          }),
          pollution,
          wrongType,
        ),
        action: fc.oneof(
          fc.constantFrom('isolate-ec2-instance', 'isolate-iam-user', '__proto__'),
          hostileString.map((s) => s.slice(0, 64)),
        ),
        mode: fc.oneof(fc.constantFrom('auto', 'approval', 'notify'), wrongType),
      },
      { requiredKeys: ['name', 'mode'] },
    );
    // A valid policy with hostile tag values, so every run also evaluates loaded policies (random hostile rules
    // alone load only by chance, which made `loaded > 0` fail about one run in ten).
    const validWithHostileTags = hostileString.map((value) => ({
      version: 1,
      rules: [{ name: 'tagged', match: { tags: { owner: value.slice(0, 64) } }, mode: 'notify' }],
    }));
    const hostilePolicy = fc.oneof(
      validWithHostileTags,
      fc.record({ version: fc.constant(1), rules: fc.array(hostileRule, { minLength: 1, maxLength: 4 }) }),
      fc.record({ version: fc.oneof(fc.constant(1), wrongType), settings: fc.oneof(pollution, wrongType) }),
      fc.record({ version: fc.constant(1), rules: fc.oneof(pollution, wrongType, deep) }),
    );
    let loaded = 0;
    fc.assert(
      fc.property(hostilePolicy, (document) => {
        // Act
        let text: string;
        try {
          // Deeply nested documents as JSON (valid YAML): the YAML serializer indents every level, so its text
          // and its time grow with the square of the depth, seconds per document, a cost of this test only.
          const json = JSON.stringify(document);
          text = json.length > 2_000 ? json : stringify(document, { aliasDuplicateObjects: false });
        } catch {
          return; // not representable as YAML (e.g. too deep for the serializer): nothing to load
        }
        let policy;
        try {
          policy = loadPolicyFromStrings([{ file: 'fuzz.yaml', text }]);
        } catch (error) {
          // Assess: only a validation error, every issue positioned and worded
          expect(error).toBeInstanceOf(PolicyValidationError);
          const issues = (error as PolicyValidationError).issues;
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) {
            expect(issue.file).toBe('fuzz.yaml');
            expect(issue.line).toBeGreaterThanOrEqual(1);
            expect(issue.col).toBeGreaterThanOrEqual(1);
            expect(issue.message.length).toBeGreaterThan(0);
          }
          return;
        }
        // Assess: a policy that loads evaluates every sample finding without throwing
        loaded += 1;
        for (const finding of findings) {
          const decision = evaluatePolicy(policy, finding);
          if (decision.rule !== null) expect(policy.rules.map((r) => r.name)).toContain(decision.rule);
        }
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
    expect(loaded).toBeGreaterThan(0);
  });
});
