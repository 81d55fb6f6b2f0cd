import { describe, expect, it } from 'vitest';
import { explainNoMatch } from '../../functions/lib/eventbridge/explain.js';
import { matchesPattern } from '../../functions/lib/eventbridge/matcher.js';

const event = {
  source: 'aws.guardduty',
  account: '123456789012',
  region: 'eu-west-1',
  detail: {
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 2,
    resource: {
      instanceDetails: {
        networkInterfaces: [
          { vpcId: 'vpc-1', subnetId: 'subnet-a' },
          { vpcId: 'vpc-2', subnetId: 'subnet-b' },
        ],
      },
    },
  },
};

describe('rules match: why an event does not match', () => {
  it('names each failing field with the value the event has, and leaves out the fields that match', () => {
    // Prepare
    const pattern = {
      source: ['aws.guardduty'],
      detail: {
        type: [{ prefix: 'Recon:' }],
        severity: [{ numeric: ['>=', 7] }],
        missing: [{ exists: true }],
      },
    };

    // Act
    const lines = explainNoMatch(pattern, event);

    // Assess
    expect(matchesPattern(pattern, event)).toBe(false);
    expect(lines).toEqual([
      'detail.type: the event has "UnauthorizedAccess:EC2/SSHBruteForce"; the pattern wants [{"prefix":"Recon:"}]',
      'detail.severity: the event has 2; the pattern wants [{"numeric":[">=",7]}]',
      'detail.missing: the event has no such field; the pattern wants [{"exists":true}]',
    ]);
  });

  it('explains each $or alternative when none matches', () => {
    // Prepare
    const pattern = { $or: [{ region: ['us-east-1'] }, { detail: { severity: [{ numeric: ['>', 5] }] } }] };

    // Act
    const lines = explainNoMatch(pattern, event);

    // Assess
    expect(lines).toEqual([
      'none of the 2 $or alternatives matches:',
      '  alternative 1: region: the event has "eu-west-1"; the pattern wants ["us-east-1"]',
      '  alternative 2: detail.severity: the event has 2; the pattern wants [{"numeric":[">",5]}]',
    ]);
  });

  it('says when fields match alone but not within the same array element', () => {
    // Prepare
    const pattern = {
      detail: {
        resource: { instanceDetails: { networkInterfaces: { vpcId: ['vpc-1'], subnetId: ['subnet-b'] } } },
      },
    };

    // Act
    const lines = explainNoMatch(pattern, event);

    // Assess
    expect(matchesPattern(pattern, event)).toBe(false);
    expect(lines).toEqual([
      'every field matches on its own, but not together: fields under an array of objects must hold in the same element',
    ]);
  });
});
