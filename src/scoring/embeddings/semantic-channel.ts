import { kthLargest } from '../kth-largest.js';
import { runSteps, type Steps } from '../steps.js';
import { addScaled, normalised, sentenceVector } from './sentence-vectors.js';
import type { WordVectors } from './word-vectors.js';

/**
 * The semantic channel: how close a task's meaning is to an agent's, from word vectors, fused into
 * the capability score so that "my laptop won't boot" finds the agent whose examples say "computer
 * does not start" although the two share no word.
 *
 * Each agent with enough examples gets one vector: the sum of its parts — each example, its
 * description, and the line of its name and tags, as SIF sentence vectors — each part first made a
 * unit vector, centred by the roster's common direction (the mean of all parts, which GloVe sentence
 * means share and which makes every cosine high and alike) and made a unit vector again. A task's
 * semantic score mixes the cosine of its centred sentence vector with that vector and with the agent's
 * nearest centred example (a phrasing the sum blurs), clipped at 0, and its capability becomes
 * (1 − weight)·lexical + weight·semantic. Agents without examples keep their
 * lexical score: a tool's one-line description is too thin a text for a centroid (on metatool the
 * channel lowered top-1 from 0.451 to 0.295 when they took part; docs/BENCHMARKS.md).
 */
export interface SemanticConfig {
  /** Share of the fused score that is semantic, 0..1. */
  readonly weight: number;
  /**
   * Cosine that counts as no similarity: semantic = max(0, (cosine − floor) / (1 − floor)). Texts
   * on unrelated topics still have small positive cosines; without a floor every agent taking part
   * would get weight × that much for any task, and a task about nothing the roster does would clear
   * the "no suitable agent" threshold.
   */
  readonly floor: number;
  /**
   * Share of the semantic score that is the cosine with the agent's nearest example, 0..1; the rest
   * is the cosine with its vector (the sum of its parts).
   */
  readonly nearest: number;
  /** Fewest examples an agent needs to take part. */
  readonly minExamples: number;
  /**
   * Most agents taking part; with more, the channel is off and scores are lexical (cost and memory
   * grow with agents × dimensions for every task).
   */
  readonly maxAgents: number;
}

/**
 * Chosen on the dev splits of stackexchange6 and clinc150 (the sets whose agents have examples;
 * docs/BENCHMARKS.md): see the weight's table there.
 */
export const DEFAULT_SEMANTIC_CONFIG: SemanticConfig = Object.freeze({
  weight: 0.2,
  floor: 0,
  nearest: 0.3,
  minExamples: 3,
  maxAgents: 1_000,
});

/** An agent's text as the channel reads it (cached per manifest by the caller). */
export interface AgentSentences {
  /** Unit sentence vectors of the examples, in the manifest's order; undefined for one with no known word. */
  readonly examples: readonly (Float32Array | undefined)[];
  /** How many examples have a vector. */
  readonly knownExamples: number;
  /** Unit sentence vectors of the description and of the name-and-tags line, where known. */
  readonly others: readonly Float32Array[];
}

/** The parts of an agent's manifest the channel reads, turned into unit sentence vectors. */
export function agentSentences(text: AgentText, vectors: WordVectors): AgentSentences {
  return runSteps(agentSentencesInSteps(text, vectors, { characters: 0, limit: Number.POSITIVE_INFINITY }));
}

/** The parts of a manifest the channel reads. */
export interface AgentText {
  readonly examples: readonly string[];
  readonly description: string;
  readonly nameLine: string;
}

/**
 * agentSentences, pausing whenever `piece.characters` (the text read since the caller's last pause,
 * counted on) reaches `piece.limit`: one manifest at the wire's limits is 210,000 characters, about
 * 15 ms to read.
 */
export function* agentSentencesInSteps(
  text: AgentText,
  vectors: WordVectors,
  piece: { characters: number; readonly limit: number },
): Steps<AgentSentences> {
  const examples: (Float32Array | undefined)[] = [];
  for (const example of text.examples) {
    examples.push(sentenceVector(example, vectors));
    piece.characters += example.length;
    if (piece.characters >= piece.limit) {
      piece.characters = 0;
      yield;
    }
  }
  piece.characters += text.description.length + text.nameLine.length;
  return {
    examples,
    knownExamples: examples.filter((v) => v !== undefined).length,
    others: [text.description, text.nameLine]
      .map((s) => sentenceVector(s, vectors))
      .filter((v) => v !== undefined),
  };
}

/** How many of the agents closest to a task by their vector are compared with its nearest example. */
const NEAREST_AMONG = 16;

/** Agents' vectors summed between pauses. */
const AGENTS_PER_PIECE = 100;

export class SemanticChannel {
  readonly #vectors: WordVectors;
  readonly #weight: number;
  readonly #floor: number;
  readonly #dims: number;
  /** The roster's common direction, subtracted from every unit vector before comparing. */
  readonly #common: Float32Array;
  /** Roster positions of the agents taking part, and their unit vectors row by row. */
  readonly #positions: Int32Array;
  readonly #rows: Float32Array;
  /** Each taking part agent's sum of centred unit parts (before the last normalising): held-out scores. */
  readonly #sums: Float32Array;
  readonly #rowOf: ReadonlyMap<number, number>;
  readonly #parts: readonly AgentSentences[];
  readonly #task: Float32Array;
  readonly #nearest: number;
  /** Scratch of fuse: each taking part agent's cosine, and a copy to select the closest from. */
  readonly #cosines: Float64Array;
  readonly #select: Float64Array;
  /** Every taking part agent's centred unit examples, row by row, agent after agent. */
  readonly #exampleRows: Float32Array;
  /** Agent r's examples are rows exampleStart[r] .. exampleStart[r + 1] − 1. */
  readonly #exampleStart: Int32Array;
  /** The manifest index of each example row's example (held-out scores leave it out). */
  readonly #exampleIndex: Int32Array;

  private constructor(
    vectors: WordVectors,
    config: SemanticConfig,
    common: Float32Array,
    positions: Int32Array,
    sums: Float32Array,
    parts: readonly AgentSentences[],
  ) {
    this.#vectors = vectors;
    this.#weight = config.weight;
    this.#floor = config.floor;
    this.#dims = vectors.dims;
    this.#common = common;
    this.#positions = positions;
    this.#sums = sums;
    this.#parts = parts;
    this.#rows = new Float32Array(sums);
    for (let r = 0; r < positions.length; r++) normalised(this.#row(this.#rows, r));
    this.#rowOf = new Map(Array.from(positions, (position, r) => [position, r]));
    this.#task = new Float32Array(vectors.dims);
    this.#nearest = config.nearest;
    this.#cosines = new Float64Array(positions.length);
    this.#select = new Float64Array(positions.length);
    const starts: number[] = [0];
    const indexes: number[] = [];
    for (const agent of parts) {
      agent.examples.forEach((v, i) => {
        if (v !== undefined) indexes.push(i);
      });
      starts.push(indexes.length);
    }
    this.#exampleStart = Int32Array.from(starts);
    this.#exampleIndex = Int32Array.from(indexes);
    this.#exampleRows = new Float32Array(config.nearest === 0 ? 0 : indexes.length * this.#dims);
    if (config.nearest > 0) {
      let row = 0;
      for (const agent of parts) {
        for (const v of agent.examples) {
          if (v !== undefined) centre(v, common, this.#row(this.#exampleRows, row++));
        }
      }
    }
  }

  /**
   * The channel for a roster (sentences in roster order, undefined for agents not read), or undefined
   * when no agent takes part or too many would.
   */
  static build(
    sentences: readonly (AgentSentences | undefined)[],
    vectors: WordVectors,
    config: SemanticConfig,
  ): SemanticChannel | undefined {
    return runSteps(SemanticChannel.buildInSteps(sentences, vectors, config));
  }

  /** build, a piece at a time (steps.ts): a thousand agents' vectors are tens of milliseconds. */
  static *buildInSteps(
    sentences: readonly (AgentSentences | undefined)[],
    vectors: WordVectors,
    config: SemanticConfig,
  ): Steps<SemanticChannel | undefined> {
    if (config.weight === 0) return undefined;
    const positions: number[] = [];
    sentences.forEach((s, position) => {
      if (s !== undefined && s.knownExamples >= config.minExamples) positions.push(position);
    });
    if (positions.length === 0 || positions.length > config.maxAgents) return undefined;
    const dims = vectors.dims;
    const parts = positions.map((p) => sentences[p] as AgentSentences);
    const common = new Float32Array(dims);
    let count = 0;
    for (let r = 0; r < parts.length; r++) {
      const agent = parts[r] as AgentSentences;
      for (const v of partsOf(agent)) addScaled(common, v);
      count += agent.knownExamples + agent.others.length;
      if (r % AGENTS_PER_PIECE === AGENTS_PER_PIECE - 1) yield;
    }
    for (let d = 0; d < dims; d++) common[d] = (common[d] as number) / count;
    const sums = new Float32Array(positions.length * dims);
    const centred = new Float32Array(dims);
    for (let r = 0; r < parts.length; r++) {
      const sum = sums.subarray(r * dims, (r + 1) * dims);
      for (const v of partsOf(parts[r] as AgentSentences)) {
        centre(v, common, centred);
        addScaled(sum, centred);
      }
      if (r % AGENTS_PER_PIECE === AGENTS_PER_PIECE - 1) yield;
    }
    return new SemanticChannel(vectors, config, common, Int32Array.from(positions), sums, parts);
  }

  /** Agents taking part. */
  get size(): number {
    return this.#positions.length;
  }

  /**
   * Fuses the semantic score into `scores` (roster order), in place. A task with no known word has
   * semantic score 0 for every agent taking part.
   */
  fuse(description: string, scores: Float64Array): Float64Array {
    const task = this.#taskVector(description);
    const w = this.#weight;
    const floor = this.#floor;
    const positions = this.#positions;
    const rows = this.#rows;
    const dims = this.#dims;
    const cosines = this.#cosines;
    // The hot loop of a decision at a thousand agents: locals and one flat pass over the rows.
    for (let r = 0, at = 0; r < positions.length; r++, at += dims) {
      cosines[r] = task === undefined ? 0 : dotAt(task, rows, at, dims);
    }
    if (task !== undefined && this.#nearest > 0) this.#mixNearest(task, cosines, -1, -1);
    for (let r = 0; r < positions.length; r++) {
      const position = positions[r] as number;
      const cosine = cosines[r] as number;
      const semantic = cosine > floor ? (cosine - floor) / (1 - floor) : 0;
      scores[position] = (1 - w) * (scores[position] as number) + w * semantic;
    }
    return scores;
  }

  /**
   * Mixes the nearest example's cosine into the cosines (with each agent's vector) of the agents
   * closest to the task: the NEAREST_AMONG best by their vector, where a phrasing can change the
   * order; further down the nearest example is not looked at (its agent keeps the cosine with its
   * vector), which keeps the cost of a task near that of the vectors alone — every example of 150
   * agents was 0.375 ms a task instead of 0.08. `leaveOutRow`'s example `leaveOutExample` is not an example.
   */
  #mixNearest(task: Float32Array, cosines: Float64Array, leaveOutRow: number, leaveOutExample: number): void {
    const n = this.#positions.length;
    const among =
      n <= NEAREST_AMONG ? Number.NEGATIVE_INFINITY : kthLargest(cosines, n, NEAREST_AMONG, this.#select);
    const share = this.#nearest;
    for (let r = 0; r < n; r++) {
      const cosine = cosines[r] as number;
      if (cosine < among) continue;
      const nearest = this.#nearestCosine(task, r, r === leaveOutRow ? leaveOutExample : -1);
      cosines[r] = (1 - share) * cosine + share * nearest;
    }
  }

  /**
   * The fused scores of an agent's example as a held-out task would get them: `scores` are lexical
   * scores from a roster compiled without the example, and the agent's own vector leaves the example
   * out too. What the reranker trains on and the "no suitable agent" threshold is estimated from.
   */
  heldOutScores(scores: Float64Array, position: number, example: number): Float64Array {
    const row = this.#rowOf.get(position);
    const own = row === undefined ? undefined : this.#parts[row]?.examples[example];
    const fused = Float64Array.from(scores);
    if (own === undefined) return fused;
    const task = centre(own, this.#common, new Float32Array(this.#dims));
    const w = this.#weight;
    const cosines = new Float64Array(this.#positions.length);
    for (let r = 0; r < this.#positions.length; r++) {
      if (r === row) {
        const without = new Float32Array(this.#row(this.#sums, r));
        addScaled(without, task, -1);
        cosines[r] = cosineOf(task, normalised(without));
      } else {
        cosines[r] = dotAt(task, this.#rows, r * this.#dims, this.#dims);
      }
    }
    if (this.#nearest > 0) this.#mixNearest(task, cosines, row as number, example);
    for (let r = 0; r < this.#positions.length; r++) {
      const p = this.#positions[r] as number;
      fused[p] = (1 - w) * (fused[p] as number) + w * this.#semantic(cosines[r] as number);
    }
    return fused;
  }

  /** The largest cosine of `task` with agent r's examples, but the one at manifest index `leaveOut`. */
  #nearestCosine(task: Float32Array, r: number, leaveOut: number): number {
    let best = 0;
    const rows = this.#exampleRows;
    const indexes = this.#exampleIndex;
    const dims = this.#dims;
    const end = this.#exampleStart[r + 1] as number;
    for (let e = this.#exampleStart[r] as number, at = e * dims; e < end; e++, at += dims) {
      if (indexes[e] === leaveOut) continue;
      const cosine = dotAt(task, rows, at, dims);
      if (cosine > best) best = cosine;
    }
    return best;
  }

  #semantic(cosine: number): number {
    return Math.max(0, (cosine - this.#floor) / (1 - this.#floor));
  }

  #taskVector(description: string): Float32Array | undefined {
    const v = sentenceVector(description, this.#vectors);
    if (v === undefined) return undefined;
    centre(v, this.#common, this.#task);
    return normalised(this.#task);
  }

  #row(matrix: Float32Array, r: number): Float32Array {
    return matrix.subarray(r * this.#dims, (r + 1) * this.#dims);
  }
}

function partsOf(agent: AgentSentences): Float32Array[] {
  return [...agent.examples.filter((v) => v !== undefined), ...agent.others];
}

/** unit(v) − common, made a unit vector, written into `out`. */
function centre(v: Float32Array, common: Float32Array, out: Float32Array): Float32Array {
  for (let d = 0; d < out.length; d++) out[d] = (v[d] as number) - (common[d] as number);
  return normalised(out);
}

function cosineOf(unitA: Float32Array, unitB: Float32Array): number {
  let dot = 0;
  for (let d = 0; d < unitA.length; d++) dot += (unitA[d] as number) * (unitB[d] as number);
  return dot;
}

/**
 * task · rows[at, at + dims): the hot loop of a decision at a thousand agents. Four sums, because
 * independent additions pipeline and V8 does not reorder floating point.
 */
function dotAt(task: Float32Array, rows: Float32Array, at: number, dims: number): number {
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let d = 0;
  for (; d + 3 < dims; d += 4) {
    d0 += (task[d] as number) * (rows[at + d] as number);
    d1 += (task[d + 1] as number) * (rows[at + d + 1] as number);
    d2 += (task[d + 2] as number) * (rows[at + d + 2] as number);
    d3 += (task[d + 3] as number) * (rows[at + d + 3] as number);
  }
  for (; d < dims; d++) d0 += (task[d] as number) * (rows[at + d] as number);
  return d0 + d1 + d2 + d3;
}
