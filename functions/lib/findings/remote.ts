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

/** The GuardDuty actions whose remote end Security Hub flattens into ProductFields, in the order they are read. */
const GUARDDUTY_ACTIONS = [
  'networkConnectionAction',
  'awsApiCallAction',
  'rdsLoginAttemptAction',
  'kubernetesApiCallAction',
  'portProbeAction',
];
const FLATTENED =
  /^aws\/guardduty\/service\/action\/(\w+)\/(?:portProbeDetails\/\d+\/)?remoteIpDetails\/(.+)$/;

/** ASFF's `Network`: the source, or for outbound activity the destination, is the remote end. */
const AsffNetwork = z.object({
  Direction: z.string().max(8).nullish(),
  SourceIpV4: z.string().min(1).max(64).nullish(),
  SourceIpV6: z.string().min(1).max(64).nullish(),
  DestinationIpV4: z.string().min(1).max(64).nullish(),
  DestinationIpV6: z.string().min(1).max(64).nullish(),
});

/**
 * The remote end of a finding that arrived through Security Hub (ASFF): GuardDuty's activity as Security Hub
 * flattens it into ProductFields (`aws/guardduty/service/action/<action>/remoteIpDetails/...`), which carries the
 * location and network owner, else ASFF's `Network` (the source; the destination when `Direction` is `OUT`).
 * Read leniently like {@link guardDutyRemote}: display only, never used to decide anything.
 */
export function asffRemote(
  network: unknown,
  productFields: Record<string, string>,
): RemoteEndpoint | undefined {
  const byAction = new Map<string, Record<string, string>>();
  for (const [key, value] of Object.entries(productFields)) {
    const m = FLATTENED.exec(key);
    if (m?.[1] === undefined || m[2] === undefined || value === '') continue;
    const fields = byAction.get(m[1]) ?? {};
    // The first port probe's detail wins, as in guardDutyRemote.
    fields[m[2]] ??= value;
    byAction.set(m[1], fields);
  }
  for (const action of GUARDDUTY_ACTIONS) {
    const f = byAction.get(action);
    if (f === undefined) continue;
    const details = { remoteIpDetails: nested(f) };
    const remote = guardDutyRemote({
      [action]: action === 'portProbeAction' ? { portProbeDetails: [details] } : details,
    });
    if (remote !== undefined) return remote;
  }
  const parsed = AsffNetwork.safeParse(network);
  if (!parsed.success) return undefined;
  const n = parsed.data;
  const ip =
    n.Direction === 'OUT'
      ? (n.DestinationIpV4 ?? n.DestinationIpV6)
      : (n.SourceIpV4 ?? n.SourceIpV6 ?? undefined);
  return ip ? { ip } : undefined;
}

/** `{'country/countryName': 'France'}` → `{country: {countryName: 'France'}}`, for {@link guardDutyRemote}. */
function nested(flat: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(flat)) {
    const [head, tail] = path.split('/', 2);
    if (head === undefined) continue;
    if (tail === undefined) out[head] = value;
    else {
      const inner = out[head];
      const group: Record<string, unknown> = typeof inner === 'object' && inner !== null ? { ...inner } : {};
      group[tail] = value;
      out[head] = group;
    }
  }
  return out;
}
