import { describe, expect, it } from 'vitest';
import {
  denyAllPolicy,
  denyOlderSessionsPolicy,
  issuedBeforeOf,
  parsePolicyDocument,
  samePolicy,
} from '../../functions/lib/aws/iam-policies.js';

describe('IAM policies cordon writes', () => {
  it('spares principals carrying an exemption tag key of any value', () => {
    expect(denyAllPolicy({ exemptionTag: { key: 'DoNotIsolate' } })).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CordonDenyAll',
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { Null: { 'aws:PrincipalTag/DoNotIsolate': 'true' } },
        },
      ],
    });
  });

  it('is an unconditional deny-all without exceptions', () => {
    expect(denyAllPolicy()).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'CordonDenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
    });
  });

  it('reads documents back whether IAM returns them URL-encoded or plain', () => {
    // Prepare
    const document = denyOlderSessionsPolicy('2026-11-28T07:00:00.000Z');
    const encoded = encodeURIComponent(JSON.stringify(document));

    // Act + Assess
    expect(parsePolicyDocument(encoded)).toEqual(document);
    expect(samePolicy(JSON.stringify(document), document)).toBe(true);
    expect(samePolicy(encoded, denyAllPolicy())).toBe(false);
    expect(issuedBeforeOf(encoded)).toBe('2026-11-28T07:00:00.000Z');
    expect(parsePolicyDocument('%E0%A4%A')).toBeUndefined();
  });
});
