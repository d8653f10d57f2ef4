import type { AgentManifest } from '../../manifest/manifest.js';
import type { Steps } from '../steps.js';
import {
  type AgentSentences,
  agentSentencesInSteps,
  SemanticChannel,
  type SemanticConfig,
} from './semantic-channel.js';
import type { WordVectors } from './word-vectors.js';

/** Agents read into sentence vectors between pauses (each is a dozen short texts). */
const AGENTS_PER_PIECE = 20;
/**
 * Characters read between pauses, whatever the agents, within a manifest too: one may hold 100
 * examples of 2,000 characters and a 10,000-character description, about 15 ms to read, and twenty
 * of those in one piece held the event loop for a third of a second.
 */
const CHARACTERS_PER_PIECE = 50_000;

/**
 * The semantic channel of each roster, from sentence vectors of its manifests, each manifest read once
 * (cached by manifest object, as manifests are immutable): a roster change re-reads only what changed.
 */
export class SemanticSentences {
  readonly #vectorsOf: () => WordVectors | undefined;
  readonly #config: SemanticConfig;
  readonly #cache = new WeakMap<AgentManifest, AgentSentences>();
  /**
   * The last roster's channel: a compile asks for it twice, for the index and for the reranker's
   * training, with the same manifests.
   */
  #last:
    | { readonly agents: readonly AgentManifest[]; readonly channel: SemanticChannel | undefined }
    | undefined;

  constructor(vectorsOf: () => WordVectors | undefined, config: SemanticConfig) {
    this.#vectorsOf = vectorsOf;
    this.#config = config;
  }

  /** The roster's channel, or undefined when no agent, or more than maxAgents, could take part. */
  *channelOf(agents: readonly AgentManifest[]): Steps<SemanticChannel | undefined> {
    // Counted on the text first: a roster beyond the cap reads no vectors at all.
    let candidates = 0;
    for (const agent of agents) if ((agent.examples?.length ?? 0) >= this.#config.minExamples) candidates++;
    if (candidates === 0 || candidates > this.#config.maxAgents) return undefined;
    const vectors = this.#vectorsOf();
    if (vectors === undefined) return undefined;
    if (this.#last !== undefined && sameManifests(this.#last.agents, agents)) return this.#last.channel;
    const sentences: (AgentSentences | undefined)[] = [];
    let read = 0;
    const piece = { characters: 0, limit: CHARACTERS_PER_PIECE };
    for (const agent of agents) {
      if ((agent.examples?.length ?? 0) < this.#config.minExamples) {
        sentences.push(undefined);
        continue;
      }
      let cached = this.#cache.get(agent);
      if (cached === undefined) {
        const text = {
          examples: agent.examples ?? [],
          description: agent.description ?? '',
          nameLine: [agent.agentName, agent.agentId, ...agent.capabilities, ...agent.keywords].join(' '),
        };
        cached = yield* agentSentencesInSteps(text, vectors, piece);
        this.#cache.set(agent, cached);
        if (++read % AGENTS_PER_PIECE === 0 || piece.characters >= CHARACTERS_PER_PIECE) {
          piece.characters = 0;
          yield;
        }
      }
      sentences.push(cached);
    }
    const channel = yield* SemanticChannel.buildInSteps(sentences, vectors, this.#config);
    this.#last = { agents: [...agents], channel };
    return channel;
  }
}

/** Whether two rosters hold the same manifest objects in the same order (manifests are immutable). */
function sameManifests(a: readonly AgentManifest[], b: readonly AgentManifest[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
