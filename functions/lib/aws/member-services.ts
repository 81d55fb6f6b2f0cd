/**
 * The member-account services cordon calls, in one table: for each, the client type actions receive, the IAM
 * action prefix its permissions use and the SDK loader that builds it.
 *
 * Adding a service is one member of {@link MemberClients} plus one row of {@link MEMBER_SERVICE_TABLE}: the
 * table is typed by the interface's keys, so a service without a row (or a row that builds another service's
 * client) does not compile.
 */
import type { EC2 } from '@aws-sdk/client-ec2';
import type { IAM } from '@aws-sdk/client-iam';
import type { AutoScaling } from '@aws-sdk/client-auto-scaling';
import type { ElasticLoadBalancingV2 } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElasticLoadBalancing } from '@aws-sdk/client-elastic-load-balancing';
import type { SSOAdmin } from '@aws-sdk/client-sso-admin';
import type { Identitystore } from '@aws-sdk/client-identitystore';
import type { S3 } from '@aws-sdk/client-s3';
import type { GuardDuty } from '@aws-sdk/client-guardduty';
import type { CloudTrail } from '@aws-sdk/client-cloudtrail';
import type { Lambda } from '@aws-sdk/client-lambda';
import type { RDS } from '@aws-sdk/client-rds';
import type { SSM } from '@aws-sdk/client-ssm';
import type { ECS } from '@aws-sdk/client-ecs';
import { ConfigurationError } from '../errors.js';
import type { AwsClientConfig } from './client-config.js';
import { sdk } from './sdk.js';

/** AWS clients for one member account and region, already signed with the assumed member role. */
export interface MemberClients {
  ec2: EC2;
  iam: IAM;
  autoScaling: AutoScaling;
  elbv2: ElasticLoadBalancingV2;
  /** Classic Load Balancers (same IAM prefix as ELBv2: `elasticloadbalancing`). */
  elb: ElasticLoadBalancing;
  /** IAM Identity Center administration; only in the account that administers it (see `target`). */
  ssoAdmin: SSOAdmin;
  identityStore: Identitystore;
  /** S3 bucket containment (isolate-s3-bucket). */
  s3: S3;
  /** Evidence: GuardDuty's current copy of the finding (read only). */
  guardDuty: GuardDuty;
  /** Evidence: CloudTrail event history of the principal (read only). */
  cloudTrail: CloudTrail;
  /** Lambda function containment (isolate-lambda-function). */
  lambda: Lambda;
  /** RDS instance and Aurora cluster containment (isolate-rds-instance). */
  rds: RDS;
  /** Evidence: memory capture through Run Command, only where a rule asks for it (docs/evidence.md). */
  ssm: SSM;
  /** ECS task containment (isolate-ecs-task): describing and stopping tasks. */
  ecs: ECS;
}

/** A member-account service cordon calls: a key of {@link MemberClients}. */
export type MemberService = keyof MemberClients;

interface ServiceRow<K extends MemberService> {
  /** IAM action prefix of the service's permissions (`ec2:DescribeInstances` → `ec2`). */
  iamPrefix: string;
  /** Build the client; the SDK package is loaded on first use (see sdk.ts). */
  create(config: AwsClientConfig): Promise<MemberClients[K]>;
}

/** One row per service, in a stable order (the order {@link MEMBER_SERVICES} lists them). */
const MEMBER_SERVICE_TABLE: { readonly [K in MemberService]: ServiceRow<K> } = {
  ec2: { iamPrefix: 'ec2', create: async (config) => (await sdk.ec2()).create(config) },
  iam: { iamPrefix: 'iam', create: async (config) => (await sdk.iam()).create(config) },
  autoScaling: {
    iamPrefix: 'autoscaling',
    create: async (config) => (await sdk.autoScaling()).create(config),
  },
  elbv2: {
    iamPrefix: 'elasticloadbalancing',
    create: async (config) => (await sdk.elbv2()).create(config),
  },
  // Classic Load Balancers share the `elasticloadbalancing` prefix: a permission of it loads both clients.
  elb: {
    iamPrefix: 'elasticloadbalancing',
    create: async (config) => (await sdk.elb()).create(config),
  },
  ssoAdmin: { iamPrefix: 'sso', create: async (config) => (await sdk.ssoAdmin()).create(config) },
  identityStore: {
    iamPrefix: 'identitystore',
    create: async (config) => (await sdk.identityStore()).create(config),
  },
  s3: { iamPrefix: 's3', create: async (config) => (await sdk.s3()).create(s3ClientConfig(config)) },
  guardDuty: {
    iamPrefix: 'guardduty',
    create: async (config) => (await sdk.guardDuty()).create(config),
  },
  cloudTrail: {
    iamPrefix: 'cloudtrail',
    create: async (config) => (await sdk.cloudTrail()).create(config),
  },
  lambda: { iamPrefix: 'lambda', create: async (config) => (await sdk.lambda()).create(config) },
  rds: { iamPrefix: 'rds', create: async (config) => (await sdk.rds()).create(config) },
  ssm: { iamPrefix: 'ssm', create: async (config) => (await sdk.ssm()).create(config) },
  ecs: { iamPrefix: 'ecs', create: async (config) => (await sdk.ecs()).create(config) },
};

/**
 * S3 needs two settings no other client does: a bucket may live in another region than the finding names
 * (S3 answers with a redirect the SDK follows), and an endpoint override (the emulator) serves buckets by path,
 * not by a virtual host name it cannot resolve.
 */
export function s3ClientConfig<C extends { endpoint?: string }>(
  config: C,
): C & { followRegionRedirects: true; forcePathStyle: boolean } {
  return { ...config, followRegionRedirects: true, forcePathStyle: config.endpoint !== undefined };
}

function isMemberService(key: string): key is MemberService {
  return Object.hasOwn(MEMBER_SERVICE_TABLE, key);
}

/** Every member-account service, in the table's order. */
export const MEMBER_SERVICES: readonly MemberService[] =
  Object.keys(MEMBER_SERVICE_TABLE).filter(isMemberService);

/** Build one member client. */
export function createMemberClient<K extends MemberService>(
  service: K,
  config: AwsClientConfig,
): Promise<MemberClients[K]> {
  const row: ServiceRow<K> = MEMBER_SERVICE_TABLE[service];
  return row.create(config);
}

/**
 * The member clients an action needs, from the IAM actions it declares: an action can only call services it
 * holds permissions for, so the worker loads nothing else (an IAM isolation never loads the EC2 SDK).
 * @throws ConfigurationError for a permission of a service cordon has no member client for
 */
export function servicesForPermissions(permissions: readonly string[]): MemberService[] {
  const prefixes = new Set(MEMBER_SERVICES.map((service) => MEMBER_SERVICE_TABLE[service].iamPrefix));
  const wanted = new Set<string>();
  for (const permission of permissions) {
    const prefix = permission.split(':', 1)[0] ?? '';
    if (!prefixes.has(prefix)) {
      throw new ConfigurationError(
        `Permission ${permission} names a service cordon has no member client for; ` +
          `expected one of ${[...prefixes].join(', ')}.`,
      );
    }
    wanted.add(prefix);
  }
  return MEMBER_SERVICES.filter((service) => wanted.has(MEMBER_SERVICE_TABLE[service].iamPrefix));
}
