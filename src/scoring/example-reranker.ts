import { seededRandom } from '../kernel/seeded-random.js';
import type { AgentManifest } from '../manifest/manifest.js';
import { runSteps, type Steps } from './steps.js';
import type { Analyzer } from './text/analyzer.js';
import { IN_SCOPE_ACCEPTANCE, thresholdKeeping } from './threshold.js';

/**
 * A learned correction on top of a lexical scorer, for rosters whose manifests carry examples.
 *
 * Lexical relevance confuses agents whose words overlap ("tell me the meaning of hegemony" lands on
 * `meaning_of_life` rather than `definition`; "make a vacation request" on `pto_request_status`
 * rather than `pto_request`). The examples say which words separate such agents, so a softmax
 * (multinomial logistic) model is trained on them, stacked on the lexical score: each agent's logit is
 * `scoreWeight × its lexical score relative to the best one + its bias + the task's word weights`. So
 * that the model learns how lexical scores behave on text the agent has *not* seen, each example's
 * lexical scores come from a roster compiled without it (k-fold cross-fitting, as in stacked
 * generalisation). On clinc150's dev split (150 agents, 10 examples each) top-1 goes from 0.781 to
 * 0.805; on stackexchange6 (6 agents) it stays at 0.534 (docs/BENCHMARKS.md).
 *
 * The result keeps the lexical scale: agents with examples get the best lexical score among them
 * times their probability relative to the most probable one, so the top score — what the "no suitable
 * agent" threshold reads — is unchanged, and only the order below it moves. Agents without examples
 * keep their lexical score. Training is deterministic (a fixed-seed shuffle): same roster, same model.
 *
 * Training is written in pieces (trainInSteps): the router runs it between other work, and keeps
 * using the previous model, applied to the agents it knows, until the new one is ready.
 */
export interface RerankerConfig {
  /** Cross-fitting folds. Default 5. */
  readonly folds: number;
  /** Passes over the examples. Default 10. */
  readonly epochs: number;
  /** Initial SGD step, divided by (1 + epoch). Default 0.3. */
  readonly learningRate: number;
  /** L2 penalty on word weights. Default 0.01. */
  readonly l2: number;
  /** Weight of the relative lexical score in each logit. Default 10. */
  readonly scoreWeight: number;
  /**
   * SGD step for each task an agent completed (CompiledScorer.learn). Default 1: on clinc150's dev
   * split online first try (second half) goes 0.888 → 0.913 and stackexchange6's 0.743 → 0.740; at 2
   * clinc150 gains a little more and stackexchange6 falls to 0.727.
   */
  readonly onlineLearningRate: number;
  /**
   * Largest word-weight matrix (distinct words × agents with examples): a roster whose examples
   * need more is left to the lexical score alone, and the words completed tasks bring are added up
   * to it. Default 8,000,000 (32 MB).
   */
  readonly maxWeights: number;
  /**
   * Most agents with examples (the model's classes) trained on; a larger roster is left to the
   * lexical score alone. Training costs examples × words × classes, which grows with the square of
   * the roster: 3,000 agents of 10 examples took 97 s and 900 MB to train (bench:roster). Default
   * 1,000: every labelled set of docs/BENCHMARKS.md is far below it, so their figures are unchanged.
   */
  readonly maxClasses: number;
}

export const DEFAULT_RERANKER_CONFIG: RerankerConfig = Object.freeze({
  folds: 5,
  epochs: 10,
  learningRate: 0.3,
  l2: 0.01,
  scoreWeight: 10,
  onlineLearningRate: 1,
  maxWeights: 8_000_000,
  maxClasses: 1_000,
});

/** Scores a roster's tasks lexically; the reranker trains on fold rosters compiled through it. */
export type LexicalCompiler = (agents: readonly AgentManifest[]) => LexicalScores;

/** A lexical scorer of a roster, from a task's distinct terms, in roster order. */
export interface LexicalScores {
  scoreTerms(distinctTerms: Iterable<string>): Float64Array;
}

/** What training reads: the roster's examples as terms, and lexical scorers of its folds. */
export interface TrainingRoster {
  readonly agentIds: readonly string[];
  /** Each agent's examples, in order, as the analyzer's terms with stop words kept. */
  readonly exampleTerms: readonly (readonly (readonly string[])[])[];
  /**
   * The lexical scorer of the roster with only the examples `keep` keeps (position, example index),
   * built in steps: the cross-fitting folds.
   */
  foldLexical(keep: (position: number, example: number) => boolean): Steps<LexicalScores>;
  /**
   * The scores a held-out example would get as a task, from its fold's lexical scores: what the model
   * trains on and the suggested threshold is estimated from. Default: those scores (a scorer that adds
   * to the lexical score before reranking, like the semantic channel, adds its part here).
   */
  heldOutScores?(scores: Float64Array, position: number, example: number): Float64Array;
}

/**
 * Multiply-adds of training run between pauses: a step costs (its words + 1) × classes, so with
 * 150 classes a piece is ~50 examples of 10 words, and with 1,000 classes of 300 words, one.
 */
const WORK_PER_PIECE = 100_000;

/** A model applied to one roster (ExampleReranker.bind). */
export interface BoundReranker {
  /** Reorders the roster's agents with examples by the model, in place, from the task's distinct terms. */
  rerank(terms: readonly string[], scores: Float64Array): Float64Array;
  /**
   * One training step on a task the agent completed, given the task's distinct terms and its lexical
   * scores before the outcome was learned. Agents the model has no class for, or that are not in the
   * roster, are left out; words the examples never used join the model (up to maxWeights).
   */
  learn(terms: readonly string[], agentId: string, scores: Float64Array, rate: number, l2: number): void;
}

export class ExampleReranker {
  /**
   * The "no suitable agent" threshold this roster suggests: the best match that IN_SCOPE_ACCEPTANCE
   * of the held-out examples reach (rounded down to 0.001), since tasks like the examples are the
   * in-scope ones. On clinc150 (with the semantic channel's part) it is 0.167, where `eval --oos`
   * calibrates 0.172 from labelled out-of-scope tasks. Undefined below MIN_EXAMPLES_FOR_THRESHOLD examples.
   */
  readonly suggestedMinCapability: number | undefined;
  /** The agents with examples, by id: the classes of the model. */
  readonly classIds: readonly string[];
  readonly #classOf: ReadonlyMap<string, number>;
  readonly #vocabulary: Map<string, number>;
  /** Word weights, word-major: weights[word × classes + class]. */
  #weights: Float32Array;
  /** Most words the model may hold (maxWeights ÷ classes): outcomes add the words they bring. */
  readonly #maxWords: number;
  readonly #bias: Float64Array;
  readonly #scoreWeight: number;
  readonly #logits: Float64Array;

  private constructor(
    vocabulary: Map<string, number>,
    classIds: readonly string[],
    weights: Float32Array,
    bias: Float64Array,
    scoreWeight: number,
    suggestedMinCapability: number | undefined,
    maxWeights: number,
  ) {
    this.suggestedMinCapability = suggestedMinCapability;
    this.classIds = classIds;
    this.#classOf = new Map(classIds.map((id, c) => [id, c]));
    this.#vocabulary = vocabulary;
    this.#weights = weights;
    this.#maxWords = Math.floor(maxWeights / Math.max(1, classIds.length));
    this.#bias = bias;
    this.#scoreWeight = scoreWeight;
    this.#logits = new Float64Array(classIds.length);
  }

  /**
   * Trains on the roster's examples; undefined when fewer than two agents have examples (nothing to
   * separate) or the model would exceed `maxWeights`.
   */
  static train(
    agents: readonly AgentManifest[],
    compileLexical: LexicalCompiler,
    analyzer: Analyzer,
    config: RerankerConfig = DEFAULT_RERANKER_CONFIG,
  ): ExampleReranker | undefined {
    const roster: TrainingRoster = {
      agentIds: agents.map((agent) => agent.agentId),
      exampleTerms: agents.map((agent) =>
        (agent.examples ?? []).map((example) => analyzer.termsWithStopWords(example)),
      ),
      *foldLexical(keep) {
        return compileLexical(
          agents.map((agent, i) =>
            agent.examples === undefined
              ? agent
              : { ...agent, examples: agent.examples.filter((_, j) => keep(i, j)) },
          ),
        );
      },
    };
    return runSteps(ExampleReranker.trainInSteps(roster, config));
  }

  /** `train`, a piece at a time (steps.ts): what the router runs in the background. */
  static *trainInSteps(
    roster: TrainingRoster,
    config: RerankerConfig = DEFAULT_RERANKER_CONFIG,
  ): Steps<ExampleReranker | undefined> {
    const positions: number[] = [];
    roster.exampleTerms.forEach((examples, i) => {
      if (examples.length > 0) positions.push(i);
    });
    if (positions.length < 2 || positions.length > config.maxClasses) return undefined;
    const classes = Int32Array.from(positions);
    const vocabulary = new Map<string, number>();
    for (const examples of roster.exampleTerms) {
      for (const terms of examples) {
        for (const term of terms) {
          if (!vocabulary.has(term)) vocabulary.set(term, vocabulary.size);
        }
      }
      yield;
    }
    if (vocabulary.size * classes.length > config.maxWeights) return undefined;

    const { instances, bestScores } = yield* crossFittedInstances(roster, classes, vocabulary, config);
    const k = classes.length;
    const reranker = new ExampleReranker(
      vocabulary,
      positions.map((position) => roster.agentIds[position] as string),
      new Float32Array(vocabulary.size * k),
      new Float64Array(k),
      config.scoreWeight,
      suggestedThreshold(bestScores),
      config.maxWeights,
    );
    const order = Array.from({ length: instances.labels.length }, (_, i) => i);
    const random = seededRandom(1);
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      shuffle(order, random);
      const rate = config.learningRate / (1 + epoch);
      let work = 0;
      for (const index of order) {
        const from = instances.starts[index] as number;
        const to = instances.starts[index + 1] as number;
        const label = instances.labels[index] as number;
        reranker.#step(instances.words, from, to, instances.relative, index * k, label, rate, config.l2);
        work += (to - from + 1) * k;
        if (work >= WORK_PER_PIECE) {
          work = 0;
          yield;
        }
      }
    }
    return reranker;
  }

  /**
   * The model applied to a roster: `positionOf` maps agent ids to roster positions. The roster may
   * be the one trained on or a later one (the router keeps using a model while the next one trains):
   * an agent the model does not know keeps its lexical score, and a class whose agent left the
   * roster takes no part in the reordering.
   */
  bind(positionOf: ReadonlyMap<string, number>): BoundReranker {
    const classPositions = Int32Array.from(this.classIds, (id) => positionOf.get(id) ?? -1);
    return {
      rerank: (terms, scores) => this.#rerank(terms, scores, classPositions),
      learn: (terms, agentId, scores, rate, l2) => {
        const label = this.#classOf.get(agentId);
        const relative = relativeScores(scores, classPositions);
        if (label === undefined || classPositions[label] === -1 || relative === undefined) return;
        const words = this.#wordIdsAdding(terms);
        this.#step(words, 0, words.length, relative, 0, label, rate, l2);
      },
    };
  }

  /**
   * Vocabulary indexes of a learned task's distinct terms, adding the words the examples never used
   * (while the model stays within maxWeights): what outcomes teach is not limited to the examples'
   * words. The weight matrix grows by doubling.
   */
  #wordIdsAdding(terms: readonly string[]): number[] {
    const words: number[] = [];
    const k = this.classIds.length;
    for (const term of terms) {
      let word = this.#vocabulary.get(term);
      if (word === undefined) {
        if (this.#vocabulary.size >= this.#maxWords) continue;
        word = this.#vocabulary.size;
        this.#vocabulary.set(term, word);
        if ((word + 1) * k > this.#weights.length) {
          const grown = new Float32Array(Math.min(this.#maxWords, 2 * (word + 1)) * k);
          grown.set(this.#weights);
          this.#weights = grown;
        }
      }
      words.push(word);
    }
    return words;
  }

  /** Reorders the agents with examples by the model, in place (see the class comment). */
  #rerank(terms: readonly string[], scores: Float64Array, classPositions: Int32Array): Float64Array {
    const relative = relativeScores(scores, classPositions);
    if (relative === undefined) return scores; // nothing matched: nothing to reorder, every score 0
    const words = wordIds(terms, this.#vocabulary);
    this.#softmax(words, 0, words.length, 1 / Math.sqrt(words.length || 1), relative, 0);
    const probabilities = this.#logits;
    const k = classPositions.length;
    let best = 0;
    let top = 0;
    for (let c = 0; c < k; c++) {
      const position = classPositions[c] as number;
      if (position === -1) continue;
      best = Math.max(best, scores[position] as number);
      top = Math.max(top, probabilities[c] as number);
    }
    for (let c = 0; c < k; c++) {
      const position = classPositions[c] as number;
      // p / top is exactly 1 for the most probable agent, so the best score is kept to the bit.
      if (position !== -1) scores[position] = best * ((probabilities[c] as number) / top);
    }
    return scores;
  }

  /**
   * One SGD step of the softmax loss (with L2 on word weights) towards `label`, for the task whose
   * words are words[from, to) and whose classes' relative scores start at relative[at].
   */
  #step(
    words: ArrayLike<number>,
    from: number,
    to: number,
    relative: Float64Array,
    at: number,
    label: number,
    rate: number,
    l2: number,
  ): void {
    const k = this.classIds.length;
    const scale = 1 / Math.sqrt(to - from || 1);
    this.#softmax(words, from, to, scale, relative, at);
    const probabilities = this.#logits;
    const weights = this.#weights;
    for (let c = 0; c < k; c++) {
      const gradient = (probabilities[c] as number) - (c === label ? 1 : 0);
      this.#bias[c] = (this.#bias[c] as number) - rate * gradient;
      for (let w = from; w < to; w++) {
        const index = (words[w] as number) * k + c;
        const weight = weights[index] as number;
        weights[index] = weight - rate * (gradient * scale + l2 * weight);
      }
    }
  }

  /** Fills #logits with the class probabilities for these words and relative lexical scores. */
  #softmax(
    words: ArrayLike<number>,
    from: number,
    to: number,
    scale: number,
    relative: Float64Array,
    at: number,
  ): void {
    const k = this.classIds.length;
    const logits = this.#logits;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      let logit = (this.#bias[c] as number) + this.#scoreWeight * (relative[at + c] as number);
      for (let w = from; w < to; w++) {
        logit += (this.#weights[(words[w] as number) * k + c] as number) * scale;
      }
      logits[c] = logit;
      max = Math.max(max, logit);
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp((logits[c] as number) - max);
      logits[c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) logits[c] = (logits[c] as number) / sum;
  }
}

/**
 * The training examples, flat (a few typed arrays rather than an object per example, which would
 * outlive many young-generation collections while training runs in slices and make each one slow).
 */
interface Instances {
  /** Vocabulary indexes of each example's distinct terms, one example after the other. */
  readonly words: Int32Array;
  /** Where example i's words start in `words`; they end where example i + 1's start. */
  readonly starts: Int32Array;
  /** Class of the agent each example belongs to. */
  readonly labels: Int32Array;
  /**
   * Each example's classes' lexical scores relative to the best, from a roster without it: classes
   * × examples, example after example (all 0 where nothing matched).
   */
  readonly relative: Float64Array;
}

/** Held-out examples scored between pauses. */
const EXAMPLES_PER_PIECE = 32;

/**
 * Every example, with lexical scores from a roster compiled without the example's fold; and each
 * example's best score among all agents, as a task like it would score.
 */
function* crossFittedInstances(
  roster: TrainingRoster,
  classes: Int32Array,
  vocabulary: ReadonlyMap<string, number>,
  config: RerankerConfig,
): Steps<{ instances: Instances; bestScores: number[] }> {
  const k = classes.length;
  let count = 0;
  for (const position of classes) count += roster.exampleTerms[position]?.length ?? 0;
  const words: number[] = [];
  const starts = new Int32Array(count + 1);
  const labels = new Int32Array(count);
  const relative = new Float64Array(count * k);
  const bestScores: number[] = [];
  let n = 0;
  for (let fold = 0; fold < config.folds; fold++) {
    const held: { terms: readonly string[]; label: number; example: number }[] = [];
    classes.forEach((position, label) => {
      (roster.exampleTerms[position] ?? []).forEach((terms, j) => {
        if (j % config.folds === fold) held.push({ terms, label, example: j });
      });
    });
    if (held.length === 0) continue;
    const lexical = yield* roster.foldLexical((_, j) => j % config.folds !== fold);
    let sincePause = 0;
    for (const { terms: all, label, example } of held) {
      const terms = [...new Set(all)];
      const lexicalScores = lexical.scoreTerms(terms);
      const scores =
        roster.heldOutScores?.(lexicalScores, classes[label] as number, example) ?? lexicalScores;
      writeRelativeScores(scores, classes, relative, n * k);
      for (const word of wordIds(terms, vocabulary)) words.push(word);
      labels[n] = label;
      starts[++n] = words.length;
      let best = Number.NEGATIVE_INFINITY;
      for (const score of scores) best = Math.max(best, score);
      bestScores.push(best);
      if (++sincePause === EXAMPLES_PER_PIECE) {
        sincePause = 0;
        yield;
      }
    }
  }
  return { instances: { words: Int32Array.from(words), starts, labels, relative }, bestScores };
}

/** relativeScores, written into `out` from `at` (left at 0 when every class scores 0). */
function writeRelativeScores(scores: Float64Array, classes: Int32Array, out: Float64Array, at: number): void {
  let best = 0;
  for (const position of classes) if (position !== -1) best = Math.max(best, scores[position] as number);
  if (best === 0) return;
  for (let c = 0; c < classes.length; c++) {
    const position = classes[c] as number;
    out[at + c] = position === -1 ? 0 : (scores[position] as number) / best;
  }
}

/**
 * Each class's score relative to the best class's (0 for a class whose agent is not in the roster,
 * position -1); undefined when every one is 0.
 */
function relativeScores(scores: Float64Array, classes: Int32Array): Float64Array | undefined {
  let best = 0;
  for (const position of classes) if (position !== -1) best = Math.max(best, scores[position] as number);
  if (best === 0) return undefined;
  return Float64Array.from(classes, (position) =>
    position === -1 ? 0 : (scores[position] as number) / best,
  );
}

/** Vocabulary indexes of the known ones among distinct terms. */
function wordIds(terms: readonly string[], vocabulary: ReadonlyMap<string, number>): number[] {
  const words: number[] = [];
  for (const term of terms) {
    const word = vocabulary.get(term);
    if (word !== undefined) words.push(word);
  }
  return words;
}

/** Fewer held-out examples than this give no threshold: a 5% quantile of a handful means nothing. */
export const MIN_EXAMPLES_FOR_THRESHOLD = 20;

function suggestedThreshold(bestScores: readonly number[]): number | undefined {
  if (bestScores.length < MIN_EXAMPLES_FOR_THRESHOLD) return undefined;
  return Math.floor(thresholdKeeping(bestScores, IN_SCOPE_ACCEPTANCE) * 1000) / 1000;
}

function shuffle(order: number[], random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
}
