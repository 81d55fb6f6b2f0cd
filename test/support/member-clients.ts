/**
 * Every member client cordon has (functions/lib/aws/member-services.ts), built synchronously against one endpoint
 * for tests: one list, so a new member service is added here once, not in every test world.
 */
import { EC2 } from '@aws-sdk/client-ec2';
import { IAM } from '@aws-sdk/client-iam';
import { AutoScaling } from '@aws-sdk/client-auto-scaling';
import { ElasticLoadBalancingV2 } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ElasticLoadBalancing } from '@aws-sdk/client-elastic-load-balancing';
import { SSOAdmin } from '@aws-sdk/client-sso-admin';
import { Identitystore } from '@aws-sdk/client-identitystore';
import { S3 } from '@aws-sdk/client-s3';
import { GuardDuty } from '@aws-sdk/client-guardduty';
import { CloudTrail } from '@aws-sdk/client-cloudtrail';
import { Lambda } from '@aws-sdk/client-lambda';
import { RDS } from '@aws-sdk/client-rds';
import { SSM } from '@aws-sdk/client-ssm';
import { ECS } from '@aws-sdk/client-ecs';
import { s3ClientConfig, type MemberClients } from '../../functions/lib/aws/member-services.js';

/** Member clients for `config`; `each` sees every client once (to attach a recorder or fault injector). */
export function testMemberClients(
  config: {
    region: string;
    endpoint?: string;
    maxAttempts?: number;
    credentials: { accessKeyId: string; secretAccessKey: string };
  },
  each: (client: MemberClients[keyof MemberClients]) => void = () => {},
): MemberClients {
  const clients: MemberClients = {
    ec2: new EC2(config),
    iam: new IAM(config),
    autoScaling: new AutoScaling(config),
    elbv2: new ElasticLoadBalancingV2(config),
    elb: new ElasticLoadBalancing(config),
    ssoAdmin: new SSOAdmin(config),
    identityStore: new Identitystore(config),
    s3: new S3(s3ClientConfig(config)),
    guardDuty: new GuardDuty(config),
    cloudTrail: new CloudTrail(config),
    lambda: new Lambda(config),
    rds: new RDS(config),
    ssm: new SSM(config),
    ecs: new ECS(config),
  };
  for (const client of Object.values(clients)) each(client);
  return clients;
}
