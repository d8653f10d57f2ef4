import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';
import { ADMIN_TOKEN, manifestBody, type Service, startService } from './service-harness.js';

/**
 * Authentication comes before everything a request carries is looked at: a request without the token
 * it needs gets 401 whatever its path parameters, query and body, on every route the service
 * documents, so a route added without a guard fails here.
 */
const dir = tempDir();
/**
 * Routes anyone may call: liveness and metrics for probes and scrapers, and the swarm's A2A card,
 * which A2A clients read before they authenticate (it says which token /a2a takes).
 */
const PUBLIC = new Set(['GET /healthz', 'GET /metrics', 'GET /.well-known/agent-card.json']);
const METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;

describe('service: every route checks its token before it validates the request', () => {
  let service: Service;
  let routes: { method: string; url: string }[];
  beforeAll(async () => {
    service = await startService({ db: tempDbPath(dir), adminToken: ADMIN_TOKEN });
    const spec = (await service.call({ method: 'GET', url: '/v1/openapi.json' })).json() as {
      paths: Record<string, Partial<Record<(typeof METHODS)[number], unknown>>>;
    };
    routes = Object.entries(spec.paths).flatMap(([path, operations]) =>
      METHODS.filter((m) => operations[m] !== undefined).map((m) => ({
        method: m.toUpperCase(),
        // A parameter that exists nowhere, and a query parameter no route takes.
        url: `${path.replace(/\{[^}]+\}/g, 'no-such-id')}?no_such_parameter=1`,
      })),
    );
  });
  afterAll(() => service.close());

  it('documents the routes it guards (this test reads them from /v1/openapi.json)', () => {
    const names = routes.map((r) => `${r.method} ${r.url.split('?')[0]}`);
    for (const expected of [
      'POST /v1/agents',
      'PATCH /v1/agents/no-such-id',
      'POST /v1/tasks/no-such-id/bids',
      'POST /v1/route',
      'GET /v1/events',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it('answers 401 unauthorized to a request without a token, whatever its body, query and parameters', async () => {
    const guarded = routes.filter((r) => !PUBLIC.has(`${r.method} ${r.url.split('?')[0]}`));
    expect(guarded.length).toBeGreaterThan(15);
    for (const { method, url } of guarded) {
      const body = method === 'GET' || method === 'DELETE' ? {} : { payload: { no_such_field: '\u0000' } };
      const response = await service.call({
        method: method as 'GET',
        url,
        headers: { 'content-type': 'application/json' },
        ...body,
      });
      expect({
        route: `${method} ${url}`,
        status: response.status,
        code: response.json().error?.code,
      }).toEqual({
        route: `${method} ${url}`,
        status: 401,
        code: 'unauthorized',
      });
    }
  });

  it('answers 401 to a wrong token and 403 to another agent’s before a bad body’s 400', async () => {
    const register = (agentId: string) =>
      service.call({ method: 'POST', url: '/v1/agents', token: ADMIN_TOKEN, payload: manifestBody(agentId) });
    const own = (await register('guard-a')).json().token as string;
    const other = (await register('guard-b')).json().token as string;
    const badPatch = { method: 'PATCH' as const, url: '/v1/agents/guard-a', payload: { rate_sats: 'lots' } };
    expect((await service.call({ ...badPatch, token: 'not-a-token' })).status).toBe(401);
    expect((await service.call({ ...badPatch, token: other })).status).toBe(403);
    const invalid = await service.call({ ...badPatch, token: own });
    expect(invalid.status).toBe(400);
    expect(invalid.json().error.code).toBe('invalid_request');
    // An admin route, an agent's token, a bad body: the token is not the admin's.
    const route = await service.call({
      method: 'POST',
      url: '/v1/route',
      token: own,
      payload: { bids: 'x' },
    });
    expect(route.status).toBe(401);
  });

  it('keeps health, metrics and the A2A card open', async () => {
    for (const url of ['/healthz', '/metrics', '/.well-known/agent-card.json']) {
      expect((await service.call({ method: 'GET', url })).status).toBe(200);
    }
  });
});
