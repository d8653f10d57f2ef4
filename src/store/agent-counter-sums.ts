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
