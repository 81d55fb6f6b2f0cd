/**
 * The remote IP of a GuardDuty finding's activity, for the approver's context: `service.action`'s
 * `networkConnectionAction`, `awsApiCallAction`, `rdsLoginAttemptAction`, `kubernetesApiCallAction` or the first
 * `portProbeAction` probe. Read leniently: a missing or odd shape gives no remote, never an error, because the
 * finding is still worth containing without it. Display only: nothing decides on it.
 */
import * as z from 'zod';
import type { RemoteEndpoint } from './model.js';

const Name = z.string().min(1).max(256);

const RemoteIpDetails = z.object({
  ipAddressV4: z.string().min(1).max(64).nullish(),
  ipAddressV6: z.string().min(1).max(64).nullish(),
  country: z.object({ countryName: Name.nullish() }).nullish(),
  city: z.object({ cityName: Name.nullish() }).nullish(),
  organization: z.object({ asnOrg: Name.nullish(), org: Name.nullish(), isp: Name.nullish() }).nullish(),
});

const WithRemote = z.object({ remoteIpDetails: z.unknown() }).nullish();

const Action = z.object({
  networkConnectionAction: WithRemote,
  awsApiCallAction: WithRemote,
  rdsLoginAttemptAction: WithRemote,
  kubernetesApiCallAction: WithRemote,
  portProbeAction: z.object({ portProbeDetails: z.array(WithRemote).nullish() }).nullish(),
});

/** The remote end of a GuardDuty finding's activity, or undefined when it names none. */
export function guardDutyRemote(action: unknown): RemoteEndpoint | undefined {
  const parsed = Action.safeParse(action);
  if (!parsed.success) return undefined;
  const a = parsed.data;
  const candidates = [
    a.networkConnectionAction?.remoteIpDetails,
    a.awsApiCallAction?.remoteIpDetails,
    a.rdsLoginAttemptAction?.remoteIpDetails,
    a.kubernetesApiCallAction?.remoteIpDetails,
    a.portProbeAction?.portProbeDetails?.[0]?.remoteIpDetails,
  ];
  for (const candidate of candidates) {
    const details = RemoteIpDetails.safeParse(candidate);
    if (!details.success) continue;
    const d = details.data;
    const ip = d.ipAddressV4 ?? d.ipAddressV6;
    if (!ip) continue;
    const country = d.country?.countryName;
    const city = d.city?.cityName;
    const organization = d.organization?.asnOrg ?? d.organization?.org ?? d.organization?.isp;
    return {
      ip,
      ...(country ? { country } : {}),
      ...(city ? { city } : {}),
      ...(organization ? { organization } : {}),
    };
  }
  return undefined;
}
