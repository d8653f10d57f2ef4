/**
 * What outcomes taught the router about which agent succeeds at which kind of text: for every agent
 * and term, a positive weight (the term was in tasks the agent completed) and a negative one (in tasks
 * it failed). The default scorer reads it as one more field of the agent's manifest.
 *
 * Bounded and decaying: each outcome an agent receives first multiplies all of that agent's evidence
 * by `decay`, then adds 1 per distinct term of the task. So an agent's weight for a term never exceeds
 * 1 / (1 - decay), old work fades (half-life ≈ ln 2 / (1 - decay) outcomes of that agent), and
 * one unlucky failure cannot outweigh a long record. Decay is applied lazily through a per-agent scale,
 * so an outcome costs O(terms of the task), not O(evidence held).
 *
 * Pure and in memory: the router rebuilds it at start by replaying the outcomes in the store.
 */
export interface TextEvidenceConfig {
  /** Factor applied to an agent's evidence at each of its outcomes. Default 0.999 (half-life ≈ 693). */
  readonly decay?: number;
  /** Weight of a failure's terms relative to a success's. Default 1. */
  readonly failureWeight?: number;
}

/** An agent's evidence for one term, decay applied. */
export interface TermEvidence {
  readonly positive: number;
  readonly negative: number;
}

interface AgentEvidence {
  /** Multiply stored values by this to get current ones. */
  scale: number;
  /** Stored (unscaled) positive mass over all terms: the agent's learned "document length". */
  positiveMass: number;
  readonly terms: Set<string>;
}

/** Below this scale, stored values are rescaled (and tiny ones dropped) before precision suffers. */
const RESCALE_BELOW = 1e-150;
/** Evidence weaker than this is forgotten when an agent's evidence is rescaled. */
const FORGET_BELOW = 1e-3;

export class TextEvidence {
  readonly #decay: number;
  readonly #failureWeight: number;
  /** term → agentId → [stored positive, stored negative]. */
  readonly #byTerm = new Map<string, Map<string, [number, number]>>();
  readonly #agents = new Map<string, AgentEvidence>();
  #outcomes = 0;

  constructor(config: TextEvidenceConfig = {}) {
    const decay = config.decay ?? 0.999;
    const failureWeight = config.failureWeight ?? 1;
    if (!(decay > 0 && decay <= 1)) {
      throw new TypeError(`expected decay in (0, 1], got ${decay} (${typeof decay})`);
    }
    if (!(failureWeight >= 0 && Number.isFinite(failureWeight))) {
      throw new TypeError(
        `expected a finite failureWeight ≥ 0, got ${failureWeight} (${typeof failureWeight})`,
      );
    }
    this.#decay = decay;
    this.#failureWeight = failureWeight;
  }

  /** Outcomes learned so far; changes whenever the evidence does. */
  get outcomes(): number {
    return this.#outcomes;
  }

  /** Learns from one outcome: the task's terms become evidence for (success) or against the agent. */
  learn(agentId: string, terms: Iterable<string>, succeeded: boolean): void {
    let agent = this.#agents.get(agentId);
    if (agent === undefined) {
      agent = { scale: 1, positiveMass: 0, terms: new Set() };
      this.#agents.set(agentId, agent);
    }
    agent.scale *= this.#decay;
    if (agent.scale < RESCALE_BELOW) this.#rescale(agentId, agent);
    const add = (succeeded ? 1 : this.#failureWeight) / agent.scale;
    const slot = succeeded ? 0 : 1;
    for (const term of new Set(terms)) {
      let byAgent = this.#byTerm.get(term);
      if (byAgent === undefined) {
        byAgent = new Map();
        this.#byTerm.set(term, byAgent);
      }
      let stored = byAgent.get(agentId);
      if (stored === undefined) {
        stored = [0, 0];
        byAgent.set(agentId, stored);
        agent.terms.add(term);
      }
      stored[slot] += add;
      if (succeeded) agent.positiveMass += add;
    }
    this.#outcomes++;
  }

  hasTerm(term: string): boolean {
    return this.#byTerm.has(term);
  }

  /** Every agent with evidence for `term`, with that evidence. */
  *forTerm(term: string): Generator<[agentId: string, evidence: TermEvidence]> {
    const byAgent = this.#byTerm.get(term);
    if (byAgent === undefined) return;
    for (const [agentId, [positive, negative]] of byAgent) {
      const scale = (this.#agents.get(agentId) as AgentEvidence).scale;
      yield [agentId, { positive: positive * scale, negative: negative * scale }];
    }
  }

  /** The agent's positive evidence summed over all terms (its learned "document length"). */
  positiveMass(agentId: string): number {
    const agent = this.#agents.get(agentId);
    return agent === undefined ? 0 : agent.positiveMass * agent.scale;
  }

  /** Folds the scale into the stored values and drops what has faded away. */
  #rescale(agentId: string, agent: AgentEvidence): void {
    agent.positiveMass = 0;
    for (const term of agent.terms) {
      const byAgent = this.#byTerm.get(term) as Map<string, [number, number]>;
      const stored = byAgent.get(agentId) as [number, number];
      stored[0] *= agent.scale;
      stored[1] *= agent.scale;
      if (stored[0] < FORGET_BELOW && stored[1] < FORGET_BELOW) {
        byAgent.delete(agentId);
        if (byAgent.size === 0) this.#byTerm.delete(term);
        agent.terms.delete(term);
      } else {
        agent.positiveMass += stored[0];
      }
    }
    agent.scale = 1;
  }
}
