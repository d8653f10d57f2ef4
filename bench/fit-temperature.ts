// A probe, not part of npm test: the softmax temperature of the default scorer's confidence
// (src/scoring/default-confidence.ts DEFAULT_TEMPERATURE), fitted by maximum likelihood on the quality
// sets' dev splits.
//
//   node --import tsx bench/fit-temperature.ts [--without-examples] [../shared/data/quality] [fit sets, comma-separated]
//
// With --without-examples, the same for rosters whose agents have no examples (EXAMPLE_LESS_TEMPERATURE): the fit
// sets are stackexchange6 and clinc150 with their examples removed, and metatool is the check.
//
// For each set: every agent's capability for every labelled task, as `eval` gets it (every agent bids
// 0, cold, nothing learned), and the labelled agent's position. Prints the temperature each set alone
// would choose, then the one chosen on the fit sets (default stackexchange6,clinc150) with each set
// weighing the same (an equal number of tasks from each, taken in a seeded shuffle), and the mean
// negative log-likelihood of every set at it — the sets outside the fit sets are the check.
import { evalPolicy } from '../src/eval/run-eval.js';
import { inOrder } from '../src/eval/task-order.js';
import { createRouter } from '../src/router/create-router.js';
import { fitTemperature, type LabelledScores, negativeLogLikelihood } from '../src/scoring/confidence.js';
import { calibrationSets, QUALITY_ROOT, readSplit, rosterOf } from './quality-sets.js';

const { args, sets: SETS, fitSets } = calibrationSets(process.argv.slice(2));
const ROOT = args[0] ?? QUALITY_ROOT;
const FIT_SETS = args[1]?.split(',') ?? fitSets;

async function instancesOf(set: string): Promise<LabelledScores[]> {
  const agents = await rosterOf(ROOT, set);
  // Every score kept, so that a decision's capability is the whole roster's, in roster order.
  const router = createRouter({ policy: evalPolicy(0), candidatesKept: Number.POSITIVE_INFINITY });
  for (const agent of agents) router.registerAgent(agent);
  const bids = agents.map((a) => ({ agentId: a.agentId, bidSats: 0 }));
  const instances: LabelledScores[] = [];
  for (const task of readSplit(ROOT, set, 'dev')) {
    const decision = router.decide({ taskId: task.taskId, description: task.description, bids });
    const position = decision.agentIds.indexOf(task.label);
    if (position < 0) throw new Error(`${set}: label ${task.label} is not an agent`);
    instances.push({ scores: Float64Array.from(decision.capability), position });
  }
  await router.close();
  return instances;
}

const bySet = new Map<string, LabelledScores[]>();
for (const set of SETS) {
  const instances = await instancesOf(set);
  bySet.set(set, instances);
  console.log(
    `${set.padEnd(26)} ${String(instances.length).padStart(6)} tasks   alone: T = ${fitTemperature(instances).toFixed(4)}`,
  );
}
const each = Math.min(...FIT_SETS.map((s) => (bySet.get(s) as LabelledScores[]).length));
const pooled = FIT_SETS.flatMap((s) =>
  inOrder(bySet.get(s) as LabelledScores[], 'shuffled', 1).slice(0, each),
);
const chosen = fitTemperature(pooled);
console.log(`\nchosen on ${FIT_SETS.join(' + ')} (${each} tasks each): T = ${chosen.toFixed(4)}`);
for (const set of SETS) {
  const nll = negativeLogLikelihood(bySet.get(set) as LabelledScores[], chosen);
  console.log(
    `  ${set.padEnd(26)} mean −log p(right agent) ${nll.toFixed(4)}${FIT_SETS.includes(set) ? '' : '   (check)'}`,
  );
}
