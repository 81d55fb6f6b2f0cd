import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCordonEvent } from '../../functions/lib/findings/index.js';
import { UnsupportedEventError } from '../../functions/lib/errors.js';
import { clone, firstAsff, gdDetail, loadEvent, sampleEventFiles } from './support.js';

/** The UnsupportedEventError message for an event (fails the test if anything else happens). */
function reasonFor(event: unknown): string {
  try {
    parseCordonEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedEventError);
    return (error as UnsupportedEventError).message;
  }
  throw new Error('expected the event to be refused');
}

const GD = 'guardduty-ec2-ssh-bruteforce.envelope-assembled.json';
const SH = 'securityhub-imported-guardduty-ec2-sshbruteforce.docs-assembled.json';
const CA = 'securityhub-custom-action-guardduty-iam-accesskey.custodian.json';

describe('Findings: unsupported and malformed events', () => {
  it('names an unsupported detail-type', () => {
    // Prepare
    const event = {
      ...loadEvent(GD),
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
    };

    // Act & Assess
    expect(reasonFor(event)).toBe('unsupported detail-type "EC2 Instance State-change Notification"');
  });

  it('refuses a supported detail-type from the wrong source (a forged GuardDuty event)', () => {
    // Prepare
    const event = { ...loadEvent(GD), source: 'my.app' };

    // Act & Assess
    expect(reasonFor(event)).toBe(
      'unsupported source "my.app" for detail-type "GuardDuty Finding" (expected "aws.guardduty")',
    );
  });

  it.each([
    ['a non-object', 42, 'event: expected a JSON object, got number'],
    ['null', null, 'event: expected a JSON object, got null'],
    ['an array', [], 'event: expected a JSON object, got array'],
    [
      'an object without detail-type',
      { source: 'aws.guardduty' },
      'detail-type: required (not an EventBridge event)',
    ],
  ])('refuses %s', (_name, event, reason) => {
    // Act & Assess
    expect(reasonFor(event)).toBe(reason);
  });

  it.each<[string, string, (e: Record<string, unknown>) => void, string]>([
    [
      'a member account that is not 12 digits',
      SH,
      (e) => {
        firstAsff(e)['AwsAccountId'] = '1234';
      },
      'detail.findings[0].AwsAccountId: expected 12 digits',
    ],
    [
      'a missing ASFF Id',
      SH,
      (e) => {
        delete firstAsff(e)['Id'];
      },
      'detail.findings[0].Id: required',
    ],
    [
      'no findings',
      SH,
      (e) => {
        (e['detail'] as Record<string, unknown>)['findings'] = [];
      },
      'detail.findings: expected at least one finding',
    ],
    [
      'a finding without resources',
      SH,
      (e) => {
        firstAsff(e)['Resources'] = [];
      },
      'detail.findings[0].Resources: expected at least one resource',
    ],
    [
      'a Severity with no value',
      SH,
      (e) => {
        firstAsff(e)['Severity'] = {};
      },
      'detail.findings[0].Severity: expected Label, Normalized or Product',
    ],
    [
      'an unknown workflow status',
      SH,
      (e) => {
        firstAsff(e)['Workflow'] = { Status: 'DONE' };
      },
      'detail.findings[0].Workflow.Status: expected one of "NEW"|"NOTIFIED"|"RESOLVED"|"SUPPRESSED"',
    ],
    [
      'a GuardDuty severity given as a string',
      GD,
      (e) => {
        gdDetail(e)['severity'] = '8';
      },
      'detail.severity: expected number, got string',
    ],
    [
      'a GuardDuty severity above 10',
      GD,
      (e) => {
        gdDetail(e)['severity'] = 11;
      },
      'detail.severity: expected number to be <=10',
    ],
    [
      'a GuardDuty finding ARN that is not one',
      GD,
      (e) => {
        gdDetail(e)['arn'] = 'arn:aws:iam::123456789012:user/x';
      },
      'detail.arn: expected a GuardDuty finding ARN (arn:aws:guardduty:<region>:<account>:detector/<id>/finding/<id>)',
    ],
    [
      'a partition that is not one (it would end up inside ARNs)',
      GD,
      (e) => {
        gdDetail(e)['partition'] = 'aws:iam::1:role/x';
      },
      'detail.partition: expected an AWS partition such as aws',
    ],
    [
      'a missing GuardDuty resource',
      GD,
      (e) => {
        delete gdDetail(e)['resource'];
      },
      'detail.resource: required',
    ],
    [
      'a bad envelope region',
      GD,
      (e) => {
        e['region'] = 'mars-1';
      },
      'region: expected an AWS region name such as us-east-1',
    ],
    [
      'a custom action event without the action ARN',
      CA,
      (e) => {
        e['resources'] = [];
      },
      'resources: expected exactly one custom action ARN',
    ],
    [
      'a custom action ARN of another kind',
      CA,
      (e) => {
        e['resources'] = ['arn:aws:securityhub:us-east-1:644160558196:hub/default'];
      },
      'resources[0]: expected a custom action ARN (arn:aws:securityhub:<region>:<account>:action/custom/<Id>)',
    ],
  ])('explains %s in one line', (_name, file, mutate, reason) => {
    // Prepare
    const event = clone(loadEvent(file));
    mutate(event);

    // Act
    const message = reasonFor(event);

    // Assess
    expect(message).toBe(reason);
    expect(message).not.toContain('\n');
  });

  it('keeps the zod error as the cause', () => {
    // Prepare
    const event = clone(loadEvent(SH));
    firstAsff(event)['AwsAccountId'] = 12;

    // Act
    let caught: unknown;
    try {
      parseCordonEvent(event);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(UnsupportedEventError);
    expect((caught as UnsupportedEventError).code).toBe('UNSUPPORTED_EVENT');
    expect((caught as UnsupportedEventError).cause).toBeDefined();
  });
});

describe('Findings: hostile input', () => {
  it('refuses a multi-megabyte identifier cleanly and quotes only a short part of a hostile detail-type', () => {
    // Prepare
    const huge = 'A'.repeat(5_000_000);
    const withHugeId = clone(loadEvent(SH));
    firstAsff(withHugeId)['Id'] = huge;
    const withHugeType = { ...loadEvent(GD), 'detail-type': `${huge}\n"injected"` };

    // Act
    const a = reasonFor(withHugeId);
    const b = reasonFor(withHugeType);

    // Assess
    expect(a).toBe('detail.findings[0].Id: expected string to have <=512 characters');
    expect(b.length).toBeLessThan(150);
    expect(b).not.toContain('\n');
  });

  it('ignores __proto__ and constructor keys anywhere without polluting prototypes', () => {
    // Prepare
    const text = JSON.stringify(loadEvent(GD)).replace(
      '"detail":{',
      '"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"detail":{"__proto__":{"polluted":true},',
    );
    const event: unknown = JSON.parse(text);

    // Act
    const parsed = parseCordonEvent(event);

    // Assess
    expect(parsed.findings).toHaveLength(1);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(parsed.findings[0])).toBe(Object.prototype);
  });

  it('tolerates deep nesting in fields it does not read, and refuses it where it does', () => {
    // Prepare
    let deep: unknown = 'bottom';
    for (let i = 0; i < 5000; i += 1) deep = { d: deep };
    const tolerated = clone(loadEvent(GD));
    (gdDetail(tolerated)['service'] as Record<string, unknown>)['action'] = deep;
    const refused = clone(loadEvent(GD));
    gdDetail(refused)['type'] = deep;

    // Act & Assess
    expect(parseCordonEvent(tolerated).findings).toHaveLength(1);
    expect(reasonFor(refused)).toBe('detail.type: expected string, got object');
  });

  it('never throws anything but UnsupportedEventError on 1,000 mutated sample events', () => {
    // Prepare
    const samples = sampleEventFiles().map(loadEvent);
    const hostileValue = fc.oneof(
      fc.constant(null),
      fc.constant('__proto__'),
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant([]),
      fc.constant({ __proto__: { polluted: true } }),
      fc.constant('x'.repeat(100_000)),
      fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'Id', 'type'), fc.string()),
    );

    // Act & Assess
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: samples.length - 1 }),
        fc.array(fc.tuple(fc.nat(), hostileValue), { minLength: 1, maxLength: 4 }),
        (index, mutations) => {
          const event = clone(samples[index]);
          for (const [pick, value] of mutations) {
            // Replace one value somewhere in the event, walking down a random path.
            let node: unknown = event;
            let seed = pick;
            for (let depth = 0; depth < 6; depth += 1) {
              if (node === null || typeof node !== 'object') break;
              const keys = Object.keys(node);
              if (keys.length === 0) break;
              const key = keys[seed % keys.length] as string;
              seed = Math.floor(seed / keys.length) + depth;
              const child: unknown = (node as Record<string, unknown>)[key];
              if (depth === 5 || child === null || typeof child !== 'object' || seed % 3 === 0) {
                (node as Record<string, unknown>)[key] = value;
                break;
              }
              node = child;
            }
          }
          try {
            parseCordonEvent(event);
          } catch (error) {
            if (!(error instanceof UnsupportedEventError)) throw error;
            expect(error.message).not.toContain('\n');
          }
          expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });
});
