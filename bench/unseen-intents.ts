// Probe, not part of npm test: a proxy for issue 27's held-back sets (intent rosters the project has
// never seen: 10 examples an agent, tags no built-in table knows), on which the default scorer should
// route at least 12 points more tasks correctly than plain BM25 (bench/bm25-baseline.ts) top-1.
//
//   node --import tsx bench/unseen-intents.ts [../shared/data/quality] [seeds, e.g. 1,2,3]
//
// Rosters: clinc150's 150 intents as agents, each with 10 examples drawn (seeded) from its train
// queries other than the 10 of clinc150/agents.json, which every tuning so far has looked at. Two
// variants a seed: `named` keeps agents.json's ids, names and capability (the intent's words);
// `opaque` calls the agents intent-001… and gives them nothing but the examples. Tasks: clinc150's dev
// split, shuffled as `eval` does. The default scorer is run cold as `eval` runs it; BM25's document
// is every text field of a manifest (description, examples, name, capabilities, keywords).
//
// Prints the same measure on agents.json itself first, beside the BM25 of clinc150/SOURCE.md (over
// the examples only: 0.7233 top-1 on the held-back test split), then a table per variant and seed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EvalTask, evalPolicy, runEval } from '../src/eval/run-eval.js';
import { inOrder } from '../src/eval/task-order.js';
import { seededRandom } from '../src/kernel/seeded-random.js';
import { createRouter } from '../src/router/create-router.js';
import { shippedWordVectors } from '../src/router/word-vectors-asset.js';
import { createDefaultScorer } from '../src/scoring/default-scorer.js';
import { toEvalRoster, validateEvalRosterFile } from '../src/wire/eval-dto.js';
import { bm25Index } from './bm25-baseline.js';
import { QUALITY_ROOT, readSplit } from './quality-sets.js';

const ROOT = process.argv[2] ?? QUALITY_ROOT;
const SEEDS = (process.argv[3] ?? '1,2,3').split(',').map(Number);
const EXAMPLES_PER_AGENT = 10;

/** An agent as clinc150/agents.json writes it (no rate: an evaluation roster). */
interface AgentDto {
  readonly agent_id: string;
  readonly agent_name: string;
  readonly description?: string;
  readonly capabilities: readonly string[];
  readonly keywords: readonly string[];
  readonly examples: readonly string[];
}

interface Measure {
  readonly routedCorrectly: number;
  readonly top1: number;
  readonly bm25: number;
}

const vectors = shippedWordVectors();
const shipped = (
  JSON.parse(readFileSync(join(ROOT, 'clinc150', 'agents.json'), 'utf8')) as { agents: AgentDto[] }
).agents;
const train = readSplit(ROOT, 'clinc150', 'train');
const devTasks = inOrder(readSplit(ROOT, 'clinc150', 'dev'), 'shuffled');

/** k items of `pool` drawn without replacement (a partial Fisher–Yates), in the order drawn. */
function sample<T>(pool: readonly T[], k: number, random: () => number): T[] {
  const copy = [...pool];
  for (let i = 0; i < k && i < copy.length; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, k);
}

/** agents.json with each intent's examples drawn afresh from the train queries it does not show. */
function namedRoster(seed: number): AgentDto[] {
  const random = seededRandom(seed);
  return shipped.map((agent) => {
    const shown = new Set(agent.examples);
    const pool = train
      .filter((task) => task.label === agent.agent_id && !shown.has(task.description))
      .map((task) => task.description);
    return { ...agent, description: '', keywords: [], examples: sample(pool, EXAMPLES_PER_AGENT, random) };
  });
}

/** The same agents with nothing but their examples, and the tasks relabelled to match. */
function opaque(roster: readonly AgentDto[], tasks: readonly EvalTask[]) {
  const idOf = new Map(
    roster.map((agent, i) => [agent.agent_id, `intent-${String(i + 1).padStart(3, '0')}`] as const),
  );
  return {
    roster: roster.map((agent) => {
      const id = idOf.get(agent.agent_id) as string;
      return { agent_id: id, agent_name: id, capabilities: [], keywords: [], examples: agent.examples };
    }),
    tasks: tasks.map((task) => ({ ...task, label: idOf.get(task.label) ?? task.label })),
  };
}

const everyField = (agent: AgentDto): string =>
  [
    agent.description ?? '',
    ...agent.examples,
    agent.agent_name,
    ...agent.capabilities,
    ...agent.keywords,
  ].join('\n');

const examplesOnly = (agent: AgentDto): string => [agent.description ?? '', ...agent.examples].join('\n');

/** Share of tasks whose best BM25 document is the labelled agent's. */
function bm25Top1(
  roster: readonly AgentDto[],
  tasks: readonly EvalTask[],
  document: (agent: AgentDto) => string,
): number {
  const index = bm25Index(roster.map(document));
  const position = new Map(roster.map((agent, i) => [agent.agent_id, i]));
  const right = tasks.filter((task) => index.best(task.description) === position.get(task.label));
  return right.length / tasks.length;
}

/** The default scorer, cold, on the roster as `eval` would load it; and BM25 on the same data. */
async function measure(roster: readonly AgentDto[], tasks: readonly EvalTask[]): Promise<Measure> {
  const where = 'proxy roster';
  const agents = toEvalRoster(validateEvalRosterFile(structuredClone({ agents: roster }), where), where);
  const router = createRouter({
    scorer: createDefaultScorer({ wordVectors: () => vectors }),
    policy: evalPolicy(),
  });
  for (const agent of agents) router.registerAgent(agent);
  const report = await runEval(router, tasks, { mode: 'cold' });
  await router.close();
  return {
    routedCorrectly: report.routedCorrectly ?? Number.NaN,
    top1: report.top1 ?? Number.NaN,
    bm25: bm25Top1(roster, tasks, everyField),
  };
}

const f = (x: number): string => x.toFixed(4);
const points = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

const reference = await measure(shipped, devTasks);
console.log('clinc150/agents.json (the tuned-on examples), dev split:\n');
console.log(
  '| default routed correctly (top-1) | BM25 top-1, description + examples | BM25 top-1, every field | difference (points, every field) |',
);
console.log('| --- | --- | --- | --- |');
console.log(
  `| ${f(reference.routedCorrectly)} (${f(reference.top1)}) | ${f(bm25Top1(shipped, devTasks, examplesOnly))} | ${f(reference.bm25)} | ${points(reference.routedCorrectly - reference.bm25)} |`,
);

console.log('\nProxy rosters (examples unseen by tuning), dev split:\n');
console.log('| variant | seed | default routed correctly (top-1) | BM25 top-1 | difference (points) |');
console.log('| --- | --- | --- | --- | --- |');
for (const variant of ['named', 'opaque'] as const) {
  const measures: Measure[] = [];
  for (const seed of SEEDS) {
    const named = namedRoster(seed);
    const { roster, tasks } =
      variant === 'named' ? { roster: named, tasks: devTasks } : opaque(named, devTasks);
    const m = await measure(roster, tasks);
    measures.push(m);
    console.log(
      `| ${variant} | ${seed} | ${f(m.routedCorrectly)} (${f(m.top1)}) | ${f(m.bm25)} | ${points(m.routedCorrectly - m.bm25)} |`,
    );
  }
  const mean = (pick: (m: Measure) => number): number =>
    measures.reduce((sum, m) => sum + pick(m), 0) / measures.length;
  const routed = mean((m) => m.routedCorrectly);
  const bm25 = mean((m) => m.bm25);
  console.log(
    `| **${variant}** | **mean** | **${f(routed)} (${f(mean((m) => m.top1))})** | **${f(bm25)}** | **${points(routed - bm25)}** |`,
  );
}
