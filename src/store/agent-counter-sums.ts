import type { AgentCounts } from './store.js';

/**
 * Per-agent counter deltas of one append, in arrays indexed by the (small, dense) agent key: cheaper
 * than a Map of objects on the logging hot path.
 */
export class AgentCounterSums {
  readonly #considered: number[] = [];
  readonly #bids: number[] = [];
  readonly #won: number[] = [];
  readonly #winningBidSum: number[] = [];

  /** The agent took part in `decisions` more decisions (scored, or bid without being registered). */
  consider(key: number, decisions: number): void {
    this.#considered[key] = (this.#considered[key] ?? 0) + decisions;
  }

  /** The agent bid; `winningBid` is the bid when it won, -1 when it did not. */
  bid(key: number, winningBid: number): void {
    this.#bids[key] = (this.#bids[key] ?? 0) + 1;
    if (winningBid >= 0) {
      this.#won[key] = (this.#won[key] ?? 0) + 1;
      this.#winningBidSum[key] = (this.#winningBidSum[key] ?? 0) + winningBid;
    }
  }

  forEach(
    visit: (key: number, considered: number, bids: number, won: number, winningBidSum: number) => void,
  ): void {
    this.#considered.forEach((considered, key) => {
      visit(key, considered, this.#bids[key] ?? 0, this.#won[key] ?? 0, this.#winningBidSum[key] ?? 0);
    });
  }
}

/** An agent's counters as both engines store them (agent_counters): null columns read as 0. */
export interface CounterRow {
  readonly considered: number | null;
  readonly bids: number | null;
  readonly won: number | null;
  readonly winning_bid_sum: number | null;
}

/** The agent's counters from its row; zeros when the log has never mentioned it (no row). */
export function agentCountsOf(agentId: string, row: CounterRow | undefined): AgentCounts {
  return {
    agentId,
    considered: row?.considered ?? 0,
    bids: row?.bids ?? 0,
    won: row?.won ?? 0,
    winningBidSatsSum: row?.winning_bid_sum ?? 0,
  };
}
