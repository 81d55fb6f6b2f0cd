/**
 * Lambda `api`: the self-service REST API behind API Gateway HTTP API (payload v2); the `console` function serves
 * the web console's files, this one its `/config.json` and every JSON route. Thin: the
 * core is `functions/lib/api/handler.ts`; the operations are the pipeline's, shared with the other Lambdas.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createAuthenticator } from './lib/api/auth.js';
import { loadApiConfig } from './lib/api/config.js';
import { createApiHandler, lazyInstanceFinder } from './lib/api/handler.js';
import { pipelineApiService } from './lib/api/service.js';
import { lambdaDeps } from './lib/pipeline/lambda.js';

const deps = lambdaDeps('api');
const config = loadApiConfig();
// Built once per container: aws-jwt-verify caches the issuer's JWKS across invocations.
const authenticator = createAuthenticator(config);
const { externalId, endpoint, maxAttempts } = deps.config;
const api = createApiHandler({
  config,
  authenticator,
  service: pipelineApiService(deps),
  logger: deps.logger,
  // The member accounts' read-only lookup role, with the ExternalId the member role uses too.
  ...(config.instanceLookupRole === undefined
    ? {}
    : {
        instances: lazyInstanceFinder({
          roleName: config.instanceLookupRole,
          maxAttempts,
          ...(externalId === undefined ? {} : { externalId }),
          ...(endpoint === undefined ? {} : { endpoint }),
        }),
      }),
});

/** API Gateway HTTP API target. Never throws: every error is a problem+json response. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  return api(event);
}
