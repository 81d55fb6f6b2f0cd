/**
 * The AWS SDK v3 packages cordon calls, each loaded on first use.
 *
 * Why lazily: Node spends most of a function's cold start parsing SDK code (even bundled and
 * tree-shaken, each client takes tens of milliseconds on the benchmark machine), and most invocations need few of them or
 * none: a finding that matches no rule touches no AWS API, the API's console and auth errors need none, and an
 * IAM isolation never needs EC2. So no module of cordon's core imports an SDK value statically; a function
 * pays for a client the first time one of its requests needs it, and the container keeps it afterwards.
 * `npm run bench` reports both the module init and the cost these loads add to the first request.
 *
 * What is loaded is small too: each service is a modular client (`EC2Client`) with the commands cordon sends
 * (`./clients/`, `./modular.ts`), which the build bundles and minifies, rather than the aggregated class (`EC2`) that
 * imports every command and schema of its service.
 *
 * Code outside this module and `./clients/` imports SDK *types* only (`import type`), which cost nothing at run time.
 */
import { CordonError } from '../errors.js';

/** A package loader run at most once (see {@link lazy}); a failure becomes an {@link SdkLoadError}. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  return lazy(() =>
    load().catch((error: unknown) => {
      throw new SdkLoadError(error);
    }),
  );
}

/** An SDK package could not be loaded (missing from the deployment package or the runtime). */
export class SdkLoadError extends CordonError {
  constructor(cause: unknown) {
    super('Could not load an AWS SDK package; check that the runtime or the bundle provides it.', { cause });
  }
}

/** Loaders of the SDK packages cordon uses. Each resolves to the package's module namespace. */
export const sdk = {
  // The DynamoDB client alone: the DocumentClient (lib-dynamodb) brings the commands it sends.
  dynamodb: once(() => import('./clients/dynamodb.js')),
  dynamodbDocument: once(() => import('@aws-sdk/lib-dynamodb')),
  lambda: once(() => import('./clients/client-lambda.js')),
  securityHub: once(() => import('./clients/client-securityhub.js')),
  sns: once(() => import('./clients/client-sns.js')),
  sts: once(() => import('./clients/client-sts.js')),
  ec2: once(() => import('./clients/client-ec2.js')),
  iam: once(() => import('./clients/client-iam.js')),
  autoScaling: once(() => import('./clients/client-auto-scaling.js')),
  elbv2: once(() => import('./clients/client-elastic-load-balancing-v2.js')),
  ssoAdmin: once(() => import('./clients/client-sso-admin.js')),
  identityStore: once(() => import('./clients/client-identitystore.js')),
  elb: once(() => import('./clients/client-elastic-load-balancing.js')),
  s3: once(() => import('./clients/client-s3.js')),
  guardDuty: once(() => import('./clients/client-guardduty.js')),
  cloudTrail: once(() => import('./clients/client-cloudtrail.js')),
  rds: once(() => import('./clients/client-rds.js')),
  ssm: once(() => import('./clients/client-ssm.js')),
  ecs: once(() => import('./clients/client-ecs.js')),
} as const;

/** A value built on first use: concurrent callers share one build, and a failed build is retried next time. */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * Where a component gets its SDK client: the client itself (tests, tools) or a function that builds it on
 * first use (the Lambdas; see {@link lazy}).
 */
export type ClientSource<C> = C | (() => Promise<C>);

/** Resolve a {@link ClientSource} into a function returning the client. */
export function clientGetter<C extends object>(source: ClientSource<C>): () => Promise<C> {
  return typeof source === 'function' ? (source as () => Promise<C>) : async () => source;
}
