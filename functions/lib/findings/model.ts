/**
 * The normalised Finding: the one shape that GuardDuty events and Security Hub (ASFF) events both map to.
 * Everything downstream (policy, pipeline, API, CLI) works on these types only.
 */

import type { AwsAccountResource } from '../resources/aws-account.js';
import type { Ec2InstanceResource } from '../resources/ec2-instance.js';
import type { EcsTaskResource } from '../resources/ecs-task.js';
import type { EksClusterResource } from '../resources/eks-cluster.js';
import type { IamAccessKeyResource } from '../resources/iam-access-key.js';
import type { IamRoleResource } from '../resources/iam-role.js';
import type { IamUserResource } from '../resources/iam-user.js';
import type { IdentityCenterUserResource } from '../resources/identity-center-user.js';
import type { LambdaFunctionResource } from '../resources/lambda-function.js';
import type { OtherResource } from '../resources/other.js';
import type { RdsDbInstanceResource } from '../resources/rds-db-instance.js';
import type { S3BucketResource } from '../resources/s3-bucket.js';

/** The kinds of resource cordon knows (resources/registry.ts). Only some can be contained (the action registry). */
export { RESOURCE_TYPES } from '../resources/registry.js';
export type ResourceType = Resource['type'];

export type {
  AwsAccountResource,
  Ec2InstanceResource,
  EcsTaskResource,
  EksClusterResource,
  IamAccessKeyResource,
  IamRoleResource,
  IamUserResource,
  IdentityCenterUserResource,
  LambdaFunctionResource,
  OtherResource,
  RdsDbInstanceResource,
  S3BucketResource,
};
export type { NetworkInterfaceRef } from '../resources/ec2-instance.js';
export type { ResourceBase } from '../resources/kind.js';

export const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type SeverityLabel = (typeof SEVERITY_LABELS)[number];

export type FindingSource = 'guardduty' | 'securityhub';
export type WorkflowStatus = 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';
export type RecordState = 'ACTIVE' | 'ARCHIVED';

/** One interface per resource kind, each in its module under resources/. */
export type Resource =
  | Ec2InstanceResource
  | IamUserResource
  | IamAccessKeyResource
  | IamRoleResource
  | IdentityCenterUserResource
  | AwsAccountResource
  | S3BucketResource
  | LambdaFunctionResource
  | EksClusterResource
  | RdsDbInstanceResource
  | EcsTaskResource
  | OtherResource;

/** How the finding reached cordon. */
export type FindingChannel = 'guardduty-event' | 'securityhub-imported' | 'securityhub-custom-action';

export interface Finding {
  /**
   * Canonical key. For GuardDuty findings it is the GuardDuty finding ARN, whichever path the finding took
   * (GuardDuty event `detail.arn` === ASFF `Id` when ProductArn is `.../product/aws/guardduty`).
   * For other Security Hub findings it is `<ProductArn>/<Id>`.
   */
  key: string;
  /** Who produced the finding: GuardDuty (directly or via Security Hub) or another Security Hub product. */
  source: FindingSource;
  /** `GuardDuty`, `Security Hub`, `Inspector`, ... */
  productName: string;
  /** Finding type; for GuardDuty always the native type, e.g. `UnauthorizedAccess:EC2/SSHBruteForce`. */
  type: string;
  title: string;
  severity: { score: number; label: SeverityLabel };
  /** The member account that owns the resource (not the envelope's account). */
  accountId: string;
  region: string;
  createdAt: string;
  updatedAt: string;
  /**
   * How many times the source saw the activity, when it says: GuardDuty `service.count`, or the
   * `aws/guardduty/service/count` product field of its Security Hub twin. Rises when GuardDuty re-publishes.
   */
  count?: number;
  /**
   * When the activity was first seen (GuardDuty `service.eventFirstSeen`, ASFF `FirstObservedAt`), as an ISO
   * timestamp; absent when the source does not say or says something unreadable. Starts the incident window.
   */
  firstSeenAt?: string;
  /** The remote end of the activity, where GuardDuty names one (attacker-supplied context: shown, never trusted). */
  remote?: RemoteEndpoint;
  /** GuardDuty sample findings (`service.additionalInfo.sample` / `[SAMPLE]` / `ProductFields.sample`). */
  sample: boolean;
  workflowStatus?: WorkflowStatus;
  recordState?: RecordState;
  /** Identifiers needed for BatchUpdateFindings. Known for GuardDuty events too (Id = finding ARN). */
  securityHub: { id: string; productArn: string };
  resources: Resource[];
  channel: FindingChannel;
}

/** A remote IP address GuardDuty saw, with its geolocation and network owner as GuardDuty reports them. */
export interface RemoteEndpoint {
  ip: string;
  country?: string;
  city?: string;
  organization?: string;
}
