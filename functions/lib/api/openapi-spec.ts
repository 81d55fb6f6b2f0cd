/**
 * The API's OpenAPI 3.1 document, generated with zod-openapi from the zod schemas the API validates and answers
 * with (contract.ts, validation.ts, the store's record codec), and from the route table itself (handler.ts): the
 * paths, methods and the roles each route needs are read from `apiRoutes`, so the document cannot list a route
 * the router does not have, nor miss one (generation throws).
 *
 * Never bundled as code: `npm run build` calls {@link buildOpenApiDocument} and ships the result as compressed
 * JSON (scripts/build.ts, openapi-document.ts); `npx tsx scripts/openapi.ts` writes it to docs/openapi.json.
 */
import * as z from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { ISOLATION_ID } from '../kernel/ids.js';
import { KINDS } from '../resources/registry.js';
import { IsolationRecordSchema, ResourceSchema } from '../store/codec.js';
import { ROLES, type Role } from './auth.js';
import type { ApiConfig } from './config.js';
import {
  AllowedView,
  ConfigView,
  EvaluationSummary,
  EvidenceCheckView,
  InstanceLookupQuery,
  InstanceMatchesView,
  MeView,
  type DuplicateRequestView,
  type IsolationListView,
} from './contract.js';
import { apiRoutes, type Route } from './handler.js';
import { MACHINE_SCOPES } from './machine-scopes.js';
import type { Problem } from './problem.js';
import type { IsolationApiService } from './service.js';
import { ApproveBody, IsolationRequestBody, ListQuery, ReasonBody, ReleaseBody } from './validation.js';

/** The generated document (zod-openapi's OpenAPI 3.1 object). */
export type OpenApiDocument = ReturnType<typeof createDocument>;

/** The security schemes' names in the document. */
export const SECURITY = { user: 'userToken', machine: 'machineClient' } as const;

/** RFC 9457 problem details, as problem.ts builds them. */
const ProblemSchema = z
  .object({
    type: z.string().describe('urn:cordon:problem:<code>, e.g. urn:cordon:problem:validation'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional().describe('the request path'),
    requestId: z.string().optional().describe('quote it to an operator: the logs carry the full error'),
    errors: z.array(z.string()).optional().describe('validation problems: one `field: message` per field'),
  })
  .meta({ id: 'Problem' }) satisfies z.ZodType<Problem>;

const IsolationView = IsolationRecordSchema.extend({ allowed: AllowedView }).meta({ id: 'IsolationView' });
const IsolationList = z
  .object({ items: z.array(IsolationView), cursor: z.string().optional() })
  .meta({ id: 'IsolationList' }) satisfies z.ZodType<IsolationListView>;
const DuplicateRequest = IsolationView.extend({
  duplicateOf: z.enum(['finding', 'resource']).optional(),
}).meta({ id: 'DuplicateRequest' }) satisfies z.ZodType<DuplicateRequestView>;
const Health = z.object({ status: z.literal('ok'), service: z.literal('cordon-api') });

/** Every status an error response can have, and when the API answers with it. */
const ERRORS = {
  400: 'The request is not valid (`errors` names each field), or the event is not a supported finding.',
  401: 'No valid bearer token (missing, expired, wrong issuer or audience, wrong token use). `WWW-Authenticate: Bearer`.',
  403: 'The caller lacks the role or scope, or four eyes refuses (an approver cannot approve their own request).',
  404: 'No isolation with this id.',
  409: 'The isolation is not in a status that allows this (e.g. approving one that is no longer pending).',
  413: 'The body is larger than 32 KB.',
  415: 'The body is not `application/json`.',
  422: 'cordon refuses the resource: an account outside the allow-list, the security account, or a protected or exempt resource.',
  500: 'cordon could not complete the request; the problem carries the request id.',
  503:
    "cordon could not read the resource's tags to rule out an exemption (nothing was recorded, try again), or " +
    'could not read the member account with its lookup role (not configured, not deployed there, or denied).',
} as const;
type ErrorStatus = keyof typeof ERRORS;

function problems(...statuses: ErrorStatus[]): ZodOpenApiResponsesObject {
  const out: Record<`${number}`, ZodOpenApiResponseObject> = {};
  for (const status of [...statuses, 500 as const]) {
    out[`${status}`] = {
      description: ERRORS[status],
      content: { 'application/problem+json': { schema: ProblemSchema } },
    };
  }
  return out;
}

function ok(status: number, description: string, schema: z.core.$ZodType): ZodOpenApiResponsesObject {
  return { [`${status}`]: { description, content: { 'application/json': { schema } } } };
}

const jsonBody = (schema: z.core.$ZodType) => ({
  required: true,
  content: { 'application/json': { schema } },
});
const optionalBody = (schema: z.core.$ZodType) => ({
  required: false,
  content: { 'application/json': { schema } },
});
const idPath = { path: z.object({ id: z.string().regex(ISOLATION_ID).describe('an isolation id') }) };
const location = {
  headers: z.object({ location: z.string().describe('the isolation, e.g. /isolations/iso-…') }),
};

/** What each route documents beyond its method, path and roles (those come from the route table). */
type OperationSpec = Omit<ZodOpenApiOperationObject, 'security'>;

const OPERATIONS: Record<string, OperationSpec> = {
  'GET /health': {
    operationId: 'health',
    summary: 'Liveness check',
    responses: ok(200, 'The API answers.', Health),
  },
  'GET /config.json': {
    operationId: 'getConfig',
    summary: 'Public settings of the deployment',
    description:
      'Sign-in endpoints, the registered actions with their parameters, the requestable resource kinds.',
    responses: ok(200, 'The deployment settings.', ConfigView),
  },
  'GET /openapi.json': {
    operationId: 'getOpenApi',
    summary: 'This document',
    responses: {
      '200': { description: 'The OpenAPI 3.1 document of the API.', content: { 'application/json': {} } },
    },
  },
  'GET /me': {
    operationId: 'getMe',
    summary: 'Who the caller is and which roles they have',
    responses: { ...ok(200, 'The caller.', MeView), ...problems(401, 403) },
  },
  'POST /isolations': {
    operationId: 'requestIsolation',
    summary: 'Request an isolation',
    description:
      'Creates a request that an approver (another person) must approve, unless `immediate` is set by an ' +
      'approver (emergency, recorded and notified as such; machine clients can never set it). When an active ' +
      'isolation of the same resource and action exists, answers 200 with it and `duplicateOf`.',
    requestBody: jsonBody(IsolationRequestBody),
    responses: {
      '201': {
        description: 'The request was recorded.',
        headers: location.headers,
        content: { 'application/json': { schema: IsolationView } },
      },
      '200': {
        description: 'An active isolation of the same resource and action already exists: it is returned.',
        headers: location.headers,
        content: { 'application/json': { schema: DuplicateRequest } },
      },
      ...problems(400, 401, 403, 413, 415, 422, 503),
    },
  },
  'GET /isolations': {
    operationId: 'listIsolations',
    summary: 'List isolations, newest first',
    requestParams: { query: ListQuery },
    responses: {
      ...ok(200, 'One page; pass `cursor` back for the next.', IsolationList),
      ...problems(400, 401, 403),
    },
  },
  'GET /isolations/{id}': {
    operationId: 'getIsolation',
    summary: 'One isolation, with what the caller may do with it',
    requestParams: idPath,
    responses: { ...ok(200, 'The isolation.', IsolationView), ...problems(400, 401, 403, 404) },
  },
  'GET /isolations/{id}/evidence': {
    operationId: 'checkEvidence',
    summary:
      "The isolation's evidence: each artifact with its SHA-256, checked against S3's checksums and the record",
    requestParams: idPath,
    responses: {
      ...ok(200, 'The check (verified false lists the problems).', EvidenceCheckView),
      ...problems(400, 401, 403, 404),
    },
  },
  'POST /isolations/{id}/approve': {
    operationId: 'approveIsolation',
    summary: 'Approve a pending request (four eyes: not your own)',
    requestParams: idPath,
    requestBody: optionalBody(ApproveBody),
    responses: {
      ...ok(200, 'Approved; the worker runs it.', IsolationView),
      ...problems(400, 401, 403, 404, 409, 413, 415),
    },
  },
  'POST /isolations/{id}/reject': {
    operationId: 'rejectIsolation',
    summary: 'Reject a pending request',
    requestParams: idPath,
    requestBody: jsonBody(ReasonBody),
    responses: { ...ok(200, 'Rejected.', IsolationView), ...problems(400, 401, 403, 404, 409, 413, 415) },
  },
  'POST /isolations/{id}/withdraw': {
    operationId: 'withdrawIsolation',
    summary: 'Withdraw your own pending request (recorded as rejected by you)',
    requestParams: idPath,
    requestBody: jsonBody(ReasonBody),
    responses: { ...ok(200, 'Withdrawn.', IsolationView), ...problems(400, 401, 403, 404, 409, 413, 415) },
  },
  'POST /isolations/{id}/release': {
    operationId: 'releaseIsolation',
    summary: 'Release a contained resource: put back exactly what cordon changed',
    requestParams: idPath,
    requestBody: jsonBody(ReleaseBody),
    responses: { ...ok(200, 'Releasing.', IsolationView), ...problems(400, 401, 403, 404, 409, 413, 415) },
  },
  'POST /isolations/{id}/retry': {
    operationId: 'retryIsolation',
    summary: 'Run the worker again on a FAILED isolation',
    requestParams: idPath,
    requestBody: optionalBody(ApproveBody),
    responses: {
      ...ok(202, 'Accepted: the worker resumes without repeating finished steps.', IsolationView),
      ...problems(400, 401, 403, 404, 409, 413, 415),
    },
  },
  'GET /resources/instances': {
    operationId: 'findInstancesByName',
    summary:
      'The instances whose Name tag is exactly `name` in a member account (the request form resolves names)',
    description:
      "Assumes the member account's read-only lookup role (ec2:DescribeInstances only; the member-role " +
      "module's `lookup_role_enabled`). Terminated instances are left out; at most 20 are listed, `truncated` " +
      'says there were more. A request still names the instance id.',
    requestParams: { query: InstanceLookupQuery },
    responses: {
      ...ok(200, 'The matches, possibly none.', InstanceMatchesView),
      ...problems(400, 401, 403, 503),
    },
  },
  'POST /policy/evaluate': {
    operationId: 'evaluatePolicy',
    summary: 'What the policy would decide for a finding event (changes nothing)',
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .record(z.string(), z.unknown())
            .describe('an EventBridge event: GuardDuty Finding or Security Hub Findings'),
        },
      },
    },
    responses: {
      ...ok(
        200,
        'Per finding: the decision, its explanation and each action’s guard verdict (more fields may be present).',
        EvaluationSummary,
      ),
      ...problems(400, 401, 403, 413, 415),
    },
  },
};

/** The key of a route in {@link OPERATIONS} and in the tests: `METHOD /path`. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** The machine-client scopes that reach a route: a scope whose role is one of the route's roles. */
export function scopesFor(access: readonly Role[]): string[] {
  return Object.entries(MACHINE_SCOPES)
    .filter(([, role]) => access.includes(role))
    .map(([scope]) => scope);
}

function security(access: Route['access']): Record<string, string[]>[] {
  if (access === 'public') return [];
  const scopes = scopesFor(access);
  return [{ [SECURITY.user]: [] }, ...(scopes.length > 0 ? [{ [SECURITY.machine]: scopes }] : [])];
}

function rolesText(access: Route['access']): string {
  if (access === 'public') return 'Public: no token.';
  const scopes = scopesFor(access);
  return (
    `Roles: ${access.join(', ')}.` +
    (scopes.length > 0
      ? ` Machine clients: scope ${scopes.join(' or ')}.`
      : ' People only: no machine client scope reaches it.')
  );
}

/** The route table read for its shape only: the handlers are never called, so the dependencies are stubs. */
function routeTable(): Route[] {
  const unused = (): never => {
    throw new Error('the OpenAPI generator never calls a route');
  };
  const service: IsolationApiService = {
    request: unused,
    get: unused,
    list: unused,
    approve: unused,
    reject: unused,
    release: unused,
    retry: unused,
    evaluate: unused,
    evidence: unused,
  };
  const config: ApiConfig = {
    auth: {
      kind: 'oidc',
      issuer: 'https://issuer.invalid',
      audience: 'x',
      jwksUri: 'https://issuer.invalid/jwks',
      tokenUse: 'access',
    },
    groups: { claim: 'cognito:groups', requesters: 'r', approvers: 'a', viewers: 'v' },
    machineClients: [],
    region: 'us-east-1',
    sandbox: false,
  };
  return apiRoutes({ service, config });
}

/**
 * Build the document.
 * @throws Error when a route has no documentation or documentation names no route
 */
export function buildOpenApiDocument(): OpenApiDocument {
  const routes = routeTable();
  const keys = new Set(routes.map(routeKey));
  const undocumented = [...keys].filter((k) => !(k in OPERATIONS));
  const unrouted = Object.keys(OPERATIONS).filter((k) => !keys.has(k));
  if (undocumented.length > 0 || unrouted.length > 0) {
    throw new Error(
      `the OpenAPI operations and the routes disagree: undocumented ${undocumented.join(', ') || 'none'}; not routed ${unrouted.join(', ') || 'none'}`,
    );
  }
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {};
  for (const route of routes) {
    const spec = OPERATIONS[routeKey(route)];
    if (spec === undefined) continue;
    const access = route.access;
    paths[route.path] ??= {};
    const ops = paths[route.path] ?? {};
    ops[route.method.toLowerCase()] = {
      ...spec,
      description: [spec.description, rolesText(access)].filter(Boolean).join('\n\n'),
      security: security(access),
      'x-cordon-roles': access === 'public' ? [] : [...access],
    };
  }
  const resourceTypes = KINDS.map((k) => k.type);
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'cordon API',
        version: '1',
        description:
          'The self-service API of cordon, the event-driven incident responder for AWS: request, approve, ' +
          'release and read isolations, and evaluate the policy against a finding. Every error is ' +
          '`application/problem+json` (RFC 9457). See docs/api.md.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [
        { url: '/', description: 'The API Gateway endpoint of the deployment (the `api_endpoint` output).' },
      ],
      components: {
        securitySchemes: {
          [SECURITY.user]: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'A person signed in to the console client (authorization code with PKCE). Roles come from the ' +
              `groups claim only: ${ROLES.join(', ')}; scopes in a person's token grant nothing.`,
          },
          [SECURITY.machine]: {
            type: 'oauth2',
            description:
              'A machine client (SOAR, ticketing) of the Cognito user pool, with the client-credentials grant. ' +
              'The token URL is `https://<cognito domain>/oauth2/token` (the `cognito_token_url` output). ' +
              'Scopes grant roles only to the client ids the deployment configures (the `machine_clients` ' +
              'variable); there is no approve, reject, release or retry scope: those need a person.',
            flows: {
              clientCredentials: {
                tokenUrl: 'https://example.auth.us-east-1.amazoncognito.com/oauth2/token',
                scopes: Object.fromEntries(
                  Object.entries(MACHINE_SCOPES).map(([scope, role]) => [scope, `the ${role} role`]),
                ),
              },
            },
          },
        },
      },
      paths,
    },
    {
      override: ({ jsonSchema, zodSchema }) => {
        // A stored resource is parsed by its kind's own schema (codec.ts): say which kinds there are.
        if (zodSchema === ResourceSchema) {
          for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
          Object.assign(jsonSchema, {
            type: 'object',
            required: ['type', 'id'],
            properties: { type: { type: 'string', enum: resourceTypes }, id: { type: 'string' } },
            additionalProperties: true,
            description: 'The resource, with the fields of its kind (functions/lib/resources/).',
          });
        }
      },
    },
  );
}
