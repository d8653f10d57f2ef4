/**
 * How long text analysis and roster compilation hold the event loop (issue "Trust", point 3): the
 * longest block and the 99th percentile of event-loop delay, measured with
 * perf_hooks.monitorEventLoopDelay while one scenario runs, in this process.
 *
 * The service is built as `serve` builds it (a router compiling in the background on a SQLite log,
 * the agent directory, Fastify with an admin token) and driven through app.inject, so that JSON
 * parsing, schema checks, analysis, compilation and the log all count; nothing else runs.
 *
 *   node --import tsx bench/event-loop-blocks.ts [scenario ...]     (all scenarios by default)
 *
 * measureEventLoopBlocks() is what `npm run bench:abuse` may call. The scenarios only use APIs that
 * older versions have too (they ignore `backgroundCompile` and lack `whenCompiled`), so the same file
 * measures a checkout from before the limits for comparison.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { systemClock } from '../src/kernel/clock.js';
import type { AgentManifest } from '../src/manifest/manifest.js';
import { createRouter } from '../src/router/create-router.js';
import type { Router } from '../src/router/router.js';
import { openService } from '../src/server/open-service.js';
import { createStore } from '../src/store/create-store.js';
import { machineLine } from './machine.js';

const ADMIN = 'bench-admin-token-0123456789abcdef0123456789abcdef';
const CLINC150 = join(import.meta.dirname, '../../shared/data/quality/clinc150/agents.json');

export interface BlockFigures {
  readonly scenario: string;
  /** The longest the event loop was held, ms (monitorEventLoopDelay's max). */
  readonly longestBlockMs: number;
  readonly p99DelayMs: number;
  /** The scenario's wall time, ms. */
  readonly totalMs: number;
  /** The longest garbage collection pause meanwhile, ms: part of the longest block, not the code's. */
  readonly longestGcMs: number;
  /** What the service answered, counted by status (HTTP scenarios). */
  readonly answers: Readonly<Record<string, number>>;
}

interface Bench {
  readonly router: Router;
  call(
    method: string,
    url: string,
    payload?: unknown,
    token?: string,
  ): Promise<{ status: number; body: string }>;
}

interface Scenario {
  readonly name: string;
  readonly about: string;
  /** Builds the scenario's input (not measured) and returns what is measured. */
  prepare(): (bench: Bench) => Promise<void>;
}

/** A word of `length` letters that no stem cache holds (a pseudo-random walk over a–z). */
function word(length: number, seed: number): string {
  let state = seed * 2654435761;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out += String.fromCharCode(97 + (state % 26));
  }
  return out;
}

/** 150 agents of 10 examples: clinc150's agents file when it is there, else generated alike. */
function roster150(): AgentManifest[] {
  if (existsSync(CLINC150)) {
    const file = JSON.parse(readFileSync(CLINC150, 'utf8')) as {
      agents: { agent_id: string; capabilities: string[]; examples: string[] }[];
    };
    return file.agents.map((a) => ({
      agentId: a.agent_id,
      agentName: a.agent_id,
      capabilities: a.capabilities,
      keywords: [],
      rateSats: 10,
      examples: a.examples,
    }));
  }
  return Array.from({ length: 150 }, (_, i) => ({
    agentId: `agent_${i}`,
    agentName: `agent_${i}`,
    capabilities: [word(8, i)],
    keywords: [],
    rateSats: 10,
    examples: Array.from({ length: 10 }, (_, j) =>
      Array.from({ length: 8 }, (_, k) => word(5 + (k % 4), i * 100 + j * 10 + k)).join(' '),
    ),
  }));
}

const asDto = (m: AgentManifest) => ({
  agent_id: m.agentId,
  agent_name: m.agentName,
  capabilities: m.capabilities,
  keywords: m.keywords,
  rate_sats: m.rateSats,
  ...(m.examples === undefined ? {} : { examples: m.examples }),
});

const routeBody = (description: string) => ({
  description,
  bids: [
    { agent_id: 'forge', bid_sats: 30 },
    { agent_id: 'quill', bid_sats: 20 },
  ],
});

const attacker: AgentManifest = {
  agentId: 'attacker',
  agentName: 'attacker',
  capabilities: ['writing'],
  keywords: [],
  rateSats: 1,
};

/** PATCHes the attacker's examples, then routes one task it bids on. */
async function patchThenRoute(bench: Bench, examples: readonly string[]): Promise<void> {
  const registered = await bench.call('POST', '/v1/agents', asDto(attacker), ADMIN);
  if (registered.status !== 201) throw new Error(`registering the attacker answered ${registered.status}`);
  const { token } = JSON.parse(registered.body) as { token: string };
  await bench.call('PATCH', '/v1/agents/attacker', { examples }, token);
  await bench.call('POST', '/v1/route', {
    description: 'Draft the release notes',
    bids: [
      { agent_id: 'attacker', bid_sats: 1 },
      { agent_id: 'quill', bid_sats: 20 },
    ],
  });
  await bench.router.whenCompiled?.();
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'word-100k-library',
    about: 'router.decide() on a task of one 100,000-letter word (the library: no edge limits)',
    prepare() {
      const description = word(100_000, 1);
      return async ({ router }) => {
        router.decide({ description, bids: [{ agentId: 'forge', bidSats: 30 }] });
      };
    },
  },
  {
    name: 'word-100k-http',
    about: 'POST /v1/route, a task of one 100,000-letter word',
    prepare() {
      const body = routeBody(word(100_000, 2));
      return async (bench) => void (await bench.call('POST', '/v1/route', body));
    },
  },
  {
    name: 'word-10k-http',
    about: 'POST /v1/route, a task of one 10,000-letter word (the longest description accepted)',
    prepare() {
      const body = routeBody(word(10_000, 3));
      return async (bench) => void (await bench.call('POST', '/v1/route', body));
    },
  },
  {
    name: 'examples-at-limits',
    about:
      'an agent PATCHes its examples to 100 words of 2,000 letters (the limits), then one task it bids on',
    prepare() {
      const examples = Array.from({ length: 100 }, (_, i) => word(2_000, 100 + i));
      return (bench) => patchThenRoute(bench, examples);
    },
  },
  {
    name: 'examples-20k-words',
    about: 'the same with 10 words of 20,000 letters (accepted before the limits)',
    prepare() {
      const examples = Array.from({ length: 10 }, (_, i) => word(20_000, 200 + i));
      return (bench) => patchThenRoute(bench, examples);
    },
  },
  {
    name: 'register-150',
    about:
      '150 agents of 10 examples (clinc150) registered one by one, each followed by a routed task, until compiled',
    prepare() {
      const roster = roster150().map(asDto);
      return async (bench) => {
        for (const manifest of roster) {
          await bench.call('POST', '/v1/agents', manifest, ADMIN);
          await bench.call('POST', '/v1/route', {
            description: 'freeze my bank account please',
            bids: [{ agent_id: manifest.agent_id, bid_sats: 10 }],
          });
        }
        await bench.router.whenCompiled?.();
      };
    },
  },
];

/** A fresh service (roster: the personas forge, quill and echo) for one scenario. */
async function openBench(dir: string): Promise<Bench & { close(): Promise<void> }> {
  const store = createStore({ location: join(dir, `log-${performance.now()}.db`) });
  const router = createRouter({ store, clock: systemClock, backgroundCompile: true });
  for (const persona of ['forge', 'quill', 'echo']) router.registerPersona(persona);
  const service = await openService({
    router,
    store,
    clock: systemClock,
    adminToken: ADMIN,
    offlineAfterMs: 3_600_000,
    // Not what is measured here: every request is let through.
    limits: { rateLimit: null, failedTokenLimit: null },
  } as Parameters<typeof openService>[0]);
  const { app } = service;
  return {
    router,
    async call(method, url, payload, token = ADMIN) {
      const response = await app.inject({
        method: method as 'POST',
        url,
        ...(payload === undefined ? {} : { payload: payload as object }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      answers.set(response.statusCode, (answers.get(response.statusCode) ?? 0) + 1);
      return { status: response.statusCode, body: response.body };
    },
    async close() {
      await service.close();
      await router.close();
    },
  };
}

let answers = new Map<number, number>();

/**
 * Runs `work` while watching the event loop: monitorEventLoopDelay's histogram, and the longest gap
 * between two runs of a 1 ms timer (which also sees a block that ends with `work`).
 */
async function watched(
  work: () => Promise<void>,
): Promise<{ longestMs: number; p99Ms: number; totalMs: number; longestGcMs: number }> {
  let longestGcMs = 0;
  const gcPauses = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestGcMs = Math.max(longestGcMs, entry.duration);
  });
  gcPauses.observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let last = performance.now();
  let longestGap = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  const start = performance.now();
  await work();
  const totalMs = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearTimeout(timer);
  delay.disable();
  gcPauses.disconnect();
  return {
    longestGcMs,
    // A timer due in 1 ms that runs after a gap of g ms was held for about g − 1.
    longestMs: Math.max(delay.max / 1e6, longestGap - 1),
    p99Ms: delay.percentile(99) / 1e6,
    totalMs,
  };
}

/**
 * What a service does on its first requests of a kind (Fastify's and the validators' first runs, the
 * code's first compilation by V8) is not what is measured: one of each kind first, then the
 * personas' roster compiled.
 */
async function warmUp(bench: Bench): Promise<void> {
  await bench.call('POST', '/v1/route', routeBody('Fix the bug in the auth code'));
  await bench.call('POST', '/v1/route', routeBody('x'.repeat(10_001)));
  await bench.call('POST', '/v1/agents', { agent_id: 'warm-up' }, ADMIN);
  await bench.call('PATCH', '/v1/agents/nobody', { examples: ['x'] }, ADMIN);
  bench.router.decide({ description: 'Draft the release notes', bids: [{ agentId: 'quill', bidSats: 1 }] });
  await bench.router.whenCompiled?.();
}

/** Runs the named scenarios (all by default), each on a fresh service, and returns their figures. */
export async function measureEventLoopBlocks(
  names: readonly string[] = SCENARIOS.map((s) => s.name),
): Promise<BlockFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-router-blocks-'));
  const figures: BlockFigures[] = [];
  try {
    for (const name of names) {
      const scenario = SCENARIOS.find((s) => s.name === name);
      if (scenario === undefined) {
        throw new TypeError(`unknown scenario '${name}' (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
      }
      const bench = await openBench(dir);
      await warmUp(bench);
      answers = new Map();
      const run = scenario.prepare();
      const { longestMs, p99Ms, totalMs, longestGcMs } = await watched(() => run(bench));
      await bench.close();
      figures.push({
        scenario: name,
        longestBlockMs: longestMs,
        p99DelayMs: p99Ms,
        totalMs,
        longestGcMs,
        answers: Object.fromEntries([...answers].map(([status, n]) => [String(status), n])),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const names = process.argv.slice(2);
  console.log(`event-loop blocks — ${machineLine()}`);
  for (const scenario of SCENARIOS) {
    if (names.length === 0 || names.includes(scenario.name))
      console.log(`  ${scenario.name}: ${scenario.about}`);
  }
  const figures = await measureEventLoopBlocks(names.length === 0 ? undefined : names);
  console.log('scenario              longest block   p99 delay   longest GC      total   answers');
  for (const f of figures) {
    console.log(
      `${f.scenario.padEnd(20)} ${f.longestBlockMs.toFixed(1).padStart(11)} ms ${f.p99DelayMs.toFixed(1).padStart(8)} ms ${f.longestGcMs.toFixed(1).padStart(9)} ms ${f.totalMs.toFixed(0).padStart(8)} ms   ${JSON.stringify(f.answers)}`,
    );
  }
}
