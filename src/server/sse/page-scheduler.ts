/**
 * Takes turns between event streams so that replays share the event loop with everything else.
 *
 * A page is read, formatted and written in one go; with better-sqlite3 the read is synchronous, so
 * `await store.eventsAfter()` resolves as a microtask and a loop of pages never lets the event loop
 * turn. Here each page waits for a grant; grants are given `pagesPerTurn` at a time from a
 * setImmediate callback, first come first served, so one turn of the event loop runs at most that
 * many pages of all streams together, then timers, sockets and other requests get theirs.
 *
 * bench/sse-replay.ts, 250k events, 5 replays from zero and 100 clients that never read, on a loaded
 * 2-core machine: reading in a loop held the event loop for up to 29.7 s (p99 10.2 s) and one
 * /healthz waited 71 s; with 2 pages a turn the delay's p99 is 29–32 ms and its max 78–167 ms (an
 * idle process on that machine: p99 5 ms, max 44 ms), the replays as fast in all.
 */
export class PageScheduler {
  readonly #pagesPerTurn: number;
  /** Waiting streams, oldest first; `#head` skips granted ones without shifting the array. */
  #waiting: (() => void)[] = [];
  #head = 0;
  #turnPending = false;

  constructor(pagesPerTurn: number) {
    this.#pagesPerTurn = pagesPerTurn;
  }

  /** Resolves when the caller may read and write one page, in a later turn of the event loop. */
  nextPage(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#scheduleTurn();
    });
  }

  #scheduleTurn(): void {
    if (this.#turnPending || this.#head === this.#waiting.length) return;
    this.#turnPending = true;
    setImmediate(this.#turn);
  }

  readonly #turn = (): void => {
    this.#turnPending = false;
    const end = Math.min(this.#waiting.length, this.#head + this.#pagesPerTurn);
    for (; this.#head < end; this.#head++) {
      const grant = this.#waiting[this.#head] as () => void;
      grant();
    }
    // Drop the granted prefix now and then, so that a queue that is never empty does not grow.
    if (this.#head === this.#waiting.length || this.#head > 1024) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    // Streams granted now queue again behind the others when they ask for their next page.
    this.#scheduleTurn();
  };
}
