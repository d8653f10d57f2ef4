import * as http from 'node:http';
import type { Socket } from 'node:net';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SwarmClient } from '../../src/client/index.js';
import { createRouter } from '../../src/router/create-router.js';
import type { Router } from '../../src/router/router.js';
import { openService, type Service } from '../../src/server/open-service.js';
import {
  DEFAULT_EVENT_STREAM_LIMITS,
  type EventStreamLimits,
} from '../../src/server/sse/event-stream-limits.js';
import { createStore } from '../../src/store/create-store.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { seedTaskEvents } from '../helpers/seed-events.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';
import { manifestBody } from './service-harness.js';

/**
 * SSE under abuse, against a real listening server on a log of many events: replays from zero and
 * clients that never read must cost the service one page at a time, hold a bounded number of bytes
 * each, be capped per client and in all, and still deliver every event exactly once on resume.
 */

const dir = tempDir();
const ADMIN = 'events-abuse-admin-token-0123456789abcdef';
const DASHBOARD_ORIGIN = 'http://dashboard.example';
/** Node's default high-water mark of a socket: what write() buffers before it asks for 'drain'. */
const SOCKET_HIGH_WATER_MARK = 16 * 1024;
/** Room over a page for one event more than the estimate and the stream's first lines. */
const PAGE_SLACK_BYTES = 4 * 1024;

interface Seeded {
  readonly service: Service;
  readonly baseUrl: string;
  readonly port: number;
  readonly lastEventId: number;
  /** Every socket the server accepted, by the client's port. */
  readonly serverSockets: Map<number, Socket>;
  close(): Promise<void>;
}

/** A service on a fresh SQLite log with `events` stored events, listening on 127.0.0.1. */
async function startSeeded(options: {
  events: number;
  descriptionLength: number;
  adminToken?: string;
  eventStreams?: Partial<EventStreamLimits>;
  corsOrigins?: readonly string[];
}): Promise<Seeded> {
  const clock = new FakeClock();
  const store = createStore({ location: tempDbPath(dir) });
  const lastEventId = await seedTaskEvents(store, {
    count: options.events,
    descriptionLength: options.descriptionLength,
    atMs: clock.now(),
  });
  const router: Router = createRouter({ store, clock });
  router.registerPersona('forge');
  await router.restoreLearning();
  const service = await openService({
    router,
    store,
    clock,
    offlineAfterMs: 30_000,
    runTimers: false,
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
    ...(options.eventStreams === undefined ? {} : { eventStreams: options.eventStreams }),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
  });
  const serverSockets = new Map<number, Socket>();
  const carriedRequests = new WeakSet<Socket>();
  service.app.server.on('connection', (socket: Socket) => {
    serverSockets.set(socket.remotePort as number, socket);
  });
  service.app.server.on('request', (request: http.IncomingMessage) => {
    carriedRequests.add(request.socket as Socket);
  });
  const baseUrl = await service.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    service,
    baseUrl,
    port: Number(new URL(baseUrl).port),
    lastEventId,
    serverSockets,
    async close() {
      // fetch's pool opens spare connections that never carry a request; the server would wait for
      // the client to drop them (4 s) before it closes.
      for (const socket of serverSockets.values()) if (!carriedRequests.has(socket)) socket.destroy();
      await service.close();
      await router.close();
    },
  };
}

interface StalledClient {
  readonly response: http.IncomingMessage;
  readonly request: http.ClientRequest;
  /** The server's end of this client's connection. */
  readonly serverSocket: Socket;
}

/** Opens GET /v1/events from `lastEventId` and never reads: the response is paused at once. */
function openStalled(server: Seeded, lastEventId = 0, headers: http.OutgoingHttpHeaders = {}) {
  return new Promise<StalledClient>((resolve, reject) => {
    const request = http.get(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/v1/events?last_event_id=${lastEventId}`,
        headers,
        agent: false,
      },
      (response) => {
        response.pause();
        const serverSocket = server.serverSockets.get(request.socket?.localPort as number);
        if (serverSocket === undefined) reject(new Error('the server did not see this connection'));
        else resolve({ request, response, serverSocket });
      },
    );
    request.on('error', reject);
  });
}

/** Reads the stream from `after` until the event `until` arrived; resolves to the ids seen, in order. */
async function readUntil(baseUrl: string, after: number, until: number): Promise<number[]> {
  const client = new SwarmClient({ baseUrl });
  const controller = new AbortController();
  const ids: number[] = [];
  for await (const event of client.events({ lastEventId: after, signal: controller.signal })) {
    ids.push(event.eventId);
    if (event.eventId >= until) break;
  }
  controller.abort();
  return ids;
}

/**
 * The most bytes the server wrote, to all sockets together, between two turns of the event loop, from
 * now until stop(): what one turn of work cost the service while others waited.
 */
function watchBytesPerTurn(sockets: Map<number, Socket>): { stop(): number } {
  const written = (): number => {
    let sum = 0;
    for (const socket of sockets.values()) sum += socket.bytesWritten;
    return sum;
  };
  let last = written();
  let most = 0;
  let stopped = false;
  const tick = (): void => {
    const now = written();
    most = Math.max(most, now - last);
    last = now;
    if (!stopped) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop() {
      stopped = true;
      return most;
    },
  };
}

const ids = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('SSE replay under load: pages, backpressure, no stall (real server)', () => {
  // 8,000 events of about 1.5 KB: 12 MB, several times what the kernel buffers for a client that
  // does not read, and 750 KB in one of the 500-event pages the stream used to read.
  let server: Seeded;
  beforeAll(async () => {
    server = await startSeeded({ events: 8_000, descriptionLength: 1_300 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('replays from zero one bounded page a turn while clients that do not read hold only a page each', async () => {
    const limits = DEFAULT_EVENT_STREAM_LIMITS; // this service's
    const turns = watchBytesPerTurn(server.serverSockets);
    const stalled = await Promise.all([openStalled(server), openStalled(server), openStalled(server)]);
    const replays = await Promise.all(
      [0, 0, 0, 0, 0].map((after) => readUntil(server.baseUrl, after, server.lastEventId)),
    );
    const mostInOneTurn = turns.stop();
    for (const replay of replays) expect(replay).toEqual(ids(1, server.lastEventId));
    // Between two turns of the event loop the service wrote at most pagesPerTurn pages, in all.
    expect(mostInOneTurn).toBeLessThanOrEqual(limits.pagesPerTurn * (limits.pageBytes + PAGE_SLACK_BYTES));

    // Each client that does not read is stuck (waiting for 'drain') with at most one page buffered.
    await expect.poll(() => stalled.every((s) => s.serverSocket.writableNeedDrain)).toBe(true);
    const held = stalled.map((s) => s.serverSocket.writableLength);
    for (const bytes of held) {
      expect(bytes).toBeLessThanOrEqual(SOCKET_HIGH_WATER_MARK + limits.pageBytes + PAGE_SLACK_BYTES);
    }

    // Others are served while they are stuck, and new events do not make the stuck streams read more.
    const written = stalled.map((s) => s.serverSocket.bytesWritten);
    const health = await fetch(`${server.baseUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    const live = readUntil(server.baseUrl, server.lastEventId, server.lastEventId + 1);
    const posted = await fetch(`${server.baseUrl}/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'posted while three clients are stuck' }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(posted.status).toBe(201);
    expect(await live).toEqual([server.lastEventId + 1]);
    expect(stalled.map((s) => s.serverSocket.bytesWritten)).toEqual(written);
    for (const s of stalled) s.request.destroy();
  });
});

describe('SSE: a client stuck too long is disconnected and resumes exactly once (real server)', () => {
  let server: Seeded;
  beforeAll(async () => {
    server = await startSeeded({
      events: 8_000,
      descriptionLength: 1_300,
      eventStreams: { stalledTimeoutMs: 200, maxStreamsPerClient: 2 },
      corsOrigins: [DASHBOARD_ORIGIN],
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('closes a stream whose client has not read for stalledTimeoutMs; Last-Event-ID then yields the rest', async () => {
    const stalled = await openStalled(server);
    await expect.poll(() => stalled.serverSocket.destroyed, { timeout: 10_000 }).toBe(true);

    // What reached the client before the cut: whole events only (a torn one is dropped by the parser).
    const received: number[] = [];
    const parser = createParser({ onEvent: (message) => received.push(Number(message.id)) });
    const decoder = new TextDecoder();
    stalled.response.on('data', (chunk: Buffer) => parser.feed(decoder.decode(chunk, { stream: true })));
    stalled.response.on('error', () => {}); // the cut ends the chunked body early: expected
    const ended = new Promise((resolve) => stalled.response.on('close', resolve));
    stalled.response.resume();
    await ended;
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(server.lastEventId);

    const last = received.at(-1) as number;
    const rest = await readUntil(server.baseUrl, last, server.lastEventId);
    expect([...received, ...rest]).toEqual(ids(1, server.lastEventId));
  });

  it('without an admin token, streams are capped per address: a made-up bearer token buys no new slot', async () => {
    const controllers = [new AbortController(), new AbortController()];
    const open = (token: string, signal?: AbortSignal) =>
      fetch(`${server.baseUrl}/v1/events`, {
        headers: { authorization: `Bearer ${token}` },
        ...(signal === undefined ? {} : { signal }),
      });
    const first = await open('made-up-1', controllers[0]?.signal);
    const second = await open('made-up-2', controllers[1]?.signal);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await open('made-up-3');
    expect(third.status).toBe(429);
    expect((await third.json()) as unknown).toMatchObject({ error: { code: 'rate_limited' } });
    for (const controller of controllers) controller.abort();
  });

  it('a stream keeps the headers set before it opened: a configured origin may read it (CORS)', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.baseUrl}/v1/events`, {
      headers: { origin: DASHBOARD_ORIGIN },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('access-control-allow-origin')).toBe(DASHBOARD_ORIGIN);
    controller.abort();
  });
});

describe('SSE: caps per token and in all, HEAD (real server)', () => {
  let server: Seeded;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    server = await startSeeded({
      events: 10,
      descriptionLength: 20,
      adminToken: ADMIN,
      eventStreams: { maxStreamsPerClient: 2, maxStreams: 3 },
    });
    for (const agent of ['ant', 'bee', 'cat']) {
      const response = await fetch(`${server.baseUrl}/v1/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify(manifestBody(agent)),
      });
      expect(response.status).toBe(201);
      tokens[agent] = ((await response.json()) as { token: string }).token;
    }
  });
  afterAll(async () => {
    await server.close();
  });

  const open = (agent: string, controller?: AbortController) =>
    fetch(`${server.baseUrl}/v1/events`, {
      headers: { authorization: `Bearer ${tokens[agent]}` },
      signal: controller?.signal ?? AbortSignal.timeout(10_000),
    });

  it('answers 429 rate_limited with Retry-After over the per-token cap and over the service cap', async () => {
    const held = [new AbortController(), new AbortController(), new AbortController()];
    const [ant1, ant2] = [await open('ant', held[0]), await open('ant', held[1])];
    expect([ant1.status, ant2.status]).toEqual([200, 200]);

    const antOver = await open('ant');
    expect(antOver.status).toBe(429);
    expect(Number(antOver.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const antBody = (await antOver.json()) as { error: { code: string; message: string } };
    expect(antBody.error.code).toBe('rate_limited');
    expect(antBody.error.message).toMatch(/2 event streams/);

    // Another token from the same address has its own allowance, up to the service's cap of 3.
    expect((await open('bee', held[2])).status).toBe(200);
    const catOver = await open('cat');
    expect(catOver.status).toBe(429);
    expect(Number(catOver.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await catOver.json()) as { error: { message: string } }).error.message).toMatch(
      /3 event streams/,
    );

    // A closed stream gives its slot back.
    held[0]?.abort();
    await expect
      .poll(async () => {
        const response = await open('cat');
        await response.body?.cancel();
        return response.status;
      })
      .toBe(200);
    for (const controller of held) controller.abort();
  });

  it("the client library waits out a 429's Retry-After and then streams, instead of giving up", async () => {
    const held = [new AbortController(), new AbortController()];
    // The streams of the test before give their slots back as the service sees them close.
    for (const controller of held) {
      await expect
        .poll(async () => {
          const response = await open('ant', controller);
          if (response.status !== 200) await response.body?.cancel();
          return response.status;
        })
        .toBe(200);
    }
    expect((await open('ant')).status).toBe(429);
    const client = new SwarmClient({
      baseUrl: server.baseUrl,
      token: tokens.ant as string,
      reconnectDelayMs: 50,
    });
    const stop = new AbortController();
    const first = (async () => {
      for await (const event of client.events({ lastEventId: 0, signal: stop.signal })) return event;
      return undefined;
    })();
    // Refused while both slots are held; a slot freed a moment later is taken on the retry.
    setTimeout(() => held[0]?.abort(), 300);
    const event = await first;
    expect(event?.eventId).toBe(1);
    stop.abort();
    held[1]?.abort();
  });

  it('HEAD /v1/events answers at once with the stream headers and no body, after the same auth', async () => {
    const head = await fetch(`${server.baseUrl}/v1/events`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${tokens.bee}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(head.headers.get('content-length')).toBeNull(); // as GET: the stream has no length
    expect(await head.text()).toBe('');
    const anonymous = await fetch(`${server.baseUrl}/v1/events`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(10_000),
    });
    expect(anonymous.status).toBe(401);
  });
});
