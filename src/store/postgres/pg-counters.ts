import { agentCountsOf, type CounterRow } from '../agent-counter-sums.js';
import type { AgentCounts } from '../store.js';
import type { PgConnection } from './pg-connection.js';
import type { PgKeys } from './pg-keys.js';
import { FOLD_DELTAS, SELECT_AGENT_COUNTS, SELECT_ALL_AGENT_COUNTS, VACUUM_QUEUES } from './pg-queries.js';

/**
 * An instance that writes agent counter deltas, or reads load deltas, folds them in at most this often:
 * each fold is a transaction, and deltas left unfolded only make reads sum a few more rows. At a
 * thousand decisions a second that is some thousands of rows.
 */
const FOLD_EVERY_MS = 2000;

/**
 * The deltas' tables are queues: every fold deletes what they hold, and only VACUUM lets their
 * pages be used again. Without it (autovacuum off, as on the CI machines, or busy on large tables)
 * a table grows by every row ever folded, and every read of the counters and loads scans it whole:
 * 21 MB and 11 ms a read after 500,000 rows had passed through an empty table. So an instance that
 * folds vacuums them itself at most this often (SKIP_LOCKED: one at a time). A vacuum of a table of a
 * few thousand rows takes milliseconds. The ledger's pending changes are a queue of the same kind,
 * emptied by every seal, and are vacuumed with them.
 */
export const VACUUM_QUEUES_EVERY_MS = 60_000;

/**
 * The agents' counters of the PostgreSQL store, and the folds of its deltas. A decision batch adds its
 * counts to agent_counter_deltas and every change of a task's holder adds to agent_load_deltas (a
 * trigger); reads sum the folded rows and the deltas in one snapshot, and the instances that write
 * or read deltas fold them in now and then (fold_agent_counter_deltas, fold_agent_load_deltas), one
 * at a time.
 */
export class PgCounters {
  readonly #connection: PgConnection;
  readonly #keys: PgKeys;
  readonly #foldLock: number;
  readonly #vacuumEveryMs: number;
  /** When this instance last started a fold (or opened), and the fold while it runs (see FOLD_EVERY_MS). */
  #foldedMs = Date.now();
  #folding: Promise<void> | undefined;
  /** When this instance last vacuumed the queues' tables (or opened); see VACUUM_QUEUES_EVERY_MS. */
  #vacuumedMs = Date.now();
  /** Whether this instance has written or read deltas (foldSoon), for close() to fold them. */
  #hadDeltas = false;

  /** `foldLock`: the schema's fold lock key (pg-advisory-locks.ts foldLockKey). */
  constructor(connection: PgConnection, keys: PgKeys, foldLock: number, vacuumEveryMs: number) {
    this.#connection = connection;
    this.#keys = keys;
    this.#foldLock = foldLock;
    this.#vacuumEveryMs = vacuumEveryMs;
  }

  async agentCounts(agentId: string): Promise<AgentCounts> {
    const key = await this.#keys.findAgentKey(agentId);
    // Sums are null for an agent with no counts yet.
    const row =
      key === undefined
        ? undefined
        : (await this.#connection.db.query<CounterRow>(SELECT_AGENT_COUNTS, [key])).rows[0];
    return agentCountsOf(agentId, row);
  }

  async list(): Promise<AgentCounts[]> {
    const rows = (await this.#connection.db.query<CounterRow & { agent_id: string }>(SELECT_ALL_AGENT_COUNTS))
      .rows;
    return rows.map((row) => agentCountsOf(row.agent_id, row));
  }

  /**
   * Called when this instance has written agent counter deltas, or read load deltas (which any
   * writer's trigger adds): folds them in with whatever other instances wrote, unless a fold of its
   * own is running or began less than FOLD_EVERY_MS ago. Not waited for: nobody's answer depends on it.
   */
  foldSoon(): void {
    this.#hadDeltas = true;
    const now = Date.now();
    if (this.#folding !== undefined || this.#connection.isClosed || now - this.#foldedMs < FOLD_EVERY_MS)
      return;
    this.#foldedMs = now;
    this.#folding = this.#fold().finally(() => {
      this.#folding = undefined;
    });
  }

  /** Once a fold in progress ends, folds what this instance's deltas left, unless another instance is. */
  async close(): Promise<void> {
    await this.#folding;
    if (this.#hadDeltas) await this.#fold();
  }

  /**
   * One fold of the counters' deltas and the loads' under one fold lock, passed over when another
   * instance holds it. A failure is passed over too: the fold rolls back whole, so its deltas wait for
   * the next.
   */
  async #fold(): Promise<void> {
    const connection = this.#connection;
    connection.counts.transactions++;
    await connection.db.query(FOLD_DELTAS, [this.#foldLock]).catch(() => undefined);
    if (Date.now() - this.#vacuumedMs >= this.#vacuumEveryMs && !connection.isClosed) {
      this.#vacuumedMs = Date.now();
      // Not the owner of the tables: PostgreSQL warns and skips them, and autovacuum is left to it.
      await connection.db.query(VACUUM_QUEUES).catch(() => undefined);
    }
  }
}
