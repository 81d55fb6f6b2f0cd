/** Real-shaped sample events (test/events, copies of ../shared/reference/events) parsed as cordon parses them. */
import { loadEvent } from '../findings/support.js';
import {
  GuardDutyFindingEventSchema,
  SecurityHubImportedEventSchema,
  SecurityHubCustomActionEventSchema,
  type AsffFinding,
  type GuardDutyFindingDetail,
} from '../../functions/lib/findings/schemas.js';
import type { FindingScope } from '../../functions/lib/resources/kind.js';

export const PARTITION_CASES = [
  { region: 'us-east-1', partition: 'aws' },
  { region: 'us-gov-west-1', partition: 'aws-us-gov' },
  { region: 'cn-north-1', partition: 'aws-cn' },
] as const;

/** The GuardDuty detail of a sample event, as parsed (a fresh copy: tests may edit it). */
export function guardDutyDetail(file: string): GuardDutyFindingDetail {
  return GuardDutyFindingEventSchema.parse(loadEvent(file)).detail;
}

/** The first ASFF finding of a Security Hub sample event (imported or custom action). */
export function asffFinding(file: string): AsffFinding {
  const event = loadEvent(file);
  const parsed =
    event['detail-type'] === 'Security Hub Findings - Custom Action'
      ? SecurityHubCustomActionEventSchema.parse(event)
      : SecurityHubImportedEventSchema.parse(event);
  const finding = parsed.detail.findings[0];
  if (finding === undefined) throw new Error(`${file} has no finding`);
  return finding;
}

export function scopeOf(detail: GuardDutyFindingDetail, partition = 'aws'): FindingScope {
  return { accountId: detail.accountId, region: detail.region, partition };
}
