/**
 * The API function and the console function split one origin: the API serves `/config.json` and its JSON routes,
 * and no longer the console's files, and none of its routes is one API Gateway sends to the console function.
 */
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../../functions/lib/api/handler.js';
import { pipelineApiService } from '../../functions/lib/api/service.js';
import { CONSOLE_ASSETS } from '../../functions/lib/console/assets.generated.js';
import { isConsoleRoute } from '../../functions/lib/console/handler.js';
import { useApi } from './support.js';

describe('API: the console is another function’s', () => {
  const api = useApi();

  it('answers 404 problem+json for the console’s files, and still serves /config.json', async () => {
    // Prepare
    const paths = ['/', ...Object.keys(CONSOLE_ASSETS)];

    // Act
    const files = await Promise.all(paths.map((path) => api.call('GET', path)));
    const config = await api.call('GET', '/config.json');

    // Assess
    expect(paths).toEqual(expect.arrayContaining(['/', '/index.html', '/assets/app.js', '/assets/app.css']));
    files.forEach((response, i) => {
      expect(response.status, paths[i]).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.text).not.toContain('<html');
    });
    expect(config.status).toBe(200);
    expect(config.body['auth']).toMatchObject({ tokenUrl: api.issuer.tokenUrl });
  });

  it('has no route that API Gateway would send to the console function', () => {
    // Prepare
    const routes = apiRoutes({ service: pipelineApiService(api.env.deps), config: api.config });

    // Act
    const shadowed = routes
      .map((route) => ({ method: route.method, path: route.path.replace(/\{\w+\}/g, 'iso-1') }))
      .filter((route) => isConsoleRoute(route.method, route.path));

    // Assess
    expect(routes.map((r) => r.path)).toContain('/config.json');
    expect(shadowed).toEqual([]);
  });
});
