/** Permission meta-test scenarios of `isolate-rds-instance`, together covering every optional path. */
import type { Resource } from '../../../functions/lib/findings/model.js';
import { EC2 } from '@aws-sdk/client-ec2';
import { RDS } from '@aws-sdk/client-rds';
import { ROLE_TAG } from '../../../functions/lib/actions/iam-scopes.js';
import { dbName, dbResource, rdsFindingEvent, seedDb } from '../support/rds-state.js';
import type { ActionSubject } from '../../resilience/subject.js';
import { nextId, type Scenario } from './scenario.js';

export const action = 'isolate-rds-instance';

export const scenarios: Scenario[] = [
  {
    label: 'standalone public instance (snapshot, new isolation group, one ModifyDBInstance each way)',
    params: {},
    async seed(ctx) {
      const seeded = await seedDb(ctx.clients.ec2, ctx.clients.rds, `meta-db-${nextId()}`, {
        tags: { team: 'data' },
      });
      return dbResource(seeded);
    },
  },
  {
    label: 'Aurora instance whose VPC has a tampered isolation group (cluster snapshot, rules revoked)',
    params: {},
    async seed(ctx) {
      const cluster = `meta-cluster-${nextId()}`;
      const seeded = await seedDb(ctx.clients.ec2, ctx.clients.rds, `${cluster}-1`, { cluster });
      const tampered = await ctx.clients.ec2.createSecurityGroup({
        GroupName: `cordon-isolation-${seeded.vpcId}`,
        Description: 'tampered',
        VpcId: seeded.vpcId,
        TagSpecifications: [
          { ResourceType: 'security-group', Tags: [{ Key: ROLE_TAG, Value: 'isolation' }] },
        ],
      });
      await ctx.clients.ec2.authorizeSecurityGroupIngress({
        GroupId: tampered.GroupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        ],
      });
      return dbResource(seeded);
    },
  },
];

/** The resilience suite's subject: a public standalone instance, and the shared RDS finding about it. */
export const subject: ActionSubject = {
  action,
  rule: {
    type: 'CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce',
    resourceType: 'rds-db-instance',
  },
  async create(world) {
    const seeded = await seedDb(new EC2(world.setupConfig), new RDS(world.setupConfig), dbName('rs-db'));
    return { event: rdsFindingEvent({ instanceId: seeded.instanceId }), resourceId: seeded.instanceId };
  },
};

/** A resource of the action's type, built offline (the runner's refusal tests make no AWS call). */
export const sample: Resource = {
  type: 'rds-db-instance',
  id: 'orders-db-instance-1',
  accountId: '111122223333',
  region: 'us-east-1',
  tags: {},
};
