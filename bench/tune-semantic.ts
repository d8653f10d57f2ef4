// Tuning, not part of npm test: the semantic channel's weight (embeddings/semantic-channel.ts) swept on
// the dev splits of the two labelled sets whose agents have examples, cold and shuffled as `eval` runs.
//
//   node --import tsx bench/tune-semantic.ts [../shared/data/quality] [weights, e.g. 0,0.1,0.2]
//
// Prints, per weight: routed correctly / ranking top-1 on each set, and on clinc150 the share of
// out-of-scope tasks refused at the roster's estimated threshold and of in-scope tasks accepted.
import { join } from 'node:path';
import { loadEvalRoster } from '../src/cli/eval-roster.js';
import { evalPolicy, runEval } from '../src/eval/run-eval.js';
import { inOrder } from '../src/eval/task-order.js';
import { createRouter } from '../src/router/create-router.js';
import { shippedWordVectors } from '../src/router/word-vectors-asset.js';
import { createDefaultScorer } from '../src/scoring/default-scorer.js';
import { QUALITY_ROOT, readSplit } from './quality-sets.js';

const ROOT = process.argv[2] ?? QUALITY_ROOT;
const WEIGHTS = (process.argv[3] ?? '0,0.1,0.15,0.2,0.25,0.3,0.4').split(',').map(Number);
const FLOORS = (process.argv[4] ?? '0').split(',').map(Number);
const SETS = ['stackexchange6', 'clinc150'];

const vectors = shippedWordVectors();
const f = (x: number | undefined): string => (x ?? Number.NaN).toFixed(3);
console.log(
  `| weight | ${SETS.map((s) => `${s} routed correctly (top-1)`).join(' | ')} | clinc150 oos refused / in scope accepted (threshold) |`,
);
console.log(`| --- | ${SETS.map(() => '---').join(' | ')} | --- |`);
for (const floor of FLOORS)
  for (const weight of WEIGHTS) {
    const cells: string[] = [];
    let oosCell = '';
    for (const set of SETS) {
      const agents = await loadEvalRoster(join(ROOT, set, 'agents.json'));
      const tasks = inOrder(readSplit(ROOT, set, 'dev'), 'shuffled');
      const scorer = createDefaultScorer({
        // Reranker settings to try beside the weight, as JSON: RERANKER='{"scoreWeight":5}'.
        ...(process.env.RERANKER === undefined ? {} : { reranker: JSON.parse(process.env.RERANKER) }),
        wordVectors: () => vectors,
        semantic:
          weight === 0
            ? false
            : {
                weight,
                floor,
                // The nearest example's share to try beside the weight: NEAREST=0.5.
                ...(process.env.NEAREST === undefined ? {} : { nearest: Number(process.env.NEAREST) }),
              },
      });
      const router = createRouter({ scorer, policy: evalPolicy() });
      for (const agent of agents) router.registerAgent(agent);
      let oos: { taskId: string; description: string }[] | undefined;
      try {
        oos = readSplit(ROOT, set, 'oos_dev');
      } catch {
        oos = undefined;
      }
      const report = await runEval(router, tasks, {
        mode: 'cold',
        ...(oos === undefined ? {} : { outOfScope: oos }),
      });
      cells.push(`${f(report.routedCorrectly)} (${f(report.top1)})`);
      if (oos !== undefined) {
        oosCell = `${f(report.oosRejected)} / ${f(report.inScopeAccepted)} (${f(report.minCapability)})`;
      }
      await router.close();
    }
    console.log(`| ${weight}, floor ${floor} | ${cells.join(' | ')} | ${oosCell} |`);
  }
