/**
 * zod schemas for the three EventBridge events cordon receives, Powertools style: one base envelope schema,
 * extended per event with a literal `source`, `detail-type` and a typed `detail`.
 *
 * Strict on the fields cordon reads (identifiers, accounts, severities, resources); tolerant of everything else.
 * Objects use zod's default "strip" mode: unknown keys (including test artifacts such as Custodian's top-level
 * `debug: true`) are accepted and dropped, so hostile keys like `__proto__` never reach cordon's objects.
 * Free-form maps (tags, ProductFields) are parsed as `unknown` and read through {@link readStringMap}.
 */
import * as z from 'zod';
import { AccountIdSchema, RegionSchema } from '../kernel/ids.js';

/** Account ids and region names are kernel id schemas; re-exported for the finding schemas' users. */
export { AccountIdSchema, RegionSchema };

/** Upper bound for identifier-like strings: generous, but stops multi-megabyte junk early. */
const MAX_ID = 2048;
/** Upper bound for free text (titles, descriptions); ASFF allows 1024 for Description. */
const MAX_TEXT = 16_384;

const IdString = z.string().min(1, 'must not be empty').max(MAX_ID);
const Text = z.string().max(MAX_TEXT);
const Timestamp = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 timestamp');

/** The EventBridge envelope every event shares. `detail` is refined per event. */
export const EventBridgeEnvelopeSchema = z.object({
  version: z.string().max(16),
  id: IdString,
  'detail-type': z.string().max(256),
  source: z.string().max(256),
  /** The account the event was delivered in (the security account for delegated administrators). */
  account: AccountIdSchema,
  time: Timestamp,
  region: RegionSchema,
  resources: z.array(z.string().max(MAX_ID)).max(100),
  detail: z.unknown(),
  'replay-name': z.string().max(256).optional(),
});
export type EventBridgeEnvelope = z.infer<typeof EventBridgeEnvelopeSchema>;

// ---------------------------------------------------------------------------------------------------------
// GuardDuty (camelCase wire names, GetFindings shape)
// ---------------------------------------------------------------------------------------------------------

const GdTagListSchema = z
  .array(z.object({ key: z.string().max(128), value: z.string().max(256).nullish() }))
  .max(100);

const GdSecurityGroupSchema = z.object({
  groupId: z.string().max(64).nullish(),
  groupName: z.string().nullish(),
});

const GdNetworkInterfaceSchema = z.object({
  networkInterfaceId: z.string().max(64).nullish(),
  vpcId: z.string().max(64).nullish(),
  subnetId: z.string().max(64).nullish(),
  privateIpAddress: z.string().max(64).nullish(),
  securityGroups: z.array(GdSecurityGroupSchema).max(32).nullish(),
});

export const GdInstanceDetailsSchema = z.object({
  instanceId: z.string().max(64).nullish(),
  iamInstanceProfile: z.object({ arn: z.string().max(MAX_ID).nullish(), id: z.string().nullish() }).nullish(),
  networkInterfaces: z.array(GdNetworkInterfaceSchema).max(64).nullish(),
  tags: GdTagListSchema.nullish(),
  outpostArn: z.string().nullish(),
});

export const GdAccessKeyDetailsSchema = z.object({
  accessKeyId: z.string().max(128).nullish(),
  principalId: z.string().max(MAX_ID).nullish(),
  userName: z.string().max(MAX_ID).nullish(),
  userType: z.string().max(64).nullish(),
});

const GdS3BucketSchema = z.object({
  arn: z.string().max(MAX_ID).nullish(),
  name: z.string().max(MAX_ID).nullish(),
  tags: GdTagListSchema.nullish(),
});

const GdEksClusterSchema = z.object({
  name: z.string().max(MAX_ID).nullish(),
  arn: z.string().max(MAX_ID).nullish(),
  vpcId: z.string().max(64).nullish(),
  tags: GdTagListSchema.nullish(),
});

/** GuardDuty's RDS block (`RdsDbInstanceDetails`; RDS Protection findings). */
const GdRdsDbInstanceSchema = z.object({
  dbInstanceIdentifier: z.string().max(MAX_ID).nullish(),
  dbInstanceArn: z.string().max(MAX_ID).nullish(),
  dbClusterIdentifier: z.string().max(MAX_ID).nullish(),
  dbiResourceId: z.string().max(MAX_ID).nullish(),
  engine: z.string().max(128).nullish(),
  engineVersion: z.string().max(128).nullish(),
  tags: GdTagListSchema.nullish(),
});

const GdLambdaSchema = z.object({
  functionName: z.string().max(MAX_ID).nullish(),
  functionArn: z.string().max(MAX_ID).nullish(),
  functionVersion: z.string().max(MAX_ID).nullish(),
  /** The execution role's ARN. */
  role: z.string().max(MAX_ID).nullish(),
  tags: GdTagListSchema.nullish(),
});

/**
 * GuardDuty's ECS block (`EcsClusterDetails`; Runtime Monitoring findings on ECS): the cluster, and the task the
 * finding is about in `taskDetails`.
 */
const GdEcsClusterSchema = z.object({
  name: z.string().max(MAX_ID).nullish(),
  arn: z.string().max(MAX_ID).nullish(),
  tags: GdTagListSchema.nullish(),
  taskDetails: z
    .object({
      arn: z.string().max(MAX_ID).nullish(),
      definitionArn: z.string().max(MAX_ID).nullish(),
      launchType: z.string().max(64).nullish(),
      tags: GdTagListSchema.nullish(),
    })
    .nullish(),
});

/**
 * The Kubernetes user of an EKS audit-log finding (GuardDuty's KubernetesUserDetails). `sessionName` is a list in
 * the API reference; a single string is accepted too rather than refusing the whole finding over it.
 */
const GdKubernetesUserSchema = z.object({
  username: z.string().max(MAX_ID).nullish(),
  uid: z.string().max(MAX_ID).nullish(),
  groups: z.array(z.string().max(MAX_ID)).max(100).nullish(),
  sessionName: z.union([z.string().max(MAX_ID), z.array(z.string().max(MAX_ID)).max(100)]).nullish(),
});

export const GuardDutyResourceSchema = z.object({
  resourceType: z.string().min(1).max(128),
  instanceDetails: GdInstanceDetailsSchema.nullish(),
  accessKeyDetails: GdAccessKeyDetailsSchema.nullish(),
  s3BucketDetails: z.array(GdS3BucketSchema).max(100).nullish(),
  eksClusterDetails: GdEksClusterSchema.nullish(),
  lambdaDetails: GdLambdaSchema.nullish(),
  kubernetesDetails: z.object({ kubernetesUserDetails: GdKubernetesUserSchema.nullish() }).nullish(),
  rdsDbInstanceDetails: GdRdsDbInstanceSchema.nullish(),
  ecsClusterDetails: GdEcsClusterSchema.nullish(),
});

export const GuardDutyFindingDetailSchema = z.object({
  schemaVersion: z.string().max(16).optional(),
  accountId: AccountIdSchema,
  region: RegionSchema,
  partition: z
    .string()
    .regex(/^aws[a-z-]{0,20}$/, 'expected an AWS partition such as aws')
    .optional(),
  id: IdString,
  arn: z
    .string()
    .max(MAX_ID)
    .regex(
      /^arn:aws[a-z-]*:guardduty:[a-z0-9-]+:\d{12}:detector\/[^/]+\/finding\/[^/]+$/,
      'expected a GuardDuty finding ARN (arn:aws:guardduty:<region>:<account>:detector/<id>/finding/<id>)',
    ),
  type: z.string().min(1).max(512),
  resource: GuardDutyResourceSchema,
  severity: z.number().min(0).max(10),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  title: Text.optional(),
  description: Text.optional(),
  service: z
    .object({
      archived: z.boolean().nullish(),
      count: z.number().int().min(0).nullish(),
      /** First activity GuardDuty saw (start of the incident window); kept as text, read leniently. */
      eventFirstSeen: z.string().max(64).nullish(),
      // Either `{sample: true, ...}` (events) or `{value: "<json>", type: "default"}` (newer API shape).
      additionalInfo: z.unknown().optional(),
      // The activity; only its remote IP details are read (findings/remote.ts), leniently.
      action: z.unknown().optional(),
    })
    .nullish(),
});
export type GuardDutyFindingDetail = z.infer<typeof GuardDutyFindingDetailSchema>;

export const GUARDDUTY_FINDING_DETAIL_TYPE = 'GuardDuty Finding';
export const SECURITYHUB_IMPORTED_DETAIL_TYPE = 'Security Hub Findings - Imported';
export const SECURITYHUB_CUSTOM_ACTION_DETAIL_TYPE = 'Security Hub Findings - Custom Action';

export const GuardDutyFindingEventSchema = EventBridgeEnvelopeSchema.extend({
  source: z.literal('aws.guardduty'),
  'detail-type': z.literal(GUARDDUTY_FINDING_DETAIL_TYPE),
  detail: GuardDutyFindingDetailSchema,
});
export type GuardDutyFindingEvent = z.infer<typeof GuardDutyFindingEventSchema>;

// ---------------------------------------------------------------------------------------------------------
// Security Hub (ASFF, PascalCase)
// ---------------------------------------------------------------------------------------------------------

export const SEVERITY_LABEL_VALUES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

const AsffSeveritySchema = z
  .object({
    Label: z.enum(SEVERITY_LABEL_VALUES).optional(),
    Normalized: z.number().min(0).max(100).optional(),
    Product: z.number().min(0).optional(),
    Original: z.string().max(256).optional(),
  })
  .refine(
    (s) => s.Label !== undefined || s.Normalized !== undefined || s.Product !== undefined,
    'expected Label, Normalized or Product',
  );

const AsffEc2InstanceDetailsSchema = z.object({
  VpcId: z.string().max(64).optional(),
  SubnetId: z.string().max(64).optional(),
  IamInstanceProfileArn: z.string().max(MAX_ID).optional(),
  NetworkInterfaces: z
    .array(z.object({ NetworkInterfaceId: z.string().max(64).optional() }))
    .max(64)
    .optional(),
});

const AsffIamAccessKeyDetailsSchema = z.object({
  UserName: z.string().max(MAX_ID).nullish(),
  PrincipalName: z.string().max(MAX_ID).nullish(),
  PrincipalType: z.string().max(64).nullish(),
  PrincipalId: z.string().max(MAX_ID).nullish(),
  AccessKeyId: z.string().max(128).nullish(),
  AccountId: z.string().max(16).nullish(),
});

const AsffResourceDetailsSchema = z.object({
  AwsEc2Instance: AsffEc2InstanceDetailsSchema.optional(),
  AwsIamUser: z.object({ UserName: z.string().max(MAX_ID).optional() }).optional(),
  AwsIamAccessKey: AsffIamAccessKeyDetailsSchema.optional(),
  AwsIamRole: z.object({ RoleName: z.string().max(MAX_ID).optional() }).optional(),
  AwsEksCluster: z.object({ Name: z.string().max(MAX_ID).optional() }).optional(),
  AwsLambdaFunction: z
    .object({ FunctionName: z.string().max(MAX_ID).optional(), Role: z.string().max(MAX_ID).optional() })
    .optional(),
  AwsRdsDbInstance: z
    .object({
      DbInstanceIdentifier: z.string().max(MAX_ID).optional(),
      DbClusterIdentifier: z.string().max(MAX_ID).optional(),
      Engine: z.string().max(128).optional(),
    })
    .optional(),
});

export const AsffResourceSchema = z.object({
  Type: z.string().min(1).max(256),
  Id: IdString,
  Partition: z.string().max(32).optional(),
  Region: z.string().max(32).optional(),
  /** A string→string map in ASFF; read with {@link readStringMap}. */
  Tags: z.unknown().optional(),
  Details: AsffResourceDetailsSchema.optional(),
});
export type AsffResource = z.infer<typeof AsffResourceSchema>;

export const AsffFindingSchema = z.object({
  SchemaVersion: z.string().max(32).optional(),
  Id: z.string().min(1, 'must not be empty').max(512),
  ProductArn: z
    .string()
    .max(MAX_ID)
    .regex(
      /^arn:aws[a-z-]*:securityhub:[a-z0-9-]*:\d{0,12}:product\/.+$/,
      'expected a Security Hub product ARN',
    ),
  ProductName: z.string().max(256).optional(),
  CompanyName: z.string().max(256).optional(),
  Region: RegionSchema.optional(),
  GeneratorId: z.string().max(MAX_ID).optional(),
  AwsAccountId: AccountIdSchema,
  Types: z.array(z.string().max(MAX_ID)).max(50).optional(),
  CreatedAt: Timestamp,
  UpdatedAt: Timestamp,
  /** First activity the product saw (start of the incident window); kept as text, read leniently. */
  FirstObservedAt: z.string().max(64).nullish(),
  Severity: AsffSeveritySchema,
  Title: Text.optional(),
  Description: Text.optional(),
  /** A string→string map; read with {@link readStringMap}. */
  ProductFields: z.unknown().optional(),
  /** Network activity (source, destination, direction); read leniently for display (findings/remote.ts). */
  Network: z.unknown().optional(),
  Resources: z.array(AsffResourceSchema).min(1, 'expected at least one resource').max(32),
  Workflow: z.object({ Status: z.enum(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']) }).optional(),
  /** Deprecated predecessor of Workflow.Status; still sent by older integrations. */
  WorkflowState: z.string().max(32).optional(),
  RecordState: z.enum(['ACTIVE', 'ARCHIVED']).optional(),
  FindingProviderFields: z.object({ Types: z.array(z.string().max(MAX_ID)).max(50).optional() }).optional(),
});
export type AsffFinding = z.infer<typeof AsffFindingSchema>;

export const SecurityHubImportedEventSchema = EventBridgeEnvelopeSchema.extend({
  source: z.literal('aws.securityhub'),
  'detail-type': z.literal(SECURITYHUB_IMPORTED_DETAIL_TYPE),
  detail: z.object({ findings: z.array(AsffFindingSchema).min(1, 'expected at least one finding').max(100) }),
});
export type SecurityHubImportedEvent = z.infer<typeof SecurityHubImportedEventSchema>;

export const SecurityHubCustomActionEventSchema = EventBridgeEnvelopeSchema.extend({
  source: z.literal('aws.securityhub'),
  'detail-type': z.literal(SECURITYHUB_CUSTOM_ACTION_DETAIL_TYPE),
  /** The custom action ARN `arn:<partition>:securityhub:<region>:<account>:action/custom/<Id>`. */
  resources: z
    .array(
      z
        .string()
        .max(MAX_ID)
        .regex(
          /^arn:aws[a-z-]*:securityhub:[a-z0-9-]+:\d{12}:action\/custom\/[A-Za-z0-9]{1,20}$/,
          'expected a custom action ARN (arn:aws:securityhub:<region>:<account>:action/custom/<Id>)',
        ),
    )
    .length(1, 'expected exactly one custom action ARN'),
  detail: z.object({
    actionName: z.string().max(256),
    actionDescription: z.string().max(MAX_TEXT).optional(),
    findings: z.array(AsffFindingSchema).min(1, 'expected at least one finding').max(100),
  }),
});
export type SecurityHubCustomActionEvent = z.infer<typeof SecurityHubCustomActionEventSchema>;

export { readStringMap, tagListToRecord } from './string-maps.js';
