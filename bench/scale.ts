/**
 * Scale-out benchmark (issue: several instances on one PostgreSQL). Run `npm run bench:scale`.
 * For 1, 2 and 3 `serve` processes (dist/, as shipped) on one fresh PostgreSQL schema, autocannon
 * drives the auction path from this process, its connections split evenly across the instances:
 *
 * closing bid: each connection posts a task, then the six personas bid; the sixth bid closes the
 *   auction on the instance it reached. Reports tasks decided per second (decisions in the log).
 * window end: each connection posts a task with a 200 ms window and five of the six personas bid,
 *   so every auction runs its whole window and is decided by a timer, claimed from the database by
 *   the instance that holds the sweep lease (pg-sweep-lease.ts). Reports the p99 from window end to
 *   the logged decision.
 *
 * Every run also reports what the instances' /metrics count — the writes (posts, bids, decisions)
 * held up by a lock another transaction held (the chain lock, a task's row: every item of a batch
 * whose statement waited), set against the requests; the waits themselves, set against the write
 * transactions; task commits refused because
 * another writer moved the task first (retried), writes per batch by kind (tasks, bids, decisions)
 * — where the CPU went per task (the instances, PostgreSQL, the load generator:
 * cpu-accounting.ts), and on PostgreSQL what the database did per task, counted by the server (WAL
 * bytes, buffers touched, commits: db-work.ts), which does not move with the machine's speed as CPU
 * does. `SQLite, 1 instance` runs the
 * closing-bid path on SQLite, for the comparison the issue asks for; `SQLite, n independent
 * instances` is the control: as many instances, sharing nothing, so what they lose against one is
 * the machine's own price for more processes; `PostgreSQL, n independent instances` the same on
 * PostgreSQL, each instance on a schema of its own: no chain, row or lock shared, every statement
 * still paid. Machine: 2 cores shared by autocannon, the instances and PostgreSQL.
 *
 * Each run is preceded by a warm-up of the same load, not counted: a fresh `serve` spends its first
 * seconds compiling (V8's optimising compiler took a quarter of an instance's CPU in a 10-second run
 * from start, a twentieth after 10 s of load), and three fresh instances compile three times for a
 * third of the tasks each — the cold figures measured start-up, not the deployment.
 *
 * Environment: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_SCALE_SECONDS
 * (default 15), BENCH_SCALE_WARMUP_SECONDS (default 5; 0 measures cold processes),
 * BENCH_SCALE_CONNECTIONS (default 64), BENCH_SCALE_INSTANCES (default 1,2,3),
 * BENCH_SCALE_PER_INSTANCE (connections per instance instead of a fixed total: each instance brings
 * its own clients, as when instances are added for more users), BENCH_SCALE_ROUNDS (default 1: with
 * more, every run is repeated that many times, the configurations taking turns, and the medians
 * are printed at the end, with the median CPU and database work per task — this machine's speed
 * drifts by a quarter within minutes, so one run of each says little about the difference between
 * two), BENCH_SCALE_CONTROLS (default 1; 0 runs only
 * the instances sharing one schema, leaving out SQLite and both share-nothing controls: for
 * alternated comparisons of two builds, which need many short runs), BENCH_SCALE_TOKENS (default 0;
 * 1 runs every service with an admin token and the personas registered with tokens of their own).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import {
  type AuctionTokens,
  auctionRequests,
  BENCH_ADMIN_TOKEN,
  descriptionsOfWorkload,
  PERSONAS,
  registerPersonas,
  startServe,
} from './auction-load.js';
import { type CpuPerTask, cpuPerTask, formatCpu, sampleCpu } from './cpu-accounting.js';
import { type DbWorkPerTask, dbWorkPerTask, formatDbWork, sampleDbWork } from './db-work.js';
import { envNumber, envNumberList } from './env-number.js';
import { machineLine, median } from './machine.js';

const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = envNumber('BENCH_SCALE_SECONDS', 15, { min: 1 });
const WARMUP_SECONDS = envNumber('BENCH_SCALE_WARMUP_SECONDS', 5);
const CONNECTIONS = envNumber('BENCH_SCALE_CONNECTIONS', 64, { min: 1 });
const PER_INSTANCE =
  process.env.BENCH_SCALE_PER_INSTANCE === undefined
    ? undefined
    : envNumber('BENCH_SCALE_PER_INSTANCE', 0, { min: 1 });
const INSTANCES = envNumberList('BENCH_SCALE_INSTANCES', [1, 2, 3]);
const ROUNDS = envNumber('BENCH_SCALE_ROUNDS', 1, { min: 1 });
const CONTROLS = envNumber('BENCH_SCALE_CONTROLS', 1) !== 0;
const WINDOW_MS = 200;
/**
 * With an admin token, and the personas registered through the API with tokens of their own instead
 * of a roster file: every request is authenticated, and on PostgreSQL each agent's token is checked
 * in the database (AgentDirectory.agentOfToken).
 */
const TOKENS = envNumber('BENCH_SCALE_TOKENS', 0) !== 0;

const workDir = mkdtempSync(join(tmpdir(), 'swarm-router-scale-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

const descriptions = descriptionsOfWorkload();

interface Instance {
  readonly child: ChildProcess;
  readonly url: string;
  /** BENCH_SCALE_TOKENS: the tokens its requests carry. */
  tokens?: AuctionTokens;
}

function startInstance(db: string): Promise<Instance> {
  if (!TOKENS) return startServe(['--db', db, '--roster', 'personas', '--reservation-ms', '600000']);
  // Registered agents go offline without heartbeats; the benchmark sends none.
  return startServe(
    ['--db', db, '--roster', 'none', '--reservation-ms', '600000', '--offline-after-ms', String(2 ** 31 - 1)],
    {
      SWARM_ROUTER_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    },
  );
}

/** BENCH_SCALE_TOKENS: registers the personas once per database, through its first instance. */
async function withAgents(instances: readonly Instance[], shared: boolean): Promise<void> {
  if (!TOKENS) return;
  if (shared) {
    const tokens = await registerPersonas((instances[0] as Instance).url);
    for (const instance of instances) instance.tokens = tokens;
  } else {
    for (const instance of instances) instance.tokens = await registerPersonas(instance.url);
  }
}

async function stopAll(instances: readonly Instance[]): Promise<void> {
  await Promise.all(
    instances.map(
      (i) =>
        new Promise<void>((resolve) => {
          i.child.on('close', () => resolve());
          i.child.kill('SIGTERM');
        }),
    ),
  );
}

async function decisionsLogged(url: string): Promise<number> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { decisions: number }).decisions;
}

const BATCHED = ['tasks', 'bids', 'decisions'] as const;

interface Contention {
  readonly transactions: number;
  readonly lockWaits: number;
  readonly waitedWrites: number;
  readonly conflicts: number;
  /** Batches and the writes in them, by kind (tasks, bids, decisions). */
  readonly batches: readonly number[];
  readonly batchedWrites: readonly number[];
}

/** The store's contention and batch counters of one instance, from its /metrics. */
async function contentionOf(url: string): Promise<Contention> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    transactions: read('swarm_router_store_transactions_total'),
    lockWaits: read('swarm_router_store_lock_waits_total'),
    waitedWrites: read('swarm_router_store_waited_writes_total'),
    conflicts: read('swarm_router_store_version_conflicts_total'),
    batches: BATCHED.map((kind) => read(`swarm_router_store_batches_total\\{kind="${kind}"\\}`)),
    batchedWrites: BATCHED.map((kind) => read(`swarm_router_store_batched_writes_total\\{kind="${kind}"\\}`)),
  };
}

interface RunResult {
  readonly decidedPerS: number;
  readonly decided: number;
  readonly requests: number;
  readonly failed: number;
  /** The failed requests by HTTP status (409: a bid after its auction closed), e.g. "409 × 12". */
  readonly failedBy: string;
  readonly p99Ms: number;
  readonly transactions: number;
  readonly lockWaits: number;
  /** The writes those waits held up: every item of a batch whose statement waited. */
  readonly waitedWrites: number;
  readonly conflicts: number;
  /** Writes per batch, tasks / bids / decisions ('—': none, as on SQLite). */
  readonly batchSizes: readonly string[];
  readonly cpu: CpuPerTask | undefined;
  /** What PostgreSQL did a task (db-work.ts); undefined on SQLite. */
  readonly db: DbWorkPerTask | undefined;
  /** When the measured load began (epoch ms). */
  readonly startedMs: number;
}

/** The auction path's load on every instance at once, for `seconds`. */
function load(
  instances: readonly Instance[],
  bidders: number,
  windowMs: number,
  seconds: number,
): Promise<autocannon.Result[]> {
  return Promise.all(
    instances.map((i) =>
      autocannon({
        url: i.url,
        connections: connectionsPerInstance(instances.length),
        duration: seconds,
        requests: auctionRequests(descriptions, bidders, windowMs, i.tokens),
      }),
    ),
  );
}

/**
 * Short windows end after the load stops: this waits for their timers. (Closing-bid auctions are
 * decided by their last bid; their long windows are not waited for.)
 */
async function lastWindowsEnded(bidders: number, windowMs: number): Promise<void> {
  if (bidders < PERSONAS.length) await new Promise((resolve) => setTimeout(resolve, windowMs + 1500));
}

/** The same load as drive's, for WARMUP_SECONDS, not counted; its auctions end before drive counts. */
async function warmUp(instances: readonly Instance[], bidders: number, windowMs: number): Promise<void> {
  if (WARMUP_SECONDS <= 0) return;
  await load(instances, bidders, windowMs, WARMUP_SECONDS);
  await lastWindowsEnded(bidders, windowMs);
}

function connectionsPerInstance(instances: number): number {
  return PER_INSTANCE ?? Math.max(1, Math.round(CONNECTIONS / instances));
}

/** " (409 × n, …)" for the non-2xx answers and connection errors of these runs; "" when none. */
function failuresByStatus(results: readonly autocannon.Result[]): string {
  const counts = new Map<string, number>();
  for (const r of results) {
    for (const [status, stat] of Object.entries(r.statusCodeStats ?? {})) {
      if (!status.startsWith('2')) counts.set(status, (counts.get(status) ?? 0) + (stat.count ?? 0));
    }
    if (r.errors > 0) counts.set('connection error', (counts.get('connection error') ?? 0) + r.errors);
  }
  return counts.size === 0 ? '' : ` (${[...counts].map(([k, n]) => `${k} × ${n}`).join(', ')})`;
}

/**
 * Decisions in the log(s): on one shared database every instance reports the same count; instances
 * on their own SQLite files (the control run) each report theirs.
 */
async function decisionsOf(instances: readonly Instance[], shared: boolean): Promise<number> {
  const counted = shared ? instances.slice(0, 1) : instances;
  return (await Promise.all(counted.map((i) => decisionsLogged(i.url)))).reduce((s, n) => s + n, 0);
}

/** How a run's instances are deployed: on one log (or each on its own), on PostgreSQL or SQLite. */
interface Deployment {
  readonly shared: boolean;
  readonly postgres: boolean;
}

const ONE_POSTGRES_SCHEMA: Deployment = { shared: true, postgres: true };

async function drive(
  instances: readonly Instance[],
  bidders: number,
  windowMs: number,
  { shared, postgres }: Deployment = ONE_POSTGRES_SCHEMA,
): Promise<RunResult> {
  await warmUp(instances, bidders, windowMs);
  const before = await decisionsOf(instances, shared);
  const counts0 = await Promise.all(instances.map((i) => contentionOf(i.url)));
  const pids = instances.map((i) => i.child.pid);
  const db0 = postgres ? await sampleDbWork(PG_URL) : undefined;
  const cpu0 = sampleCpu(pids);
  const started = Date.now();
  const results = await load(instances, bidders, windowMs, SECONDS);
  const elapsed = (Date.now() - started) / 1000;
  const cpu1 = sampleCpu(pids);
  const db1 = postgres ? await sampleDbWork(PG_URL) : undefined;
  const decidedDuringLoad = (await decisionsOf(instances, shared)) - before;
  await lastWindowsEnded(bidders, windowMs);
  const decided = (await decisionsOf(instances, shared)) - before;
  const counts1 = await Promise.all(instances.map((i) => contentionOf(i.url)));
  const sum = (k: 'transactions' | 'lockWaits' | 'waitedWrites' | 'conflicts') =>
    counts1.reduce((s, c, i) => s + c[k] - (counts0[i] as typeof c)[k], 0);
  const sumOf = (k: 'batches' | 'batchedWrites', kind: number) =>
    counts1.reduce((s, c, i) => s + (c[k][kind] ?? 0) - ((counts0[i] as Contention)[k][kind] ?? 0), 0);
  return {
    decidedPerS: decided / elapsed,
    decided,
    requests: results.reduce((s, r) => s + r.requests.total, 0),
    failed: results.reduce((s, r) => s + r.non2xx + r.errors, 0),
    failedBy: failuresByStatus(results),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    transactions: sum('transactions'),
    lockWaits: sum('lockWaits'),
    waitedWrites: sum('waitedWrites'),
    conflicts: sum('conflicts'),
    batchSizes: BATCHED.map((_, k) => {
      const batches = sumOf('batches', k);
      return batches === 0 ? '—' : (sumOf('batchedWrites', k) / batches).toFixed(1);
    }),
    cpu: cpuPerTask(cpu0, cpu1, decidedDuringLoad),
    db: db0 === undefined || db1 === undefined ? undefined : dbWorkPerTask(db0, db1, decidedDuringLoad),
    startedMs: started,
  };
}

/**
 * p99 (and p50) of decision time − window end over the auctions of the measured run (not its
 * warm-up) that ran their whole window.
 */
async function windowLag(schema: string, sinceMs: number): Promise<{ p50: number; p99: number; n: number }> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const row = (
      await client.query(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d.ts_ms - t.closes_ms) AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY d.ts_ms - t.closes_ms) AS p99, count(*) AS n
         FROM "${schema}".tasks t JOIN "${schema}".decisions d
           ON d.task_id = t.task_id AND (d.seq = t.decision_seq OR d.decision_id = t.decision_id)
         WHERE d.ts_ms >= t.closes_ms AND t.created_ms >= $1`,
        [sinceMs],
      )
    ).rows[0];
    return { p50: Number(row.p50), p99: Number(row.p99), n: Number(row.n) };
  } finally {
    await client.end();
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

/** This PostgreSQL with the tables in `schema`. */
function schemaUrl(schema: string): string {
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** Each configuration's closing-bid runs, by label, for the medians of BENCH_SCALE_ROUNDS. */
const closingRuns = new Map<string, RunResult[]>();

/** The closing-bid run on `instances`, kept under `label` for the medians. */
async function closingBid(
  label: string,
  instances: readonly Instance[],
  deployment: Deployment = ONE_POSTGRES_SCHEMA,
): Promise<RunResult> {
  const result = await drive(instances, 6, 60_000, deployment);
  closingRuns.set(label, [...(closingRuns.get(label) ?? []), result]);
  return result;
}

/** A closing-bid run's throughput, failures and latency. */
function closingLine(r: RunResult): string {
  return `closing bid: ${fmt(r.decidedPerS)} tasks decided/s (${fmt(r.decided)}), ${r.failed} failed requests, request p99 ${r.p99Ms} ms`;
}

/**
 * One line per configuration: median tasks decided/s and writes held up, with every round's figure;
 * the median CPU a task, and the load generator's share of it (nearly the same work in every
 * configuration, so a rough yardstick of the machine's speed for that configuration); on PostgreSQL, the
 * median of what the database did a task (db-work.ts).
 */
function mediansLines(): string[] {
  return [...closingRuns].map(([label, runs]) => {
    const decided = runs.map((r) => r.decidedPerS);
    const heldUp = runs.map((r) => (r.requests === 0 ? 0 : (100 * r.waitedWrites) / r.requests));
    const of = (pick: (r: RunResult) => number | undefined) => {
      const values = runs.map(pick).filter((v): v is number => v !== undefined);
      return values.length === 0 ? undefined : median(values);
    };
    const cpu = of((r) => r.cpu?.total);
    const loadGenerator = of((r) => r.cpu?.loadGenerator);
    const walBytes = of((r) => r.db?.walBytes);
    const database =
      walBytes === undefined
        ? ''
        : `; ${formatDbWork({ walBytes, buffers: of((r) => r.db?.buffers) ?? 0, commits: of((r) => r.db?.commits) ?? 0 })}`;
    return (
      `${label}: median ${fmt(median(decided))} tasks decided/s (${decided.map(fmt).join(', ')}), ` +
      `writes held up by a lock wait ${median(heldUp).toFixed(2)}% of requests (${heldUp.map((h) => h.toFixed(2)).join(', ')}); ` +
      `CPU per task ${cpu?.toFixed(2) ?? '—'} ms, load generator ${loadGenerator?.toFixed(2) ?? '—'} ms${database}`
    );
  });
}

const pct = (part: number, whole: number) => (whole === 0 ? '0' : ((100 * part) / whole).toFixed(2));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Where a run's CPU went a task, and on PostgreSQL what the database did a task. */
function workLine(r: RunResult): string {
  return r.db === undefined ? formatCpu(r.cpu) : `${formatCpu(r.cpu)}; ${formatDbWork(r.db)}`;
}

function contentionLine(r: RunResult): string {
  return (
    `writes held up by a lock wait ${fmt(r.waitedWrites)} (${pct(r.waitedWrites, r.requests)}% of ${fmt(r.requests)} requests), ` +
    `in ${fmt(r.lockWaits)} waits (${pct(r.lockWaits, r.transactions)}% of ${fmt(r.transactions)} write transactions), ` +
    `retried commits ${fmt(r.conflicts)} (${pct(r.conflicts, r.requests)}% of requests), ` +
    `writes per batch: tasks ${r.batchSizes[0]}, bids ${r.batchSizes[1]}, decisions ${r.batchSizes[2]}`
  );
}

async function scaleRun(n: number): Promise<string[]> {
  const schema = `bench_scale_${process.pid}_${n}`;
  const url = schemaUrl(schema);
  await dropSchema(schema);
  // One first, so that it applies the migrations; the others then start together.
  const instances = [await startInstance(url)];
  instances.push(...(await Promise.all(Array.from({ length: n - 1 }, () => startInstance(url)))));
  try {
    await withAgents(instances, true);
    const closing = await closingBid(`PostgreSQL, ${n} instance${n === 1 ? '' : 's'}`, instances);
    const windowed = await drive(instances, 5, WINDOW_MS);
    const lag = await windowLag(schema, windowed.startedMs);
    return [
      `${n} instance${n === 1 ? ' ' : 's'}  ${closingLine(closing)}; ${contentionLine(closing)}; ${workLine(closing)}`,
      `             window end:  ${fmt(windowed.decidedPerS)} tasks decided/s (${fmt(windowed.decided)}), ` +
        `window end → decision p50 ${lag.p50.toFixed(0)} ms, p99 ${lag.p99.toFixed(0)} ms over ${fmt(lag.n)} auctions; ` +
        `${windowed.failed} failed requests${windowed.failedBy}; ${contentionLine(windowed)}; ${workLine(windowed)}`,
    ];
  } finally {
    await stopAll(instances);
    await dropSchema(schema);
  }
}

/**
 * The control: n instances that share nothing, each on its own SQLite file, so that no lock, chain or
 * row is contended by construction. What they lose against one instance is this machine's cost of
 * more processes on its two cores, the floor under what the shared-database runs can show.
 */
async function independentSqliteRun(n: number): Promise<string> {
  const instances = await Promise.all(
    Array.from({ length: n }, (_, i) => startInstance(join(workDir, `independent-${n}-${i}.db`))),
  );
  try {
    await withAgents(instances, false);
    const closing = await closingBid(`SQLite, ${n} independent instances`, instances, {
      shared: false,
      postgres: false,
    });
    return `SQLite, ${n} independent instances (nothing shared)  ${closingLine(closing)}; ${workLine(closing)}`;
  } finally {
    await stopAll(instances);
  }
}

/**
 * The PostgreSQL control: n instances on one server, each on a schema of its own, so that they share
 * the machine and the server but no chain, row or lock. What the shared runs lose against this is
 * what sharing one database costs; what this loses against one instance is not contention.
 */
async function independentPgRun(n: number): Promise<string> {
  const schemas = Array.from({ length: n }, (_, i) => `bench_scale_${process.pid}_independent_${n}_${i}`);
  await Promise.all(schemas.map(dropSchema));
  const instances = await Promise.all(schemas.map((schema) => startInstance(schemaUrl(schema))));
  try {
    await withAgents(instances, false);
    const closing = await closingBid(`PostgreSQL, ${n} independent instances`, instances, {
      shared: false,
      postgres: true,
    });
    return `PostgreSQL, ${n} independent instances (a schema each)  ${closingLine(closing)}; ${contentionLine(closing)}; ${workLine(closing)}`;
  } finally {
    await stopAll(instances);
    await Promise.all(schemas.map(dropSchema));
  }
}

async function sqliteRun(): Promise<string> {
  const instance = await startInstance(join(workDir, 'scale.db'));
  try {
    await withAgents([instance], true);
    const closing = await closingBid('SQLite, 1 instance', [instance], { shared: true, postgres: false });
    return `SQLite, 1 instance  ${closingLine(closing)}; ${workLine(closing)}`;
  } finally {
    await stopAll([instance]);
  }
}

console.log(`swarm-router scale-out benchmark — ${machineLine()}`);
console.log(
  `PostgreSQL ${PG_URL}; ${PER_INSTANCE === undefined ? `${CONNECTIONS} connections split across the instances` : `${PER_INSTANCE} connections per instance`}; ${SECONDS} s per run after ${WARMUP_SECONDS} s of warm-up${TOKENS ? '; with tokens (admin and agents)' : ''}`,
);
for (let round = 1; round <= ROUNDS; round++) {
  if (ROUNDS > 1) console.log(`— round ${round} of ${ROUNDS}`);
  if (CONTROLS) console.log(await sqliteRun());
  if (CONTROLS) for (const n of INSTANCES) if (n > 1) console.log(await independentSqliteRun(n));
  for (const n of INSTANCES) for (const line of await scaleRun(n)) console.log(line);
  if (CONTROLS) for (const n of INSTANCES) if (n > 1) console.log(await independentPgRun(n));
}
if (ROUNDS > 1) {
  console.log(`Closing bid over ${ROUNDS} rounds:`);
  for (const line of mediansLines()) console.log(line);
}
