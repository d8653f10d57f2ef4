import type pg from 'pg';
import { pgDriver } from './pg-driver.js';

/** (lock key): takes a session's advisory lock if free, held until released or the session ends. */
const TRY_SESSION_LOCK = 'SELECT pg_try_advisory_lock($1) AS got';

/**
 * Which instance sweeps due tasks at their time: the one whose connection holds a session advisory
 * lock, the sweep lease. Every instance sweeps; the others take only tasks overdue by a grace
 * (PostgresStore.dueTasks), so a lease holder that stalls or dies strands nothing. The lease is an
 * optimisation, never a condition of correctness: claims stay row locks with SKIP LOCKED and every
 * commit still checks the task's version.
 *
 * Why: with the window-end auctions swept by whichever instance woke first, every instance woke for
 * every due task, and the decision batches of two or three sweeps met on the chain lock (bench:scale,
 * docs/BENCHMARKS.md). One sweeper decides them in larger batches and meets only the closing bids.
 *
 * The lock belongs to the lease's own connection: when the process dies, PostgreSQL ends that
 * session and lets the lock go, and another instance takes it at its next try.
 */
export class SweepLease {
  readonly #connectionString: string;
  readonly #key: number;
  readonly #retryMs: number;
  #client: pg.Client | undefined;
  #trying: Promise<boolean> | undefined;
  #triedMs = Number.NEGATIVE_INFINITY;
  #closed = false;

  /** `key`: the lock's key (sweepLockKey); `retryMs`: how often an instance without it tries again. */
  constructor(connectionString: string, key: number, retryMs: number) {
    this.#connectionString = connectionString;
    this.#key = key;
    this.#retryMs = retryMs;
  }

  /** Whether this instance holds the lease now, without trying for it (`/metrics`). */
  get holding(): boolean {
    return this.#client !== undefined;
  }

  /** Whether this instance holds the lease: tried again at most every retryMs while it does not. */
  async held(): Promise<boolean> {
    if (this.#client !== undefined) return true;
    if (this.#closed || Date.now() - this.#triedMs < this.#retryMs) return false;
    this.#triedMs = Date.now();
    this.#trying ??= this.#try().finally(() => {
      this.#trying = undefined;
    });
    return this.#trying;
  }

  /** One attempt on a connection of its own, kept while it holds the lock and ended otherwise. */
  async #try(): Promise<boolean> {
    const client = new (pgDriver().Client)({ connectionString: this.#connectionString });
    // A dropped connection has let the lock go with it: the next held() tries again.
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.#client === client) this.#client = undefined;
    });
    try {
      await client.connect();
      const got = (await client.query<{ got: boolean }>(TRY_SESSION_LOCK, [this.#key])).rows[0]?.got;
      if (got === true && !this.#closed) {
        this.#client = client;
        return true;
      }
    } catch {
      // The database is unreachable: the instance sweeps as one without the lease meanwhile.
    }
    await client.end().catch(() => undefined);
    return false;
  }

  /** Lets the lease go (the session ends, and with it the lock). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#trying;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
