/**
 * Lambda functions: named by GuardDuty's `Lambda` block (`resource.lambdaDetails`) and ASFF `AwsLambdaFunction`;
 * requestable through the API by name or ARN.
 *
 * The resource is the function itself (its unqualified name): a finding on a version (`functionVersion`) is kept
 * as `functionVersion`, but containment acts on the function, whose reserved concurrency covers every version.
 */
import * as z from 'zod';
import { awsCall } from '../actions/steps.js';
import type { MemberClients } from '../actions/contract.js';
import { tagListToRecord } from '../findings/string-maps.js';
import { buildArn, parseArn } from '../kernel/arn.js';
import { LAMBDA_FUNCTION_NAME, PARTITION, part } from '../kernel/id-patterns.js';
import { AccountIdSchema, LambdaFunctionNameSchema, RegionSchema } from '../kernel/ids.js';
import { defineKind, nonEmpty, storedResourceBase, type ResourceBase } from './kind.js';

const TYPE = 'lambda-function';
/** The type name, for the actions that contain this kind. */
export { TYPE as LAMBDA_FUNCTION };

export interface LambdaFunctionResource extends ResourceBase {
  type: typeof TYPE;
  /** The version the finding saw (`$LATEST` or a number), when it said. */
  functionVersion?: string;
  /** The execution role's ARN, when the finding gave it. */
  roleArn?: string;
}

/** The function's unqualified ARN, in the partition of `region` unless one is given. */
export function functionArn(region: string, account: string, name: string, partition?: string): string {
  return buildArn({
    region,
    service: 'lambda',
    account,
    resource: `function:${name}`,
    ...(partition !== undefined ? { partition } : {}),
  });
}

/** The function name of a Lambda ARN (`...:function:<name>[:<qualifier>]`), or undefined. */
export function functionNameOfArn(arn: string): string | undefined {
  const parts = parseArn(arn);
  if (parts?.service !== 'lambda') return undefined;
  const [kind, name] = parts.resource.split(':');
  return kind === 'function' ? nonEmpty(name) : undefined;
}

/** The function's live tags (ListTags on its unqualified ARN). @throws AwsCallError, a missing function included */
export async function readFunctionTags(
  clients: Pick<MemberClients, 'lambda'>,
  arn: string,
): Promise<Record<string, string>> {
  const out = await awsCall('lambda:ListTags', () => clients.lambda.listTags({ Resource: arn }));
  return Object.fromEntries(Object.entries(out.Tags ?? {}));
}

const TagTarget = z.strictObject({
  type: z.literal(TYPE),
  accountId: AccountIdSchema,
  region: RegionSchema,
  functionName: LambdaFunctionNameSchema,
});

export const lambdaFunction = defineKind<LambdaFunctionResource, z.infer<typeof TagTarget>>({
  type: TYPE,
  label: 'Lambda function',
  consolePage: { path: '/lambda/home?region={region}#/functions/{id}' },
  idSchema: LambdaFunctionNameSchema,
  stored: z.strictObject({
    ...storedResourceBase,
    type: z.literal(TYPE),
    functionVersion: z.string().optional(),
    roleArn: z.string().optional(),
  }),
  arn: (r) => functionArn(r.region, r.accountId, r.id),
  protectionArns: (r, partition) => [functionArn(r.region, r.accountId, r.id, partition)],
  guardDuty: {
    block: 'Lambda',
    read: (detail, scope) => {
      const fn = detail.resource.lambdaDetails;
      if (!fn) return undefined;
      const givenArn = nonEmpty(fn.functionArn);
      const name =
        nonEmpty(fn.functionName) ?? (givenArn !== undefined ? functionNameOfArn(givenArn) : undefined);
      if (name === undefined) return undefined;
      const version = nonEmpty(fn.functionVersion);
      const role = nonEmpty(fn.role);
      const resource: LambdaFunctionResource = {
        type: TYPE,
        id: name,
        // The unqualified ARN: a finding may name a version, containment acts on the function.
        arn: functionArn(scope.region, scope.accountId, name, scope.partition),
        accountId: scope.accountId,
        region: scope.region,
        tags: tagListToRecord(fn.tags),
        ...(version !== undefined ? { functionVersion: version } : {}),
        ...(role !== undefined ? { roleArn: role } : {}),
      };
      return [resource];
    },
  },
  asff: {
    type: 'AwsLambdaFunction',
    category: 'User',
    read: ({ resource: r, scope, tags }) => {
      const details = r.Details?.AwsLambdaFunction;
      const name = nonEmpty(details?.FunctionName) ?? functionNameOfArn(r.Id);
      if (name === undefined || !LAMBDA_FUNCTION_NAME.test(name)) return undefined;
      const role = nonEmpty(details?.Role);
      return [
        {
          accountId: scope.accountId,
          region: scope.region,
          tags,
          type: TYPE,
          id: name,
          arn: functionArn(scope.region, scope.accountId, name, scope.partition),
          ...(role !== undefined ? { roleArn: role } : {}),
        },
      ];
    },
  },
  tags: {
    target: TagTarget,
    targetOf: (r) => ({ type: TYPE, accountId: r.accountId, region: r.region, functionName: r.id }),
    services: ['lambda'],
    read: (clients, target) =>
      readFunctionTags(clients, functionArn(target.region, target.accountId, target.functionName)),
  },
  request: {
    hint: 'Function name or function ARN.',
    idPattern: new RegExp(
      `^(?:arn:${part(PARTITION)}:lambda:(?<region>[a-z0-9-]+):(?<account>\\d{12}):function:)?(?<id>${part(LAMBDA_FUNCTION_NAME)})$`,
    ),
    idMessage: 'must be a Lambda function name (1-64 of letters, digits, - and _) or its unqualified ARN',
    toResource: (body, { id }) => ({
      type: TYPE,
      accountId: body.accountId,
      region: body.region,
      tags: {},
      id,
      arn: functionArn(body.region, body.accountId, id),
    }),
  },
});
