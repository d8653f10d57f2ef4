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

const post = (service: Service, payload: Record<string, unknown>, token?: string) =>
  service.call({ method: 'POST', url: '/v1/tasks', payload, ...(token === undefined ? {} : { token }) });
const bid = (service: Service, taskId: string, agentId: string, sats: number, token?: string) =>
  service.call({
    method: 'POST',
    url: `/v1/tasks/${taskId}/bids`,
    payload: { agent_id: agentId, bid_sats: sats },
    ...(token === undefined ? {} : { token }),
  });
const act = (
  service: Service,
  taskId: string,
  action: string,
  payload: Record<string, unknown>,
  token?: string,
) =>
  service.call({
    method: 'POST',
    url: `/v1/tasks/${taskId}/${action}`,
    payload,
    ...(token === undefined ? {} : { token }),
  });

describe('service: tasks and auctions', () => {
  it('posts a task, takes sealed bids, decides once all eligible agents bid, and runs the lifecycle', async () => {
    const service = await start({ db: tempDbPath(dir) });
    const posted = await post(service, {
      description: 'Fix the bug in the auth code',
      bidding_window_ms: 60_000,
    });
    expect(posted.status).toBe(201);
    const task = posted.json().task;
    expect(task).toMatchObject({ status: 'open', bids: [], assigned_agent: null });
    const open = (await service.call({ method: 'GET', url: '/metrics' })).body;
    expect(open).toContain('swarm_router_auctions_open 1');
    expect(Date.parse(task.closes_at) - Date.parse(task.created_at)).toBe(60_000);

    expect((await bid(service, task.task_id, 'quill', 40)).status).toBe(201);
    expect((await bid(service, task.task_id, 'echo', 30)).status).toBe(201);
    const last = await bid(service, task.task_id, 'forge', 50);
    expect(last.json().task).toMatchObject({ status: 'offered', assigned_agent: 'forge' });

    const detail = (await service.call({ method: 'GET', url: `/v1/tasks/${task.task_id}` })).json();
    expect(detail.decision).toMatchObject({ task_id: task.task_id, selected_agent: 'forge', seq: 1 });
    expect(detail.decision.breakdown[0].signals.map((s: { signal: string }) => s.signal)).toEqual([
      'capability',
      'bid-received',
      'success',
      'load',
      'speed',
    ]);

    expect((await act(service, task.task_id, 'complete', { agent_id: 'forge' })).status).toBe(409);
    expect((await act(service, task.task_id, 'accept', { agent_id: 'quill' })).status).toBe(403);
    expect((await act(service, task.task_id, 'accept', { agent_id: 'forge' })).json().task.status).toBe(
      'accepted',
    );
    expect(
      (await service.call({ method: 'GET', url: `/v1/tasks/${task.task_id}` })).json().result,
    ).toBeNull();
    // A result over 64 KiB, or not an object, is refused and the task stays as it was.
    const huge = await act(service, task.task_id, 'complete', {
      agent_id: 'forge',
      result: { text: 'x'.repeat(70_000) },
    });
    expect(huge.status).toBe(400);
    expect(huge.json().error.message).toMatch(/body: result is \d+ bytes as JSON, over the limit of 65536/);
    expect((await act(service, task.task_id, 'complete', { agent_id: 'forge', result: [1] })).status).toBe(
      400,
    );
    const result = {
      summary: 'patched the token check',
      files: ['auth.ts'],
      lines: { added: 3, removed: 1 },
    };
    const done = await act(service, task.task_id, 'complete', {
      agent_id: 'forge',
      duration_ms: 900,
      result,
    });
    expect(done.json().task.status).toBe('completed');
    expect((await service.call({ method: 'GET', url: `/v1/tasks/${task.task_id}` })).json().result).toEqual(
      result,
    );

    const stats = (await service.call({ method: 'GET', url: '/v1/agents/forge/stats' })).json();
    expect(stats).toMatchObject({
      tasks_won: 1,
      accepted: 1,
      completed: 1,
      failed: 0,
      rejected: 0,
      timed_out: 0,
      current_load: 0,
      avg_duration_ms: 900,
    });
    const list = (await service.call({ method: 'GET', url: '/v1/tasks?status=completed' })).json();
    expect(list.tasks.map((t: { task_id: string }) => t.task_id)).toEqual([task.task_id]);

    const metrics = (await service.call({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('swarm_router_auctions_open 0');
    expect(metrics).toContain('swarm_router_bids_total 3');
    expect(metrics).toContain('swarm_router_decisions_total{outcome="selected"} 1');
    expect(metrics).toContain('swarm_router_task_events_total{kind="task:completed"} 1');
    expect(metrics).toContain('swarm_router_task_events_total{kind="bid:received"} 3');
  });

  it('answers a late bid 409, an ineligible one 422, an unknown agent 404, a bad field 400', async () => {
    const service = await start({ db: tempDbPath(dir) });
    const task = (
      await post(service, {
        description: 'Fix the bug in my function',
        required_capabilities: ['coding'],
        bidding_window_ms: 1_000,
      })
    ).json().task;
    const ineligible = await bid(service, task.task_id, 'quill', 10);
    expect(ineligible.status).toBe(422);
    expect(ineligible.json().error).toMatchObject({ code: 'not_eligible' });
    expect(ineligible.json().error.message).toContain('lack capability coding');
    expect((await bid(service, task.task_id, 'ghost', 10)).status).toBe(404);
    const bad = await service.call({
      method: 'POST',
      url: `/v1/tasks/${task.task_id}/bids`,
      payload: { agent_id: 'forge', bid_sats: 1.5 },
    });
    expect(bad.status).toBe(400);
    expect(bad.json().error.message).toContain('bid_sats');
    service.clock.advance(1_000);
    const late = await bid(service, task.task_id, 'forge', 10);
    expect(late.status).toBe(409);
    expect(late.json().error.message).toContain('closed');
    service.clock.advance(250); // the timer comes 250 ms after the window's end
    await service.tasks.runDue();
    const metrics = (await service.call({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('swarm_router_auction_close_lag_seconds_count 1');
    expect(metrics).toMatch(/swarm_router_auction_close_lag_seconds_sum 0\.25\b/);
    expect((await service.call({ method: 'GET', url: '/v1/tasks/nope' })).status).toBe(404);
    for (const payload of [
      { description: '' },
      { description: 'x', bidding_window_ms: 0 },
      { description: 'x', deadline: 'tomorrow' },
      { description: 'x', max_bid_sats: -1 },
      { description: 'x', colour: 'red' },
    ]) {
      const response = await post(service, payload);
      expect(response.status, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe('invalid_request');
    }
  });

  it('names the bad part of a task list query, a cursor or a body, and stores nothing for it', async () => {
    const service = await start({ db: tempDbPath(dir) });
    for (const url of [
      '/v1/tasks?limit=abc',
      '/v1/tasks?limit=0',
      '/v1/tasks?status=lost',
      '/v1/tasks?cursor=zzz',
    ]) {
      const response = await service.call({ method: 'GET', url });
      expect(response.status, url).toBe(400);
      expect(['invalid_request', 'invalid_cursor']).toContain(response.json().error.code);
    }
    const malformed = await service.call({
      method: 'POST',
      url: '/v1/tasks',
      headers: { 'content-type': 'application/json' },
      payload: '{"description": ',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json().error.message).toBe('body is not valid JSON');
    expect((await service.call({ method: 'GET', url: '/v1/tasks' })).json().tasks).toEqual([]);
  });

  it('with an admin token: posting needs it, a bid needs the agent’s own token', async () => {
    const service = await start({ db: tempDbPath(dir), adminToken: ADMIN_TOKEN, roster: [] });
    const tokens: Record<string, string> = {};
    for (const id of ['sec-a', 'sec-b']) {
      const registered = await service.call({
        method: 'POST',
        url: '/v1/agents',
        payload: manifestBody(id),
        token: ADMIN_TOKEN,
      });
      tokens[id] = registered.json().token;
    }
    expect((await post(service, { description: 'audit the firewall' })).status).toBe(401);
    const task = (await post(service, { description: 'audit the firewall' }, ADMIN_TOKEN)).json().task;
    expect((await bid(service, task.task_id, 'sec-a', 10)).status).toBe(401);
    expect((await bid(service, task.task_id, 'sec-a', 10, tokens['sec-b'])).status).toBe(403);
    expect((await bid(service, task.task_id, 'sec-a', 10, tokens['sec-a'])).status).toBe(201);
    const closed = await bid(service, task.task_id, 'sec-b', 20, tokens['sec-b']);
    expect(closed.json().task).toMatchObject({ status: 'offered', assigned_agent: 'sec-a' });
    expect((await act(service, task.task_id, 'accept', { agent_id: 'sec-a' }, tokens['sec-b'])).status).toBe(
      403,
    );
    expect((await act(service, task.task_id, 'reject', { agent_id: 'sec-a' }, tokens['sec-a'])).status).toBe(
      200,
    );
    expect((await service.call({ method: 'GET', url: `/v1/tasks/${task.task_id}` })).status).toBe(401);
  });

  it('counts rejections and timeouts in the agent’s stats', async () => {
    const service = await start({ db: tempDbPath(dir), roster: ['forge', 'quill'] });
    // A task both fit: the one that does not fit a task is never offered it.
    const task = (await post(service, { description: 'Write a function to document the API' })).json().task;
    await bid(service, task.task_id, 'forge', 10);
    await bid(service, task.task_id, 'quill', 10);
    await act(service, task.task_id, 'reject', { agent_id: 'forge' });
    service.clock.advance(5_000);
    await service.tasks.runDue();
    expect((await service.call({ method: 'GET', url: `/v1/tasks/${task.task_id}` })).json().task.status).toBe(
      'unassigned',
    );
    const forge = (await service.call({ method: 'GET', url: '/v1/agents/forge/stats' })).json();
    const quill = (await service.call({ method: 'GET', url: '/v1/agents/quill/stats' })).json();
    expect(forge).toMatchObject({ rejected: 1, timed_out: 0 });
    expect(quill).toMatchObject({ rejected: 0, timed_out: 1 });
  });
});
