import type { AgentManifest } from '../manifest/manifest.js';
import type { CompiledScorer, Scorer } from './scorer.js';
import { SubstringMatcher } from './substring-matcher.js';

/**
 * The seed's `CapabilityManifest.score_task_match`, ported exactly (DESIGN.md, "The seed's semantics").
 * Quirks are kept on purpose, for decision-for-decision parity with the seed:
 * - matching is raw substring search on the lower-cased text ("code" matches "decode");
 * - related words hang off capability *keys* (`code`, `write`, `analyze`, `security`), so tags such
 *   as `coding` never reach them;
 * - duplicate keywords each add 0.3;
 * - additions happen in the seed's order (keywords, then capabilities, then related words) in IEEE
 *   doubles, and only then is the sum capped at 1.0, so every score matches the seed to the last bit.
 * Nothing here is shared with the default scorer: a fix there must never move a classic score.
 *
 * How it stays exact while being fast: within one category every addend is the same constant, so
 * the seed's sum depends only on how many keywords, capabilities and related words were found, not
 * on which. The scorer counts hits per agent through postings lists and replays the additions from
 * the counts in the seed's order.
 */
export const CLASSIC_SCORER_NAME = 'classic';

const KEYWORD = 0;
const CAPABILITY = 1;
const RELATED = 2;
/** The addend of each category, indexed by the constants above. */
const ADDEND = [0.3, 0.2, 0.1] as const;

/** The seed's related-words table, verbatim (keys are matched against lower-cased capability tags). */
const SEED_RELATED_WORDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['code', ['function', 'class', 'bug', 'fix', 'implement']],
  ['write', ['document', 'draft', 'content', 'article']],
  ['analyze', ['data', 'report', 'metric', 'insight']],
  ['security', ['vulnerability', 'threat', 'audit', 'scan']],
]);

export function createClassicScorer(): Scorer {
  return { name: CLASSIC_SCORER_NAME, compile: compileClassic };
}

/** The seed's sum for these hit counts: additions in its order, then the cap. */
export function classicSum(keywords: number, capabilities: number, related: number): number {
  let score = 0.0;
  for (let i = 0; i < keywords; i++) score += ADDEND[KEYWORD];
  for (let i = 0; i < capabilities; i++) score += ADDEND[CAPABILITY];
  for (let i = 0; i < related; i++) score += ADDEND[RELATED];
  return Math.min(score, 1.0);
}

/** classicSum for counts below 8 each, computed by classicSum itself (so bit-identical), looked up. */
const SMALL_SUMS = (() => {
  const table = new Float64Array(512);
  for (let k = 0; k < 8; k++)
    for (let c = 0; c < 8; c++)
      for (let r = 0; r < 8; r++) table[(k << 6) | (c << 3) | r] = classicSum(k, c, r);
  return table;
})();

function classicSumCached(keywords: number, capabilities: number, related: number): number {
  return (keywords | capabilities | related) < 8
    ? (SMALL_SUMS[(keywords << 6) | (capabilities << 3) | related] as number)
    : classicSum(keywords, capabilities, related);
}

function compileClassic(agents: readonly AgentManifest[]): CompiledScorer {
  // Postings: for every distinct lower-cased term, which agents gain from it and in which category
  // (an agent listing a term twice has two postings, as the seed counts it twice). An entry is
  // agent << 2 | category, which also indexes the agent's counters (three counts and a mark).
  const termIndex = new Map<string, number>();
  const postings: number[][] = [];
  const post = (term: string, agent: number, category: number): void => {
    let t = termIndex.get(term);
    if (t === undefined) {
      t = termIndex.size;
      termIndex.set(term, t);
      postings.push([]);
    }
    (postings[t] as number[]).push((agent << 2) | category);
  };
  agents.forEach((agent, a) => {
    for (const keyword of agent.keywords) post(keyword.toLowerCase(), a, KEYWORD);
    for (const capability of agent.capabilities) post(capability.toLowerCase(), a, CAPABILITY);
    for (const capability of agent.capabilities) {
      for (const word of SEED_RELATED_WORDS.get(capability.toLowerCase()) ?? []) post(word, a, RELATED);
    }
  });
  const matcher = new SubstringMatcher([...termIndex.keys()]);
  // All postings in one array, term t's at [postingStart[t], postingStart[t + 1]): one array read
  // per posting instead of a typed-array object (and its length) per term found.
  const postingStart = new Int32Array(postings.length + 1);
  postings.forEach((list, t) => {
    postingStart[t + 1] = (postingStart[t] as number) + list.length;
  });
  const allPostings = Int32Array.from(postings.flat());
  const counts = new Int32Array(agents.length * 4);
  const touched = new Int32Array(agents.length + 1); // + 1: the slot written past the last new agent

  return {
    score(description: string): Float64Array {
      const scores = new Float64Array(agents.length);
      let touchedCount = 0;
      const foundCount = matcher.scanIgnoringCase(description); // the seed lower-cases the text
      const found = matcher.matches;
      for (let f = 0; f < foundCount; f++) {
        const t = found[f] as number;
        for (let p = postingStart[t] as number, end = postingStart[t + 1] as number; p < end; p++) {
          const entry = allPostings[p] as number;
          const base = entry & ~3;
          // Slot 3 of each agent's counters marks "already in the touched list". Branch-free: the
          // agent is always written at the end of the list, which grows only when it is new (an
          // unpredictable branch here cost more than the store, bench score-personas).
          const isNew = 1 - (counts[base + 3] as number);
          counts[base + 3] = 1;
          touched[touchedCount] = entry >> 2;
          touchedCount += isNew;
          (counts[entry] as number)++;
        }
      }
      for (let i = 0; i < touchedCount; i++) {
        const base = (touched[i] as number) << 2;
        scores[base >> 2] = classicSumCached(
          counts[base] as number,
          counts[base + 1] as number,
          counts[base + 2] as number,
        );
        counts[base] = 0;
        counts[base + 1] = 0;
        counts[base + 2] = 0;
        counts[base + 3] = 0;
      }
      return scores;
    },
  };
}
