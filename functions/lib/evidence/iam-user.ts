/**
 * Evidence of an IAM user: the user, its inline and attached policies with their documents, its groups, its
 * access keys with their last use, its MFA devices and its login profile (iam-reads.ts), and the CloudTrail
 * events it made over the evidence window (`Username`).
 */
import type { IamUserResource } from '../findings/model.js';
import { CLOUDTRAIL_LOOKUP, cloudTrailStep } from './cloudtrail.js';
import { defineKindEvidence } from './collector.js';
import { MANAGED_POLICY_SCOPING, USER_READS, userSteps } from './iam-reads.js';

export const iamUserEvidence = defineKindEvidence<IamUserResource>({
  type: 'iam-user',
  permissions: [...USER_READS, 'cloudtrail:LookupEvents'],
  scoping: { ...MANAGED_POLICY_SCOPING, ...CLOUDTRAIL_LOOKUP },
  steps: [
    ...userSteps<IamUserResource>((user) => user.userName),
    cloudTrailStep<IamUserResource>((user) => ({ key: 'Username', value: user.userName })),
  ],
});
