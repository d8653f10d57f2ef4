// What scoring one task costs the default scorer on the labelled sets' rosters (clinc150: 150 agents
// with 10 examples each), with and without the semantic channel: the compiled roster's scoreInto over
// every dev task, three passes after one warm-up pass, as a decision calls it (no policy, no log).
//
//   node --import tsx bench/score-cost.ts [../shared/data/quality]
import { join } from 'node:path';
import { loadEvalRoster } from '../src/cli/eval-roster.js';
import { shippedWordVectors } from '../src/router/word-vectors-asset.js';
import { createDefaultScorer } from '../src/scoring/default-scorer.js';
import { QUALITY_ROOT, readSplit } from './quality-sets.js';

const ROOT = process.argv[2] ?? QUALITY_ROOT;
const PASSES = 3;
const vectors = shippedWordVectors();
console.log('| set | agents | lexical and reranker, ms per task | with the semantic channel, ms per task |');
console.log('| --- | --- | --- | --- |');
for (const set of ['stackexchange6', 'clinc150', 'metatool']) {
  const agents = await loadEvalRoster(join(ROOT, set, 'agents.json'));
  const tasks = readSplit(ROOT, set, 'dev').map((task) => task.description);
  const cells: string[] = [];
  for (const semantic of [false, undefined] as const) {
    const compiled = createDefaultScorer({
      wordVectors: () => vectors,
      ...(semantic === false ? { semantic } : {}),
    }).compile(agents);
    const into = new Float64Array(agents.length);
    const score = (text: string) =>
      compiled.scoreInto === undefined ? compiled.score(text) : compiled.scoreInto(text, into);
    for (const task of tasks) score(task);
    const started = performance.now();
    for (let pass = 0; pass < PASSES; pass++) for (const task of tasks) score(task);
    cells.push(((performance.now() - started) / (PASSES * tasks.length)).toFixed(3));
  }
  console.log(`| ${set} | ${agents.length} | ${cells.join(' | ')} |`);
}
