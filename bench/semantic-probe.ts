// A probe, not part of npm test: how much would a word-vector channel fused with the default scorer's
// lexical capability score lift cold ranking top-1 on the quality sets' dev splits?
//
//   node --import tsx bench/semantic-probe.ts [../shared/data/quality]
//
// For each set: the default scorer's capability of every agent for every task (as `eval` gets it: every
// agent bids 0, decide), and a semantic score: the cosine of the task's SIF sentence vector with the
// agent's, clipped at 0. Two agent vectors are tried: "centroid" (the sum of the unit vectors of the
// mean of its examples, of its description, and of its name, capabilities and keywords) and
// "nearest" (the best cosine among its examples, description and name line). Fused score =
// (1 − w)·lexical + w·semantic. Dev splits: the lexical scorer was tuned on them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEvalRoster } from '../src/cli/eval-roster.js';
import { evalPolicy } from '../src/eval/run-eval.js';
import type { AgentManifest } from '../src/manifest/manifest.js';
import { createRouter } from '../src/router/create-router.js';
import { shippedWordVectors } from '../src/router/word-vectors-asset.js';
import { cosine, sifWeight, type WordVectors } from '../src/scoring/embeddings/word-vectors.js';
import { IN_SCOPE_ACCEPTANCE, thresholdKeeping } from '../src/scoring/threshold.js';

const ROOT = process.argv[2] ?? '../shared/data/quality';
const SETS = ['stackexchange6', 'clinc150', 'metatool'];
const WEIGHTS = [0, 0.1, 0.2, 0.3, 0.5, 1];

interface Task {
  readonly taskId: string;
  readonly description: string;
  readonly label: string;
}

/** Lower-case words as the vectors know them: camelCase split, a hyphen compound whole if known, else its parts. */
function wordsOf(text: string, vectors: WordVectors): string[] {
  const out: string[] = [];
  for (const match of text.normalize('NFKC').matchAll(/[\p{L}\p{M}\p{N}]+(?:[-'’][\p{L}\p{M}\p{N}]+)*/gu)) {
    for (const piece of match[0].split(/(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})|_/u)) {
      const word = piece.toLowerCase().replace(/’/g, "'");
      if (vectors.rankOf(word) !== undefined || !/[-']/.test(word)) out.push(word);
      else out.push(...word.split(/[-']/));
    }
  }
  return out;
}

/** The SIF-weighted mean of a text's known words, or undefined when it has none. */
function sentenceVector(text: string, vectors: WordVectors): Float32Array | undefined {
  const sum = new Float32Array(vectors.dims);
  let known = 0;
  for (const word of wordsOf(text, vectors)) {
    const rank = vectors.rankOf(word);
    if (rank !== undefined && vectors.addTo(word, sifWeight(rank), sum)) known++;
  }
  return known === 0 ? undefined : sum;
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return n === 0 ? v : v.map((x) => x / n);
}

function addInto(into: Float32Array, v: Float32Array): void {
  for (let i = 0; i < into.length; i++) into[i] = (into[i] as number) + (v[i] as number);
}

interface AgentVectors {
  readonly centroid: Float32Array;
  readonly parts: readonly Float32Array[];
}

function agentVectors(agent: AgentManifest, vectors: WordVectors): AgentVectors {
  const nameLine = [agent.agentName, agent.agentId, ...agent.capabilities, ...agent.keywords].join(' ');
  const examples = (agent.examples ?? [])
    .map((e) => sentenceVector(e, vectors))
    .filter((v) => v !== undefined)
    .map(unit);
  const parts: Float32Array[] = [...examples];
  const centroid = new Float32Array(vectors.dims);
  if (examples.length > 0) {
    const mean = new Float32Array(vectors.dims);
    for (const e of examples) addInto(mean, e);
    addInto(centroid, unit(mean));
  }
  for (const text of [agent.description ?? '', nameLine]) {
    const v = sentenceVector(text, vectors);
    if (v === undefined) continue;
    parts.push(unit(v));
    addInto(centroid, unit(v));
  }
  return { centroid, parts };
}

function readTasks(path: string): Task[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const dto = JSON.parse(line) as { task_id: string; description: string; label: string };
      return { taskId: dto.task_id, description: dto.description, label: dto.label };
    });
}

/** Position of the largest value; a tie goes to the first (the policy's roster-order tie rule). */
function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

/** Cosines of the task with every agent, clipped at 0. */
type Similarity = (task: Float32Array) => number[];

/**
 * How the semantic score joins the lexical one. raw: as is. scaled: relative to the task's best
 * semantic score, times the best lexical score, so it only reorders under the lexical best (a task no
 * agent matches lexically still scores 0, and the "no suitable agent" threshold keeps its meaning).
 */
const FUSIONS = {
  raw: (lexical: readonly number[], semantic: readonly number[], w: number): number[] =>
    lexical.map((l, i) => (1 - w) * l + w * (semantic[i] as number)),
  scaled: (lexical: readonly number[], semantic: readonly number[], w: number): number[] => {
    const bestLexical = Math.max(...lexical);
    const bestSemantic = Math.max(...semantic);
    const scale = bestSemantic === 0 ? 0 : bestLexical / bestSemantic;
    return lexical.map((l, i) => (1 - w) * l + w * (semantic[i] as number) * scale);
  },
};
type Fusion = keyof typeof FUSIONS;

const vectors = shippedWordVectors();
const fmt = (x: number): string => x.toFixed(3);
const share = (count: number, of: number): string => (of === 0 ? '—' : fmt(count / of));
const rows: string[] = [];
const counts: string[] = [];
const oosRows: string[] = [];
for (const set of SETS) {
  const agents = await loadEvalRoster(join(ROOT, set, 'agents.json'));
  const tasks = readTasks(join(ROOT, set, 'dev.jsonl'));
  const router = createRouter({ scorer: 'default', policy: evalPolicy() });
  for (const agent of agents) router.registerAgent(agent);
  const bids = agents.map((a) => ({ agentId: a.agentId, bidSats: 0 }));
  const agentVecs = agents.map((a) => agentVectors(a, vectors));
  // SIF's common component, estimated cheaply as the mean of the roster's unit vectors: GloVe sentence
  // means share a large direction that makes every cosine high and alike.
  const common = new Float32Array(vectors.dims);
  let partCount = 0;
  for (const a of agentVecs) {
    for (const p of a.parts) addInto(common, p);
    partCount += a.parts.length;
  }
  for (let d = 0; d < common.length; d++) common[d] = (common[d] as number) / Math.max(1, partCount);
  const centred = (v: Float32Array): Float32Array => unit(v).map((x, d) => x - (common[d] as number));
  const centredVecs: AgentVectors[] = agentVecs.map((a) => {
    const parts = a.parts.map(centred);
    const centroid = new Float32Array(vectors.dims);
    for (const p of parts) addInto(centroid, unit(p));
    return { centroid, parts };
  });
  const clip = (x: number): number => Math.max(0, x);
  const nearest = (task: Float32Array, a: AgentVectors): number =>
    a.parts.reduce((best, p) => Math.max(best, cosine(task, p)), 0);
  const variants: Record<string, Similarity> = {
    centroid: (task) => agentVecs.map((a) => clip(cosine(task, a.centroid))),
    nearest: (task) => agentVecs.map((a) => nearest(task, a)),
    'centred centroid': (task) => {
      const t = centred(task);
      return centredVecs.map((a) => clip(cosine(t, a.centroid)));
    },
    'centred nearest': (task) => {
      const t = centred(task);
      return centredVecs.map((a) => nearest(t, a));
    },
  };
  // Semantic scores only for agents with examples: their vector is a centroid of task-like text.
  const hasExamples = agents.map((a) => (a.examples ?? []).length > 0);
  variants['centred centroid, agents with examples'] = (task) =>
    (variants['centred centroid'] as Similarity)(task).map((x, i) => (hasExamples[i] ? x : 0));
  const names = Object.keys(variants);
  const fusions = Object.keys(FUSIONS) as Fusion[];
  const right = new Map<string, number[]>();
  for (const n of names)
    for (const f of fusions)
      right.set(
        `${n}|${f}`,
        WEIGHTS.map(() => 0),
      );
  const zeroRight = new Map(names.map((n) => [n, 0]));
  const refusedRight = new Map(names.map((n) => [n, 0]));
  // Best fused score of each task, for the out-of-scope check below.
  const bestOf = (key: string, semantic: readonly number[], lexical: readonly number[]): number[] =>
    WEIGHTS.map((w) => Math.max(...FUSIONS[key.split('|')[1] as Fusion](lexical, semantic, w)));
  const OOS_KEYS = [
    'centred centroid|raw',
    'centred centroid|scaled',
    'centred centroid, agents with examples|raw',
  ];
  const inScopeBest = new Map<string, number[][]>(OOS_KEYS.map((k) => [k, []]));
  const semanticOf = (description: string, name: string): number[] => {
    const v = sentenceVector(description, vectors);
    return v === undefined ? agents.map(() => 0) : (variants[name] as Similarity)(v);
  };
  let refused = 0;
  let lexicalZero = 0;
  let noWordKnown = 0;
  for (const task of tasks) {
    const decision = router.decide({ taskId: task.taskId, description: task.description, bids });
    const lexical = decision.bidders.map((b) => b.capability ?? 0);
    const label = agents.findIndex((a) => a.agentId === task.label);
    const taskVector = sentenceVector(task.description, vectors);
    if (taskVector === undefined) noWordKnown++;
    const zero = Math.max(...lexical) === 0;
    if (zero) lexicalZero++;
    const wasRefused = decision.selectedAgent === null;
    if (wasRefused) refused++;
    for (const name of names) {
      const semantic =
        taskVector === undefined ? agents.map(() => 0) : (variants[name] as Similarity)(taskVector);
      for (const fusion of fusions) {
        const tally = right.get(`${name}|${fusion}`) as number[];
        WEIGHTS.forEach((w, k) => {
          if (argmax(FUSIONS[fusion](lexical, semantic, w)) === label) tally[k] = (tally[k] as number) + 1;
        });
      }
      for (const key of OOS_KEYS) {
        if (key.startsWith(`${name}|`)) inScopeBest.get(key)?.push(bestOf(key, semantic, lexical));
      }
      const semanticRight = argmax(semantic) === label ? 1 : 0;
      if (zero) zeroRight.set(name, (zeroRight.get(name) as number) + semanticRight);
      if (wasRefused) refusedRight.set(name, (refusedRight.get(name) as number) + semanticRight);
    }
  }
  let oosTasks: Task[] = [];
  try {
    oosTasks = readTasks(join(ROOT, set, 'oos_dev.jsonl'));
  } catch {
    // no out-of-scope split for this set
  }
  if (oosTasks.length > 0) {
    const oosBest = new Map<string, number[][]>(OOS_KEYS.map((k) => [k, []]));
    for (const task of oosTasks) {
      const decision = router.decide({ taskId: task.taskId, description: task.description, bids });
      const lexical = decision.bidders.map((b) => b.capability ?? 0);
      for (const key of OOS_KEYS) {
        oosBest
          .get(key)
          ?.push(bestOf(key, semanticOf(task.description, key.split('|')[0] as string), lexical));
      }
    }
    for (const key of OOS_KEYS) {
      const inScope = inScopeBest.get(key) as number[][];
      const oos = oosBest.get(key) as number[][];
      const cells = WEIGHTS.map((_, k) => {
        const threshold = thresholdKeeping(
          inScope.map((b) => b[k] as number),
          IN_SCOPE_ACCEPTANCE,
        );
        const refusedOos = oos.filter((b) => (b[k] as number) < threshold).length;
        return `${fmt(refusedOos / oos.length)} (${threshold.toFixed(3)})`;
      });
      oosRows.push(`| ${set} | ${key.replace('|', ' | ')} | ${cells.join(' | ')} |`);
    }
  }
  await router.close();
  for (const name of names) {
    for (const fusion of fusions) {
      const tally = right.get(`${name}|${fusion}`) as number[];
      rows.push(`| ${set} | ${name} | ${fusion} | ${tally.map((r) => fmt(r / tasks.length)).join(' | ')} |`);
    }
    counts.push(
      `| ${set} | ${name} | ${lexicalZero} (${share(lexicalZero, tasks.length)}) | ${share(zeroRight.get(name) as number, lexicalZero)} | ${refused} (${share(refused, tasks.length)}) | ${share(refusedRight.get(name) as number, refused)} |`,
    );
  }
  console.error(
    `${set}: ${agents.length} agents, ${tasks.length} tasks, ${noWordKnown} with no word in the vocabulary`,
  );
}
console.log(
  'Cold ranking top-1 of the fused score (w = 0: the default scorer alone; w = 1: semantic alone)\n',
);
console.log(`| set | agent vector | fusion | ${WEIGHTS.map((w) => `w=${w}`).join(' | ')} |`);
console.log(`| --- | --- | --- | ${WEIGHTS.map(() => '---').join(' | ')} |`);
console.log(rows.join('\n'));
console.log(
  '\nTasks the lexical channel cannot place, and how often the semantic channel alone ranks them right\n',
);
console.log(
  '| set | agent vector | lexical best 0 | semantic top-1 on them | refused at `auto` | semantic top-1 on them |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
console.log(counts.join('\n'));
console.log(
  `\nOut of scope refused at the threshold that keeps ${IN_SCOPE_ACCEPTANCE} of the in-scope tasks (the threshold), on the best fused score\n`,
);
console.log(`| set | agent vector | fusion | ${WEIGHTS.map((w) => `w=${w}`).join(' | ')} |`);
console.log(`| --- | --- | --- | ${WEIGHTS.map(() => '---').join(' | ')} |`);
console.log(oosRows.join('\n'));
