/**
 * Gathers writes that arrive while the previous batch is being stored, and stores them together: one
 * statement (or transaction), one commit, one round trip for many. One batch at a time per batcher:
 * an idle instance stores each write within the turn of the event loop it came in, a busy one many
 * per commit, and with lingerMs a busy one waits a moment for more. On PostgreSQL a commit and a
 * round trip cost more than the rows they carry (bench:scale), so this is how the auction path's
 * tasks, bids and decisions each reach the database.
 */
import type { BatchCounts } from '../store.js';

export interface StatementBatcherOptions<I, A> {
  /** At most this many items per batch. */
  readonly maxBatch: number;
  /**
   * Items with the same key never share a batch: the later one waits for the next, which then sees
   * what the earlier one wrote (a second bid of an agent on a task, a second task under one id).
   */
  readonly keyOf?: (item: I) => string;
  /**
   * Stores a batch and answers each item, in order: a value, or an Error for that item alone. A
   * thrown error fails the whole batch.
   */
  readonly store: (batch: readonly I[]) => Promise<readonly (A | Error)[]>;
  /**
   * Errors that one item's bad input can cause for its whole batch (text the database cannot hold):
   * the batch is then stored again item by item, so that only the bad one fails.
   */
  readonly isItemFault?: (error: unknown) => boolean;
  /**
   * While busy, wait this long before forming each batch, so that one commit carries more (a group
   * commit delay, like PostgreSQL's commit_delay). Busy: the previous batch carried two items or
   * more and was formed less than BUSY_FOR_MS ago. An instance whose writes come one at a time, or
   * that was idle for a while, never waits. Default 0.
   */
  readonly lingerMs?: number;
  /**
   * Whether an item is worth waiting lingerMs for (default: every item): a batch is waited for only
   * when its queue holds one that is.
   */
  readonly lingersFor?: (item: I) => boolean;
}

/** Resolves after the I/O callbacks already due in this turn of the event loop have run. */
const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How recent a batch of two or more must be for the batcher to count as busy (lingerMs). */
export const BUSY_FOR_MS = 1000;

interface Pending<I, A> {
  readonly item: I;
  readonly resolve: (answer: A) => void;
  readonly reject: (error: unknown) => void;
}

export class StatementBatcher<I, A> {
  readonly #options: StatementBatcherOptions<I, A>;
  #queue: Pending<I, A>[] = [];
  #running = false;
  /** Until when the batcher counts as busy (lingerMs): BUSY_FOR_MS after a batch of two or more. */
  #busyUntilMs = Number.NEGATIVE_INFINITY;
  /** Batches formed, and the items they carried, since the batcher was made (StoreContention.batched). */
  #counts = { batches: 0, items: 0 };

  constructor(options: StatementBatcherOptions<I, A>) {
    this.#options = options;
  }

  get counts(): BatchCounts {
    return { ...this.#counts };
  }

  submit(item: I): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#drain();
    });
  }

  #drain(): void {
    if (this.#running) return;
    this.#running = true;
    void (async () => {
      // Each batch is formed at the end of the event loop's turn, not at its first item: requests
      // read from the sockets in the same turn as that item (or as the answer that ended the
      // previous batch) join it instead of waiting a whole round trip for the next. It matters when
      // an instance carries a few dozen requests at a time, not hundreds: three instances sharing
      // 63 clients stored 0.28 transactions per request with it, 0.42 without (docs/BENCHMARKS.md).
      const lingerMs = this.#options.lingerMs ?? 0;
      for (await endOfTurn(); this.#queue.length > 0; await endOfTurn()) {
        if (
          lingerMs > 0 &&
          this.#queue.length < this.#options.maxBatch &&
          Date.now() < this.#busyUntilMs &&
          this.#worthWaiting()
        ) {
          await sleep(lingerMs);
          await endOfTurn();
        }
        const batch = this.#nextBatch();
        this.#busyUntilMs = batch.length >= 2 ? Date.now() + BUSY_FOR_MS : Number.NEGATIVE_INFINITY;
        this.#counts.batches++;
        this.#counts.items += batch.length;
        try {
          await this.#store(batch);
        } catch (error) {
          if (batch.length > 1 && this.#options.isItemFault?.(error) === true) {
            for (const pending of batch)
              await this.#store([pending]).catch((e: unknown) => pending.reject(e));
          } else {
            for (const pending of batch) pending.reject(error);
          }
        }
      }
      this.#running = false;
    })();
  }

  #worthWaiting(): boolean {
    const lingersFor = this.#options.lingersFor;
    return lingersFor === undefined || this.#queue.some((pending) => lingersFor(pending.item));
  }

  /** Stores a batch and answers its items; throws, answering none, when the whole batch failed. */
  async #store(batch: readonly Pending<I, A>[]): Promise<void> {
    const answers = await this.#options.store(batch.map((p) => p.item));
    batch.forEach((pending, i) => {
      const answer = i < answers.length ? answers[i] : new Error('a batch was answered short');
      if (answer instanceof Error) pending.reject(answer);
      else pending.resolve(answer as A);
    });
  }

  /** Up to maxBatch items in queue order, each key once; the rest stay queued, in order. */
  #nextBatch(): Pending<I, A>[] {
    const { maxBatch, keyOf } = this.#options;
    if (keyOf === undefined) return this.#queue.splice(0, maxBatch);
    const batch: Pending<I, A>[] = [];
    const waiting: Pending<I, A>[] = [];
    const keys = new Set<string>();
    for (const pending of this.#queue) {
      const key = keyOf(pending.item);
      if (batch.length < maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(pending);
      } else waiting.push(pending);
    }
    this.#queue = waiting;
    return batch;
  }
}
