import type { RouteConstraints } from '../policy/filters.js';

/** What a bid needs to know of an open auction, which never changes while it is open. */
export interface OpenAuctionFacts {
  readonly constraints: RouteConstraints;
  readonly closesMs: number;
}

/** Open auctions whose facts are kept in memory. */
const MAX_REMEMBERED_AUCTIONS = 50_000;

/**
 * The open auctions as this instance knows them: how many there are (for /metrics and /healthz),
 * and each one's constraints and window end, so that a bid needs no read of the task before the
 * store's own checks (one fewer query per bid on the auction path), and a bid after the window is
 * refused without a write. Missing after a restart or for a task posted by another instance: the
 * caller reads it once and remembers it.
 */
export class OpenAuctions {
  readonly #facts = new Map<string, OpenAuctionFacts>();
  #count = 0;

  get count(): number {
    return this.#count;
  }

  /** The number of open auctions as stored (a catch-up with other instances). */
  set count(n: number) {
    this.#count = n;
  }

  factsOf(taskId: string): OpenAuctionFacts | undefined {
    return this.#facts.get(taskId);
  }

  /** A task was posted here: one more open auction. */
  opened(taskId: string, facts: OpenAuctionFacts): void {
    this.#count++;
    this.remember(taskId, facts);
  }

  /** An auction was decided here: one fewer. */
  closed(taskId: string): void {
    this.#count--;
    this.#facts.delete(taskId);
  }

  remember(taskId: string, facts: OpenAuctionFacts): void {
    // Bounded: past the cap the oldest go (Maps iterate in insertion order); a miss only costs a
    // read. An auction another instance closed stays here until then: its bids reach the store,
    // which refuses them, as it would have after a read.
    if (this.#facts.size >= MAX_REMEMBERED_AUCTIONS) {
      this.#facts.delete(this.#facts.keys().next().value as string);
    }
    this.#facts.set(taskId, facts);
  }
}
