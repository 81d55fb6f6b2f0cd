/**
 * The security-account IAM actions each Lambda's code calls. Terraform's least-privilege test compares every
 * function role with this table, so a new AWS call in the code fails CI until the role (and this list) say so.
 *
 * DynamoDB: a TransactWriteItems is authorised per item operation (PutItem, UpdateItem, DeleteItem,
 * ConditionCheckItem), so those appear instead of `dynamodb:TransactWriteItems`. The member-account actions
 * (EC2, IAM...) are not here: the worker reaches them only through `sts:AssumeRole` into the member role, whose
 * permissions are the union of the registered actions' declared permissions and the evidence collectors' reads
 * (functions/lib/evidence/kinds.ts). The API assumes only the read-only lookup role (ec2:DescribeInstances), to
 * resolve a Name tag for the request form.
 */

/** The Lambda functions of the security account. */
export const FUNCTION_NAMES = ['triage', 'approve', 'isolate', 'expire', 'api', 'console'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** What an IAM action is granted on, so Terraform can scope the resource of each statement. */
export type PermissionResource =
  /** the isolations table and its indexes (`<table arn>` and `<table arn>/index/*`) */
  | 'table'
  /** the notifications topic */
  | 'topic'
  /** the isolate worker function */
  | 'worker'
  /** `arn:<partition>:iam::*:role/<member role name>` */
  | 'member-role'
  /** `arn:<partition>:iam::*:role/<lookup role name>`: the member accounts' read-only lookup role (the API's) */
  | 'lookup-role'
  /** Security Hub findings (`*`: BatchUpdateFindings, GetFindings and BatchImportFindings take no
   * resource-level scoping beyond the hub/product ARN) */
  | 'securityhub'
  /** the evidence bucket's objects (`<bucket arn>/*`) */
  | 'evidence-bucket'
  /** the evidence bucket's KMS key, only through S3 for the bucket's objects (Terraform adds the conditions) */
  | 'evidence-key'
  /** the evidence bucket's manifests (`<bucket arn>/*\/manifest.json`): the API's evidence check reads them */
  | 'evidence-manifests'
  /** the evidence bucket's object versions (`<bucket arn>/*`), for S3's checksums of each (GetObjectAttributes) */
  | 'evidence-versions'
  /** the evidence key, only through S3 and only for manifests (Terraform adds the conditions) */
  | 'evidence-manifest-key';

const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:Query'] as const;
const TABLE_WRITE = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
] as const;
// GetFindings: every write-back reads the finding first, so it never reopens an analyst's RESOLVED or SUPPRESSED
// finding nor overwrites their note (report/finding-state.ts).
const WRITE_BACK = [
  'securityhub:BatchUpdateFindings',
  'securityhub:BatchImportFindings',
  'securityhub:GetFindings',
] as const;

/** Each function's IAM actions with the resource they apply to. */
export const FUNCTION_PERMISSION_STATEMENTS: Readonly<
  Record<FunctionName, readonly { resource: PermissionResource; actions: readonly string[] }[]>
> = {
  triage: [
    { resource: 'table', actions: [...TABLE_READ, ...TABLE_WRITE] },
    { resource: 'worker', actions: ['lambda:InvokeFunction'] },
    { resource: 'securityhub', actions: WRITE_BACK },
    { resource: 'topic', actions: ['sns:Publish'] },
  ],
  approve: [
    { resource: 'table', actions: [...TABLE_READ, ...TABLE_WRITE] },
    { resource: 'worker', actions: ['lambda:InvokeFunction'] },
    { resource: 'securityhub', actions: WRITE_BACK },
    { resource: 'topic', actions: ['sns:Publish'] },
  ],
  isolate: [
    { resource: 'table', actions: [...TABLE_READ, ...TABLE_WRITE] },
    { resource: 'member-role', actions: ['sts:AssumeRole'] },
    { resource: 'securityhub', actions: WRITE_BACK },
    { resource: 'topic', actions: ['sns:Publish'] },
    // Evidence (evidence/storage.ts): single-request PutObject with SSE-KMS, so S3 asks KMS for a data key on the
    // worker's behalf. The worker never reads evidence back. STS GetCallerIdentity (the manifest's collecting
    // principal) needs no permission.
    { resource: 'evidence-bucket', actions: ['s3:PutObject'] },
    { resource: 'evidence-key', actions: ['kms:GenerateDataKey'] },
  ],
  expire: [
    { resource: 'table', actions: [...TABLE_READ, ...TABLE_WRITE] },
    // Restarts the worker for approved or lease-expired records that no worker is running.
    { resource: 'worker', actions: ['lambda:InvokeFunction'] },
    { resource: 'securityhub', actions: WRITE_BACK },
    { resource: 'topic', actions: ['sns:Publish'] },
  ],
  api: [
    { resource: 'table', actions: [...TABLE_READ, ...TABLE_WRITE] },
    { resource: 'worker', actions: ['lambda:InvokeFunction'] },
    { resource: 'securityhub', actions: WRITE_BACK },
    { resource: 'topic', actions: ['sns:Publish'] },
    // The evidence check (evidence/stored-check.ts): manifests' content, and each artifact version's S3 checksum.
    // S3 authorises GetObjectAttributes on a version with GetObjectVersion plus GetObjectVersionAttributes, so S3
    // lets the role ask for any artifact version, but KMS decrypts only manifests for it (and S3 serves SSE-KMS
    // content only after decrypting): artifact content stays readable by the forensics role alone.
    { resource: 'evidence-manifests', actions: ['s3:GetObject'] },
    { resource: 'evidence-versions', actions: ['s3:GetObjectVersion', 's3:GetObjectVersionAttributes'] },
    { resource: 'evidence-manifest-key', actions: ['kms:Decrypt'] },
    // The request form's Name lookup (api/instance-lookup.ts): the member accounts' lookup role, which allows
    // ec2:DescribeInstances alone. Never the member (containment) role: only the worker assumes that one.
    { resource: 'lookup-role', actions: ['sts:AssumeRole'] },
  ],
  // Serves the web console's files from its own bundle: it calls no AWS API at all.
  console: [],
};

/** The security-account IAM actions each Lambda's code calls, sorted. */
export const FUNCTION_PERMISSIONS: Readonly<Record<FunctionName, string[]>> = Object.fromEntries(
  FUNCTION_NAMES.map((name) => [
    name,
    [...new Set(FUNCTION_PERMISSION_STATEMENTS[name].flatMap((s) => s.actions))].sort(),
  ]),
) as Record<FunctionName, string[]>;
