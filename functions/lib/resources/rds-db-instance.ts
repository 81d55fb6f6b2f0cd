/**
 * RDS DB instances: named by GuardDuty's `RDSDBInstance` block (`resource.rdsDbInstanceDetails`, RDS Protection
 * findings) and ASFF `AwsRdsDbInstance`; requestable through the API by identifier or ARN.
 *
 * An Aurora instance belongs to a cluster (`clusterId`), whose security groups it uses: containing it changes the
 * cluster (actions/isolate-rds-instance). The finding's cluster id is a hint only; the action reads the live one.
 */
import * as z from 'zod';
import { awsCall } from '../actions/steps.js';
import type { MemberClients } from '../actions/contract.js';
import { awsErrorName } from '../aws/errors.js';
import { tagListToRecord } from '../findings/string-maps.js';
import { buildArn } from '../kernel/arn.js';
import { DB_INSTANCE_ID, PARTITION, part } from '../kernel/id-patterns.js';
import { AccountIdSchema, RegionSchema } from '../kernel/ids.js';
import { defineKind, lastSegment, nonEmpty, storedResourceBase, type ResourceBase } from './kind.js';

const TYPE = 'rds-db-instance';
/** The type name, for the actions that contain this kind. */
export { TYPE as RDS_DB_INSTANCE };

export interface RdsDbInstanceResource extends ResourceBase {
  type: typeof TYPE;
  /** The Aurora cluster the finding says the instance belongs to. */
  clusterId?: string;
  /** The database engine the finding names (`aurora-postgresql`, `mysql`...). */
  engine?: string;
}

export const DbInstanceIdSchema = z
  .string()
  .regex(
    DB_INSTANCE_ID,
    'must be a DB instance identifier: 1-63 letters, digits and hyphens, starting with a letter',
  );

/** The instance's ARN: `arn:<partition>:rds:<region>:<account>:db:<id>`. */
export function dbInstanceArn(region: string, account: string, id: string, partition?: string): string {
  return buildArn({
    region,
    service: 'rds',
    account,
    resource: `db:${id}`,
    ...(partition !== undefined ? { partition } : {}),
  });
}

/** The identifier at the end of an RDS instance ARN (`...:db:<id>`), or the value when it is not one. */
function instanceIdOf(value: string): string {
  return lastSegment(value.replace(/^arn:[^:]*:rds:[^:]*:[^:]*:db:/, ''));
}

/**
 * RDS's answers for an instance that does not exist: the wire code and the SDK's exception name (awsErrorName
 * gives the first when the error carries it).
 */
export const DB_INSTANCE_NOT_FOUND = ['DBInstanceNotFound', 'DBInstanceNotFoundFault'] as const;

function isInstanceNotFound(error: unknown): boolean {
  const name = awsErrorName(error);
  return DB_INSTANCE_NOT_FOUND.some((code) => code === name);
}

/**
 * The instance's live tags (ListTagsForResource), `{}` when the instance does not exist (the worker reports it
 * missing later).
 * @throws AwsCallError for anything else
 */
export async function readDbInstanceTags(
  clients: Pick<MemberClients, 'rds'>,
  arn: string,
): Promise<Record<string, string>> {
  try {
    const out = await awsCall('rds:ListTagsForResource', () =>
      clients.rds.listTagsForResource({ ResourceName: arn }),
    );
    return Object.fromEntries((out.TagList ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
  } catch (error) {
    if (isInstanceNotFound(error)) return {};
    throw error;
  }
}

const TagTarget = z.strictObject({
  type: z.literal(TYPE),
  accountId: AccountIdSchema,
  region: RegionSchema,
  id: DbInstanceIdSchema,
});

export const rdsDbInstance = defineKind<RdsDbInstanceResource, z.infer<typeof TagTarget>>({
  type: TYPE,
  label: 'RDS DB instance',
  consolePage: { path: '/rds/home?region={region}#database:id={id}' },
  idSchema: DbInstanceIdSchema,
  stored: z.strictObject({
    ...storedResourceBase,
    type: z.literal(TYPE),
    clusterId: z.string().optional(),
    engine: z.string().optional(),
  }),
  arn: (r) => dbInstanceArn(r.region, r.accountId, r.id),
  guardDuty: {
    block: 'RDSDBInstance',
    read: (detail, scope) => {
      const db = detail.resource.rdsDbInstanceDetails;
      const arn = nonEmpty(db?.dbInstanceArn);
      const id = nonEmpty(db?.dbInstanceIdentifier) ?? (arn !== undefined ? instanceIdOf(arn) : undefined);
      if (!db || id === undefined) return undefined;
      const instance: RdsDbInstanceResource = {
        type: TYPE,
        id,
        arn: arn ?? dbInstanceArn(scope.region, scope.accountId, id, scope.partition),
        accountId: scope.accountId,
        region: scope.region,
        tags: tagListToRecord(db.tags),
      };
      const clusterId = nonEmpty(db.dbClusterIdentifier);
      const engine = nonEmpty(db.engine);
      if (clusterId !== undefined) instance.clusterId = clusterId;
      if (engine !== undefined) instance.engine = engine;
      return [instance];
    },
  },
  asff: {
    type: 'AwsRdsDbInstance',
    category: 'User',
    read: ({ resource: r, scope, arn, tags }) => {
      const details = r.Details?.AwsRdsDbInstance;
      const id = nonEmpty(details?.DbInstanceIdentifier) ?? instanceIdOf(r.Id);
      const instance: RdsDbInstanceResource = {
        accountId: scope.accountId,
        region: scope.region,
        tags,
        type: TYPE,
        id,
        arn: arn ?? dbInstanceArn(scope.region, scope.accountId, id, scope.partition),
      };
      const clusterId = nonEmpty(details?.DbClusterIdentifier);
      const engine = nonEmpty(details?.Engine);
      if (clusterId !== undefined) instance.clusterId = clusterId;
      if (engine !== undefined) instance.engine = engine;
      return [instance];
    },
  },
  tags: {
    target: TagTarget,
    targetOf: (r) => ({ type: TYPE, accountId: r.accountId, region: r.region, id: r.id }),
    services: ['rds'],
    read: (clients, target) =>
      readDbInstanceTags(clients, dbInstanceArn(target.region, target.accountId, target.id)),
  },
  request: {
    hint: 'DB instance identifier or its ARN (arn:aws:rds:<region>:<account>:db:<id>).',
    idPattern: new RegExp(
      `^(?:arn:${part(PARTITION)}:rds:(?<region>[a-z0-9-]+):(?<account>\\d{12}):db:)?(?<id>${part(DB_INSTANCE_ID)})$`,
    ),
    idMessage:
      'must be a DB instance identifier (1-63 letters, digits and hyphens, starting with a letter) or its ARN',
    toResource: (body, { id }) => ({
      type: TYPE,
      accountId: body.accountId,
      region: body.region,
      tags: {},
      // RDS identifiers are case-insensitive and stored in lower case.
      id: id.toLowerCase(),
      arn: dbInstanceArn(body.region, body.accountId, id.toLowerCase()),
    }),
  },
});
