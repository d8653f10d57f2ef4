import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, SwarmClient, type SwarmEvent } from '../../src/client/index.js';
import { requirePostgres, testSchemas } from '../helpers/postgres.js';
import { manifestBody, type Service, startService } from './service-harness.js';

/**
 * Two service instances on one PostgreSQL schema, in one process: what one is told, the other knows —
 * agents registered, tasks decided, loads — and the SSE clients of one see the other's events.
 */
const available = await requirePostgres();
const schemas = testSchemas('scaleout');

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
    await schemas.dropAll();
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

  it('knows on B an agent registered through A, and takes its bids', async () => {
    const registered = await a.call({ method: 'POST', url: '/v1/agents', payload: manifestBody('sentinel') });
    expect(registered.status).toBe(201);
    await expect
      .poll(async () => (await b.call({ method: 'GET', url: '/v1/agents/sentinel' })).status, {
        timeout: 5_000,
      })
      .toBe(200);
    const task = await new SwarmClient({ baseUrl: urlA }).postTask({
      description: 'Audit the firewall rules',
    });
    const bid = await b.call({
      method: 'POST',
      url: `/v1/tasks/${task.task_id}/bids`,
      token: registered.json().token,
      payload: { agent_id: 'sentinel', bid_sats: 10 },
    });
    expect(bid.status).toBe(201);
  });
});
