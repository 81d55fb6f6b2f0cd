/**
 * CloudTrail event history of a principal, as an evidence step: `LookupEvents` over the isolation's window
 * (collector.ts `window`), every page up to a cap, each event's `CloudTrailEvent` parsed from the JSON string
 * CloudTrail returns it as.
 *
 * Why a cap: LookupEvents answers at most 50 events a page and 2 requests a second per account and region, so a
 * noisy principal could keep collection busy for minutes. The artifact says when it stopped early (`truncated`)
 * and which token would have continued, so nobody reads a capped history as complete.
 *
 * Scope: LookupEvents reads the event history of the region it is called in (the isolation's). Calls to global
 * services (IAM, STS without a regional endpoint) are recorded in us-east-1; docs/evidence.md says so.
 */
import type { LookupAttributeKey } from '@aws-sdk/client-cloudtrail';
import type { EvidenceStep, StepContext } from './collector.js';

/** At most this many pages of 50 events (500 events, about 5 s at CloudTrail's 2 requests a second). */
export const CLOUDTRAIL_MAX_PAGES = 10;
const PAGE_SIZE = 50;

/** The one attribute LookupEvents filters on (it takes exactly one). */
export interface TrailLookup {
  key: LookupAttributeKey;
  value: string;
}

function parsedEvent(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Kept verbatim: an unparsable record is still evidence.
    return text;
  }
}

/** Read the window's events for one lookup attribute, to the cap. */
export async function lookupEvents(ctx: StepContext, lookup: TrailLookup): Promise<unknown> {
  const events: unknown[] = [];
  let NextToken: string | undefined;
  let pages = 0;
  do {
    const token = NextToken;
    const page = await ctx.call('cloudtrail:LookupEvents', () =>
      ctx.clients.cloudTrail.lookupEvents({
        LookupAttributes: [{ AttributeKey: lookup.key, AttributeValue: lookup.value }],
        StartTime: new Date(ctx.window.start),
        EndTime: new Date(ctx.window.end),
        MaxResults: PAGE_SIZE,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    pages += 1;
    for (const event of page.Events ?? []) {
      events.push({
        EventId: event.EventId ?? null,
        EventName: event.EventName ?? null,
        EventSource: event.EventSource ?? null,
        EventTime: event.EventTime?.toISOString() ?? null,
        Username: event.Username ?? null,
        AccessKeyId: event.AccessKeyId ?? null,
        ReadOnly: event.ReadOnly ?? null,
        Resources: event.Resources ?? [],
        CloudTrailEvent: parsedEvent(event.CloudTrailEvent),
      });
    }
    NextToken = page.NextToken;
  } while (NextToken !== undefined && pages < CLOUDTRAIL_MAX_PAGES);
  return {
    lookup: { AttributeKey: lookup.key, AttributeValue: lookup.value },
    region: ctx.region,
    window: ctx.window,
    pages,
    truncated: NextToken !== undefined,
    ...(NextToken === undefined ? {} : { nextToken: NextToken }),
    events,
  };
}

/** The step `cloudtrail/events.json` of a kind, looking up what `lookup` names for its resource. */
export function cloudTrailStep<R>(lookup: (resource: R) => TrailLookup): EvidenceStep<R> {
  return {
    name: 'cloudtrail/events.json',
    collect: (ctx, resource) => lookupEvents(ctx, lookup(resource)),
  };
}

/** LookupEvents has no resource type: IAM accepts only `*` for it (a read of this account's event history). */
export const CLOUDTRAIL_LOOKUP = {
  'cloudtrail:LookupEvents': [
    {
      sid: 'ReadCloudTrailEventHistory',
      resources: ['*'],
      why: 'cloudtrail:LookupEvents has no resource type, so IAM accepts only "*"; it reads the event history of the account the role is in.',
    },
  ],
};
