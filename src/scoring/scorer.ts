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
  /** Builds the per-roster index. Called again by the router whenever the roster changes. */
  compile(agents: readonly AgentManifest[]): CompiledScorer;
}

export interface CompiledScorer {
  /**
   * The capability match of every agent of the compiled roster, in roster order, each in [0, 1].
   * The returned array belongs to the caller.
   */
  score(description: string): Float64Array;
}
