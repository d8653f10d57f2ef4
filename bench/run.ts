/**
 * swarm-router benchmarks. Run `npm run bench` (all) or `npm run bench -- NAME...` (some); names:
 * score-personas, score-synthetic-100, score-synthetic-1000, score-default-personas,
 * score-default-synthetic-1000 (the default scorer), log-personas, log-synthetic-100,
 * log-synthetic-1000, stats-100k, bytes-per-1000, cli-batch-personas, cli-batch-tools (a 50,000-tool
 * roster), side-by-side and cli-batch-side-by-side (these two run the seed's Python engine too and
 * need python3). Measures
 * the built package (dist/), as shipped.
 * Each figure is the median of RUNS runs after a warm-up; the seed's figures (../shared/data/seed/
 * README.md, same workloads, 2-core machine) are printed beside ours as a ratio.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import {
  type AgentManifest,
  createRouter,
  createStore,
  decisionRecord,
  type RouteRequest,
  type Router,
} from '../dist/index.js';
import { seededRandom } from '../src/kernel/seeded-random.js';
import { envNumber } from './env-number.js';
import { machineLine, median } from './machine.js';
import { generateRoster, taskFor } from './roster-generator.js';
import { loadWorkload, type WorkloadName } from './workloads.js';

const RUNS = envNumber('BENCH_RUNS', 5, { min: 1 });
/** Alternating seed/swarm-router rounds per side-by-side comparison. */
const SIDE_ROUNDS = envNumber('BENCH_SIDE_ROUNDS', 3, { min: 1 });

/** The seed's figures, decisions/s (../shared/data/seed/README.md). */
const SEED = {
  score: { personas: 27_467, 'synthetic-100': 2_893, 'synthetic-1000': 304 },
  log: { personas: 936, 'synthetic-100': 664, 'synthetic-1000': 203 },
  statsMsAt100k: 71,
  exportMsAt20k: 190,
  exportMsAt100k: 1250,
  bytesPer1000: 775_000,
} as const;

const workDir = mkdtempSync(join(tmpdir(), 'swarm-router-bench-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));
let dbCounter = 0;
const newDbPath = () => join(workDir, `bench-${++dbCounter}.db`);

function routerFor(roster: readonly AgentManifest[], withLog: boolean, scorer = 'classic'): Router {
  const router = createRouter({
    scorer,
    ...(withLog ? { store: createStore({ location: newDbPath() }) } : {}),
  });
  for (const manifest of roster) router.registerAgent(manifest);
  return router;
}

async function scoreOnly(name: WorkloadName, scorer = 'classic'): Promise<string> {
  const { requests, roster } = loadWorkload(name);
  const router = routerFor(roster, false, scorer);
  for (const r of requests) router.decide(r); // warm-up: one pass
  // Each run routes at least 100,000 tasks (the workload repeated): runs of a few tens of
  // milliseconds were at the mercy of one GC pause.
  const passes = Math.max(1, Math.ceil(100_000 / requests.length));
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    for (let pass = 0; pass < passes; pass++) for (const r of requests) router.decide(r);
    rates.push((passes * requests.length) / ((performance.now() - started) / 1000));
  }
  const what = `${requests.length.toLocaleString('en-US')} tasks × ${passes} per run, decide() without the log, ${scorer} scorer`;
  return report(`score-${scorer === 'classic' ? '' : `${scorer}-`}${name}`, rates, SEED.score[name], what);
}

async function withLog(name: WorkloadName): Promise<string> {
  const { requests, roster } = loadWorkload(name);
  const rates: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const router = routerFor(roster, true);
    const started = performance.now();
    for await (const _chunk of router.routeBatch(requests)) {
      // committed, 1,000 decisions per transaction
    }
    const rate = requests.length / ((performance.now() - started) / 1000);
    await router.close();
    if (run > 0) rates.push(rate); // run 0 warms up
  }
  return report(
    `log-${name}`,
    rates,
    SEED.log[name],
    `${requests.length.toLocaleString('en-US')} tasks per run, routeBatch() into a new SQLite log`,
  );
}

/** 100,000 logged decisions (the personas workload five times), then the seed's slow queries. */
interface LogFigures {
  readonly decisions: number;
  readonly statsMs: number;
  readonly export20k: [number, number];
  readonly export100k: [number, number];
  readonly verifyMs: number;
  readonly verified: boolean;
  readonly bytesPer1000: number;
}

/** 100,000 logged decisions (the personas workload five times), then the seed's slow queries. */
async function stats100kFigures(): Promise<LogFigures> {
  const { requests } = loadWorkload('personas');
  const path = newDbPath();
  const router = createRouter({ scorer: 'classic', store: createStore({ location: path }) });
  for (const manifest of loadWorkload('personas').roster) router.registerAgent(manifest);
  const all: RouteRequest[] = [];
  for (let pass = 0; pass < 5; pass++) {
    for (const r of requests) all.push({ ...r, taskId: `${r.taskId}-${pass}` });
  }
  /** Reads the whole log as records (what the seed's export returns), optionally as JSONL text too. */
  const exportAt = async (asText: boolean): Promise<number> => {
    const started = performance.now();
    let count = 0;
    // As text: what `swarm-router export` does per record, short of writing it out.
    for await (const d of router.export()) count += asText ? decisionRecord(d).length : 1;
    if (count === 0) throw new Error('empty export');
    return performance.now() - started;
  };
  const exportFigures = async (): Promise<[number, number]> => [
    median([await exportAt(false), await exportAt(false), await exportAt(false)]),
    median([await exportAt(true), await exportAt(true), await exportAt(true)]),
  ];
  let export20k: [number, number] = [0, 0];
  let routed = 0;
  for await (const chunk of router.routeBatch(all)) {
    routed += chunk.length;
    if (routed === 20_000) export20k = await exportFigures();
  }
  const agents = ['echo', 'mace', 'helm', 'seer', 'forge', 'quill'];
  const perCall: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    for (let i = 0; i < 1000; i++) await router.stats(agents[i % agents.length] as string);
    perCall.push((performance.now() - started) / 1000);
  }
  const export100k = await exportFigures();
  const verifyStarted = performance.now();
  const verified = await router.verify();
  const verifyMs = performance.now() - verifyStarted;
  await router.close();
  return {
    decisions: routed,
    statsMs: median(perCall),
    export20k,
    export100k,
    verifyMs,
    verified: verified.ok,
    bytesPer1000: (checkpointedSize(path) / routed) * 1000,
  };
}

async function stats100k(): Promise<string> {
  const f = await stats100kFigures();
  return [
    `stats-100k      per-agent stats after ${f.decisions.toLocaleString('en-US')} decisions: ${fmtMs(f.statsMs)} per call (seed ${SEED.statsMsAt100k} ms; ${ratio(SEED.statsMsAt100k / f.statsMs)} faster)`,
    `export-20k      full export of 20,000 decisions: ${fmtMs(f.export20k[0])} as records (seed ${SEED.exportMsAt20k} ms; ${ratio(SEED.exportMsAt20k / f.export20k[0])}), ${fmtMs(f.export20k[1])} as JSONL text`,
    `export-100k     full export of 100,000 decisions: ${fmtMs(f.export100k[0])} as records (seed ${SEED.exportMsAt100k} ms; ${ratio(SEED.exportMsAt100k / f.export100k[0])}), ${fmtMs(f.export100k[1])} as JSONL text`,
    `verify-100k     hash chain, counters and indexes of ${f.decisions.toLocaleString('en-US')} records: ${fmtMs(f.verifyMs)} (ok: ${f.verified})`,
  ].join('\n');
}

/** The file's size once a checkpoint has folded the WAL into it. */
function checkpointedSize(path: string): number {
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return statSync(path).size;
}

/** SQLite bytes per 1,000 decisions with six agents, after a checkpoint folds the WAL in. */
async function bytesPer1000(): Promise<string> {
  const { requests } = loadWorkload('personas');
  const path = newDbPath();
  const router = createRouter({ scorer: 'classic', store: createStore({ location: path }) });
  for (const manifest of loadWorkload('personas').roster) router.registerAgent(manifest);
  for await (const _chunk of router.routeBatch(requests)) {
    // committed
  }
  await router.close();
  const bytes = (checkpointedSize(path) / requests.length) * 1000;
  return `bytes-per-1000  SQLite file after ${requests.length.toLocaleString('en-US')} decisions, six agents: ${(bytes / 1000).toFixed(0)} KB per 1,000 decisions (seed ${SEED.bytesPer1000 / 1000} KB; ${ratio(SEED.bytesPer1000 / bytes)} smaller)`;
}

/** Runs the seed's Python engine (bench/seed-python) and returns its JSON report. */
function runSeed(
  mode: 'score' | 'log' | 'stats',
  name: WorkloadName,
  extra: string[] = [],
): Record<string, number> {
  const spec = {
    personas: 'personas',
    'synthetic-100': 'roster-synthetic-100.json',
    'synthetic-1000': 'roster-synthetic-1000.json',
  }[name];
  const fixtures = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
  const file = {
    personas: 'workload-personas-20k.jsonl',
    'synthetic-100': 'workload-synthetic-100.jsonl',
    'synthetic-1000': 'workload-synthetic-1000.jsonl',
  }[name];
  const roster = spec === 'personas' ? 'personas' : join(fixtures, 'seed', spec);
  const script = fileURLToPath(new URL('./seed-python/bench_seed.py', import.meta.url));
  const result = spawnSync('python3', [
    script,
    mode,
    join(fixtures, 'seed', `${file}.gz`),
    roster,
    join(fixtures, 'personas.json'),
    '--runs',
    mode === 'log' ? '1' : '3', // a logged run of the seed takes ~17 s
    ...extra,
  ]);
  if (result.status !== 0) throw new Error(`the seed benchmark failed: ${result.stderr}`);
  return JSON.parse(result.stdout.toString()) as Record<string, number>;
}

/**
 * The seed and swarm-router on the same machine, one right after the other, so the ratio does not
 * depend on which machine the seed's published figures came from. Needs python3.
 */
async function sideBySide(): Promise<string> {
  const lines: string[] = [];
  const rateOf = (text: string): number =>
    Number(/\s([\d,]+) decisions\/s/.exec(text)?.[1]?.replaceAll(',', ''));
  // The machine's speed drifts within minutes, so each comparison alternates seed and swarm-router
  // for SIDE_ROUNDS rounds and reports the medians and the median of the per-round ratios.
  const compare = async (label: string, seedRate: () => number, ourRate: () => Promise<number>) => {
    const seeds: number[] = [];
    const ours: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < SIDE_ROUNDS; round++) {
      seeds.push(seedRate());
      ours.push(await ourRate());
      ratios.push((ours.at(-1) as number) / (seeds.at(-1) as number));
    }
    lines.push(
      `  ${label.padEnd(36)} seed ${Math.round(median(seeds)).toLocaleString('en-US').padStart(7)}/s   swarm-router ${Math.round(median(ours)).toLocaleString('en-US').padStart(9)}/s   ${ratio(median(ratios))} (rounds: ${ratios.map((r) => r.toFixed(1)).join(', ')})`,
    );
  };
  for (const name of ['personas', 'synthetic-100', 'synthetic-1000'] as const) {
    await compare(
      `scoring only, ${name}`,
      () => runSeed('score', name).decisions_per_s as number,
      async () => rateOf(await scoreOnly(name)),
    );
  }
  for (const name of ['personas', 'synthetic-1000'] as const) {
    await compare(
      `with the audit log, ${name}`,
      () => runSeed('log', name).decisions_per_s as number,
      async () => rateOf(await withLog(name)),
    );
  }
  const seedStats = runSeed('stats', 'personas', ['--decisions', '100000']);
  const ours = await stats100kFigures();
  lines.push(
    `  ${'per-agent stats after 100,000'.padEnd(30)} seed ${(seedStats.stats_ms_per_call as number).toFixed(1)} ms   swarm-router ${fmtMs(ours.statsMs)}   ${ratio((seedStats.stats_ms_per_call as number) / ours.statsMs)} faster`,
    `  ${'export of 100,000 (records)'.padEnd(30)} seed ${(seedStats.export_ms as number).toFixed(0)} ms   swarm-router ${ours.export100k[0].toFixed(0)} ms   ${ratio((seedStats.export_ms as number) / ours.export100k[0])} faster`,
    `  ${'SQLite bytes per 1,000'.padEnd(30)} seed ${((seedStats.db_bytes_per_1000 as number) / 1000).toFixed(0)} KB   swarm-router ${(ours.bytesPer1000 / 1000).toFixed(0)} KB`,
  );
  return `side-by-side (seed: bench/seed-python, Python ${runSeed('score', 'synthetic-100').python ?? '?'})\n${lines.join('\n')}`;
}

/** The CLI end to end, as a user runs it: process start, parse and validate, route, log, print. */
async function cliBatch(): Promise<string> {
  const workload = join(workDir, 'workload-personas-20k.jsonl');
  writeFileSync(
    workload,
    gunzipSync(
      readFileSync(new URL('../test/fixtures/seed/workload-personas-20k.jsonl.gz', import.meta.url)),
    ),
  );
  const bin = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const walls: number[] = [];
  const reported: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      [bin, 'route', '--batch', workload, '--scorer', 'classic', '--db', newDbPath()],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    walls.push(performance.now() - started);
    const rate = /\(([\d,]+) decisions\/s\)/.exec(result.stderr.toString())?.[1];
    if (result.status !== 0 || rate === undefined) throw new Error(`CLI failed: ${result.stderr}`);
    reported.push(Number(rate.replaceAll(',', '')));
  }
  const wall = median(walls);
  return `cli-batch-personas     route --batch of 20,000 tasks with the log: ${(wall / 1000).toFixed(2)} s wall clock including start-up (${Math.round(20_000 / (wall / 1000)).toLocaleString('en-US')} tasks/s); the CLI's own summary says ${median(reported).toLocaleString('en-US')} decisions/s`;
}

/**
 * The whole CLI process against the seed's logged engine, alternating in the same run: the seed's
 * `log` mode on the personas workload (decisions/s of its routing loop, as side-by-side's "with the
 * audit log" line) and `swarm-router route --batch` on 100,000 personas tasks (the workload five
 * times, task ids made unique per pass) into a new log, timed from spawn to exit, its JSONL
 * redirected to a file as a user would. After the timed runs, the last run's output and log are
 * checked: 100,000 lines, 100,000 decisions, and the log verifies.
 */
async function cliBatchSideBySide(): Promise<string> {
  const { workload, tasks } = hundredThousandPersonas();
  const bin = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const output = join(workDir, 'cli-batch-out.jsonl');
  let lastDb = '';
  const runCli = (): number => {
    lastDb = newDbPath();
    const out = openSync(output, 'w');
    try {
      const started = performance.now();
      const result = spawnSync(
        process.execPath,
        [bin, 'route', '--batch', workload, '--scorer', 'classic', '--db', lastDb],
        { stdio: ['ignore', out, 'pipe'] },
      );
      const wall = performance.now() - started;
      if (result.status !== 0) throw new Error(`CLI failed: ${result.stderr}`);
      return tasks / (wall / 1000);
    } finally {
      closeSync(out);
    }
  };
  runCli(); // warm-up: the page cache, and the compile cache where Node keeps one
  const seeds: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < SIDE_ROUNDS; round++) {
    seeds.push(runSeed('log', 'personas').decisions_per_s as number);
    ours.push(runCli());
    ratios.push((ours.at(-1) as number) / (seeds.at(-1) as number));
  }
  const check = await checkCliBatchLog(lastDb, output, tasks);
  const rounds = seeds.map(
    (seed, i) =>
      `    round ${i + 1}: seed ${Math.round(seed).toLocaleString('en-US')}/s, swarm-router ${Math.round(ours[i] as number).toLocaleString('en-US')}/s (${(tasks / (ours[i] as number)).toFixed(2)} s wall), ${ratio(ratios[i] as number)}`,
  );
  return [
    `cli-batch-side-by-side  route --batch of ${tasks.toLocaleString('en-US')} personas tasks with the log, whole process (spawn to exit, JSONL to a file) vs the seed's logged run: seed ${Math.round(median(seeds)).toLocaleString('en-US')}/s, swarm-router ${Math.round(median(ours)).toLocaleString('en-US')}/s, median ratio ${ratio(median(ratios))}`,
    ...rounds,
    `    last run checked: ${check}`,
  ].join('\n');
}

/**
 * `route --batch` over a roster of 50,000 tools (bench/roster-generator.ts, as scale-roster.ts
 * registers them through the API), 20,000 tasks of 10 bidders each, with the log: the CLI's own
 * decisions/s (the first decision compiles the roster) and the whole process's wall clock. Median of
 * RUNS runs, each into a new log.
 */
async function cliBatchTools(): Promise<string> {
  const tools = envNumber('BENCH_BATCH_TOOLS', 50_000, { min: 1 });
  const tasks = envNumber('BENCH_BATCH_TOOL_TASKS', 20_000, { min: 1 });
  const roster = generateRoster('tools', tools, 1);
  const rosterFile = join(workDir, 'tools-roster.json');
  writeFileSync(rosterFile, JSON.stringify({ agents: roster }));
  const random = seededRandom(2);
  const lines: string[] = [];
  for (let t = 0; t < tasks; t++) {
    const bidders = new Set<number>();
    while (bidders.size < Math.min(10, tools)) bidders.add(Math.floor(random() * tools));
    const agents = [...bidders].map((i) => roster[i] as (typeof roster)[number]);
    lines.push(
      JSON.stringify({
        task_id: `tool-task-${t}`,
        description: taskFor(agents[0] as (typeof roster)[number], random),
        bids: agents.map((a) => ({ agent_id: a.agent_id, bid_sats: 5 + Math.floor(random() * 96) })),
      }),
    );
  }
  const workload = join(workDir, 'tools-tasks.jsonl');
  writeFileSync(workload, `${lines.join('\n')}\n`);
  const bin = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const reported: number[] = [];
  const walls: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      [bin, 'route', '--batch', workload, '--roster', rosterFile, '--db', newDbPath()],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    walls.push(performance.now() - started);
    const rate = /\(([\d,]+) decisions\/s\)/.exec(result.stderr.toString())?.[1];
    if (result.status !== 0 || rate === undefined) throw new Error(`CLI failed: ${result.stderr}`);
    reported.push(Number(rate.replaceAll(',', '')));
  }
  return `cli-batch-tools        route --batch, ${tools.toLocaleString('en-US')} tools, ${tasks.toLocaleString('en-US')} tasks of 10 bids, with the log: ${median(reported).toLocaleString('en-US')} decisions/s by the CLI's summary (runs ${Math.min(...reported).toLocaleString('en-US')}–${Math.max(...reported).toLocaleString('en-US')}); ${(median(walls) / 1000).toFixed(2)} s wall clock including start-up and reading the roster`;
}

/** The personas workload five times as one JSONL file (task ids suffixed with the pass). */
function hundredThousandPersonas(): { workload: string; tasks: number } {
  const text = gunzipSync(
    readFileSync(new URL('../test/fixtures/seed/workload-personas-20k.jsonl.gz', import.meta.url)),
  ).toString('utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const out: string[] = [];
  for (let pass = 0; pass < 5; pass++) {
    for (const line of lines) {
      const task = JSON.parse(line) as { task_id: string };
      out.push(JSON.stringify({ ...task, task_id: `${task.task_id}-${pass}` }));
    }
  }
  const workload = join(workDir, 'workload-personas-100k.jsonl');
  writeFileSync(workload, `${out.join('\n')}\n`);
  return { workload, tasks: out.length };
}

/** Fails unless the run printed one line per task and logged each task once in a log that verifies. */
async function checkCliBatchLog(dbPath: string, output: string, tasks: number): Promise<string> {
  const lines = readFileSync(output, 'utf8')
    .split('\n')
    .filter((l) => l !== '').length;
  const router = createRouter({ scorer: 'classic', store: createStore({ location: dbPath }) });
  try {
    const logged = await router.countDecisions();
    const verified = await router.verify();
    if (lines !== tasks || logged !== tasks || !verified.ok) {
      throw new Error(
        `cli-batch-side-by-side: ${lines} lines, ${logged} decisions logged, verified ${verified.ok} (expected ${tasks}, ${tasks}, true)`,
      );
    }
  } finally {
    await router.close();
  }
  return `${lines.toLocaleString('en-US')} JSONL lines, ${tasks.toLocaleString('en-US')} decisions in the log, and the log verifies`;
}

function report(name: string, rates: number[], seedRate: number, what: string): string {
  const rate = median(rates);
  const spread = `${Math.round(Math.min(...rates)).toLocaleString('en-US')}–${Math.round(Math.max(...rates)).toLocaleString('en-US')}`;
  return `${name.padEnd(22)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} decisions/s (runs ${spread}); seed ${seedRate.toLocaleString('en-US')}/s; ${ratio(rate / seedRate)}  [${what}]`;
}

const ratio = (x: number): string => `${x >= 100 ? x.toFixed(0) : x.toFixed(1)}×`;
const fmtMs = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(1)} ms`);

const BENCHMARKS: Record<string, () => Promise<string>> = {
  'score-personas': () => scoreOnly('personas'),
  'score-synthetic-100': () => scoreOnly('synthetic-100'),
  'score-synthetic-1000': () => scoreOnly('synthetic-1000'),
  'score-default-personas': () => scoreOnly('personas', 'default'),
  'score-default-synthetic-1000': () => scoreOnly('synthetic-1000', 'default'),
  'log-personas': () => withLog('personas'),
  'log-synthetic-100': () => withLog('synthetic-100'),
  'log-synthetic-1000': () => withLog('synthetic-1000'),
  'stats-100k': stats100k,
  'bytes-per-1000': bytesPer1000,
  'cli-batch-personas': cliBatch,
  'side-by-side': sideBySide,
  'cli-batch-side-by-side': cliBatchSideBySide,
  'cli-batch-tools': cliBatchTools,
};

const picked = process.argv.slice(2);
const unknown = picked.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
console.log(
  `swarm-router benchmarks — ${machineLine()}; median of ${RUNS} runs; workloads: test/fixtures/seed (= ../shared/data/seed)`,
);
for (const name of picked.length > 0 ? picked : Object.keys(BENCHMARKS)) {
  console.log(await (BENCHMARKS[name] as () => Promise<string>)());
}
