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
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createStore } from '../src/store/create-store.js';
import { seedTaskEvents } from '../test/helpers/seed-events.js';
import { descriptionsOfWorkload, PERSONAS, startServe } from './auction-load.js';
import { envNumber } from './env-number.js';
import { send } from './http-send.js';
import { machineLine } from './machine.js';

const PHASE_S = envNumber('BENCH_ABUSE_SECONDS', 20, { min: 1 });
const STORED_EVENTS = envNumber('BENCH_ABUSE_EVENTS', 250_000, { min: 0 });
const RATE = envNumber('BENCH_ABUSE_RATE', 100, { min: 1 });
const ADMIN = randomBytes(32).toString('hex');
const ATTACKER_ADDRESS = '127.0.0.2';

const workDir = mkdtempSync(join(tmpdir(), 'swarm-router-abuse-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

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
  /** Why: the status of each failed request (0: no answer), or 'backlog' for a task not sent. */
  readonly failedBy: Map<string, number>;
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
): Promise<
  Pick<PhaseResult, 'tasksDecided' | 'taskLatencies' | 'healthLatencies' | 'normalFailures' | 'failedBy'>
> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const endAt = performance.now() + seconds * 1000;
  const taskLatencies: number[] = [];
  const healthLatencies: number[] = [];
  let failures = 0;
  const failedBy = new Map<string, number>();
  const fail = (why: string | number) => {
    failures++;
    failedBy.set(String(why), (failedBy.get(String(why)) ?? 0) + 1);
  };
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
      fail(posted.status);
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
    const refused = bids.find((b) => b.status !== 201);
    if (refused !== undefined) {
      fail(refused.status);
      return;
    }
    taskLatencies.push(performance.now() - started);
  };

  const probe = async (): Promise<void> => {
    while (performance.now() < endAt) {
      const started = performance.now();
      const answer = await send(probeAgent, url, 'GET', '/healthz');
      if (answer.status === 200) healthLatencies.push(performance.now() - started);
      else fail(`healthz ${answer.status}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const probing = probe();
  // Real agents send heartbeats; without them the six go offline after 30 s and get no tasks.
  const heartbeats = setInterval(() => {
    for (const persona of PERSONAS) {
      void send(agent, url, 'POST', `/v1/agents/${persona}/heartbeat`, {
        token: tokens.get(persona) as string,
      });
    }
  }, 5_000);

  // Paced: a task every 1/RATE s, whatever the answers' speed (a slow service falls behind, it is
  // not offered less); at most 256 auctions in flight, beyond which a task counts as failed.
  const interval = 1000 / RATE;
  let due = performance.now();
  while (performance.now() < endAt) {
    while (due <= performance.now()) {
      due += interval;
      if (inFlight.size >= 256) {
        fail('backlog');
        continue;
      }
      const run = auction().finally(() => inFlight.delete(run));
      inFlight.add(run);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, due - performance.now())));
  }
  await Promise.all(inFlight);
  await probing;
  clearInterval(heartbeats);
  agent.destroy();
  probeAgent.destroy();
  return {
    tasksDecided: taskLatencies.length,
    taskLatencies,
    healthLatencies,
    normalFailures: failures,
    failedBy,
  };
}

/**
 * The attack mix (bench/abuse-attacker.ts) in a process of its own, so that its loops do not delay
 * this process's timing of the normal load; stopped with SIGTERM, it prints its counts.
 */
function startAttack(
  url: URL,
  attackerToken: string,
): { stop: () => Promise<Map<string, Map<number, number>>> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./abuse-attacker.ts', import.meta.url))],
    {
      env: { ...process.env, ABUSE_URL: url.href, ABUSE_TOKEN: attackerToken, ABUSE_FROM: ATTACKER_ADDRESS },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      const counts = JSON.parse(output) as Record<string, Record<string, number>>;
      return new Map(
        Object.entries(counts).map(([kind, byStatus]) => [
          kind,
          new Map(Object.entries(byStatus).map(([status, n]) => [Number(status), n])),
        ]),
      );
    },
  };
}

function report(name: string, result: PhaseResult, quiet?: PhaseResult): string {
  const rate = result.tasksDecided / PHASE_S;
  const change =
    quiet === undefined
      ? ''
      : ` (${((rate / (quiet.tasksDecided / PHASE_S) - 1) * 100).toFixed(1)}% against quiet)`;
  const lines = [
    `${name}: ${rate.toFixed(1)} tasks decided/s of ${RATE} offered${change}, ${result.normalFailures} failed${
      result.failedBy.size === 0
        ? ''
        : ` (${[...result.failedBy].map(([why, n]) => `${n} × ${why}`).join(', ')})`
    }; ` +
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

    const attacking = startAttack(url, tokens.get('attacker') as string);
    // The attack gets going before the measured load starts.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const attackedLoad = await normalLoad(url, tokens, PHASE_S, descriptions);
    const counts = await attacking.stop();
    console.log(report('attacked', { ...attackedLoad, attack: counts }, quiet));
  } finally {
    child.kill('SIGTERM');
  }
}

await main();
