/**
 * The normalised Finding: the one shape that GuardDuty events and Security Hub (ASFF) events both map to.
 * Everything downstream (policy, pipeline, API, CLI) works on these types only.
 */

/** The kinds of resource cordon knows. Only some of them can be contained (see the action registry). */
export const RESOURCE_TYPES = [
  'ec2-instance',
  'iam-user',
  'iam-access-key',
  'iam-role',
  's3-bucket',
  'eks-cluster',
  'identity-center-user',
  'aws-account',
  'other',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type SeverityLabel = (typeof SEVERITY_LABELS)[number];

export type FindingSource = 'guardduty' | 'securityhub';
export type WorkflowStatus = 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';
export type RecordState = 'ACTIVE' | 'ARCHIVED';

interface ResourceBase {
  /** Stable identifier within its type: instance id, user name, access key id, role name, bucket name... */
  id: string;
  /** Full ARN when known. */
  arn?: string;
  /** The member account that owns the resource. */
  accountId: string;
  region: string;
  /** Resource tags as seen in the finding (may be empty; actions re-read live tags before acting). */
  tags: Record<string, string>;
}

export interface NetworkInterfaceRef {
  id: string;
  vpcId?: string;
  subnetId?: string;
  privateIpAddress?: string;
  securityGroupIds: string[];
}

export interface Ec2InstanceResource extends ResourceBase {
  type: 'ec2-instance';
  vpcId?: string;
  subnetId?: string;
  networkInterfaces: NetworkInterfaceRef[];
  securityGroupIds: string[];
  instanceProfileArn?: string;
}

export interface IamUserResource extends ResourceBase {
  type: 'iam-user';
  userName: string;
}

export interface IamAccessKeyResource extends ResourceBase {
  type: 'iam-access-key';
  accessKeyId: string;
  /** The key's owner; GuardDuty gives it, and actions need it to call UpdateAccessKey cross-account. */
  userName: string;
}

export interface IamRoleResource extends ResourceBase {
  type: 'iam-role';
  roleName: string;
  /** For an AssumedRole principal: the session that was seen. */
  sessionName?: string;
}

/**
 * A person signed in through IAM Identity Center, seen as a session of an `AWSReservedSSO_<PermissionSet>_<hash>`
 * role (which AWS does not let anyone modify). `arn` is the assumed-role session ARN, so that protected-ARN
 * patterns can name Identity Center sessions apart from the role itself.
 */
export interface IdentityCenterUserResource extends ResourceBase {
  type: 'identity-center-user';
  /** The role session name: Identity Center sets it to the user's user name (often an email address). */
  userName: string;
  /** The `AWSReservedSSO_*` role the session was seen on, in `accountId`. */
  roleName: string;
  /** The permission set's name, from the role name. */
  permissionSetName: string;
}

export interface AwsAccountResource extends ResourceBase {
  type: 'aws-account';
  /** True when the finding is about the account's root user. cordon never contains root. */
  root: boolean;
}

export interface S3BucketResource extends ResourceBase {
  type: 's3-bucket';
}

export interface EksClusterResource extends ResourceBase {
  type: 'eks-cluster';
}

export interface OtherResource extends ResourceBase {
  type: 'other';
  /** The source's own resource type name, e.g. `AwsLambdaFunction` or `Container`. */
  sourceType: string;
}

export type Resource =
  | Ec2InstanceResource
  | IamUserResource
  | IamAccessKeyResource
  | IamRoleResource
  | IdentityCenterUserResource
  | AwsAccountResource
  | S3BucketResource
  | EksClusterResource
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
  /** GuardDuty sample findings (`service.additionalInfo.sample` / `[SAMPLE]` / `ProductFields.sample`). */
  sample: boolean;
  workflowStatus?: WorkflowStatus;
  recordState?: RecordState;
  /** Identifiers needed for BatchUpdateFindings. Known for GuardDuty events too (Id = finding ARN). */
  securityHub: { id: string; productArn: string };
  resources: Resource[];
  channel: FindingChannel;
}
