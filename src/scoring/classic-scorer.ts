import type { AgentManifest } from '../manifest/manifest.js';
import type { CompiledScorer, Scorer } from './scorer.js';

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
 */
export const CLASSIC_SCORER_NAME = 'classic';

const KEYWORD_WEIGHT = 0.3;
const CAPABILITY_WEIGHT = 0.2;
const RELATED_WEIGHT = 0.1;

/** The seed's related-words table, verbatim (keys are matched against lower-cased capability tags). */
const SEED_RELATED_WORDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['code', ['function', 'class', 'bug', 'fix', 'implement']],
  ['write', ['document', 'draft', 'content', 'article']],
  ['analyze', ['data', 'report', 'metric', 'insight']],
  ['security', ['vulnerability', 'threat', 'audit', 'scan']],
]);

/** One agent's terms as indexes into the roster-wide term list, in the seed's order of additions. */
interface AgentTerms {
  readonly keywords: Int32Array;
  readonly capabilities: Int32Array;
  readonly related: Int32Array;
}

export function createClassicScorer(): Scorer {
  return { name: CLASSIC_SCORER_NAME, compile: compileClassic };
}

function compileClassic(agents: readonly AgentManifest[]): CompiledScorer {
  // Each distinct lower-cased term is searched once per task, however many agents share it; on the
  // 1,000-agent synthetic roster that is ~100 searches instead of ~8,000.
  const termIndex = new Map<string, number>();
  const intern = (term: string): number => {
    let index = termIndex.get(term);
    if (index === undefined) {
      index = termIndex.size;
      termIndex.set(term, index);
    }
    return index;
  };
  const perAgent: AgentTerms[] = agents.map((agent) => {
    const related: number[] = [];
    for (const capability of agent.capabilities) {
      for (const word of SEED_RELATED_WORDS.get(capability.toLowerCase()) ?? []) related.push(intern(word));
    }
    return {
      keywords: Int32Array.from(agent.keywords, (k) => intern(k.toLowerCase())),
      capabilities: Int32Array.from(agent.capabilities, (c) => intern(c.toLowerCase())),
      related: Int32Array.from(related),
    };
  });
  const terms = [...termIndex.keys()];
  const present = new Uint8Array(terms.length);

  return {
    score(description: string): Float64Array {
      const text = description.toLowerCase();
      for (let i = 0; i < terms.length; i++) present[i] = text.includes(terms[i] as string) ? 1 : 0;
      const scores = new Float64Array(perAgent.length);
      for (let a = 0; a < perAgent.length; a++) {
        const agent = perAgent[a] as AgentTerms;
        let score = 0.0;
        for (const t of agent.keywords) if (present[t] === 1) score += KEYWORD_WEIGHT;
        for (const t of agent.capabilities) if (present[t] === 1) score += CAPABILITY_WEIGHT;
        for (const t of agent.related) if (present[t] === 1) score += RELATED_WEIGHT;
        scores[a] = Math.min(score, 1.0);
      }
      return scores;
    },
  };
}
