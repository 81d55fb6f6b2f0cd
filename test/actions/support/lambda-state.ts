/** Test support: seed Lambda functions in moto (never invoked: that needs Docker) and read back what isolate-lambda-function changes. */
import type { IAM } from '@aws-sdk/client-iam';
import type { Lambda } from '@aws-sdk/client-lambda';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import * as z from 'zod';
import type { LambdaFunctionResource } from '../../../functions/lib/findings/model.js';
import { TEST_ACCOUNT } from '../../support/moto.js';

const PolicySchema = z.object({ Statement: z.array(z.record(z.string(), z.unknown())) });

export const PARTNER_ACCOUNT = '210987654321';

export interface FunctionSeed {
  reserved?: number;
  /** A function URL with this auth type. */
  url?: 'NONE' | 'AWS_IAM';
  /** A public, a cross-account and this account's S3 statement. */
  statements?: boolean;
  tags?: Record<string, string>;
}

/** Create the function (a tiny zip; moto stores it) with its execution role, and what `seed` asks for. */
export async function seedFunction(
  clients: { lambda: Lambda; iam: IAM },
  name: string,
  seed: FunctionSeed = {},
): Promise<void> {
  const role = await clients.iam.createRole({
    RoleName: `${name}-exec`,
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await clients.lambda.createFunction({
    FunctionName: name,
    Runtime: 'nodejs20.x',
    Role: role.Role?.Arn,
    Handler: 'index.handler',
    Code: { ZipFile: zipSync({ 'index.js': new TextEncoder().encode('exports.handler = async () => 1;') }) },
    ...(seed.tags ? { Tags: seed.tags } : {}),
  });
  if (seed.reserved !== undefined) {
    await clients.lambda.putFunctionConcurrency({
      FunctionName: name,
      ReservedConcurrentExecutions: seed.reserved,
    });
  }
  if (seed.url) {
    await clients.lambda.createFunctionUrlConfig({
      FunctionName: name,
      AuthType: seed.url,
      Cors: { AllowOrigins: ['https://app.example.com'], MaxAge: 300 },
    });
  }
  if (seed.statements === true) {
    await clients.lambda.addPermission({
      FunctionName: name,
      StatementId: 'public-invoke',
      Action: 'lambda:InvokeFunction',
      Principal: '*',
    });
    await clients.lambda.addPermission({
      FunctionName: name,
      StatementId: 'partner-invoke',
      Action: 'lambda:InvokeFunction',
      Principal: `arn:aws:iam::${PARTNER_ACCOUNT}:root`,
    });
    await clients.lambda.addPermission({
      FunctionName: name,
      StatementId: 'own-bucket-events',
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: 'arn:aws:s3:::own-uploads',
      SourceAccount: TEST_ACCOUNT,
    });
  }
}

/** What isolate-lambda-function changes, as Lambda reports it (statements sorted by Sid: order is not kept). */
export interface FunctionState {
  reserved: number | null;
  url: { FunctionUrl?: string; AuthType?: string; Cors?: unknown } | null;
  statements: Record<string, unknown>[];
}

export async function functionState(lambda: Lambda, name: string): Promise<FunctionState> {
  const reserved = (await lambda.getFunctionConcurrency({ FunctionName: name })).ReservedConcurrentExecutions;
  const url = await lambda.getFunctionUrlConfig({ FunctionName: name }).then(
    (out) => ({ FunctionUrl: out.FunctionUrl, AuthType: out.AuthType, Cors: out.Cors }),
    (error: unknown) => {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return null;
      throw error;
    },
  );
  const policy = await lambda.getPolicy({ FunctionName: name }).then(
    (out) => out.Policy,
    (error: unknown) => {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    },
  );
  const statements = policy === undefined ? [] : PolicySchema.parse(JSON.parse(policy)).Statement;
  statements.sort((a, b) => String(a['Sid']).localeCompare(String(b['Sid'])));
  return { reserved: reserved ?? null, url, statements };
}

export function sidsOf(state: FunctionState): string[] {
  return state.statements.map((s) => String(s['Sid']));
}

export function functionResource(name: string, region = 'us-east-1'): LambdaFunctionResource {
  return {
    type: 'lambda-function',
    id: name,
    arn: `arn:aws:lambda:${region}:${TEST_ACCOUNT}:function:${name}`,
    accountId: TEST_ACCOUNT,
    region,
    tags: {},
  };
}

/** The shared GuardDuty Lambda sample, about `name` in the test account, with a fresh finding id. */
export function lambdaFindingEvent(name: string): Record<string, unknown> {
  const text = readFileSync(
    new URL('../../events/guardduty-lambda-c2activity.docs-assembled.json', import.meta.url),
    'utf8',
  );
  const id = randomBytes(16).toString('hex');
  const arn = `arn:aws:lambda:us-east-1:${TEST_ACCOUNT}:function:${name}`;
  const replaced = text
    .replaceAll('a4c6e8f0b2d4a6c8e0f2b4d6a8c0e2f4', id)
    .replaceAll('3b1f2d4c-5e6a-4b7c-8d9e-0f1a2b3c4d5e', randomUUID())
    .replaceAll('arn:aws:lambda:us-east-1:123456789012:function:image-thumbnailer', arn)
    .replaceAll('image-thumbnailer-exec', `${name}-exec`)
    .replaceAll('image-thumbnailer', name)
    .replaceAll('123456789012', TEST_ACCOUNT);
  return EventSchema.parse(JSON.parse(replaced));
}

const EventSchema = z.record(z.string(), z.unknown());
