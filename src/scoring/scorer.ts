import type { AgentManifest } from '../manifest/manifest.js';

/**
 * The scoring port: how well each agent's manifest matches a task's text, as a number in [0, 1].
 *
 * A scorer compiles a roster once (building whatever index it needs) and the compiled form scores any
 * number of tasks. Scorers are pure: no I/O, no clock, no randomness, so the same roster and text
 * always give the same scores to the last bit.
 */
export interface Scorer {
  /** Stable name, recorded in every decision. */
  readonly name: string;
  /**
   * Builds the per-roster index. Called again by the router whenever the roster changes. `evidence`
   * is what outcomes taught the router; it changes between calls to `score`, and a scorer that uses
   * it reads it at each call (the classic scorer ignores it).
   */
  compile(agents: readonly AgentManifest[], evidence?: LearnedEvidence): CompiledScorer;
  /**
   * The terms this scorer matches text on, for scorers that learn: the router turns the text of
   * tasks with outcomes into evidence with it, so evidence and scoring speak the same language.
   */
  analyze?(text: string): string[];
}

/** Learned text evidence as scorers read it (implemented by TextEvidence). */
export interface LearnedEvidence {
  /** Whether any agent has evidence for `term` (a cheap test before iterating forTerm). */
  hasTerm(term: string): boolean;
  /** Every agent with evidence for `term`: decayed positive (successes) and negative (failures) weight. */
  forTerm(term: string): Iterable<[agentId: string, evidence: { positive: number; negative: number }]>;
  /** The agent's positive evidence summed over all terms. */
  positiveMass(agentId: string): number;
  /** Changes whenever the evidence does. */
  readonly outcomes: number;
}

export interface CompiledScorer {
  /**
   * The capability match of every agent of the compiled roster, in roster order, each in [0, 1].
   * The returned array belongs to the caller.
   */
  score(description: string): Float64Array;
  /**
   * For compiled forms that learn beyond the shared evidence: called by the router with each
   * outcome, before the outcome joins the evidence and before the next task is scored.
   */
  learn?(description: string, agentId: string, succeeded: boolean): void;
  /**
   * A "no suitable agent" threshold estimated from the roster itself (the default scorer's, from its
   * examples), which a policy with `minCapability: 'auto'` uses. Absent: no estimate.
   */
  readonly suggestedMinCapability?: number;
}
