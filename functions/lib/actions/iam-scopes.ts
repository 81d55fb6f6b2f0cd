/**
 * The member-role statements the actions declare for their permissions (`scoping` in contract.ts): each is the
 * narrowest resource and condition IAM offers for what the action does. Resource types and condition keys follow
 * the Service Authorization Reference; docs/iam.md explains each statement and what IAM cannot narrow.
 *
 * Data only (no AWS SDK): the action modules import what they declare, scripts/terraform-permissions.ts turns it
 * into terraform/modules/member-role/permissions.json.
 */
import type { PermissionScope } from './contract.js';

const INSTANCES_OF_THIS_ACCOUNT = 'arn:${partition}:ec2:*:${account_id}:instance/*';
const GROUPS_OF_THIS_ACCOUNT = 'arn:${partition}:ec2:*:${account_id}:security-group/*';
const USERS_OF_THIS_ACCOUNT = 'arn:${partition}:iam::${account_id}:user/*';
const ROLES_OF_THIS_ACCOUNT = 'arn:${partition}:iam::${account_id}:role/*';
/**
 * Tag key that marks cordon's security groups and says which one it is (isolate-ec2-instance/groups.ts). Declared
 * here, with the statements that rely on it, so that this data module loads no action code.
 */
export const ROLE_TAG = 'cordon:role';
/** The values of ROLE_TAG on cordon's two groups (groups.ts). */
const CORDON_GROUP_ROLES = ['isolation', 'flow-cut'];

/** Only `cordon:*` tag keys; the Null test stops a request without keys (DeleteTags of every tag). */
const CORDON_TAG_KEYS_ONLY = [
  { test: 'ForAllValues:StringLike', variable: 'aws:TagKeys', values: ['cordon:*'] },
  // ForAllValues holds when the key is absent: a DeleteTags without keys (every tag) must not match.
  { test: 'Null', variable: 'aws:TagKeys', values: ['false'] },
];

export const CORDON_GROUP_RULES: PermissionScope = {
  sid: 'RulesOfCordonGroupsOnly',
  resources: [GROUPS_OF_THIS_ACCOUNT],
  conditions: [{ test: 'StringEquals', variable: `aws:ResourceTag/${ROLE_TAG}`, values: CORDON_GROUP_ROLES }],
  why: `Only cordon's isolation and flow-cut groups, tagged ${ROLE_TAG} at creation.`,
};

export const CREATE_CORDON_GROUPS: PermissionScope = {
  sid: 'CreateOnlyCordonGroups',
  resources: [GROUPS_OF_THIS_ACCOUNT],
  conditions: [{ test: 'StringEquals', variable: `aws:RequestTag/${ROLE_TAG}`, values: CORDON_GROUP_ROLES }],
  why: `A group may be created only tagged ${ROLE_TAG}=isolation or flow-cut.`,
};

export const CREATE_GROUPS_IN_ANY_VPC: PermissionScope = {
  sid: 'CreateGroupsInAnyVpc',
  resources: ['arn:${partition}:ec2:*:*:vpc/*'],
  why: 'Also authorised on the VPC, which in a shared VPC belongs to the owner account.',
};

export const TAG_CORDON_GROUPS_ON_CREATE: PermissionScope = {
  sid: 'TagCordonGroupsOnCreate',
  resources: [GROUPS_OF_THIS_ACCOUNT],
  conditions: [
    { test: 'StringEquals', variable: 'ec2:CreateAction', values: ['CreateSecurityGroup'] },
    { test: 'ForAllValues:StringEquals', variable: 'aws:TagKeys', values: [ROLE_TAG, 'Name'] },
  ],
  why: `Tag-on-create only, ${ROLE_TAG} and Name only: no existing group can be tagged as cordon's.`,
};

export const TAG_SNAPSHOTS_ON_CREATE: PermissionScope = {
  sid: 'TagEvidenceSnapshotsOnCreate',
  resources: ['arn:${partition}:ec2:*::snapshot/*'],
  conditions: [{ test: 'StringEquals', variable: 'ec2:CreateAction', values: ['CreateSnapshots'] }],
  why: 'Tag-on-create of evidence snapshots only; snapshot ARNs carry no account id.',
};

export const CORDON_TAGS_ON_INSTANCES: PermissionScope = {
  sid: 'CordonTagsOnInstances',
  resources: [INSTANCES_OF_THIS_ACCOUNT],
  conditions: CORDON_TAG_KEYS_ONLY,
  why: 'cordon:* marks on instances of this account, never a keyless DeleteTags.',
};

export const INSTANCES: PermissionScope = {
  sid: 'Ec2InstancesOfThisAccount',
  resources: [INSTANCES_OF_THIS_ACCOUNT],
  why: 'Instance profile and metadata changes act on the instance, always of this account.',
};

export const PASS_ROLE_BACK_TO_EC2: PermissionScope = {
  sid: 'PassRoleBackToEc2Only',
  resources: [ROLES_OF_THIS_ACCOUNT],
  conditions: [
    { test: 'StringEquals', variable: 'iam:PassedToService', values: ['ec2.amazonaws.com'] },
    { test: 'ArnLike', variable: 'iam:AssociatedResourceArn', values: [INSTANCES_OF_THIS_ACCOUNT] },
  ],
  why: 'Release re-associates the recorded profile: only to EC2, only for an instance of this account.',
};

export const REVOKE_ROLE_SESSIONS: PermissionScope = {
  sid: 'IamRevokeRoleSessions',
  resources: [ROLES_OF_THIS_ACCOUNT],
  why: 'The aws:TokenIssueTime deny policy on a role; IAM cannot condition inline policies (docs/iam.md).',
};

export const CONTAIN_USERS: PermissionScope = {
  sid: 'IamContainUsers',
  resources: [USERS_OF_THIS_ACCOUNT],
  why: 'Containment of users of this account; IAM cannot condition inline policies or keys (docs/iam.md).',
};

export const CORDON_TAGS_ON_USERS: PermissionScope = {
  sid: 'IamCordonTagsOnUsers',
  resources: [USERS_OF_THIS_ACCOUNT],
  conditions: CORDON_TAG_KEYS_ONLY,
  why: 'cordon:* marks on users only.',
};

export const ATTACH_DENY_ALL_ONLY: PermissionScope = {
  sid: 'AttachOnlyAwsDenyAllToUsers',
  resources: [USERS_OF_THIS_ACCOUNT],
  conditions: [
    { test: 'ArnEquals', variable: 'iam:PolicyARN', values: ['arn:${partition}:iam::aws:policy/AWSDenyAll'] },
  ],
  why: 'Only AWSDenyAll (inline quota full), never another managed policy.',
};

/** isolate-ec2-instance's scoped permissions. */
export const ISOLATE_EC2_INSTANCE_SCOPING: Readonly<Record<string, readonly PermissionScope[]>> = {
  'ec2:AuthorizeSecurityGroupIngress': [CORDON_GROUP_RULES],
  'ec2:AuthorizeSecurityGroupEgress': [CORDON_GROUP_RULES],
  'ec2:RevokeSecurityGroupIngress': [CORDON_GROUP_RULES],
  'ec2:RevokeSecurityGroupEgress': [CORDON_GROUP_RULES],
  'ec2:CreateSecurityGroup': [CREATE_CORDON_GROUPS, CREATE_GROUPS_IN_ANY_VPC],
  'ec2:CreateTags': [TAG_CORDON_GROUPS_ON_CREATE, TAG_SNAPSHOTS_ON_CREATE, CORDON_TAGS_ON_INSTANCES],
  'ec2:DeleteTags': [CORDON_TAGS_ON_INSTANCES],
  'ec2:AssociateIamInstanceProfile': [INSTANCES],
  'ec2:DisassociateIamInstanceProfile': [INSTANCES],
  'ec2:ModifyInstanceMetadataOptions': [INSTANCES],
  'iam:PassRole': [PASS_ROLE_BACK_TO_EC2],
  'iam:PutRolePolicy': [REVOKE_ROLE_SESSIONS],
  'iam:DeleteRolePolicy': [REVOKE_ROLE_SESSIONS],
};

/** revoke-role-sessions' scoped permissions. */
export const REVOKE_ROLE_SESSIONS_SCOPING: Readonly<Record<string, readonly PermissionScope[]>> = {
  'iam:PutRolePolicy': [REVOKE_ROLE_SESSIONS],
  'iam:DeleteRolePolicy': [REVOKE_ROLE_SESSIONS],
};

/** disable-access-key's scoped permissions. */
export const DISABLE_ACCESS_KEY_SCOPING: Readonly<Record<string, readonly PermissionScope[]>> = {
  'iam:UpdateAccessKey': [CONTAIN_USERS],
  'iam:PutUserPolicy': [CONTAIN_USERS],
  'iam:DeleteUserPolicy': [CONTAIN_USERS],
};

/** isolate-iam-user's scoped permissions. */
export const ISOLATE_IAM_USER_SCOPING: Readonly<Record<string, readonly PermissionScope[]>> = {
  'iam:PutUserPolicy': [CONTAIN_USERS],
  'iam:DeleteUserPolicy': [CONTAIN_USERS],
  'iam:UpdateAccessKey': [CONTAIN_USERS],
  'iam:UpdateSSHPublicKey': [CONTAIN_USERS],
  'iam:UpdateSigningCertificate': [CONTAIN_USERS],
  'iam:DeleteLoginProfile': [CONTAIN_USERS],
  'iam:TagUser': [CORDON_TAGS_ON_USERS],
  'iam:UntagUser': [CORDON_TAGS_ON_USERS],
  'iam:AttachUserPolicy': [ATTACH_DENY_ALL_ONLY],
  'iam:DetachUserPolicy': [ATTACH_DENY_ALL_ONLY],
};

/**
 * S3 bucket ARNs carry no account, so the statement names the account with `aws:ResourceAccount` (which S3
 * sets to the bucket owner's account): the member role can change only buckets of its own account.
 */
export const BUCKETS_OF_THIS_ACCOUNT: PermissionScope = {
  sid: 'S3BucketsOfThisAccount',
  resources: ['arn:${partition}:s3:::*'],
  conditions: [{ test: 'StringEquals', variable: 'aws:ResourceAccount', values: ['${account_id}'] }],
  why: "Bucket ARNs carry no account id: aws:ResourceAccount limits the role to its own account's buckets.",
};

/** isolate-s3-bucket's scoped permissions: every one, reads included, on buckets of this account only. */
export const ISOLATE_S3_BUCKET_SCOPING: Readonly<Record<string, readonly PermissionScope[]>> = {
  's3:GetBucketTagging': [BUCKETS_OF_THIS_ACCOUNT],
  's3:GetBucketPublicAccessBlock': [BUCKETS_OF_THIS_ACCOUNT],
  's3:PutBucketPublicAccessBlock': [BUCKETS_OF_THIS_ACCOUNT],
  's3:GetBucketPolicy': [BUCKETS_OF_THIS_ACCOUNT],
  's3:PutBucketPolicy': [BUCKETS_OF_THIS_ACCOUNT],
  's3:DeleteBucketPolicy': [BUCKETS_OF_THIS_ACCOUNT],
};

/** Lambda functions of this account, every qualifier included (`function:<name>` and `function:<name>:<qualifier>`). */
export const FUNCTIONS_OF_THIS_ACCOUNT: PermissionScope = {
  sid: 'LambdaFunctionsOfThisAccount',
  resources: ['arn:${partition}:lambda:*:${account_id}:function:*'],
  why: "Functions of this account only; IAM offers no condition that narrows concurrency, URL or resource-policy changes to cordon's own (docs/iam.md).",
};

/** isolate-lambda-function's scoped permissions: every Lambda one, reads included; the IAM ones as revoke-role-sessions. */
export const ISOLATE_LAMBDA_FUNCTION_SCOPING: Readonly<Record<string, readonly PermissionScope[]>> = {
  'lambda:ListTags': [FUNCTIONS_OF_THIS_ACCOUNT],
  'lambda:GetFunctionConfiguration': [FUNCTIONS_OF_THIS_ACCOUNT],
  'lambda:GetFunctionConcurrency': [FUNCTIONS_OF_THIS_ACCOUNT],
  'lambda:PutFunctionConcurrency': [FUNCTIONS_OF_THIS_ACCOUNT],
  'lambda:DeleteFunctionConcurrency': [FUNCTIONS_OF_THIS_ACCOUNT],
  'lambda:GetFunctionUrlConfig': [FUNCTIONS_OF_THIS_ACCOUNT],
  'lambda:UpdateFunctionUrlConfig': [FUNCTIONS_OF_THIS_ACCOUNT],
  'lambda:GetPolicy': [FUNCTIONS_OF_THIS_ACCOUNT],
  'lambda:RemovePermission': [FUNCTIONS_OF_THIS_ACCOUNT],
  'lambda:AddPermission': [FUNCTIONS_OF_THIS_ACCOUNT],
  'iam:PutRolePolicy': [REVOKE_ROLE_SESSIONS],
  'iam:DeleteRolePolicy': [REVOKE_ROLE_SESSIONS],
};

/** RDS instances of this account, any region: the ones cordon reads, snapshots and modifies. */
export const RDS_INSTANCES: PermissionScope = {
  sid: 'RdsInstancesOfThisAccount',
  resources: ['arn:${partition}:rds:*:${account_id}:db:*'],
  why: 'DB instances of this account: read, tags read, snapshot taken, public access and groups changed.',
};

/** Aurora clusters of this account: their security groups are changed (they belong to the cluster). */
export const RDS_CLUSTERS: PermissionScope = {
  sid: 'RdsClustersOfThisAccount',
  resources: ['arn:${partition}:rds:*:${account_id}:cluster:*'],
  why: "Aurora clusters of this account: read, snapshot taken, security groups changed (they are the cluster's).",
};

/** The evidence snapshots: created, and read back to find one an earlier run took. */
export const RDS_SNAPSHOTS: PermissionScope = {
  sid: 'RdsEvidenceSnapshotsOfThisAccount',
  resources: [
    'arn:${partition}:rds:*:${account_id}:snapshot:*',
    'arn:${partition}:rds:*:${account_id}:cluster-snapshot:*',
  ],
  why: 'Evidence snapshots of this account (DB and cluster snapshots), named after the isolation.',
};

/** isolate-rds-instance's scoped permissions: RDS on this account's instances, clusters and snapshots only. */
export const ISOLATE_RDS_INSTANCE_SCOPING: Readonly<Record<string, readonly PermissionScope[]>> = {
  'rds:DescribeDBInstances': [RDS_INSTANCES],
  'rds:ListTagsForResource': [RDS_INSTANCES],
  'rds:ModifyDBInstance': [RDS_INSTANCES],
  'rds:CreateDBSnapshot': [RDS_INSTANCES, RDS_SNAPSHOTS],
  'rds:DescribeDBSnapshots': [RDS_INSTANCES, RDS_SNAPSHOTS],
  'rds:DescribeDBClusters': [RDS_CLUSTERS],
  'rds:ModifyDBCluster': [RDS_CLUSTERS],
  'rds:CreateDBClusterSnapshot': [RDS_CLUSTERS, RDS_SNAPSHOTS],
  'rds:DescribeDBClusterSnapshots': [RDS_CLUSTERS, RDS_SNAPSHOTS],
  'ec2:RevokeSecurityGroupIngress': [CORDON_GROUP_RULES],
  'ec2:RevokeSecurityGroupEgress': [CORDON_GROUP_RULES],
  'ec2:CreateSecurityGroup': [CREATE_CORDON_GROUPS, CREATE_GROUPS_IN_ANY_VPC],
  'ec2:CreateTags': [TAG_CORDON_GROUPS_ON_CREATE],
};

/** ECS tasks of this account (task ARNs name the cluster: `task/<cluster>/<id>`; old-format ones do not). */
export const ECS_TASKS: PermissionScope = {
  sid: 'EcsTasksOfThisAccount',
  resources: ['arn:${partition}:ecs:*:${account_id}:task/*'],
  why: 'Tasks of this account: described (with tags) and, with stopTask, stopped. No condition narrows further: the targets are whatever task a finding names.',
};

/** isolate-ecs-task's scoped permissions; the group ones as isolate-rds-instance. */
export const ISOLATE_ECS_TASK_SCOPING: Readonly<Record<string, readonly PermissionScope[]>> = {
  'ecs:DescribeTasks': [ECS_TASKS],
  'ecs:StopTask': [ECS_TASKS],
  'ec2:RevokeSecurityGroupIngress': [CORDON_GROUP_RULES],
  'ec2:RevokeSecurityGroupEgress': [CORDON_GROUP_RULES],
  'ec2:CreateSecurityGroup': [CREATE_CORDON_GROUPS, CREATE_GROUPS_IN_ANY_VPC],
  'ec2:CreateTags': [TAG_CORDON_GROUPS_ON_CREATE],
};
