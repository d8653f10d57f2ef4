import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/http-call.js';
import { type ListeningService, startListeningService } from '../helpers/listening-service.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

const dir = tempDir();
const ADMIN = 'a-admin-token-that-is-long-enough-0123456789';

/** One raw HTTP/1.1 exchange: what the server wrote back before closing (or within `waitMs`). */
function rawRequest(port: number, text: string | Buffer, waitMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('close', done);
    socket.on('error', done);
    socket.write(text);
  });
}

/** The status and JSON body of a raw HTTP answer. */
function parseAnswer(answer: string): { status: number; body: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
  const bodyText = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  let body: unknown = null;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = bodyText;
  }
  return { status, body };
}

const hasEnvelope = (body: unknown): boolean => {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
};

describe('a service on loopback, as a hostile client meets it', () => {
  let svc: ListeningService;
  beforeAll(async () => {
    svc = await startListeningService({
      db: tempDbPath(dir),
      limits: { requestTimeoutMs: 1500, headersTimeoutMs: 1000, rateLimit: null, failedTokenLimit: null },
      allowedHosts: ['router.internal'],
    });
  });
  afterAll(() => svc.close());

  it('refuses a Host that is neither an address, localhost nor an allowed name (DNS rebinding)', async () => {
    const asked = async (host: string) =>
      parseAnswer(
        await rawRequest(svc.port, `GET /v1/agents HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
      );
    const rebound = await asked('evil.example:7070');
    expect(rebound.status).toBe(403);
    expect((rebound.body as { error: { code: string } }).error.code).toBe('host_not_allowed');
    for (const host of [
      `127.0.0.1:${svc.port}`,
      `localhost:${svc.port}`,
      '[::1]:7070',
      'Router.Internal.:7070',
    ]) {
      expect((await asked(host)).status, host).toBe(200);
    }
  });

  it('refuses a body-less state change without a token unless it says JSON (a cross-site form cannot)', async () => {
    const task = await fetch(`${svc.url}/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ description: 'fix the bug' }),
    });
    expect(task.status).toBe(415);
    expect(((await task.json()) as Json).error.code).toBe('content_type_required');
    const reg = await fetch(`${svc.url}/v1/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ persona: 'mace', agent_id: 'sentry-1' }),
    });
    expect(reg.status).toBe(201);
    const formLike = await fetch(`${svc.url}/v1/agents/sentry-1/heartbeat`, { method: 'POST' });
    expect(formLike.status).toBe(415);
    expect(((await formLike.json()) as Json).error.code).toBe('content_type_required');
    const json = await fetch(`${svc.url}/v1/agents/sentry-1/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(200);
  });

  it('accepts path parameters of every length the schemas accept', async () => {
    for (const id of ['x'.repeat(200), '\u{1F600}'.repeat(200), 'é'.repeat(150)]) {
      const reg = await fetch(`${svc.url}/v1/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ persona: 'forge', agent_id: id }),
      });
      expect(reg.status).toBe(201);
      const path = `${svc.url}/v1/agents/${encodeURIComponent(id)}`;
      const beat = await fetch(`${path}/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      expect(beat.status).toBe(200);
      expect(((await beat.json()) as Json).agent.agent_id).toBe(id);
    }
    const tooLong = await fetch(`${svc.url}/v1/agents/${'y'.repeat(201)}`);
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as Json).error.message).toMatch(/agent_id/);
  });

  it("answers the framework's and Node's own errors in the error envelope", async () => {
    const answers = [
      // A path that is not percent-encoded UTF-8.
      await rawRequest(
        svc.port,
        'GET /v1/agents/%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      ),
      // Headers over Node's 16 KiB.
      await rawRequest(
        svc.port,
        `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
      ),
      // Not HTTP.
      await rawRequest(svc.port, 'HELLO THERE\r\n\r\n'),
      // Malformed JSON, and an unknown route.
      await rawRequest(
        svc.port,
        'POST /v1/route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"a":',
      ),
      await rawRequest(svc.port, 'DELETE /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
    ].map(parseAnswer);
    expect(answers.map((a) => a.status)).toEqual([400, 431, 400, 400, 415]);
    for (const answer of answers) expect(hasEnvelope(answer.body), JSON.stringify(answer)).toBe(true);
  });

  it('closes a request whose body never finishes, with a 408 in the envelope', async () => {
    const answer = parseAnswer(
      await rawRequest(
        svc.port,
        'POST /v1/route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"descr',
        20_000,
      ),
    );
    expect(answer.status).toBe(408);
    expect((answer.body as { error: { code: string } }).error.code).toBe('request_timeout');
  });

  it('answers every malformed request with a 4xx in the envelope, never a 5xx (fuzz)', async () => {
    const segment = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }).map((s) => encodeURIComponent(s)),
      fc.constantFrom('%', '%ZZ', '%E0%A4', '%00', '..', '%2F', '%ED%A0%80', ';', '*'),
      fc.string({ unit: 'binary-ascii', maxLength: 10 }).map((s) => s.replace(/[\s#?]/g, '')),
    );
    const method = fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD');
    const prefix = fc.constantFrom(
      '/v1/agents',
      '/v1/tasks',
      '/v1/decisions',
      '/v1/route',
      '/v1',
      '',
      '/v1/agents/x/heartbeat',
    );
    const body = fc.option(
      fc.oneof(
        fc.json(),
        fc.string({ unit: 'binary', maxLength: 200 }).map((s) => JSON.stringify({ description: s })),
      ),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      '',
    );
    await fc.assert(
      fc.asyncProperty(
        method,
        prefix,
        fc.array(segment, { maxLength: 3 }),
        body,
        contentType,
        async (m, p, segs, b, ct) => {
          const path = [p, ...segs].join('/') || '/';
          const payload = b === null || m === 'GET' || m === 'HEAD' ? '' : b;
          const head =
            `${m} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
            (ct === '' ? '' : `Content-Type: ${ct}\r\n`) +
            `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n`;
          const answer = parseAnswer(
            await rawRequest(svc.port, Buffer.concat([Buffer.from(head), Buffer.from(payload)])),
          );
          expect(answer.status, `${m} ${path}`).toBeGreaterThanOrEqual(200);
          expect(answer.status, `${m} ${path}`).toBeLessThan(500);
          if (answer.status >= 400 && m !== 'HEAD')
            expect(hasEnvelope(answer.body), `${m} ${path}: ${JSON.stringify(answer.body)}`).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('limits on one client', () => {
  it('rate-limits each token and, without one, each address; bad tokens get a small allowance', async () => {
    const svc = await startListeningService({
      db: tempDbPath(dir),
      adminToken: ADMIN,
      limits: { rateLimit: { max: 8, windowMs: 60_000 }, failedTokenLimit: { max: 3, windowMs: 60_000 } },
    });
    try {
      const get = (token?: string) =>
        fetch(`${svc.url}/v1/agents`, {
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        });
      // Guessing: three wrong tokens answer 401, then 429 whatever the token.
      const guesses = [];
      for (let i = 0; i < 5; i++) guesses.push((await get(`guess-${i}`)).status);
      expect(guesses).toEqual([401, 401, 401, 429, 429]);
      const limited = await get('guess-9');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await limited.json()) as Json).error.code).toBe('rate_limited');
      // The admin's token has an allowance of its own, untouched by the guesses from the same address.
      const admin = [];
      for (let i = 0; i < 9; i++) admin.push((await get(ADMIN)).status);
      expect(admin.slice(0, 8).every((s) => s === 200)).toBe(true);
      expect(admin[8]).toBe(429);
      // An agent's token too.
      const reg = await fetch(`${svc.url}/v1/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ persona: 'mace' }),
      });
      expect(reg.status).toBe(429); // the admin's allowance is spent
      const anonymous = await get();
      expect(anonymous.status).toBe(401); // no token: the address's own allowance
    } finally {
      await svc.close();
    }
  });

  it("limits how often one agent's manifest changes, whoever asks, and leaves other agents alone", async () => {
    const svc = await startListeningService({
      db: tempDbPath(dir),
      adminToken: ADMIN,
      limits: { manifestChanges: { max: 3, windowMs: 60_000 } },
    });
    try {
      const send = (method: string, path: string, token: string, body: unknown) =>
        fetch(`${svc.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
      const tokens: string[] = [];
      for (const agentId of ['churner', 'steady']) {
        const reg = await send('POST', '/v1/agents', ADMIN, { persona: 'forge', agent_id: agentId });
        tokens.push(((await reg.json()) as Json).token);
      }
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        statuses.push(
          (await send('PATCH', '/v1/agents/churner', tokens[0] as string, { rate_sats: i })).status,
        );
      }
      // The fourth change, asked by the admin this time, is one too many for this agent.
      const over = await send('PATCH', '/v1/agents/churner', ADMIN, { rate_sats: 9 });
      statuses.push(over.status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await over.json()) as Json).error.message).toMatch(
        /agent 'churner' may change its manifest at most 3 times in 60 s/,
      );
      const stored = await fetch(`${svc.url}/v1/agents/churner`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(((await stored.json()) as Json).agent.rate_sats).toBe(2);
      expect((await send('PATCH', '/v1/agents/steady', ADMIN, { rate_sats: 1 })).status).toBe(200);
      // Heartbeats are not manifest changes.
      expect((await send('POST', '/v1/agents/churner/heartbeat', tokens[0] as string, {})).status).toBe(200);
    } finally {
      await svc.close();
    }
  });

  it('closes connections from one address beyond its cap before reading them', async () => {
    const svc = await startListeningService({ db: tempDbPath(dir), limits: { connectionsPerAddress: 3 } });
    const sockets: Socket[] = [];
    try {
      const closed: boolean[] = [];
      for (let i = 0; i < 5; i++) {
        const socket = connect(svc.port, '127.0.0.1');
        sockets.push(socket);
        await new Promise((resolve) => socket.once('connect', resolve));
        closed.push(false);
        socket.once('close', () => {
          closed[i] = true;
        });
      }
      // The two over the cap are closed by the server; the first three stay open and still work.
      await new Promise((resolve) => {
        const check = setInterval(() => {
          if (closed[3] && closed[4]) {
            clearInterval(check);
            resolve(undefined);
          }
        }, 10);
      });
      expect(closed.slice(0, 3)).toEqual([false, false, false]);
      const answer = await new Promise<string>((resolve) => {
        const socket = sockets[0] as Socket;
        socket.once('data', (chunk) => resolve(chunk.toString()));
        socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      });
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await svc.close();
    }
  });
});
