/**
 * Evidence of an IAM role: the role with its trust policy, inline and attached policies with their documents
 * (iam-reads.ts), and the CloudTrail events that name the role as a resource over the evidence window
 * (`ResourceName` = the role's ARN: who assumed it, and changes made to it). CloudTrail files the calls a role's
 * sessions made under each session's name, which LookupEvents cannot search by role: docs/evidence.md says so.
 */
import type { IamRoleResource } from '../findings/model.js';
import { identifyingArn } from '../resources/registry.js';
import { CLOUDTRAIL_LOOKUP, cloudTrailStep } from './cloudtrail.js';
import { defineKindEvidence } from './collector.js';
import { MANAGED_POLICY_SCOPING, ROLE_READS, roleReads } from './iam-reads.js';

export const iamRoleEvidence = defineKindEvidence<IamRoleResource>({
  type: 'iam-role',
  permissions: [...ROLE_READS, 'cloudtrail:LookupEvents'],
  scoping: { ...MANAGED_POLICY_SCOPING, ...CLOUDTRAIL_LOOKUP },
  steps: [
    { name: 'iam/role.json', collect: (ctx, role) => roleReads(ctx, role.roleName) },
    cloudTrailStep<IamRoleResource>((role) => ({
      key: 'ResourceName',
      value: identifyingArn(role),
    })),
  ],
});
