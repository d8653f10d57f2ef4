/**
 * How `serve` behaves as the roster grows (issue "Scale: 10,000 agents and 50,000 tools"): the
 * baseline later work is measured against. Run `npm run bench:roster` (every size) or
 * `npm run bench:roster -- agents` / `-- tools` (one shape).
 *
 * For each size a fresh `serve` (its own process, SQLite in a temp dir, an admin token, rate limits
 * off, `--roster none`, agents never going offline) gets a synthetic roster (roster-generator.ts)
 * through the API, then the benchmark reports, one line each:
 *
 * - register: N × POST /v1/agents, BENCH_ROSTER_CONCURRENCY in flight; the longest event-loop block
 *   meanwhile, and how long the service kept a core busy afterwards (background compilation: the
 *   index, the example reranker; seen as its CPU time, in steps of 0.5 s) with the longest block in
 *   that time;
 * - memory: the service's RSS (VmRSS) before and after, and its peak (VmHWM) at the end;
 * - visible: one more agent, with a word no other agent has, registered; then POST /v1/route with
 *   that word, it and 9 others bidding, until it is selected: the time from its registration;
 * - patch: a burst of PATCH /v1/agents/{id} (new description and examples) on distinct agents;
 * - list: GET /v1/agents (its first page) and a search that reads every manifest, sizes and latency;
 * - route: POST /v1/route with autocannon, each request a task for one of ~10 random registered
 *   bidders, on 16 connections and then on one (latency without a queue); the size of one answer;
 * - stored: after the service stopped, the pages of the decision tables (decisions, their indexes,
 *   rosters, candidates, policies; SQLite's dbstat) per decision logged, and of agents, their keys
 *   and the ledger per agent.
 *
 * The longest event-loop block is the service's own `swarm_router_nodejs_eventloop_lag_max_seconds`
 * (prom-client's monitorEventLoopDelay, resolution 10 ms) less the 10 ms sampling period it
 * includes (longestBlockMs): prom-client resets that histogram at each
 * scrape of /metrics, so a scrape before a phase and one after give the true maximum over the phase,
 * as long as nothing else scrapes the service meanwhile.
 *
 * The service runs from source (tsx) unless BENCH_ROSTER_DIST=1 (dist/, as shipped: build first).
 * Environment: BENCH_ROSTER_AGENTS (default 1000,10000), BENCH_ROSTER_TOOLS (default 50000),
 * BENCH_ROSTER_SEED (1), BENCH_ROSTER_CONCURRENCY (16), BENCH_ROSTER_PATCHES (200),
 * BENCH_ROSTER_SECONDS (5, each route phase), BENCH_ROSTER_CONNECTIONS (16), BENCH_ROSTER_BIDS (10),
 * BENCH_ROSTER_LATENCY_CONNECTIONS (1: the second route phase, a request's latency without a queue),
 * BENCH_ROSTER_PHASE_TIMEOUT_S (1800: a phase that takes longer fails the run, naming the phase;
 * compiling 1,000 agents with examples after a burst of changes took 13.5 s, and grows faster than
 * the roster).
 * Machine: autocannon, the benchmark and the service share the cores.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { seededRandom } from '../src/kernel/seeded-random.js';
import type { ManifestDto } from '../src/wire/manifest-dto.js';
import { BENCH_ADMIN_TOKEN, startServe } from './auction-load.js';
import { envNumber, envNumberList } from './env-number.js';
import { machineLine } from './machine.js';
import { generateAgent, type RosterShape, taskFor } from './roster-generator.js';

const SEED = envNumber('BENCH_ROSTER_SEED', 1);
const SIZES: Record<RosterShape, number[]> = {
  agents: envNumberList('BENCH_ROSTER_AGENTS', [1_000, 10_000]),
  tools: envNumberList('BENCH_ROSTER_TOOLS', [50_000]),
};
const CONCURRENCY = envNumber('BENCH_ROSTER_CONCURRENCY', 16, { min: 1 });
const PATCHES = envNumber('BENCH_ROSTER_PATCHES', 200, { min: 1 });
const SECONDS = envNumber('BENCH_ROSTER_SECONDS', 5, { min: 1 });
const CONNECTIONS = envNumber('BENCH_ROSTER_CONNECTIONS', 16, { min: 1 });
const BIDS = envNumber('BENCH_ROSTER_BIDS', 10, { min: 1 });
const LATENCY_CONNECTIONS = envNumber('BENCH_ROSTER_LATENCY_CONNECTIONS', 1, { min: 1 });
const PHASE_TIMEOUT_MS = envNumber('BENCH_ROSTER_PHASE_TIMEOUT_S', 1_800, { min: 1 }) * 1000;
const FROM_DIST = envNumber('BENCH_ROSTER_DIST', 0) !== 0;
/** A word the generator never writes, so only the probe agent knows it. */
const PROBE_WORD = 'zyqvoxprobe';

const workDir = mkdtempSync(join(tmpdir(), 'swarm-router-roster-'));
let running: ChildProcess | undefined;
process.on('exit', () => {
  running?.kill('SIGKILL');
  rmSync(workDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kb = (bytes: number): string => (bytes < 1024 ? `${fmt(bytes)} B` : `${fmt(bytes / 1024, 1)} KB`);
const mb = (bytes: number): string => `${fmt(bytes / 2 ** 20, 1)} MB`;

/** Rejects with the phase's name when it runs past BENCH_ROSTER_PHASE_TIMEOUT_S. */
async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`phase "${name}" took over ${PHASE_TIMEOUT_MS / 1000} s`)),
      PHASE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Service {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly db: string;
  /** The end of the service's stderr, for error messages. */
  stderr(): string;
}

async function startService(name: string): Promise<Service> {
  const db = join(workDir, `${name}.db`);
  const started = await phase('start', () =>
    startServe(
      // Registered agents go offline without heartbeats; the benchmark sends none.
      ['--db', db, '--roster', 'none', '--offline-after-ms', String(2 ** 31 - 1)],
      {
        SWARM_ROUTER_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
        // The PATCH burst changes distinct agents, but a rerun with a small roster may not.
        SWARM_ROUTER_MANIFEST_CHANGE_LIMIT: 'off',
      },
      { fromSource: !FROM_DIST },
    ),
  );
  running = started.child;
  return { ...started, pid: started.child.pid as number, db };
}

async function stopService(service: Service): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => service.child.once('exit', () => resolve()));
  service.child.kill('SIGTERM');
  const killer = setTimeout(() => service.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
  running = undefined;
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly bytes: number;
  readonly ms: number;
}

async function call(service: Service, method: string, path: string, body?: unknown): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const buffer = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    text: buffer.toString('utf8'),
    bytes: buffer.length,
    ms: performance.now() - started,
  };
}

async function expectStatus(
  service: Service,
  status: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const answer = await call(service, method, path, body);
  if (answer.status !== status)
    throw new Error(
      `${method} ${path}: expected ${status}, got ${answer.status} ${answer.text.slice(0, 500)}`,
    );
  return answer;
}

/** Runs `work` on every item, `concurrency` at a time; the first failure fails all. */
async function inFlight<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) * 1024;
}

/** CPU time of the process so far, in clock ticks (1/100 s on Linux). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The service's longest event-loop block since the last scrape, ms (the scrape resets it). */
/**
 * prom-client samples the event loop every 10 ms (eventLoopMonitoringPrecision) and records the time
 * between samples, so an idle service reads 10–12 ms: the block is what exceeds the sampling period.
 */
const LAG_SAMPLING_MS = 10;

async function longestBlockMs(service: Service): Promise<number> {
  const { text } = await expectStatus(service, 200, 'GET', '/metrics');
  const match = /^swarm_router_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
  if (match === null) throw new Error('/metrics has no swarm_router_nodejs_eventloop_lag_max_seconds');
  return Math.max(0, Number(match[1]) * 1000 - LAG_SAMPLING_MS);
}

/**
 * Waits until the service uses under 5% of a core over half a second: background compilation is done.
 * Resolves to the time it stayed busy, ms.
 */
async function settle(service: Service): Promise<number> {
  const started = performance.now();
  for (;;) {
    const before = cpuTicks(service.pid);
    const windowStart = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    if (cpuTicks(service.pid) - before <= 2) return windowStart - started;
  }
}

function probeAgent(): ManifestDto {
  return {
    agent_id: 'probe-agent',
    agent_name: 'Probe agent',
    capabilities: [`${PROBE_WORD}-handling`],
    keywords: [PROBE_WORD],
    rate_sats: 50,
    description: `Handles ${PROBE_WORD} requests.`,
  };
}

/** `count` distinct indexes below `size`. */
function sample(random: () => number, size: number, count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(count, size)) picked.add(Math.floor(random() * size));
  return [...picked];
}

function routeBodies(shape: RosterShape, size: number, count: number): string[] {
  const random = seededRandom(SEED + 1);
  return Array.from({ length: count }, () => {
    const bidders = sample(random, size, BIDS);
    const agents = bidders.map((i) => generateAgent(shape, SEED, i));
    return JSON.stringify({
      description: taskFor(agents[0] as ManifestDto, random),
      bids: agents.map((a) => ({ agent_id: a.agent_id, bid_sats: 5 + Math.floor(random() * 96) })),
    });
  });
}

/** Bytes of pages per table (its indexes included) and row counts, read from the stopped service's file. */
function storedBytes(db: string): {
  perDecision: number;
  /** Bytes per decision of each decision table and index (10 B or more), largest first. */
  byTable: [string, number][];
  perAgent: number;
  decisions: number;
  capabilityBlob: number;
} {
  const sqlite = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const pages = new Map<string, number>();
    const objects: { name: string; tbl: string; bytes: number }[] = [];
    for (const row of sqlite
      .prepare(
        `SELECT d.name AS name, coalesce(s.tbl_name, d.name) AS tbl, sum(d.pgsize) AS bytes
         FROM dbstat d LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY d.name`,
      )
      .all() as { name: string; tbl: string; bytes: number }[]) {
      objects.push(row);
      pages.set(row.tbl, (pages.get(row.tbl) ?? 0) + row.bytes);
    }
    const sum = (tables: readonly string[]) => tables.reduce((a, t) => a + (pages.get(t) ?? 0), 0);
    const { decisions, agents, capabilityBlob } = sqlite
      .prepare(
        `SELECT (SELECT count(*) FROM decisions) AS decisions, (SELECT count(*) FROM agents) AS agents,
                (SELECT coalesce(avg(length(capability)), 0) FROM decisions) AS capabilityBlob`,
      )
      .get() as { decisions: number; agents: number; capabilityBlob: number };
    const decisionTables = ['decisions', 'candidates', 'rosters', 'roster_members', 'policies'];
    return {
      decisions,
      capabilityBlob,
      perDecision: sum(decisionTables) / Math.max(1, decisions),
      byTable: objects
        .filter((o) => decisionTables.includes(o.tbl) && o.bytes / Math.max(1, decisions) >= 10)
        .map((o): [string, number] => [o.name, o.bytes / Math.max(1, decisions)])
        .sort((a, b) => b[1] - a[1]),
      perAgent: sum(['agents', 'agent_keys', 'ledger']) / Math.max(1, agents),
    };
  } finally {
    sqlite.close();
  }
}

async function runSize(shape: RosterShape, size: number): Promise<void> {
  const label = `${shape} ${fmt(size)}`;
  const say = (line: string) => console.log(`${label}  ${line}`);
  const service = await startService(`${shape}-${size}`);
  try {
    const roster = Array.from({ length: size }, (_, i) => generateAgent(shape, SEED, i));
    await new Promise((r) => setTimeout(r, 500));
    const rssBefore = procStatus(service.pid, 'VmRSS');

    await longestBlockMs(service);
    const registerStart = performance.now();
    await phase('register', () =>
      inFlight(
        roster,
        CONCURRENCY,
        async (m) => void (await expectStatus(service, 201, 'POST', '/v1/agents', m)),
      ),
    );
    const registerMs = performance.now() - registerStart;
    const registerBlock = await longestBlockMs(service);
    const rssRegistered = procStatus(service.pid, 'VmRSS');
    const busyMs = await phase('compile after registering', () => settle(service));
    const compileBlock = await longestBlockMs(service);
    const rssSettled = procStatus(service.pid, 'VmRSS');
    say(
      `register: ${fmt(size)} in ${fmt(registerMs / 1000, 1)} s (${fmt(size / (registerMs / 1000))}/s, ${CONCURRENCY} in flight), ` +
        `longest event-loop block ${fmt(registerBlock)} ms; then busy ${fmt(busyMs / 1000, 1)} s compiling, longest block ${fmt(compileBlock)} ms`,
    );
    say(
      `memory: RSS ${mb(rssBefore)} before, ${mb(rssRegistered)} after registering, ${mb(rssSettled)} once compiled ` +
        `(${kb((rssSettled - rssBefore) / size)} per agent)`,
    );

    const probe = probeAgent();
    const others = sample(seededRandom(SEED + 2), size, BIDS - 1).map((i) => roster[i] as ManifestDto);
    // The task is the probe's word alone and the probe bids highest: no other agent reaches the
    // capability threshold, so the probe is selected only once routing scores its manifest.
    const probeTask = {
      description: PROBE_WORD,
      bids: [
        { agent_id: probe.agent_id, bid_sats: 100 },
        ...others.map((a, i) => ({ agent_id: a.agent_id, bid_sats: 20 + i })),
      ],
    };
    const probeStart = performance.now();
    const registered = await expectStatus(service, 201, 'POST', '/v1/agents', probe);
    let routes = 0;
    let last = '';
    await phase('visible', async () => {
      for (;;) {
        routes++;
        last = (await expectStatus(service, 200, 'POST', '/v1/route', probeTask)).text;
        if ((JSON.parse(last) as { selected_agent: string | null }).selected_agent === probe.agent_id) return;
      }
    }).catch((error: Error) => {
      const reason =
        last === '' ? 'none' : (JSON.parse(last) as { selection_reason: string }).selection_reason;
      throw new Error(`${error.message}; the last answer's reason: ${reason}`);
    });
    say(
      `visible: the new agent selected ${fmt(performance.now() - probeStart)} ms after its registration was sent ` +
        `(registration answered in ${fmt(registered.ms)} ms; ${routes} route${routes === 1 ? '' : 's'})`,
    );
    await phase('compile after the probe', () => settle(service));

    const random = seededRandom(SEED + 3);
    const patched = sample(random, size, PATCHES).map((i) => roster[i] as ManifestDto);
    await longestBlockMs(service);
    const patchStart = performance.now();
    await phase('patch', () =>
      inFlight(patched, CONCURRENCY, async (m) => {
        const path = `/v1/agents/${encodeURIComponent(m.agent_id)}`;
        const examples =
          shape === 'agents' ? { examples: [...(m.examples ?? []).slice(1), taskFor(m, random)] } : {};
        await expectStatus(service, 200, 'PATCH', path, {
          description: `${m.description ?? ''} Updated.`,
          ...examples,
        });
      }),
    );
    const patchMs = performance.now() - patchStart;
    const patchBlock = await longestBlockMs(service);
    const patchBusy = await phase('compile after the patches', () => settle(service));
    const patchCompileBlock = await longestBlockMs(service);
    say(
      `patch: ${fmt(patched.length)} PATCH /v1/agents/{id} in ${fmt(patchMs / 1000, 2)} s, longest event-loop block ${fmt(patchBlock)} ms; ` +
        `then busy ${fmt(patchBusy / 1000, 1)} s compiling, longest block ${fmt(patchCompileBlock)} ms`,
    );

    const lists: Answer[] = [];
    const searches: Answer[] = [];
    await phase('list', async () => {
      for (let i = 0; i < 5; i++) lists.push(await expectStatus(service, 200, 'GET', '/v1/agents'));
      // A word most manifests hold, so the search reads the whole roster.
      for (let i = 0; i < 5; i++) searches.push(await expectStatus(service, 200, 'GET', '/v1/agents?q=e'));
    });
    const median = (answers: Answer[]) => answers.map((a) => a.ms).sort((a, b) => a - b)[2] ?? 0;
    say(
      `list: GET /v1/agents (a page) ${kb(lists[0]?.bytes ?? 0)}, ${fmt(median(lists), 1)} ms median of 5; ` +
        `GET /v1/agents?q=e ${fmt(median(searches), 1)} ms`,
    );

    const bodies = routeBodies(shape, size, 2_000);
    const decisionsBefore = (
      JSON.parse((await expectStatus(service, 200, 'GET', '/healthz')).text) as { decisions: number }
    ).decisions;
    let next = 0;
    const result = await phase('route', () =>
      autocannon({
        url: `${service.url}/v1/route`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: [
          {
            setupRequest: (request) => {
              request.body = bodies[next++ % bodies.length] as string;
              return request;
            },
          },
        ],
      }),
    );
    const decisionsAfter = (
      JSON.parse((await expectStatus(service, 200, 'GET', '/healthz')).text) as { decisions: number }
    ).decisions;
    const answers: Answer[] = [];
    for (const body of bodies.slice(0, 20))
      answers.push(await expectStatus(service, 200, 'POST', '/v1/route', JSON.parse(body)));
    const answerBytes = answers.reduce((a, b) => a + b.bytes, 0) / answers.length;
    say(
      `route: POST /v1/route, ${BIDS} bids, ${CONNECTIONS} connections, ${SECONDS} s: ${fmt(result.requests.average)} requests/s ` +
        `(${fmt(decisionsAfter - decisionsBefore)} decisions logged, ${result.non2xx + result.errors} not 2xx); ` +
        `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; answer ${kb(answerBytes)} on average ` +
        `(largest of 20: ${kb(Math.max(...answers.map((a) => a.bytes)))})`,
    );

    // A request's own latency: with 16 connections (above) it is mostly the wait behind the other
    // connections' requests. (autocannon's overallRate sends each second's requests in a burst, so a
    // steady rate below saturation still queued them: p99 40 ms at 500/s against 26 ms at 1,400/s.)
    const steady = await phase('route on fewer connections', () =>
      autocannon({
        url: `${service.url}/v1/route`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
        connections: LATENCY_CONNECTIONS,
        duration: SECONDS,
        requests: [
          {
            setupRequest: (request) => {
              request.body = bodies[next++ % bodies.length] as string;
              return request;
            },
          },
        ],
      }),
    );
    say(
      `route on ${LATENCY_CONNECTIONS} connection${LATENCY_CONNECTIONS === 1 ? '' : 's'}, ${SECONDS} s: ` +
        `${fmt(steady.requests.average)} requests/s, ${steady.non2xx + steady.errors} not 2xx; ` +
        `latency p50 ${steady.latency.p50} ms, p99 ${steady.latency.p99} ms`,
    );

    const rssPeak = procStatus(service.pid, 'VmHWM');
    await stopService(service);
    const stored = storedBytes(service.db);
    say(
      `stored: ${kb(stored.perDecision)} per decision (${fmt(stored.decisions)} decisions; capability scores ${kb(stored.capabilityBlob)} of it on average; ` +
        `${stored.byTable.map(([t, b]) => `${t} ${kb(b)}`).join(', ')}), ` +
        `${kb(stored.perAgent)} per agent (agents, their keys, the ledger); service RSS peak ${mb(rssPeak)}`,
    );
  } catch (error) {
    const stderr = service.stderr().trim();
    throw new Error(
      `${label}: ${(error as Error).message}${stderr === '' ? '' : `\nservice stderr (end):\n${stderr.slice(-2_000)}`}`,
      {
        cause: error,
      },
    );
  } finally {
    await stopService(service);
  }
}

const picked = process.argv.slice(2);
const shapes = (picked.length === 0 ? ['agents', 'tools'] : picked) as RosterShape[];
const unknown = shapes.filter((s) => !(s in SIZES));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(SIZES).join(', ')}`);
  process.exit(2);
}
console.log(
  `swarm-router roster scale — ${machineLine()}; seed ${SEED}, service from ${FROM_DIST ? 'dist/' : 'source (tsx)'}`,
);
try {
  for (const shape of shapes) for (const size of SIZES[shape]) await runSize(shape, size);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
