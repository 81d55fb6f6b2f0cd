/**
 * Evidence of a Lambda function (the unqualified function, as isolate-lambda-function acts on it): its
 * configuration with the code's hash, image and tags, its resource policy, its function URL configuration and
 * its reserved concurrency, read after containment through the member role.
 *
 * GetFunction's `Code.Location` is a presigned S3 URL that lets whoever holds it download the code for ten
 * minutes: a credential, not evidence. It is never stored; the code is identified by `Configuration.CodeSha256`
 * (and `ImageUri`/`ResolvedImageUri` for a container image).
 *
 * Environment variables often hold secrets (database passwords, API tokens), and a forensic store must not become
 * a second copy of them: by default each variable is kept as its name and the SHA-256 of its value, which proves
 * whether a value changed without revealing it. A rule opts in to the values themselves with
 * `evidence: { lambdaEnvironment: raw }` (docs/evidence.md).
 */
import { LAMBDA_FUNCTION } from '../resources/lambda-function.js';
import type { LambdaFunctionResource } from '../findings/model.js';
import { FUNCTIONS_OF_THIS_ACCOUNT } from '../actions/iam-scopes.js';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { awsErrorName } from '../aws/errors.js';
import type { LambdaEnvironmentMode } from '../policy/evidence-schema.js';
import { errorMessage } from '../errors.js';
import { defineKindEvidence, parsedDocument, withoutMetadata } from './collector.js';
import { sha256Hex } from './hash.js';

/**
 * The function's configuration with its environment as the rule asks: `hashed` replaces each value by its
 * SHA-256 (of the UTF-8 bytes) and length, `raw` keeps the configuration as Lambda answered it.
 */
export function configurationEvidence(
  configuration: FunctionConfiguration | undefined,
  mode: LambdaEnvironmentMode,
): unknown {
  if (configuration === undefined) return null;
  const environment = configuration.Environment;
  if (mode === 'raw' || environment === undefined) return configuration;
  const encoder = new TextEncoder();
  const variables = Object.entries(environment.Variables ?? {}).map(([name, value]) => {
    const bytes = encoder.encode(value);
    return [name, { sha256: sha256Hex(bytes), bytes: bytes.byteLength }] as const;
  });
  return {
    ...configuration,
    Environment: {
      ...environment,
      Variables: Object.fromEntries(variables),
      ValuesStored: 'hashed: name → SHA-256 and byte length of the UTF-8 value; the values are not stored',
    },
  };
}

/**
 * Lambda answers ResourceNotFoundException both for a function without a policy (or URL) and for a function
 * that no longer exists: the artifact keeps Lambda's message (`notFound`), so nobody reads "no policy" where the
 * function was gone.
 */
async function unlessNotFound<T>(read: () => Promise<T>): Promise<{ value: T } | { notFound: string }> {
  try {
    return { value: await read() };
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return { notFound: errorMessage(error) };
    throw error;
  }
}

const PERMISSIONS = [
  'lambda:GetFunction',
  'lambda:GetPolicy',
  'lambda:GetFunctionUrlConfig',
  'lambda:GetFunctionConcurrency',
] as const;

export const lambdaFunctionEvidence = defineKindEvidence<LambdaFunctionResource>({
  type: LAMBDA_FUNCTION,
  permissions: PERMISSIONS,
  scoping: Object.fromEntries(PERMISSIONS.map((permission) => [permission, [FUNCTIONS_OF_THIS_ACCOUNT]])),
  steps: [
    {
      name: 'lambda/function.json',
      collect: async (ctx, fn) => {
        const out = await ctx.call('lambda:GetFunction', () =>
          ctx.clients.lambda.getFunction({ FunctionName: fn.id }),
        );
        // Field by field: everything GetFunction answers except the presigned download URL.
        const code = out.Code;
        return {
          Configuration: configurationEvidence(out.Configuration, ctx.settings.lambdaEnvironment),
          Code:
            code === undefined
              ? null
              : {
                  RepositoryType: code.RepositoryType ?? null,
                  ImageUri: code.ImageUri ?? null,
                  ResolvedImageUri: code.ResolvedImageUri ?? null,
                  SourceKMSKeyArn: code.SourceKMSKeyArn ?? null,
                  Location: code.Location === undefined ? null : 'not stored: a presigned download URL',
                },
          Tags: out.Tags ?? {},
          TagsError: out.TagsError ?? null,
          Concurrency: out.Concurrency ?? null,
        };
      },
    },
    {
      name: 'lambda/policy.json',
      collect: async (ctx, fn) => {
        const out = await unlessNotFound(() =>
          ctx.call('lambda:GetPolicy', () => ctx.clients.lambda.getPolicy({ FunctionName: fn.id })),
        );
        if ('notFound' in out) return { Policy: null, notFound: out.notFound };
        return {
          Policy: out.value.Policy ?? null,
          Document: parsedDocument(out.value.Policy),
          RevisionId: out.value.RevisionId ?? null,
        };
      },
    },
    {
      name: 'lambda/url-config.json',
      collect: async (ctx, fn) => {
        const out = await unlessNotFound(() =>
          ctx.call('lambda:GetFunctionUrlConfig', () =>
            ctx.clients.lambda.getFunctionUrlConfig({ FunctionName: fn.id }),
          ),
        );
        if ('notFound' in out) return { FunctionUrlConfig: null, notFound: out.notFound };
        return { FunctionUrlConfig: withoutMetadata(out.value) };
      },
    },
    {
      name: 'lambda/concurrency.json',
      collect: async (ctx, fn) =>
        withoutMetadata(
          await ctx.call('lambda:GetFunctionConcurrency', () =>
            ctx.clients.lambda.getFunctionConcurrency({ FunctionName: fn.id }),
          ),
        ),
    },
  ],
});
