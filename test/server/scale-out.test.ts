import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, SwarmClient, type SwarmEvent } from '../../src/client/index.js';
import { NO_CONTROL_CHARACTERS } from '../../src/wire/id-schemas.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { requirePostgres, testSchemas } from '../helpers/postgres.js';
import {
  ADMIN_TOKEN,
  manifestBody,
  OFFLINE_AFTER_MS,
  type Service,
  startService,
} from './service-harness.js';

/**
 * Two service instances on one PostgreSQL schema, in one process: what one is told, the other knows —
 * agents registered, tasks decided, loads — and the SSE clients of one see the other's events.
 */
const available = await requirePostgres();
const schemas = testSchemas('scaleout');
afterAll(() => schemas.dropAll());

describe.runIf(available)('two instances on one PostgreSQL', () => {
  let a: Service;
  let b: Service;
  let urlA: string;
  let urlB: string;
  beforeAll(async () => {
    const db = schemas.url();
    a = await startService({ db, roster: ['forge', 'quill'] });
    b = await startService({ db, roster: ['forge', 'quill'] });
    urlA = await a.app.listen({ host: '127.0.0.1', port: 0 });
    urlB = await b.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('streams to the clients of B what A decided, in order', async () => {
    const watcher = new SwarmClient({ baseUrl: urlB });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 15_000);
    const seen: SwarmEvent[] = [];
    const reading = (async () => {
      for await (const event of watcher.events({ signal: controller.signal })) {
        seen.push(event);
        if (seen.length >= 5) break;
      }
    })().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300)); // B's stream is open
    const admin = new SwarmClient({ baseUrl: urlA });
    const task = await admin.postTask({ description: 'Fix the bug in the parser code' });
    await new AgentClient({ baseUrl: urlA, agentId: 'quill' }).bid(task.task_id, 40);
    const closed = await new AgentClient({ baseUrl: urlA, agentId: 'forge' }).bid(task.task_id, 50);
    expect(closed.status).toBe('offered');
    await reading;
    clearTimeout(timer);
    controller.abort();
    expect(seen.map((e) => e.kind)).toEqual([
      'task:posted',
      'bid:received',
      'bid:received',
      'task:decided',
      'task:assigned',
    ]);
    expect(seen[3]?.data).toMatchObject({ task_id: task.task_id, selected_agent: 'forge' });
    // B also counts the task A assigned in forge's load, which its own scoring reads.
    await expect.poll(() => b.tasks.inFlightOf('forge'), { timeout: 5_000 }).toBe(1);
    // A stored that task, its bids and its decision in batches, and counts them in /metrics by kind.
    const metrics = (await a.call({ method: 'GET', url: '/metrics' })).body;
    for (const kind of ['tasks', 'bids', 'decisions']) {
      expect(metrics).toMatch(new RegExp(`^swarm_router_store_batches_total\\{kind="${kind}"\\} [1-9]`, 'm'));
      expect(metrics).toMatch(
        new RegExp(`^swarm_router_store_batched_writes_total\\{kind="${kind}"\\} [1-9]`, 'm'),
      );
    }
    // And its write transactions, and the writes held up by lock waits (the benchmark reads both).
    expect(metrics).toMatch(/^swarm_router_store_transactions_total [1-9]/m);
    expect(metrics).toMatch(/^swarm_router_store_waited_writes_total \d+$/m);
  });

  it('says in /metrics which of the two holds the sweep lease: exactly one', async () => {
    const held = async (service: Service) => {
      const metrics = (await service.call({ method: 'GET', url: '/metrics' })).body;
      return Number(/^swarm_router_sweep_lease_held (\d+)$/m.exec(metrics)?.[1]);
    };
    // Each tries for the lease when it next looks for due tasks: both have by the time one holds it.
    await expect.poll(async () => (await held(a)) + (await held(b)), { timeout: 5_000 }).toBe(1);
    expect([await held(a), await held(b)].sort()).toEqual([0, 1]);
  });

  it('takes on B, at once, the bid of an agent registered through A a moment before', async () => {
    const task = await new SwarmClient({ baseUrl: urlA }).postTask({
      description: 'Audit the firewall rules',
    });
    // No waiting between the two: B has not re-read the agents, it reads the one it does not know.
    const registered = await a.call({ method: 'POST', url: '/v1/agents', payload: manifestBody('sentinel') });
    expect(registered.status).toBe(201);
    const bid = await b.call({
      method: 'POST',
      url: `/v1/tasks/${task.task_id}/bids`,
      token: registered.json().token,
      payload: { agent_id: 'sentinel', bid_sats: 10 },
    });
    expect(bid.status).toBe(201);
  });
});

/**
 * What one instance acknowledged about an agent, the other honours (AgentDirectory): at once for
 * everything a stale copy would refuse or write; a removal's end of the agent's token and bids as
 * soon as the other instance hears of it. Both instances here have the periodic re-read of the agents
 * off, so nothing but reading through and the announcements can make them agree.
 */
describe.runIf(available)('two instances on one PostgreSQL agree on agents at once', () => {
  let a: Service;
  let b: Service;
  const clock = new FakeClock();
  const NEVER = 3_600_000;
  let db: string;
  beforeAll(async () => {
    db = schemas.url();
    a = await startService({
      db,
      roster: ['forge', 'quill'],
      adminToken: ADMIN_TOKEN,
      clock,
      agentsEveryMs: NEVER,
    });
    b = await startService({
      db,
      roster: ['forge', 'quill'],
      adminToken: ADMIN_TOKEN,
      clock,
      agentsEveryMs: NEVER,
    });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('refuses on an instance that heard nothing, at once, the old token of an agent removed or registered again through A', async () => {
    const deaf = await startService({
      db,
      roster: ['forge', 'quill'],
      adminToken: ADMIN_TOKEN,
      clock,
      agentsEveryMs: NEVER,
      hearsNoAnnouncements: true,
    });
    try {
      const taskId = await postTask();
      const old = await register(a, 'turncoat');
      // The deaf instance reads the agent through and keeps a copy of it, token included.
      expect((await deaf.call({ method: 'GET', url: '/v1/agents', token: old })).status).toBe(200);
      expect((await a.call({ method: 'DELETE', url: '/v1/agents/turncoat', token: old })).status).toBe(204);
      const actions = [
        { method: 'GET' as const, url: '/v1/agents' },
        { method: 'POST' as const, url: '/v1/agents/turncoat/heartbeat' },
        {
          method: 'POST' as const,
          url: `/v1/tasks/${taskId}/bids`,
          payload: { agent_id: 'turncoat', bid_sats: 1 },
        },
      ];
      for (const action of actions) {
        const answer = await deaf.call({ ...action, token: old });
        expect([action.url, answer.status]).toEqual([action.url, 401]);
      }
      // Registered again with a new token: the new one opens it, the old one still nothing.
      const renewed = await register(a, 'turncoat', { rate_sats: 3 });
      for (const action of actions) {
        const answer = await deaf.call({ ...action, token: old });
        expect([action.url, answer.status]).toEqual([action.url, 401]);
      }
      const read = await deaf.call({ method: 'GET', url: '/v1/agents/turncoat', token: renewed });
      expect([read.status, read.json().agent.rate_sats]).toEqual([200, 3]);
      expect((await bid(deaf, taskId, 'turncoat', renewed)).status).toBe(201);
    } finally {
      await deaf.close();
    }
  });

  const register = async (via: Service, agentId: string, fields: Record<string, unknown> = {}) => {
    const response = await via.call({
      method: 'POST',
      url: '/v1/agents',
      token: ADMIN_TOKEN,
      payload: manifestBody(agentId, fields),
    });
    expect(response.status, response.body).toBe(201);
    return response.json().token as string;
  };
  const postTask = async (body: Record<string, unknown> = {}) => {
    const response = await a.call({
      method: 'POST',
      url: '/v1/tasks',
      token: ADMIN_TOKEN,
      payload: { description: 'Audit the firewall rules', bidding_window_ms: 600_000, ...body },
    });
    expect(response.status, response.body).toBe(201);
    return response.json().task.task_id as string;
  };
  const bid = (via: Service, taskId: string, agentId: string, token: string) =>
    via.call({
      method: 'POST',
      url: `/v1/tasks/${taskId}/bids`,
      token,
      payload: { agent_id: agentId, bid_sats: 10 },
    });
  const agentUrl = (agentId: string) => `/v1/agents/${encodeURIComponent(agentId)}`;

  it('takes on B, in the same millisecond, any agent and token registered through A', async () => {
    const taskId = await postTask();
    // Ids of any text, sent to B in the other Unicode normal form when there is one: the same agent.
    const idText = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
      .filter((text) => new RegExp(NO_CONTROL_CHARACTERS).test(text));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(idText, async (text) => {
        const agentId = `${text}-${n++}`.normalize('NFC');
        const asSentToB = agentId.normalize('NFD');
        const token = await register(a, agentId);
        const bidOnB = await bid(b, taskId, asSentToB, token);
        const heartbeatOnB = await b.call({ method: 'POST', url: `${agentUrl(asSentToB)}/heartbeat`, token });
        const readOnB = await b.call({ method: 'GET', url: agentUrl(asSentToB), token });
        expect([bidOnB.status, heartbeatOnB.status, readOnB.status], bidOnB.body).toEqual([201, 200, 200]);
        expect(readOnB.json().agent.agent_id).toBe(agentId);
        // A token is never taken for another: B refuses a wrong one, and A's for another agent.
        expect((await bid(b, taskId, agentId, `${token}x`)).status).toBe(401);
      }),
      { numRuns: 25 },
    );
  });

  it('refuses on B, at once, a second registration of an id registered through A', async () => {
    const [onA, onB] = await Promise.all(
      [a, b].map((via) =>
        via.call({ method: 'POST', url: '/v1/agents', token: ADMIN_TOKEN, payload: manifestBody('twin') }),
      ),
    );
    expect([onA?.status, onB?.status].sort()).toEqual([201, 409]);
    const winner = (onA?.status === 201 ? onA : onB)?.json().token as string;
    for (const via of [a, b]) {
      expect(
        (await via.call({ method: 'POST', url: '/v1/agents/twin/heartbeat', token: winner })).status,
      ).toBe(200);
    }
  });

  it('honours on B, at once, a manifest update made through A', async () => {
    const token = await register(a, 'ledger-keeper');
    // B holds a copy from before the update.
    expect((await b.call({ method: 'GET', url: '/v1/agents/ledger-keeper', token })).status).toBe(200);
    const updated = await a.call({
      method: 'PATCH',
      url: '/v1/agents/ledger-keeper',
      token,
      payload: { capabilities: ['security', 'ledger'] },
    });
    expect(updated.status).toBe(200);
    // Read by B as stored, merged onto what A wrote, and its new capability counts for B's auctions.
    expect(
      (await b.call({ method: 'GET', url: '/v1/agents/ledger-keeper', token })).json().agent,
    ).toMatchObject({
      capabilities: ['security', 'ledger'],
    });
    const taskId = await postTask({ required_capabilities: ['ledger'] });
    expect((await bid(b, taskId, 'ledger-keeper', token)).status).toBe(201);
    const patchedOnB = await b.call({
      method: 'PATCH',
      url: '/v1/agents/ledger-keeper',
      token,
      payload: { rate_sats: 11 },
    });
    expect(patchedOnB.json().agent).toMatchObject({ capabilities: ['security', 'ledger'], rate_sats: 11 });
    expect(
      (await a.call({ method: 'GET', url: '/v1/agents/ledger-keeper', token })).json().agent,
    ).toMatchObject({
      capabilities: ['security', 'ledger'],
      rate_sats: 11,
    });
  });

  it('takes on B the bid of an agent that B thought offline and that sent its heartbeats to A', async () => {
    const token = await register(a, 'far-away');
    expect((await b.call({ method: 'POST', url: '/v1/agents/far-away/heartbeat', token })).status).toBe(200);
    clock.advance(OFFLINE_AFTER_MS + 1);
    const statusOnB = async () =>
      (await b.call({ method: 'GET', url: '/v1/agents', token: ADMIN_TOKEN }))
        .json()
        .agents.find((agent: { agent_id: string }) => agent.agent_id === 'far-away').status;
    expect(await statusOnB()).toBe('offline');
    expect((await a.call({ method: 'POST', url: '/v1/agents/far-away/heartbeat', token })).status).toBe(200);
    const taskId = await postTask();
    expect((await bid(b, taskId, 'far-away', token)).status).toBe(201);
    expect(await statusOnB()).toBe('online');
  });

  it('honours on B, at once, a removal made through A for everything B would write', async () => {
    const token = await register(a, 'gone-now');
    expect((await b.call({ method: 'POST', url: '/v1/agents/gone-now/heartbeat', token })).status).toBe(200);
    expect((await a.call({ method: 'DELETE', url: '/v1/agents/gone-now', token })).status).toBe(204);
    // B still held a copy: its writes are conditional, so none brings the agent back.
    const patch = await b.call({
      method: 'PATCH',
      url: '/v1/agents/gone-now',
      token: ADMIN_TOKEN,
      payload: { rate_sats: 1 },
    });
    expect([patch.status, patch.json().error.code]).toEqual([404, 'unknown_agent']);
    const calls = [
      { method: 'POST' as const, url: '/v1/agents/gone-now/heartbeat' },
      { method: 'DELETE' as const, url: '/v1/agents/gone-now' },
      { method: 'GET' as const, url: '/v1/agents/gone-now' },
    ];
    for (const call of calls) expect((await b.call({ ...call, token: ADMIN_TOKEN })).status).toBe(404);
    expect((await a.call({ method: 'GET', url: '/v1/agents/gone-now', token: ADMIN_TOKEN })).status).toBe(
      404,
    );
    expect((await b.call({ method: 'GET', url: '/v1/agents/gone-now', token })).status).toBe(401);
  });

  it('ends on B the token and bids of an agent removed through A as soon as B hears of it', async () => {
    const token = await register(a, 'leaving');
    const taskId = await postTask();
    expect((await b.call({ method: 'GET', url: '/v1/agents', token })).status).toBe(200); // B knows it
    expect((await a.call({ method: 'DELETE', url: '/v1/agents/leaving', token })).status).toBe(204);
    // B's periodic re-read is off: only the removal's announcement can tell it.
    await expect
      .poll(async () => (await b.call({ method: 'GET', url: '/v1/agents', token })).status, {
        timeout: 5_000,
      })
      .toBe(401);
    expect((await bid(b, taskId, 'leaving', token)).status).toBe(401);
    expect(
      (await b.call({ method: 'GET', url: '/v1/agents', token: ADMIN_TOKEN })).json().agents,
    ).not.toContainEqual(expect.objectContaining({ agent_id: 'leaving' }));
  });

  it('takes on each instance, at once, the new token of an agent removed and registered again', async () => {
    const old = await register(a, 'phoenix');
    expect((await b.call({ method: 'POST', url: '/v1/agents/phoenix/heartbeat', token: old })).status).toBe(
      200,
    );
    expect((await a.call({ method: 'DELETE', url: '/v1/agents/phoenix', token: old })).status).toBe(204);
    const renewed = await register(a, 'phoenix', { rate_sats: 7 });
    for (const via of [a, b]) {
      const read = await via.call({ method: 'GET', url: '/v1/agents/phoenix', token: renewed });
      expect([read.status, read.json().agent.rate_sats]).toEqual([200, 7]);
      expect(
        (await via.call({ method: 'POST', url: '/v1/agents/phoenix/heartbeat', token: old })).status,
      ).toBe(401);
    }
  });
});
