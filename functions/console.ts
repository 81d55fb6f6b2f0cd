/**
 * Lambda `console`: the web console's files (`/`, `/index.html`, `/assets/*`) behind API Gateway HTTP API
 * (payload v2). Thin: the core is `functions/lib/console/handler.ts`. It has no AWS permissions and loads none
 * of the pipeline; the `api` function serves `/config.json` and every JSON route.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { loadConsoleConfig } from './lib/console/config.js';
import { createConsoleHandler } from './lib/console/handler.js';
import { createLogger } from './lib/observability.js';

const serve = createConsoleHandler({ config: loadConsoleConfig(), logger: createLogger('console') });

/** API Gateway HTTP API target. Never throws: an unknown path is a problem+json 404. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  return serve(event);
}
