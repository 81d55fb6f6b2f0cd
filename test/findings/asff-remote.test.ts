/**
 * The remote IP of a finding that arrives only through Security Hub (ASFF): GuardDuty's activity flattened into
 * ProductFields, else ASFF's `Network`. Display only: read leniently, never an error, never used to decide.
 */
import { describe, expect, it } from 'vitest';
import { normaliseFindings } from '../../functions/lib/findings/index.js';
import { asffRemote } from '../../functions/lib/findings/remote.js';
import { findingSummary } from '../../functions/lib/pipeline/triage.js';
import { loadEvent } from './support.js';

const GD = 'aws/guardduty/service/action';

describe('Findings: the remote end of an ASFF finding', () => {
  it('reads a GuardDuty finding imported into Security Hub: the remote IP, location and owner from ProductFields', () => {
    // Prepare
    const event = loadEvent('securityhub-imported-guardduty-ec2-sshbruteforce.docs-assembled.json');

    // Act
    const [finding] = normaliseFindings(event);

    // Assess
    expect(finding?.remote).toEqual({
      ip: '199.241.229.197',
      country: 'United States',
      city: 'Dubuque',
      organization: 'CENTURYLINK-US-LEGACY-QWEST',
    });
    expect(finding && findingSummary(finding).remote).toEqual(finding?.remote);
  });

  it('reads API-call and port-probe activity flattened by Security Hub, IPv6 included', () => {
    // Act
    const api = asffRemote(undefined, {
      [`${GD}/awsApiCallAction/remoteIpDetails/ipAddressV6`]: '2001:db8::7',
      [`${GD}/awsApiCallAction/remoteIpDetails/city/cityName`]: 'Lyon',
    });
    const probe = asffRemote(undefined, {
      [`${GD}/portProbeAction/portProbeDetails/0/remoteIpDetails/ipAddressV4`]: '192.0.2.44',
      [`${GD}/portProbeAction/portProbeDetails/1/remoteIpDetails/ipAddressV4`]: '192.0.2.45',
    });

    // Assess
    expect(api).toEqual({ ip: '2001:db8::7', city: 'Lyon' });
    expect(probe).toEqual({ ip: '192.0.2.44' });
  });

  it("falls back to ASFF's Network: the source, or the destination of outbound activity", () => {
    // Act
    const inbound = asffRemote(
      { Direction: 'IN', SourceIpV4: '203.0.113.5', DestinationIpV4: '10.0.0.4' },
      {},
    );
    const outbound = asffRemote(
      { Direction: 'OUT', SourceIpV4: '10.0.0.4', DestinationIpV6: '2001:db8::9' },
      {},
    );
    const undirected = asffRemote({ SourceIpV6: '2001:db8::1' }, {});
    const preferred = asffRemote(
      { SourceIpV4: '203.0.113.5' },
      { [`${GD}/networkConnectionAction/remoteIpDetails/ipAddressV4`]: '198.51.100.1' },
    );

    // Assess
    expect(inbound).toEqual({ ip: '203.0.113.5' });
    expect(outbound).toEqual({ ip: '2001:db8::9' });
    expect(undirected).toEqual({ ip: '2001:db8::1' });
    expect(preferred).toEqual({ ip: '198.51.100.1' });
  });

  it('gives no remote, and no error, for a domain alone, no network, or an odd shape', () => {
    // Act
    const results = [
      asffRemote({ SourceDomain: 'example.com' }, {}),
      asffRemote(undefined, {}),
      asffRemote('not an object', {}),
      asffRemote({ SourceIpV4: 42 }, {}),
      asffRemote({ SourceIpV4: 'x'.repeat(500) }, {}),
      asffRemote(undefined, { [`${GD}/networkConnectionAction/remoteIpDetails/ipAddressV4`]: '' }),
    ];

    // Assess
    expect(results).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
