/**
 * The remote IP of a GuardDuty finding, for the approver's context: read from the activity GuardDuty reports,
 * carried into the record's finding summary, and never an error when the shape is odd (display only).
 */
import { describe, expect, it } from 'vitest';
import { normaliseFindings } from '../../functions/lib/findings/index.js';
import { guardDutyRemote } from '../../functions/lib/findings/remote.js';
import { findingSummary } from '../../functions/lib/pipeline/triage.js';
import { loadEvent } from './support.js';

describe('Findings: the remote end of the activity', () => {
  it("reads an SSH brute force's remote IP, city, country and network owner into the summary", () => {
    // Prepare
    const event = loadEvent('guardduty-ec2-ssh-bruteforce.envelope-assembled.json');

    // Act
    const [finding] = normaliseFindings(event);

    // Assess
    const expected = { ip: '151.80.19.228', country: 'France', city: 'Roubaix', organization: 'OVH SAS' };
    expect(finding?.remote).toEqual(expected);
    expect(finding && findingSummary(finding).remote).toEqual(expected);
  });

  it('reads API-call, login, Kubernetes and port-probe activity, IPv6 included', () => {
    // Act
    const api = guardDutyRemote({ awsApiCallAction: { remoteIpDetails: { ipAddressV4: '198.51.100.7' } } });
    const login = guardDutyRemote({
      rdsLoginAttemptAction: { remoteIpDetails: { ipAddressV6: '2001:db8::1' } },
    });
    const kube = guardDutyRemote({
      kubernetesApiCallAction: { remoteIpDetails: { ipAddressV4: '203.0.113.9' } },
    });
    const probe = guardDutyRemote({
      portProbeAction: { portProbeDetails: [{ remoteIpDetails: { ipAddressV4: '192.0.2.44' } }] },
    });

    // Assess
    expect([api, login, kube, probe].map((r) => r?.ip)).toEqual([
      '198.51.100.7',
      '2001:db8::1',
      '203.0.113.9',
      '192.0.2.44',
    ]);
  });

  it('gives no remote, and no error, for DNS activity, a missing action or an odd shape', () => {
    // Act
    const results = [
      guardDutyRemote({ dnsRequestAction: { domain: 'example.com' } }),
      guardDutyRemote(undefined),
      guardDutyRemote('not an object'),
      guardDutyRemote({ networkConnectionAction: { remoteIpDetails: { ipAddressV4: 42 } } }),
      guardDutyRemote({ networkConnectionAction: { remoteIpDetails: { ipAddressV4: 'x'.repeat(500) } } }),
    ];

    // Assess
    expect(results).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
