/**
 * SSE replays against the event loop: a service on a SQLite log of 250,000 events, 5 clients that
 * replay it from zero as fast as they read and 100 that open a replay from zero and never read
 * (bench/sse-load.ts, in a process of their own so that their work is not the service's). Reports the
 * service's event-loop delay (p50, p99, max) while they run, /healthz latency seen by a client
 * polling it meanwhile, how long each replay took, and how many stalled clients were let in.
 *
 *   node --import tsx bench/sse-replay.ts
 *
 * Runs on src/ through tsx (no build). Env: BENCH_SSE_EVENTS (250000), BENCH_SSE_REPLAYS (5),
 * BENCH_SSE_STALLED (100), BENCH_SSE_SECONDS (120, the most an attack runs), BENCH_SSE_CAPS: `both`
 * (default: the default caps, then caps raised to let every client in), `default` or `open`;
 * BENCH_SSE_PAGE_BYTES and BENCH_SSE_PAGES_PER_TURN: page limits other than the service's defaults.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/kernel/clock.js';
import { createRouter } from '../src/router/create-router.js';
import { openService } from '../src/server/open-service.js';
import { createStore } from '../src/store/create-store.js';
import { envNumber } from './env-number.js';
import { machineLine } from './machine.js';
import { type SseAttackOptions, type SseAttackReport, seedEventLog, startSseAttack } from './sse-load.js';

interface ClientsInput {
  readonly attack: SseAttackOptions;
  readonly seconds: number;
}

interface ClientsOutput {
  readonly report: SseAttackReport;
  readonly healthzMs: readonly number[];
}

/** Set in the clients' process, which this file forks to run the attack. */
const CLIENTS_ENV = 'BENCH_SSE_CLIENTS';

if (process.env[CLIENTS_ENV] === undefined) {
  await main();
} else {
  await attackInChild(JSON.parse(process.env[CLIENTS_ENV]) as ClientsInput);
}

async function main(): Promise<void> {
  const events = envNumber('BENCH_SSE_EVENTS', 250_000, { min: 1 });
  const replayClients = envNumber('BENCH_SSE_REPLAYS', 5);
  const stalledClients = envNumber('BENCH_SSE_STALLED', 100);
  const seconds = envNumber('BENCH_SSE_SECONDS', 120, { min: 1 });
  const caps = process.env.BENCH_SSE_CAPS ?? 'both';
  if (!['both', 'default', 'open'].includes(caps)) {
    console.error(`BENCH_SSE_CAPS=${caps}: expected both, default or open`);
    process.exit(2);
  }
  console.log(machineLine());
  const dir = mkdtempSync(join(tmpdir(), 'swarm-router-sse-'));
  try {
    const db = join(dir, 'log.db');
    const seedStart = performance.now();
    const lastEventId = await seedEventLog(db, events);
    console.log(`${events} events seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
    // Page limits other than the service's defaults, to tune them.
    const pages: Record<string, number> = {};
    if (process.env.BENCH_SSE_PAGE_BYTES) pages.pageBytes = envNumber('BENCH_SSE_PAGE_BYTES', 0, { min: 1 });
    if (process.env.BENCH_SSE_PAGES_PER_TURN) {
      pages.pagesPerTurn = envNumber('BENCH_SSE_PAGES_PER_TURN', 0, { min: 1 });
    }
    const runs: [string, Record<string, number>][] = [];
    if (caps !== 'open') runs.push(['default caps', { ...pages }]);
    if (caps !== 'default') {
      const everyone = replayClients + stalledClients + 1;
      runs.push([
        'caps raised to let every client in',
        { ...pages, maxStreamsPerClient: everyone, maxStreams: everyone },
      ]);
    }
    for (const [name, eventStreams] of runs) {
      await run(name, { db, lastEventId, replayClients, stalledClients, seconds, eventStreams });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(
  name: string,
  options: {
    db: string;
    lastEventId: number;
    replayClients: number;
    stalledClients: number;
    seconds: number;
    eventStreams: Record<string, number>;
  },
): Promise<void> {
  const store = createStore({ location: options.db });
  const router = createRouter({ store, clock: systemClock });
  await router.restoreLearning();
  const service = await openService({
    router,
    store,
    clock: systemClock,
    offlineAfterMs: 30_000,
    eventStreams: options.eventStreams,
    // This benchmark's clients all come from one address: rate limits are not what it measures.
    limits: { rateLimit: null, failedTokenLimit: null },
  });
  const baseUrl = await service.app.listen({ host: '127.0.0.1', port: 0 });
  const input: ClientsInput = {
    attack: {
      baseUrl,
      lastEventId: options.lastEventId,
      replayClients: options.replayClients,
      stalledClients: options.stalledClients,
    },
    seconds: options.seconds,
  };
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let started = 0;
  const output = await new Promise<ClientsOutput>((resolve, reject) => {
    const clients = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, [CLIENTS_ENV]: JSON.stringify(input) },
    });
    clients.on('message', (message: 'ready' | ClientsOutput) => {
      if (message !== 'ready') {
        resolve(message);
        return;
      }
      // Measured from here: the clients' process has started (tsx compiled it) and attacks now.
      delay.enable();
      started = performance.now();
      clients.send('go');
    });
    clients.once('error', reject);
    clients.once('exit', (code) => reject(new Error(`the clients' process ended with ${code}`)));
  });
  const elapsedS = (performance.now() - started) / 1000;
  delay.disable();
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  await service.close();
  await router.close();

  const ms = (ns: number): string => (ns / 1e6).toFixed(1);
  const healthz = [...output.healthzMs].sort((a, b) => a - b);
  const pct = (p: number): string =>
    (healthz[Math.min(healthz.length - 1, Math.floor((p / 100) * healthz.length))] ?? Number.NaN).toFixed(1);
  const { replays, stalled } = output.report;
  console.log(
    `\n${name}: ${options.replayClients} replays from zero, ${options.stalledClients} clients not reading ${JSON.stringify(options.eventStreams)}`,
  );
  console.log(
    `  event-loop delay  p50 ${ms(delay.percentile(50))} ms  p99 ${ms(delay.percentile(99))} ms  max ${ms(delay.max)} ms  (over ${elapsedS.toFixed(1)} s)`,
  );
  console.log(
    `  /healthz          p50 ${pct(50)} ms  p99 ${pct(99)} ms  max ${(healthz.at(-1) ?? Number.NaN).toFixed(1)} ms  (${healthz.length} requests)`,
  );
  for (const [i, replay] of replays.entries()) {
    const mb = (replay.bytes / 2 ** 20).toFixed(0);
    const took = replay.ms === null ? 'not finished' : `${(replay.ms / 1000).toFixed(1)} s`;
    console.log(`  replay ${i + 1}          ${replay.status}  ${mb} MB  ${took}`);
  }
  console.log(
    `  not reading       ${stalled.admitted} let in, ${stalled.refused} refused (429), ${stalled.failed} failed; service RSS ${rssMb.toFixed(0)} MB`,
  );
}

/** The clients' process: runs the attack and polls /healthz until the replays are done (or time is up). */
async function attackInChild(input: ClientsInput): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send?.('ready');
  });
  const attack = startSseAttack(input.attack);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const healthzMs: number[] = [];
  let done = false;
  const timeout = setTimeout(() => {
    done = true;
  }, input.seconds * 1000);
  void attack.replaysDone.then(() => {
    done = true;
  });
  while (!done) {
    const sent = performance.now();
    await new Promise<void>((resolve) => {
      http
        .get(`${input.attack.baseUrl}/healthz`, { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve());
        })
        .on('error', () => resolve());
    });
    healthzMs.push(performance.now() - sent);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  clearTimeout(timeout);
  agent.destroy();
  const report = await attack.stop();
  process.send?.({ report, healthzMs } satisfies ClientsOutput, () => process.exit(0));
}
