// A probe, not part of npm test: the starting point of the default scorer's confidence correction
// (src/scoring/default-confidence.ts DEFAULT_PLATT_START), fitted on the quality sets' dev splits.
//
//   node --import tsx bench/fit-confidence-map.ts [--without-examples] [../shared/data/quality] [fit sets, comma-separated]
//
// With --without-examples, the same for rosters whose agents have no examples (EXAMPLE_LESS_PLATT_START): the fit
// sets are stackexchange6 and clinc150 with their examples removed, and metatool is the check.
//
// For each set: every dev task routed cold as `eval` routes it (every agent bids 0), and for each
// decision that selected an agent, its confidence before any correction (the temperature softmax) and
// whether it chose the labelled agent. The map q = σ(a · logit(p) + b) is fitted by least mean
// negative log-likelihood over the fit sets (default stackexchange6,clinc150), each set weighing the
// same, on a grid of a in [0.2, 2] and b in [−2, 2] by 0.01; then each set's expected calibration
// error (ten equal-width bins) with the identity and with the fitted map. Sets outside the fit sets
// are the check.
import { evalPolicy } from '../src/eval/run-eval.js';
import { createRouter } from '../src/router/create-router.js';
import { shippedWordVectors } from '../src/router/word-vectors-asset.js';
import { plattProbability } from '../src/scoring/confidence.js';
import { createDefaultScorer } from '../src/scoring/default-scorer.js';
import { calibrationSets, QUALITY_ROOT, readSplit, rosterOf } from './quality-sets.js';

const { args, sets: SETS, fitSets } = calibrationSets(process.argv.slice(2));
const ROOT = args[0] ?? QUALITY_ROOT;
const FIT_SETS = args[1]?.split(',') ?? fitSets;

interface Routed {
  readonly p: number;
  readonly right: boolean;
}

async function routedOf(set: string): Promise<Routed[]> {
  const agents = await rosterOf(ROOT, set);
  // The uncorrected confidence: the identity map.
  const scorer = createDefaultScorer({
    wordVectors: shippedWordVectors,
    confidence: { platt: { initialSlope: 1, initialIntercept: 0 } },
  });
  const router = createRouter({ scorer, policy: evalPolicy() });
  for (const agent of agents) router.registerAgent(agent);
  const bids = agents.map((a) => ({ agentId: a.agentId, bidSats: 0 }));
  const routed: Routed[] = [];
  for (const task of readSplit(ROOT, set, 'dev')) {
    const decision = router.decide({ taskId: task.taskId, description: task.description, bids });
    if (decision.selectedAgent === null || decision.confidence == null) continue;
    routed.push({ p: decision.confidence, right: decision.selectedAgent === task.label });
  }
  await router.close();
  return routed;
}

function meanNll(routed: readonly Routed[], a: number, b: number): number {
  let sum = 0;
  for (const { p, right } of routed) {
    const q = plattProbability(p, a, b);
    sum -= Math.log(Math.max(1e-12, right ? q : 1 - q));
  }
  return sum / routed.length;
}

function ece(routed: readonly Routed[], a: number, b: number): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, right: 0, confidence: 0 }));
  for (const { p, right } of routed) {
    const q = plattProbability(p, a, b);
    const bin = bins[Math.min(9, Math.floor(q * 10))] as (typeof bins)[number];
    bin.n++;
    bin.confidence += q;
    if (right) bin.right++;
  }
  return bins.reduce((sum, bin) => sum + Math.abs(bin.right - bin.confidence), 0) / routed.length;
}

const bySet = new Map<string, Routed[]>();
for (const set of SETS) bySet.set(set, await routedOf(set));
let best = { a: 1, b: 0, loss: Number.POSITIVE_INFINITY };
for (let i = 20; i <= 200; i++) {
  for (let j = -200; j <= 200; j++) {
    const a = i / 100;
    const b = j / 100;
    const loss = FIT_SETS.reduce((sum, set) => sum + meanNll(bySet.get(set) as Routed[], a, b), 0);
    if (loss < best.loss) best = { a, b, loss };
  }
}
console.log(`fitted on ${FIT_SETS.join(' + ')}: a = ${best.a.toFixed(2)}, b = ${best.b.toFixed(2)}`);
for (const set of SETS) {
  const routed = bySet.get(set) as Routed[];
  console.log(
    `  ${set.padEnd(26)} ${String(routed.length).padStart(6)} routed   ECE ${ece(routed, 1, 0).toFixed(3)} → ${ece(routed, best.a, best.b).toFixed(3)}${FIT_SETS.includes(set) ? '' : '   (check)'}`,
  );
}
