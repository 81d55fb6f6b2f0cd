/**
 * Evidence of an IAM access key: its owner described like an IAM user (iam-reads.ts; the keys artifact has this
 * key's last use) and the CloudTrail events made with this key over the evidence window (`AccessKeyId`, the
 * narrowest lookup CloudTrail offers: only what this credential did).
 */
import type { IamAccessKeyResource } from '../findings/model.js';
import { CLOUDTRAIL_LOOKUP, cloudTrailStep } from './cloudtrail.js';
import { defineKindEvidence } from './collector.js';
import { MANAGED_POLICY_SCOPING, USER_READS, userSteps } from './iam-reads.js';

export const iamAccessKeyEvidence = defineKindEvidence<IamAccessKeyResource>({
  type: 'iam-access-key',
  permissions: [...USER_READS, 'cloudtrail:LookupEvents'],
  scoping: { ...MANAGED_POLICY_SCOPING, ...CLOUDTRAIL_LOOKUP },
  steps: [
    ...userSteps<IamAccessKeyResource>((key) => key.userName),
    cloudTrailStep<IamAccessKeyResource>((key) => ({ key: 'AccessKeyId', value: key.accessKeyId })),
  ],
});
