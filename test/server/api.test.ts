import { afterEach, describe, expect, it } from 'vitest';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';
import { ADMIN_TOKEN, manifestBody, type Service, startService } from './service-harness.js';

const dir = tempDir();
const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});
const start = async (options: Parameters<typeof startService>[0]) => {
  const service = await startService(options);
  services.push(service);
  return service;
};

const bids = [
  { agent_id: 'forge', bid_sats: 30 },
  { agent_id: 'quill', bid_sats: 20 },
];

describe('service: POST /v1/route and the log', () => {
  it('decides, logs before answering, and reads back by task, agent and page', async () => {
    const service = await start({ db: tempDbPath(dir) });
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const response = await service.call({
        method: 'POST',
        url: '/v1/route',
        payload: { task_id: `t${i}`, description: 'fix the bug in the parser code', bids },
      });
      expect(response.status).toBe(200);
      answers.push(response.json());
    }
    expect(answers[0]).toMatchObject({ task_id: 't0', selected_agent: 'forge', seq: 1 });
    expect(answers[0].breakdown.map((b: { agent_id: string }) => b.agent_id)).toEqual(['forge', 'quill']);
    expect(await service.router.countDecisions()).toBe(3);

    const page = (await service.call({ method: 'GET', url: '/v1/decisions?limit=2' })).json();
    expect(page.decisions.map((d: { seq: number }) => d.seq)).toEqual([3, 2]);
    const next = (
      await service.call({ method: 'GET', url: `/v1/decisions?limit=2&cursor=${page.next_cursor}` })
    ).json();
    expect(next).toMatchObject({ next_cursor: null });
    expect(next.decisions.map((d: { seq: number }) => d.seq)).toEqual([1]);
    const byTask = (await service.call({ method: 'GET', url: '/v1/decisions?task_id=t1' })).json();
    expect(byTask.decisions.map((d: { task_id: string }) => d.task_id)).toEqual(['t1']);
    const byAgent = (await service.call({ method: 'GET', url: '/v1/decisions?agent_id=echo' })).json();
    expect(byAgent.decisions).toHaveLength(3); // scored in each, though it did not bid

    const exported = await service.call({ method: 'GET', url: '/v1/export' });
    expect(exported.status).toBe(200);
    const lines = exported.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((d) => d.seq)).toEqual([1, 2, 3]);
    expect(lines[2]).toEqual(answers[2]);

    const stats = (await service.call({ method: 'GET', url: '/v1/agents/forge/stats' })).json();
    expect(stats).toMatchObject({
      agent_id: 'forge',
      tasks_won: 3,
      bids: 3,
      status: 'online',
      success_rate: 0.5,
    });
  });

  it.each([
    [
      { description: 'x', bids: [{ agent_id: 'forge', bid_sats: '5' }] },
      400,
      'body: bids[0].bid_sats must be integer (got "5")',
    ],
    [
      { description: 'x', bids: [{ agent_id: 'forge', bid_sats: -1 }] },
      400,
      'body: bids[0].bid_sats must be >= 0 (got -1)',
    ],
    [{ bids: [] }, 400, 'body: description is required'],
    [
      { description: 'x', bids: [{ agent_id: 'ghost', bid_sats: 5 }] },
      404,
      "bids[0]: agent 'ghost' is not registered",
    ],
    [
      { description: 'x', bids: [bids[0], bids[0]] },
      400,
      "bids[1]: agent 'forge' already bid on this task (one bid per agent)",
    ],
  ])('refuses a bad request %#, naming the field, and logs nothing', async (payload, status, message) => {
    const service = await start({ db: tempDbPath(dir) });
    const response = await service.call({ method: 'POST', url: '/v1/route', payload });
    expect(response.status).toBe(status);
    expect(response.json().error.message).toBe(message);
    expect(await service.router.countDecisions()).toBe(0);
  });

  it('gives every decision that selects an agent its confidence: answer, pages, export, reason', async () => {
    const service = await start({ db: tempDbPath(dir) });
    const routed = (
      await service.call({
        method: 'POST',
        url: '/v1/route',
        payload: { task_id: 'sure', description: 'fix the bug in the parser code', bids },
      })
    ).json();
    expect(routed.confidence).toBeGreaterThan(0);
    expect(routed.confidence).toBeLessThanOrEqual(1);
    expect(Math.round(routed.confidence * 1000) / 1000).toBe(routed.confidence);
    expect(routed.selection_reason).toContain(`confidence ${routed.confidence.toFixed(2)})`);
    // Nobody selected (no bids): no confidence, and no field for it.
    const none = (
      await service.call({ method: 'POST', url: '/v1/route', payload: { description: 'fix it', bids: [] } })
    ).json();
    expect(none.selected_agent).toBeNull();
    expect(none).not.toHaveProperty('confidence');
    const page = (await service.call({ method: 'GET', url: '/v1/decisions?task_id=sure' })).json();
    expect(page.decisions[0]).toEqual(routed);
    const exported = (await service.call({ method: 'GET', url: '/v1/export' })).body.trim().split('\n');
    expect(JSON.parse(exported[0] as string)).toEqual(routed);
    expect((await service.router.verify()).ok).toBe(true);
  });

  it('answers malformed requests with 4xx, never 500', async () => {
    const service = await start({ db: tempDbPath(dir) });
    const notJson = await service.call({
      method: 'POST',
      url: '/v1/route',
      headers: { 'content-type': 'application/json' },
      payload: '{"description": ',
    });
    expect(notJson.status).toBe(400);
    expect(notJson.json()).toEqual({ error: { code: 'invalid_request', message: 'body is not valid JSON' } });
    const huge = await service.call({
      method: 'POST',
      url: '/v1/route',
      payload: { description: 'x'.repeat(1_100_000), bids: [] },
    });
    expect(huge.status).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
    const badTime = await service.call({ method: 'GET', url: '/v1/decisions?since=yesterday' });
    expect(badTime.status).toBe(400);
    expect(badTime.json().error.message).toContain('query: since must be an ISO 8601 time');
    const badCursor = await service.call({ method: 'GET', url: '/v1/decisions?cursor=zzz' });
    expect(badCursor.status).toBe(400);
    expect(badCursor.json().error.code).toBe('invalid_cursor');
    const unknownQuery = await service.call({ method: 'GET', url: '/v1/decisions?colour=red' });
    expect(unknownQuery.json().error.message).toBe('query: colour is not a known field');
    const noRoute = await service.call({ method: 'GET', url: '/v2/anything' });
    expect(noRoute.status).toBe(404);
    expect(noRoute.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /v2/anything' } });
  });

  it('documents every route in /v1/openapi.json and counts decisions in /metrics', async () => {
    const service = await start({ db: tempDbPath(dir) });
    await service.call({ method: 'POST', url: '/v1/route', payload: { description: 'fix the code', bids } });
    const openapi = (await service.call({ method: 'GET', url: '/v1/openapi.json' })).json();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/v1/agents',
        '/v1/agents/{agent_id}',
        '/v1/route',
        '/v1/decisions',
        '/v1/export',
        '/v1/tasks',
        '/v1/tasks/{task_id}',
        '/v1/tasks/{task_id}/bids',
        '/v1/tasks/{task_id}/accept',
        '/v1/tasks/{task_id}/reject',
        '/v1/tasks/{task_id}/complete',
        '/v1/tasks/{task_id}/fail',
        '/v1/events',
      ]),
    );
    expect(openapi.paths['/v1/route'].post.requestBody.content['application/json'].schema.required).toEqual([
      'description',
      'bids',
    ]);
    const metrics = await service.call({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('swarm_router_decisions_total{outcome="selected"} 1');
    expect(metrics.body).toContain('swarm_router_bids_total 2');
    expect(metrics.body).toContain('swarm_router_agents{status="online"} 3');
    expect(metrics.body).toMatch(/swarm_router_routing_seconds_count 1/);
    // One instance on its own SQLite file has no other to share the timers with: no lease to report.
    expect(metrics.body).not.toContain('swarm_router_sweep_lease_held');
    expect((await service.call({ method: 'GET', url: '/healthz' })).json()).toEqual({
      status: 'ok',
      decisions: 1,
    });
  });
});

describe('service: tokens', () => {
  const ADMIN = ADMIN_TOKEN;

  it('needs the admin token to register and route, an agent token to act as that agent', async () => {
    const service = await start({ db: tempDbPath(dir), adminToken: ADMIN });
    const anonymous = await service.call({ method: 'POST', url: '/v1/agents', payload: manifestBody('a1') });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json().error.code).toBe('unauthorized');
    const wrong = await service.call({
      method: 'POST',
      url: '/v1/agents',
      payload: manifestBody('a1'),
      token: 'guess',
    });
    expect(wrong.status).toBe(401);

    const a1 = (
      await service.call({ method: 'POST', url: '/v1/agents', payload: manifestBody('a1'), token: ADMIN })
    ).json();
    const a2 = (
      await service.call({ method: 'POST', url: '/v1/agents', payload: manifestBody('a2'), token: ADMIN })
    ).json();
    expect(
      (await service.call({ method: 'POST', url: '/v1/agents/a1/heartbeat', token: a1.token })).status,
    ).toBe(200);
    const asOther = await service.call({ method: 'POST', url: '/v1/agents/a1/heartbeat', token: a2.token });
    expect(asOther.status).toBe(403);
    expect(asOther.json().error).toEqual({
      code: 'forbidden',
      message: "agent 'a2' cannot act as agent 'a1'",
    });
    expect(
      (
        await service.call({
          method: 'PATCH',
          url: '/v1/agents/a1',
          payload: { rate_sats: 1 },
          token: a2.token,
        })
      ).status,
    ).toBe(403);
    expect((await service.call({ method: 'DELETE', url: '/v1/agents/a1', token: a2.token })).status).toBe(
      403,
    );
    expect(
      (await service.call({ method: 'POST', url: '/v1/agents/a1/heartbeat', token: ADMIN })).status,
    ).toBe(200);

    const route = { method: 'POST' as const, url: '/v1/route', payload: { description: 'audit', bids: [] } };
    expect((await service.call({ ...route, token: a1.token })).status).toBe(401);
    expect((await service.call({ ...route, token: ADMIN })).status).toBe(200);
  });

  it('lets any valid token read, and keeps health and metrics open', async () => {
    const service = await start({ db: tempDbPath(dir), adminToken: ADMIN });
    const a1 = (
      await service.call({ method: 'POST', url: '/v1/agents', payload: manifestBody('a1'), token: ADMIN })
    ).json();
    for (const url of ['/v1/agents', '/v1/decisions', '/v1/export', '/v1/agents/a1/stats']) {
      expect((await service.call({ method: 'GET', url })).status).toBe(401);
      expect((await service.call({ method: 'GET', url, token: a1.token })).status).toBe(200);
      expect((await service.call({ method: 'GET', url, token: ADMIN })).status).toBe(200);
    }
    for (const url of ['/healthz', '/metrics', '/v1/openapi.json']) {
      expect((await service.call({ method: 'GET', url })).status).toBe(200);
    }
  });
});
