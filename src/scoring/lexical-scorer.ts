import type { AgentManifest } from '../manifest/manifest.js';
import type { Bag, BagSettings } from './manifest-bag.js';
import { PrefixVariants } from './prefix-variants.js';
import type { CompiledScorer, LearnedEvidence } from './scorer.js';
import { sortInSteps } from './sort-in-steps.js';
import type { Steps } from './steps.js';
import type { Analyzer } from './text/analyzer.js';

/*
 * The default scorer's lexical score (default-scorer.ts says what it is): the roster's inverted index,
 * built in pieces from the analysed manifests, and the BM25F walk of a task's terms over it, with
 * learned evidence and prefix variants. The reranker (example-reranker.ts) is stacked on top of it.
 */

/** A prefix variant (prefix-variants.ts) counts half of an exact match. */
const VARIANT_WEIGHT = 0.5;

/** The default scorer's settings, as the lexical score reads them. */
export interface Compiled extends BagSettings {
  readonly k1: number;
  readonly b: number;
  readonly evidenceWeight: number;
  readonly failurePenalty: number;
  readonly unknownTermWeight: number;
}

/** The lexical score, also reachable from a task's distinct terms so the reranker analyses once. */
export interface LexicalScorer extends CompiledScorer {
  /** The scores of a task's distinct terms: a new array, or the first entries of `into`. */
  scoreTerms(distinctTerms: Iterable<string>, into?: Float64Array): Float64Array;
  /** Each agent's position in the scores. */
  readonly positionOf: ReadonlyMap<string, number>;
}

/** A task's distinct terms, as the lexical score and the reranker both read them. */
export function distinctTerms(analyzer: Analyzer, description: string): string[] {
  return [...new Set(analyzer.termsWithStopWords(description))];
}

/** A roster's inverted index (what lexicalScorer reads), built from its analysed manifests. */
export interface LexicalIndex {
  /** Each agent's bag size (the sum of its weighted term frequencies): BM25's document length. */
  readonly manifestLength: Float64Array;
  /** Each term's postings: a range of `agents` and `tf`. */
  readonly postings: ReadonlyMap<string, Postings>;
  /** Every term's agents (roster positions, ascending within a term), one term after another. */
  readonly agents: Int32Array;
  /** Their weighted term frequencies. */
  readonly tf: Float64Array;
  readonly variants: PrefixVariants;
}

/**
 * Postings counted or placed between pauses (at an agent's end: a bag at the limits has ~30,000).
 * Placing them is slower than its count suggests on a large index (garbage collection of the index
 * it replaces runs in the same pieces): at 50,000 tools, pieces of 20,000 took up to 69 ms, of 5,000
 * up to 34 ms.
 */
const POSTINGS_PER_PIECE = 5_000;
/** Postings lists allocated between pauses. */
const LISTS_PER_PIECE = 5_000;

/**
 * The index of a roster's bags, in pieces (agents' postings counted, then placed; a run of the
 * vocabulary's sort). Two passes — count each term's agents, then fill postings of exactly that
 * size — so that indexing allocates little besides the index itself (1,000 agents, 80,000
 * postings: 6.6 ms in pieces of at most 1.3 ms, from 22 ms growing arrays and copying them).
 */
export function* buildIndex(bags: readonly Bag[]): Steps<LexicalIndex> {
  const manifestLength = new Float64Array(bags.length);
  let work = 0;
  // Per term: how many agents hold it (`end`, counted from 0), then its range once placed.
  const postings = new Map<string, Postings>();
  for (let i = 0; i < bags.length; i++) {
    const { terms, tf } = bags[i] as Bag;
    for (let k = 0; k < terms.length; k++) {
      const term = terms[k] as string;
      const list = postings.get(term);
      if (list === undefined)
        postings.set(term, { start: 0, end: 1, saturation: undefined, saturationFor: -1 });
      else list.end++;
      manifestLength[i] = (manifestLength[i] as number) + (tf[k] as number);
    }
    work += terms.length;
    if (work >= POSTINGS_PER_PIECE) {
      work = 0;
      yield;
    }
  }
  // Every term's postings are a range of three arrays of the whole index: a typed array of its own
  // per term was three backing stores a term (100 ms at a time to allocate for a 10,000-agent
  // roster's vocabulary), and views of shared arrays still three objects a term, garbage at every
  // rebuild. One object per term remains.
  let offset = 0;
  for (const list of postings.values()) {
    const count = list.end;
    list.start = offset;
    list.end = offset; // the next free place, until the range is filled
    offset += count;
    if (++work >= LISTS_PER_PIECE) {
      work = 0;
      yield;
    }
  }
  const agents = new Int32Array(offset);
  const tfs = new Float64Array(offset);
  work = 0;
  yield;
  // Agents in roster order, so that each term's postings are in ascending agent order.
  for (let i = 0; i < bags.length; i++) {
    const { terms, tf } = bags[i] as Bag;
    for (let k = 0; k < terms.length; k++) {
      const list = postings.get(terms[k] as string) as Postings;
      agents[list.end] = i;
      tfs[list.end] = tf[k] as number;
      list.end++;
    }
    work += terms.length;
    if (work >= POSTINGS_PER_PIECE) {
      work = 0;
      yield;
    }
  }
  const vocabulary = yield* sortInSteps(postings.keys());
  return {
    manifestLength,
    postings,
    agents,
    tf: tfs,
    variants: new PrefixVariants(vocabulary, postings),
  };
}

/** The lexical scorer of an indexed roster; `evidence` is read at each call. */
export function lexicalScorer(
  agents: readonly AgentManifest[],
  evidence: LearnedEvidence | undefined,
  index: LexicalIndex,
  c: Compiled,
): LexicalScorer {
  const n = agents.length;
  const positionOf = new Map<string, number>();
  for (let i = 0; i < n; i++) positionOf.set((agents[i] as AgentManifest).agentId, i);
  const { manifestLength, postings, variants } = index;
  const { agents: postingAgents, tf: postingTf } = index;

  // Per-agent length normalisation K = k1 (1 - b + b len / avgLen), refreshed when evidence changes.
  const lengthNorm = new Float64Array(n);
  let normFor = -1;
  const refreshLengthNorm = (): void => {
    const outcomes = evidence?.outcomes ?? 0;
    if (outcomes === normFor) return;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const learned = evidence === undefined ? 0 : evidence.positiveMass(agents[i]?.agentId as string);
      lengthNorm[i] = (manifestLength[i] as number) + c.evidenceWeight * learned;
      total += lengthNorm[i] as number;
    }
    const average = total / n || 1;
    for (let i = 0; i < n; i++) {
      lengthNorm[i] = c.k1 * (1 - c.b + (c.b * (lengthNorm[i] as number)) / average);
    }
    normFor = outcomes;
  };

  // A postings list's tf / (tf + K) terms, computed when first needed under the current lengths:
  // lengths change only with evidence, so most lists are computed once, and only lists a task
  // touches are ever recomputed.
  // A term's tf / (tf + K), made when a task first has the term and remade only when lengths change
  // (with evidence): most of a large vocabulary is never asked for, and an array for every posting,
  // made at every rebuild of a 10,000-agent index, was 12 MB of garbage each time.
  const saturationOf = (list: Postings): Float64Array => {
    let saturation = list.saturation;
    if (saturation === undefined) {
      saturation = new Float64Array(list.end - list.start);
      list.saturation = saturation;
      list.saturationFor = -1;
    }
    if (list.saturationFor !== normFor) {
      for (let p = list.start; p < list.end; p++) {
        const tf = postingTf[p] as number;
        saturation[p - list.start] = tf / (tf + (lengthNorm[postingAgents[p] as number] as number));
      }
      list.saturationFor = normFor;
    }
    return saturation;
  };

  const variantOf = (term: string): Postings | null => {
    const variant = variants.of(term);
    return variant === undefined ? null : (postings.get(variant) ?? null);
  };

  // Scratch per term: each agent's learned evidence, and stamps saying which agents have it.
  const learnedTf = new Float64Array(n);
  const learnedNeg = new Float64Array(n);
  const stamp = new Int32Array(n);
  let generation = 0;
  const withEvidence: number[] = [];
  const penalised: number[] = [];
  /** What failures took from each penalised agent in this call, before scaling (reset after use). */
  const penaltyOf = new Float64Array(n);

  const scoreTerms = (terms: Iterable<string>, into?: Float64Array): Float64Array => {
    const scores = into === undefined ? new Float64Array(n) : into.subarray(0, n).fill(0);
    if (n === 0) return scores;
    refreshLengthNorm();
    let idfTotal = 0;
    for (const term of terms) {
      const manifest = postings.get(term);
      const isStop = c.analyzer.isStopTerm(term);
      // A stop word no example or learned task holds says nothing: neither a match nor unknown.
      if (isStop && manifest === undefined && evidence?.hasTerm(term) !== true) continue;
      generation++;
      withEvidence.length = 0;
      // Most terms carry no evidence: test before creating an iterator (1,000-agent bench: ~3%).
      if (evidence?.hasTerm(term) === true) {
        for (const [agentId, { positive, negative }] of evidence.forTerm(term)) {
          const i = positionOf.get(agentId);
          if (i === undefined) continue; // evidence about an agent no longer registered
          stamp[i] = generation;
          learnedTf[i] = positive * c.evidenceWeight * (isStop ? c.functionWordWeight : 1);
          learnedNeg[i] = negative;
          withEvidence.push(i);
        }
      }
      // Nor does one that only failed tasks held: counted as an unknown word, every stop word of a
      // failed task weighed on the normalisation and took every agent's match down with it.
      if (isStop && manifest === undefined && !withEvidence.some((i) => (learnedTf[i] as number) > 0))
        continue;
      // Document frequency: agents whose bag (manifest or positive evidence) holds the term.
      let df = manifest === undefined ? 0 : manifest.end - manifest.start;
      for (const i of withEvidence) {
        if ((learnedTf[i] as number) > 0 && !hasManifestTerm(postingAgents, manifest, i)) df++;
      }
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      idfTotal += df === 0 ? idf * c.unknownTermWeight : idf;
      if (df === 0) {
        const variant = variantOf(term);
        if (variant !== null) {
          const variantDf = variant.end - variant.start;
          const variantIdf = Math.log(1 + (n - variantDf + 0.5) / (variantDf + 0.5));
          accumulate(
            scores,
            postingAgents,
            saturationOf(variant),
            variant.start,
            variant.end,
            VARIANT_WEIGHT * variantIdf,
          );
        }
      }
      if (manifest !== undefined) {
        const saturation = saturationOf(manifest);
        if (withEvidence.length === 0) {
          // The common case, and the hot loop on large rosters: no evidence about this term.
          accumulate(scores, postingAgents, saturation, manifest.start, manifest.end, idf);
        } else
          for (let p = manifest.start; p < manifest.end; p++) {
            const i = postingAgents[p] as number;
            if (stamp[i] === generation && (learnedTf[i] as number) > 0) {
              const tf = (postingTf[p] as number) + (learnedTf[i] as number);
              learnedTf[i] = 0; // counted here; the loop below must not count it again
              scores[i] = (scores[i] as number) + (idf * tf) / (tf + (lengthNorm[i] as number));
            } else {
              scores[i] = (scores[i] as number) + idf * (saturation[p - manifest.start] as number);
            }
          }
      }
      for (const i of withEvidence) {
        const tf = learnedTf[i] as number;
        const negative = learnedNeg[i] as number;
        let delta = tf > 0 ? (idf * tf) / (tf + (lengthNorm[i] as number)) : 0;
        if (negative > 0) {
          const penalty = (c.failurePenalty * idf * negative) / (negative + 1);
          delta -= penalty;
          penaltyOf[i] = (penaltyOf[i] as number) + penalty;
          penalised.push(i);
        }
        scores[i] = (scores[i] as number) + delta;
      }
    }
    if (idfTotal > 0) scale(scores, 1 / idfTotal);
    // Only negative evidence can take a sum below 0. Every addend is its term's idf times a
    // saturation tf / (tf + K) < 1, so no sum reaches the total (1 after scaling) — with K ≥
    // k1 (1 − b) ≥ 1.25 by default, not even 0.99. A configuration with k1 < 1 gets a full clamp,
    // in case rounding takes a saturated sum past 1.
    if (c.k1 < 1) {
      for (let i = 0; i < n; i++) scores[i] = Math.min(scores[i] as number, 1);
    }
    // Failures take away at most failurePenalty of the agent's match on this task: unbounded, one
    // failed task's words (the ones the agent does not know included) took a fitting agent to 0,
    // below any "no suitable agent" threshold, where it could never win the task back.
    const kept = Math.max(0, 1 - c.failurePenalty);
    const scaleBy = idfTotal > 0 ? 1 / idfTotal : 1;
    for (const i of penalised) {
      const taken = (penaltyOf[i] as number) * scaleBy;
      penaltyOf[i] = 0; // an agent penalised on several terms is listed once per term
      const floor = taken > 0 ? kept * ((scores[i] as number) + taken) : 0;
      scores[i] = Math.max(0, floor, Math.min(scores[i] as number, 1));
    }
    penalised.length = 0;
    return scores;
  };
  return {
    scoreTerms,
    score: (description) => scoreTerms(distinctTerms(c.analyzer, description)),
    scoreInto: (description, into) => scoreTerms(distinctTerms(c.analyzer, description), into),
    positionOf,
  };
}

/** A term's postings: positions start..end of the index's agents and tf. */
interface Postings {
  start: number;
  end: number;
  /** tf / (tf + K) per posting (from start), once a task has had the term. */
  saturation: Float64Array | undefined;
  /** The lengths `saturation` was computed for. */
  saturationFor: number;
}

/** scores[i] *= factor: a tight loop over the whole result (a clamp inside it cost 5 µs per 1,000 agents). */
function scale(scores: Float64Array, factor: number): void {
  for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] as number) * factor;
}

/**
 * scores[agents[p]] += idf × saturation[p − start] for p in [start, end): small and monomorphic, so
 * V8 compiles it tight.
 */
function accumulate(
  scores: Float64Array,
  agents: Int32Array,
  saturation: Float64Array,
  start: number,
  end: number,
  idf: number,
): void {
  for (let p = start; p < end; p++) {
    const i = agents[p] as number;
    scores[i] = (scores[i] as number) + idf * (saturation[p - start] as number);
  }
}

function hasManifestTerm(agents: Int32Array, manifest: Postings | undefined, agent: number): boolean {
  if (manifest === undefined) return false;
  // A term's postings are in agent order: binary search.
  let lo = manifest.start;
  let hi = manifest.end - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = agents[mid] as number;
    if (at === agent) return true;
    if (at < agent) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
