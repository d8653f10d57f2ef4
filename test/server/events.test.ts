import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, SwarmClient, type SwarmEvent } from '../../src/client/index.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';
import { type Service, startService } from './service-harness.js';

const dir = tempDir();

/** Collects events from the client's stream until `count` arrived (or the timeout). */
async function take(client: SwarmClient, count: number, options: { lastEventId?: number } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  const events: SwarmEvent[] = [];
  for await (const event of client.events({ ...options, signal: controller.signal })) {
    events.push(event);
    if (events.length >= count) break;
  }
  clearTimeout(timer);
  controller.abort();
  return events;
}

describe('service: Server-Sent Events and the agent client (real server)', () => {
  let service: Service;
  let baseUrl: string;
  beforeAll(async () => {
    service = await startService({ db: tempDbPath(dir), roster: ['forge', 'quill'] });
    baseUrl = await service.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await service.close();
  });

  it('streams the lifecycle in order, and a client that reconnects with Last-Event-ID misses nothing', async () => {
    const admin = new SwarmClient({ baseUrl });
    const forge = new AgentClient({ baseUrl, agentId: 'forge' });
    const quill = new AgentClient({ baseUrl, agentId: 'quill' });
    const live = take(admin, 6);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the stream is open
    const task = await admin.postTask({ description: 'Fix the bug in the parser code' });
    await quill.bid(task.task_id, 40);
    const closed = await forge.bid(task.task_id, 50);
    expect(closed.status).toBe('offered');
    await forge.accept(task.task_id);
    const events = await live;
    expect(events.map((e) => e.kind)).toEqual([
      'task:posted',
      'bid:received',
      'bid:received',
      'task:decided',
      'task:assigned',
      'task:accepted',
    ]);
    expect(events[1]?.data).toMatchObject({ task_id: task.task_id, agent_id: 'quill', bid_sats: 40 });
    expect(events[3]?.data).toMatchObject({ selected_agent: 'forge', decision_seq: 1 });
    expect(events[4]?.data.reserved_until).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    // Missed while away: resume after the decision, get the assignment and the accept, then more.
    await forge.complete(task.task_id, 500);
    const resumed = await take(admin, 3, { lastEventId: events[3]?.eventId as number });
    expect(resumed.map((e) => e.kind)).toEqual(['task:assigned', 'task:accepted', 'task:completed']);
    expect(resumed[0]?.eventId).toBe(events[4]?.eventId);
  });

  it('answers a bad Last-Event-ID with 400 naming it', async () => {
    const response = await fetch(`${baseUrl}/v1/events`, { headers: { 'last-event-id': 'yesterday' } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      'Last-Event-ID',
    );
  });

  it('the client reconnects when the service restarts, resuming after the last event it saw', async () => {
    const db = tempDbPath(dir);
    let first: Service | undefined = await startService({ db, roster: ['forge'] });
    const url = await first.app.listen({ host: '127.0.0.1', port: 0 });
    const port = Number(new URL(url).port);
    const client = new SwarmClient({ baseUrl: url, reconnectDelayMs: 100 });
    const controller = new AbortController();
    const seen: SwarmEvent[] = [];
    const reading = (async () => {
      for await (const event of client.events({ signal: controller.signal })) {
        seen.push(event);
        if (seen.length === 2) return;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.postTask({ description: 'before the restart' });
    await expect.poll(() => seen.length).toBe(1);
    await first.close(); // ends the stream; the client retries until the port answers again
    first = undefined;
    const second = await startService({ db, roster: ['forge'] });
    try {
      await second.app.listen({ host: '127.0.0.1', port });
      // Posted in-process: a pooled keep-alive socket to the old server could fail a fetch here.
      await second.call({ method: 'POST', url: '/v1/tasks', payload: { description: 'after the restart' } });
      await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      controller.abort();
      expect(seen.map((e) => [e.kind, e.data.description])).toEqual([
        ['task:posted', 'before the restart'],
        ['task:posted', 'after the restart'],
      ]);
      expect(seen[1]?.eventId).toBe((seen[0]?.eventId as number) + 1);
    } finally {
      await second.close();
    }
  });

  it('the agent client words API errors with status and code', async () => {
    const forge = new AgentClient({ baseUrl, agentId: 'forge' });
    await expect(forge.bid('no-such-task', 10)).rejects.toMatchObject({ status: 404, code: 'unknown_task' });
    expect(() => new SwarmClient({ baseUrl: 'localhost:7070' })).toThrow(/http\(s\) URL/);
  });
});
