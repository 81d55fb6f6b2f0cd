/**
 * The OpenAPI document: valid OpenAPI 3.1, the committed docs/openapi.json is current, it lists exactly the
 * routes the API handles with the roles each needs, and `/openapi.json` serves it without a token.
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../../functions/lib/api/handler.js';
import { buildOpenApiDocument, routeKey, SECURITY } from '../../functions/lib/api/openapi-spec.js';
import { OPENAPI_FILE, openApiText } from '../../scripts/openapi.js';
import { useApi } from './support.js';

const api = useApi();
const document = buildOpenApiDocument();

function operations(): { key: string; op: Record<string, unknown> }[] {
  const out: { key: string; op: Record<string, unknown> }[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, op] of Object.entries(item ?? {})) {
      if (typeof op === 'object' && op !== null && !Array.isArray(op))
        out.push({ key: `${method.toUpperCase()} ${path}`, op: { ...op } });
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(openApiText()));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('is committed as docs/openapi.json, up to date (npx tsx scripts/openapi.ts)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText());
  });

  it('lists every route the API handles and no other, with its roles and security', () => {
    const routes = apiRoutes({ config: api.config, service: {} as never });
    const documented = operations();
    expect(documented.map((o) => o.key).sort()).toEqual(routes.map(routeKey).sort());
    for (const route of routes) {
      const op = documented.find((o) => o.key === routeKey(route))?.op;
      if (route.access === 'public') {
        expect(op?.['security'], routeKey(route)).toEqual([]);
      } else {
        expect(op?.['x-cordon-roles'], routeKey(route)).toEqual([...route.access]);
        expect(op?.['security'], routeKey(route)).toContainEqual({ [SECURITY.user]: [] });
        expect(Object.keys(op?.['responses'] ?? {}), routeKey(route)).toEqual(
          expect.arrayContaining(['401', '403', '500']),
        );
      }
    }
  });

  it('offers machine clients no scope on the approver-only routes', () => {
    for (const { key, op } of operations()) {
      const roles = op['x-cordon-roles'];
      if (Array.isArray(roles) && roles.length === 1 && roles[0] === 'approver') {
        expect(JSON.stringify(op['security']), key).not.toContain(SECURITY.machine);
      }
    }
  });

  it('is served at /openapi.json without a token', async () => {
    const res = await api.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
