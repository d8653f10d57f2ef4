/**
 * Takes turns between event streams so that replays share the event loop with everything else.
 *
 * A page is read, formatted and written in one go; with better-sqlite3 the read is synchronous, so
 * `await store.eventsAfter()` resolves as a microtask and a loop of pages never lets the event loop
 * turn. Here each page waits for a grant; grants are given `pagesPerTurn` at a time from a
 * setImmediate callback, first come first served, so one turn of the event loop runs at most that
 * many pages of all streams together, then timers, sockets and other requests get theirs. Five replays
 * from zero of 250k events used to hold the loop for 4.7 s; now no turn holds it for more than a few
 * pages (bench/sse-replay.ts measures it).
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
