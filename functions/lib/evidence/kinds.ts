/**
 * Which resource kinds have an evidence collector: one line per kind, keyed by the kind registry's types
 * (resources/registry.ts). A kind without a line still gets the common artifacts (the finding and the decision).
 */
import type { Resource, ResourceType } from '../findings/model.js';
import { findKind } from '../resources/registry.js';
import { ConfigurationError } from '../errors.js';
import type { PermissionScope } from '../actions/contract.js';
import type { KindEvidence } from './collector.js';
import { findingEvidence } from './finding.js';
import { memoryCaptureEvidence } from './memory-capture.js';
import { ec2InstanceEvidence } from './ec2-instance.js';
import { iamUserEvidence } from './iam-user.js';
import { iamAccessKeyEvidence } from './iam-access-key.js';
import { iamRoleEvidence } from './iam-role.js';
import { s3BucketEvidence } from './s3-bucket.js';
import { lambdaFunctionEvidence } from './lambda-function.js';
import { rdsDbInstanceEvidence } from './rds-db-instance.js';
import { ecsTaskEvidence } from './ecs-task.js';

export const KIND_EVIDENCE: readonly KindEvidence[] = [
  ec2InstanceEvidence,
  iamUserEvidence,
  iamAccessKeyEvidence,
  iamRoleEvidence,
  s3BucketEvidence,
  lambdaFunctionEvidence,
  rdsDbInstanceEvidence,
  ecsTaskEvidence,
];

const BY_TYPE = new Map<ResourceType, KindEvidence>();
for (const evidence of KIND_EVIDENCE) {
  if (findKind(evidence.type) === undefined) {
    throw new ConfigurationError(
      `evidence collector for ${evidence.type}, which is not a registered resource kind`,
    );
  }
  BY_TYPE.set(evidence.type, evidence);
}

/** The collector of a resource's kind, or undefined when its kind has none. */
export function kindEvidenceOf(resource: Resource): KindEvidence | undefined {
  return BY_TYPE.get(resource.type);
}

/**
 * Everything evidence calls through the member role, as permission declarers (scripts/terraform-permissions.ts):
 * the kinds' collectors and the finding collector that every GuardDuty-origin isolation runs.
 */
export const EVIDENCE_DECLARERS: readonly {
  name: string;
  permissions: readonly string[];
  scoping?: Readonly<Record<string, readonly PermissionScope[]>>;
}[] = [...KIND_EVIDENCE, findingEvidence, memoryCaptureEvidence];
