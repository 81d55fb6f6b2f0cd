/**
 * Evidence of the finding itself, for every kind: GuardDuty's copy of a GuardDuty-origin finding as it stands at
 * collection time (`GetFindings`), with its updated count and timestamps. The record holds triage's summary of
 * the finding when it arrived (`finding.json`); this artifact shows what GuardDuty saw since.
 *
 * The finding key of a GuardDuty-origin finding is its ARN
 * (`arn:<partition>:guardduty:<region>:<account>:detector/<detector-id>/finding/<finding-id>`), from the event
 * or from the Security Hub copy's `Id`. The read goes through the member role of the account and region the ARN
 * names: the member's own detector holds the finding, so no GuardDuty administrator access is needed.
 */
import { parseArn } from '../kernel/arn.js';
import type { IsolationRecord } from '../store/model.js';
import { withoutMetadata, type EvidenceStep } from './collector.js';

/** Where a GuardDuty finding lives, from its ARN. */
export interface GuardDutyFindingRef {
  accountId: string;
  region: string;
  detectorId: string;
  findingId: string;
}

const FINDING_RESOURCE = /^detector\/([0-9a-z]{1,300})\/finding\/([0-9a-z]{1,300})$/;

/** The GuardDuty finding a finding key names, or undefined when it is not a GuardDuty finding ARN. */
export function guardDutyFindingRef(findingKey: string | undefined): GuardDutyFindingRef | undefined {
  if (findingKey === undefined) return undefined;
  const arn = parseArn(findingKey);
  if (arn === undefined || arn.service !== 'guardduty') return undefined;
  const match = FINDING_RESOURCE.exec(arn.resource);
  const detectorId = match?.[1];
  const findingId = match?.[2];
  if (detectorId === undefined || findingId === undefined) return undefined;
  return { accountId: arn.account, region: arn.region, detectorId, findingId };
}

/** What the finding collector needs of a record: where its GuardDuty finding is. */
export function findingEvidenceScope(
  record: Pick<IsolationRecord, 'findingKey'>,
): GuardDutyFindingRef | undefined {
  return guardDutyFindingRef(record.findingKey);
}

/** The finding collector's permissions: declared like a kind collector's (terraform-permissions.ts reads them). */
export const findingEvidence = {
  name: 'evidence:finding',
  permissions: ['guardduty:GetFindings'],
  scoping: {
    'guardduty:GetFindings': [
      {
        sid: 'ReadGuardDutyFindings',
        resources: ['arn:${partition}:guardduty:*:${account_id}:detector/*'],
        why: "Evidence reads GuardDuty's current copy of a GuardDuty-origin finding from this account's detectors.",
      },
    ],
  },
} as const;

/** `guardduty/finding.json`: GetFindings of the one finding, as GuardDuty returns it. */
export function guardDutyFindingStep(ref: GuardDutyFindingRef): EvidenceStep<unknown> {
  return {
    name: 'guardduty/finding.json',
    collect: async (ctx) =>
      withoutMetadata(
        await ctx.call('guardduty:GetFindings', () =>
          ctx.clients.guardDuty.getFindings({ DetectorId: ref.detectorId, FindingIds: [ref.findingId] }),
        ),
      ),
  };
}
