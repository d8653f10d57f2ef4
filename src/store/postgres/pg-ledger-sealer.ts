import type { PgLedger } from './pg-ledger.js';
import type { PgQueryable } from './pg-queryable.js';

/** Pending changes sealed per transaction. */
const SEAL_BATCH = 1000;

/**
 * When an instance seals the ledger's pending changes (pg-ledger.ts): at most every `everyMs` while it
 * writes, and once more `everyMs` after its last write, so that nothing it wrote stays pending once it
 * goes quiet; never waiting for another instance that is sealing (a try-lock), but trying again
 * later, since that one may have read the pending rows before this one's committed. Failures are
 * passed over: the pending rows stay, and the next run seals them. Not waited for by any write.
 */
export class LedgerSealer {
  readonly #ledger: PgLedger;
  /** Runs `work` in a transaction of its own: committed when it resolves (rolled back on null). */
  readonly #transaction: <T>(work: (db: PgQueryable) => Promise<T>) => Promise<T>;
  readonly #everyMs: number;
  #lastMs = Number.NEGATIVE_INFINITY;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** A write since the last run began (or a run that found the lock taken): run again. */
  #dirty = false;
  #closed = false;

  constructor(
    ledger: PgLedger,
    transaction: <T>(work: (db: PgQueryable) => Promise<T>) => Promise<T>,
    everyMs: number,
  ) {
    this.#ledger = ledger;
    this.#transaction = transaction;
    this.#everyMs = everyMs;
  }

  /** Something was written with pending changes: sealed within about everyMs. */
  soon(): void {
    if (this.#closed) return;
    this.#dirty = true;
    if (this.#running !== undefined || this.#timer !== undefined) return;
    const wait = this.#lastMs + this.#everyMs - Date.now();
    if (wait <= 0) {
      this.#run();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, wait);
    this.#timer.unref();
  }

  /** Seals everything pending now, waiting for the seal lock if another instance holds it. */
  async now(): Promise<number> {
    await this.#running;
    return (await this.#sealAll(true)) ?? 0;
  }

  /** Stops the timer and, once a run in progress ends, seals what is pending if nobody else is. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    await this.#sealAll(false).catch(() => undefined);
  }

  #run(): void {
    this.#dirty = false;
    this.#lastMs = Date.now();
    this.#running = this.#sealAll(false)
      .then(
        (sealed) => {
          if (sealed === null) this.#dirty = true; // another instance was sealing: look again later
        },
        () => {
          this.#dirty = true;
        },
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#dirty) this.soon();
      });
  }

  /** Batches until fewer than a batch are pending; null when the lock was taken (and `wait` false). */
  async #sealAll(wait: boolean): Promise<number | null> {
    let total = 0;
    for (;;) {
      const sealed = await this.#transaction((db) => this.#ledger.sealBatch(db, SEAL_BATCH, wait));
      if (sealed === null) return total === 0 ? null : total;
      total += sealed;
      if (sealed < SEAL_BATCH) return total;
    }
  }
}
