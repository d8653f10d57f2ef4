import type { AgentManifest } from '../manifest/manifest.js';
import type { Steps } from './steps.js';

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
   * The same compilation in two parts, each done a piece at a time (steps.ts), for callers that must
   * not hold the event loop: `bind(runSteps(index(a, e)), runSteps(train(a)))` scores exactly as
   * `compile(a, e)`. Absent: compile is one piece (stepwiseOf).
   */
  readonly stepwise?: StepwiseScorer;
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
   * As score, written into `into` (at least as long as the roster): returns a view of its first
   * entries, valid until the next call. For callers that keep only a few of the scores (bounded
   * decisions): a fresh array per task on a 50,000-agent roster is 400 KB of garbage.
   */
  scoreInto?(description: string, into: Float64Array): Float64Array;
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
  /**
   * The calibrated probability that the agent at `position` is the right one for the task whose
   * scores (this compiled roster's, from score or scoreInto, in roster order) these are: in [0, 1],
   * and over every position of one task they sum to about 1. Called by the router once per decision
   * that selects a registered agent, with that agent's position; pure apart from what `learn` taught
   * it. Absent: the decision has no confidence.
   */
  confidence?(scores: Float64Array, position: number): number;
}

/** A roster as a stepwise scorer indexed it: everything scoring needs apart from a trained model. */
export interface IndexedRoster {
  /** The roster's agents, in the order scores are given. */
  readonly agentIds: readonly string[];
}

/** What a stepwise scorer learned from a roster's manifests (the default scorer: its examples). */
export interface TrainedModel {
  /** As CompiledScorer.suggestedMinCapability. */
  readonly suggestedMinCapability?: number;
  /**
   * The softmax temperature of CompiledScorer.confidence, fitted on the roster's own examples
   * (confidence.ts fitTemperature); absent: the scorer's default.
   */
  readonly temperature?: number;
}

/**
 * Compilation split so that an index always follows the roster while a model may lag: indexing is
 * the cheap part, redone at every roster change; training is the expensive part, and a model
 * trained on an earlier roster still serves a later one (bind).
 */
export interface StepwiseScorer {
  /** Indexes a roster, in pieces. `evidence` as for Scorer.compile. */
  index(agents: readonly AgentManifest[], evidence?: LearnedEvidence): Steps<IndexedRoster>;
  /** Trains on a roster's manifests, in pieces; undefined when there is nothing to train. */
  train(agents: readonly AgentManifest[]): Steps<TrainedModel | undefined>;
  /**
   * The compiled scorer of an indexed roster with a model trained on it or on an earlier roster of
   * the same scorer: agents the model does not know are scored as without one. Throws TypeError for
   * an index or model of another scorer.
   */
  bind(indexed: IndexedRoster, model: TrainedModel | undefined): CompiledScorer;
}

interface WholeCompilation extends IndexedRoster {
  readonly compiled: CompiledScorer;
}

/** A scorer's stepwise form: its own, or its whole compilation as one piece and nothing to train. */
export function stepwiseOf(scorer: Scorer): StepwiseScorer {
  if (scorer.stepwise !== undefined) return scorer.stepwise;
  const compilations = new WeakSet<WholeCompilation>();
  return {
    *index(agents, evidence): Steps<IndexedRoster> {
      const whole = { agentIds: agents.map((a) => a.agentId), compiled: scorer.compile(agents, evidence) };
      compilations.add(whole);
      return whole;
    },
    // biome-ignore lint/correctness/useYield: nothing to train, so no piece
    *train(): Steps<TrainedModel | undefined> {
      return undefined;
    },
    bind(indexed) {
      if (!compilations.has(indexed as WholeCompilation)) {
        throw new TypeError(`expected a roster indexed by scorer '${scorer.name}', got another`);
      }
      return (indexed as WholeCompilation).compiled;
    },
  };
}
