/**
 * The service under attack beside a normal load (`npm run bench:abuse`). `swarm-router serve` runs as
 * its own process (dist/, as shipped) with an admin token and its default limits, on a SQLite log that
 * already holds BENCH_ABUSE_EVENTS task events (default 250,000). This process then runs, for
 * BENCH_ABUSE_SECONDS each (default 20), two phases:
 *
 * - quiet: the normal load alone — a swarm of six registered agents, each with its own token, and
 *   the admin posting BENCH_ABUSE_RATE tasks a second (default 100), each an auction the six bid on
 *   (the sixth bid closes it); and a probe of GET /healthz every 20 ms;
 * - attacked: the same, and from another loopback address (127.0.0.2) an attacker who holds one
 *   agent's token and uses it and no token at once: its examples PATCHed with the longest words the
 *   limits allow, bodies of odd Unicode (lone surrogates, U+0000, right-to-left marks), requests
 *   whose bodies trickle in a byte a second, SSE replays from event 0 that never read, and bursts of
 *   wrong tokens.
 *
 * Reported for each phase: tasks decided a second by the normal load and its latency (post to last
 * bid), /healthz latency, and what the attack's requests were answered. The goal (issue "Trust"):
 * /healthz p99 under 50 ms, and the normal load within 20% of its quiet figure.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStore } from '../src/store/create-store.js';
import { seedTaskEvents } from '../test/helpers/seed-events.js';
import { descriptionsOfWorkload, PERSONAS, startServe } from './auction-load.js';
import { envNumber } from './env-number.js';
import { machineLine } from './machine.js';

const PHASE_S = envNumber('BENCH_ABUSE_SECONDS', 20, { min: 1 });
const STORED_EVENTS = envNumber('BENCH_ABUSE_EVENTS', 250_000, { min: 0 });
const RATE = envNumber('BENCH_ABUSE_RATE', 100, { min: 1 });
const ADMIN = randomBytes(32).toString('hex');
const ATTACKER_ADDRESS = '127.0.0.2';

const workDir = mkdtempSync(join(tmpdir(), 'swarm-router-abuse-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One HTTP request over a keep-alive agent; the status and body, or status 0 when it failed. */
function send(
  agent: Agent,
  url: URL,
  method: string,
  path: string,
  options: { token?: string; body?: string; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        headers: {
          'content-type': 'application/json',
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: 0, body }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(options.body);
  });
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const ms = (value: number): string => (Number.isNaN(value) ? '–' : `${value.toFixed(1)} ms`);

interface PhaseResult {
  readonly tasksDecided: number;
  readonly taskLatencies: number[];
  readonly healthLatencies: number[];
  readonly normalFailures: number;
  readonly attack: Map<string, Map<number, number>>;
}

/** Seeds the log, starts serve, registers the six agents and the attacker's. */
async function setUp(): Promise<{ child: ChildProcess; url: URL; tokens: Map<string, string> }> {
  const db = join(workDir, 'abuse.db');
  if (STORED_EVENTS > 0) {
    const store = createStore({ location: db });
    const started = performance.now();
    await seedTaskEvents(store, { count: STORED_EVENTS, descriptionLength: 200 });
    await store.close();
    console.error(
      `seeded ${STORED_EVENTS.toLocaleString('en-US')} events in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  const { child, url } = await startServe(['--db', db, '--roster', 'none', '--reservation-ms', '600000'], {
    SWARM_ROUTER_ADMIN_TOKEN: ADMIN,
    // The service's own limits, as shipped (startServe turns the rate limit off for throughput runs).
    SWARM_ROUTER_RATE_LIMIT: '',
  });
  const base = new URL(url);
  const agent = new Agent({ keepAlive: true });
  const tokens = new Map<string, string>();
  for (const persona of [...PERSONAS, 'attacker']) {
    const body =
      persona === 'attacker'
        ? JSON.stringify({ persona: 'echo', agent_id: 'attacker' })
        : JSON.stringify({ persona });
    const answer = await send(agent, base, 'POST', '/v1/agents', { token: ADMIN, body });
    if (answer.status !== 201) throw new Error(`registering ${persona}: ${answer.status} ${answer.body}`);
    tokens.set(persona, (JSON.parse(answer.body) as { token: string }).token);
  }
  agent.destroy();
  return { child, url: base, tokens };
}

/** The normal load and the /healthz probe, for `seconds`; resolves to what they measured. */
async function normalLoad(
  url: URL,
  tokens: ReadonlyMap<string, string>,
  seconds: number,
  descriptions: readonly string[],
): Promise<Pick<PhaseResult, 'tasksDecided' | 'taskLatencies' | 'healthLatencies' | 'normalFailures'>> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const endAt = performance.now() + seconds * 1000;
  const taskLatencies: number[] = [];
  const healthLatencies: number[] = [];
  let failures = 0;
  let next = 0;
  const inFlight = new Set<Promise<void>>();

  const auction = async (): Promise<void> => {
    const started = performance.now();
    const posted = await send(agent, url, 'POST', '/v1/tasks', {
      token: ADMIN,
      body: JSON.stringify({
        description: descriptions[next++ % descriptions.length],
        bidding_window_ms: 60_000,
      }),
    });
    if (posted.status !== 201) {
      failures++;
      return;
    }
    const taskId = (JSON.parse(posted.body) as { task: { task_id: string } }).task.task_id;
    const bids = await Promise.all(
      PERSONAS.map((persona, i) =>
        send(agent, url, 'POST', `/v1/tasks/${encodeURIComponent(taskId)}/bids`, {
          token: tokens.get(persona) as string,
          body: JSON.stringify({ agent_id: persona, bid_sats: 20 + 7 * i }),
        }),
      ),
    );
    if (bids.some((b) => b.status !== 201)) {
      failures++;
      return;
    }
    taskLatencies.push(performance.now() - started);
  };

  const probe = async (): Promise<void> => {
    while (performance.now() < endAt) {
      const started = performance.now();
      const answer = await send(probeAgent, url, 'GET', '/healthz');
      if (answer.status === 200) healthLatencies.push(performance.now() - started);
      else failures++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const probing = probe();

  // Paced: a task every 1/RATE s, whatever the answers' speed (a slow service falls behind, it is
  // not offered less); at most 256 auctions in flight, beyond which a task counts as failed.
  const interval = 1000 / RATE;
  let due = performance.now();
  while (performance.now() < endAt) {
    while (due <= performance.now()) {
      due += interval;
      if (inFlight.size >= 256) {
        failures++;
        continue;
      }
      const run = auction().finally(() => inFlight.delete(run));
      inFlight.add(run);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, due - performance.now())));
  }
  await Promise.all(inFlight);
  await probing;
  agent.destroy();
  probeAgent.destroy();
  return { tasksDecided: taskLatencies.length, taskLatencies, healthLatencies, normalFailures: failures };
}

/** The attack mix, from 127.0.0.2, until `signal` is aborted; counts answers by kind and status. */
function attack(
  url: URL,
  attackerToken: string,
  signal: AbortSignal,
): { done: Promise<void>; counts: Map<string, Map<number, number>> } {
  const counts = new Map<string, Map<number, number>>();
  const count = (kind: string, status: number) => {
    let byStatus = counts.get(kind);
    if (byStatus === undefined) {
      byStatus = new Map();
      counts.set(kind, byStatus);
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const from = { localAddress: ATTACKER_ADDRESS };
  const loop = async (kind: string, once: () => Promise<number>): Promise<void> => {
    while (!signal.aborted) count(kind, await once());
  };

  const longWord = 'x'.repeat(20_000);
  const oddTexts = [
    'evil\ud800',
    'nul\u0000',
    '\u202eevil\u202c',
    '\udfff'.repeat(1000),
    '👩‍👩‍👧‍👦'.repeat(2000),
  ];
  let odd = 0;
  const sockets: Socket[] = [];
  const opened = (socket: Socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    return socket;
  };

  const loops = [
    // A malicious agent's own token: the longest words its manifest may carry, every time.
    loop('long words (PATCH examples)', async () => {
      const answer = await send(agent, url, 'PATCH', '/v1/agents/attacker', {
        ...from,
        token: attackerToken,
        body: JSON.stringify({ examples: Array.from({ length: 50 }, (_, i) => `${longWord}${i}`) }),
      });
      return answer.status;
    }),
    // Odd Unicode in every kind of body, with the agent's token and without.
    loop('odd Unicode', async () => {
      const text = oddTexts[odd++ % oddTexts.length] as string;
      const answer = await send(agent, url, 'POST', '/v1/tasks/x/bids', {
        ...from,
        ...(odd % 2 === 0 ? { token: attackerToken } : {}),
        body: JSON.stringify({ agent_id: text, bid_sats: 1 }),
      });
      return answer.status;
    }),
    // Guessing tokens.
    ...Array.from({ length: 4 }, () =>
      loop('wrong tokens', async () => {
        const answer = await send(agent, url, 'GET', '/v1/agents', {
          ...from,
          token: randomBytes(16).toString('hex'),
        });
        return answer.status;
      }),
    ),
  ];

  // 200 requests whose bodies trickle in a byte a second, reopened when the service closes them.
  const slowBody = async (): Promise<void> => {
    while (!signal.aborted) {
      const socket = opened(
        connect({ host: url.hostname, port: Number(url.port), localAddress: ATTACKER_ADDRESS }),
      );
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString();
      });
      socket.write(
        `PATCH /v1/agents/attacker HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${attackerToken}\r\nContent-Length: 100000\r\n\r\n{"description":"`,
      );
      const drip = setInterval(() => socket.write('a'), 1000);
      await Promise.race([
        closed,
        new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
      ]);
      clearInterval(drip);
      socket.destroy();
      count('slow bodies', Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0));
    }
  };
  // SSE replays from event 0 that never read: the socket is paused, so the service's writes back up.
  const stuckReplay = async (): Promise<void> => {
    while (!signal.aborted) {
      const socket = opened(
        connect({ host: url.hostname, port: Number(url.port), localAddress: ATTACKER_ADDRESS }),
      );
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      let head = '';
      socket.once('data', (chunk) => {
        head = chunk.toString('latin1');
        socket.pause();
      });
      socket.write(
        `GET /v1/events?last_event_id=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${attackerToken}\r\n\r\n`,
      );
      await Promise.race([
        closed,
        new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
      ]);
      socket.destroy();
      count('SSE replay, not reading', Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0));
    }
  };
  // SSE replays from event 0 that read everything and start again.
  const readingReplay = async (): Promise<void> => {
    while (!signal.aborted) {
      const socket = opened(
        connect({ host: url.hostname, port: Number(url.port), localAddress: ATTACKER_ADDRESS }),
      );
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      let head = '';
      socket.on('data', (chunk) => {
        if (head === '') head = chunk.toString('latin1', 0, 20);
      });
      socket.write(
        `GET /v1/events?last_event_id=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${attackerToken}\r\n\r\n`,
      );
      await Promise.race([
        closed,
        new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
      ]);
      socket.destroy();
      count('SSE replay, reading', Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0));
    }
  };

  const done = Promise.all([
    ...loops,
    ...Array.from({ length: 200 }, slowBody),
    ...Array.from({ length: 100 }, stuckReplay),
    ...Array.from({ length: 5 }, readingReplay),
  ]).then(() => {
    for (const socket of sockets) socket.destroy();
    agent.destroy();
  });
  return { done, counts };
}

function report(name: string, result: PhaseResult, quiet?: PhaseResult): string {
  const rate = result.tasksDecided / PHASE_S;
  const change =
    quiet === undefined
      ? ''
      : ` (${((rate / (quiet.tasksDecided / PHASE_S) - 1) * 100).toFixed(1)}% against quiet)`;
  const lines = [
    `${name}: ${rate.toFixed(1)} tasks decided/s of ${RATE} offered${change}, ${result.normalFailures} failed; ` +
      `auction latency p50 ${ms(percentile(result.taskLatencies, 50))}, p99 ${ms(percentile(result.taskLatencies, 99))}; ` +
      `/healthz p50 ${ms(percentile(result.healthLatencies, 50))}, p99 ${ms(percentile(result.healthLatencies, 99))}, ` +
      `max ${ms(percentile(result.healthLatencies, 100))} (${result.healthLatencies.length} probes)`,
  ];
  for (const [kind, byStatus] of result.attack) {
    const statuses = [...byStatus]
      .sort((a, b) => a[0] - b[0])
      .map(([status, n]) => `${n.toLocaleString('en-US')} × ${status === 0 ? 'no answer' : status}`);
    lines.push(`  attack, ${kind}: ${statuses.join(', ')}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  console.log(`bench:abuse — ${machineLine()}`);
  const descriptions = descriptionsOfWorkload();
  const { child, url, tokens } = await setUp();
  try {
    const quietLoad = await normalLoad(url, tokens, PHASE_S, descriptions);
    const quiet: PhaseResult = { ...quietLoad, attack: new Map() };
    console.log(report('quiet   ', quiet));

    const stop = new AbortController();
    const attacking = attack(url, tokens.get('attacker') as string, stop.signal);
    // The attack gets going before the measured load starts.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const attackedLoad = await normalLoad(url, tokens, PHASE_S, descriptions);
    stop.abort();
    await attacking.done;
    console.log(report('attacked', { ...attackedLoad, attack: attacking.counts }, quiet));
  } finally {
    child.kill('SIGTERM');
  }
}

await main();
