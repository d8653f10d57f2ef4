import type { OutcomeStatus } from './outcome.js';

/**
 * Each agent's track record, from its outcomes: a success rate with a prior, and its average
 * completion time. Pure and in memory; the router rebuilds it from the store's outcomes at start.
 *
 * The success rate is the mean of a Beta(priorSuccesses, priorFailures) posterior: a new agent starts
 * at the prior mean (0.5 with the default 2 + 2), so it is neither starved nor trusted blindly, and
 * each outcome moves it less as evidence accumulates. Successes and failures decay like text
 * evidence, so an agent that got better (or worse) is seen to have done so.
 */
export interface AgentHistoryConfig {
  /** Pseudo-successes every agent starts with. Default 2. */
  readonly priorSuccesses?: number;
  /** Pseudo-failures every agent starts with. Default 2. */
  readonly priorFailures?: number;
  /** Factor applied to an agent's past counts at each of its outcomes. Default 0.99 (half-life ≈ 69). */
  readonly decay?: number;
}

export interface AgentRecord {
  /** Outcomes ever recorded (not decayed). */
  readonly outcomes: number;
  readonly completed: number;
  readonly failed: number;
  /** Posterior mean success rate, in [0, 1]. */
  readonly successRate: number;
  /** Mean duration of the outcomes that reported one, in ms; undefined when none did. */
  readonly averageDurationMs: number | undefined;
}

interface Tally {
  outcomes: number;
  completed: number;
  failed: number;
  decayedSuccesses: number;
  decayedFailures: number;
  durationSum: number;
  durations: number;
}

export class AgentHistory {
  readonly #priorSuccesses: number;
  readonly #priorFailures: number;
  readonly #decay: number;
  readonly #tallies = new Map<string, Tally>();

  constructor(config: AgentHistoryConfig = {}) {
    this.#priorSuccesses = config.priorSuccesses ?? 2;
    this.#priorFailures = config.priorFailures ?? 2;
    this.#decay = config.decay ?? 0.99;
    for (const [name, value] of [
      ['priorSuccesses', this.#priorSuccesses],
      ['priorFailures', this.#priorFailures],
    ] as const) {
      if (!(value > 0 && Number.isFinite(value))) {
        throw new TypeError(`expected ${name} to be a finite number > 0, got ${value} (${typeof value})`);
      }
    }
    if (!(this.#decay > 0 && this.#decay <= 1)) {
      throw new TypeError(`expected decay in (0, 1], got ${this.#decay} (${typeof this.#decay})`);
    }
  }

  record(agentId: string, status: OutcomeStatus, durationMs?: number): void {
    let tally = this.#tallies.get(agentId);
    if (tally === undefined) {
      tally = {
        outcomes: 0,
        completed: 0,
        failed: 0,
        decayedSuccesses: 0,
        decayedFailures: 0,
        durationSum: 0,
        durations: 0,
      };
      this.#tallies.set(agentId, tally);
    }
    tally.outcomes++;
    tally.decayedSuccesses *= this.#decay;
    tally.decayedFailures *= this.#decay;
    if (status === 'completed') {
      tally.completed++;
      tally.decayedSuccesses++;
    } else {
      tally.failed++;
      tally.decayedFailures++;
    }
    if (durationMs !== undefined && Number.isFinite(durationMs) && durationMs >= 0) {
      tally.durationSum += durationMs;
      tally.durations++;
    }
  }

  /** The success rate of an agent without outcomes: the prior's mean. */
  get priorSuccessRate(): number {
    return this.#priorSuccesses / (this.#priorSuccesses + this.#priorFailures);
  }

  /** The agents with outcomes: the only ones whose record differs from an unknown agent's. */
  agentsWithOutcomes(): IterableIterator<string> {
    return this.#tallies.keys();
  }

  /** The agent's record; an agent with no outcomes gets the prior. */
  of(agentId: string): AgentRecord {
    const t = this.#tallies.get(agentId);
    const successes = this.#priorSuccesses + (t?.decayedSuccesses ?? 0);
    const failures = this.#priorFailures + (t?.decayedFailures ?? 0);
    return {
      outcomes: t?.outcomes ?? 0,
      completed: t?.completed ?? 0,
      failed: t?.failed ?? 0,
      successRate: successes / (successes + failures),
      averageDurationMs: t !== undefined && t.durations > 0 ? t.durationSum / t.durations : undefined,
    };
  }
}
