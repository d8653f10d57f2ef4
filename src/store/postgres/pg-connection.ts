import type pg from 'pg';
import { RouterError } from '../../kernel/errors.js';
import { pgDriver } from './pg-driver.js';
import { translatePgError } from './pg-errors.js';
import { countRowLockWaits } from './pg-lock-wait.js';
import { quoteIdent } from './pg-migrator.js';
import { keepingPool, type PgQueryable, preparing } from './pg-queryable.js';

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** PostgreSQL's values of synchronous_commit, the one session setting the URL may choose. */
const SYNCHRONOUS_COMMIT = new Set(['on', 'off', 'local', 'remote_write', 'remote_apply']);

const INT8 = 20;
const INT8_ARRAY = 1016;
// pg's parser for int8[] (its typings list scalar types only) gives strings; taken when first needed.
let parseInt8Array: ((value: string) => string[]) | undefined;
const int8ArrayOf = (value: string): string[] => {
  parseInt8Array ??= (pgDriver().types.getTypeParser as (oid: number) => (value: string) => string[])(
    INT8_ARRAY,
  );
  return parseInt8Array(value);
};

/**
 * The type parsers of every connection the store opens: bigint (int8) columns and arrays as numbers,
 * since sequence numbers, milliseconds and bids in satoshis stay below 2^53.
 */
export const PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8
      ? (value: string) => Number(value)
      : oid === INT8_ARRAY
        ? (value: string) => int8ArrayOf(value).map(Number)
        : pgDriver().types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Where a store's database is, as its URL says. */
export interface PgTarget {
  /** The URL without the store's own parameters, for pg. */
  readonly connectionString: string;
  /** The schema that holds the tables (`?schema=`, default public). */
  readonly schema: string;
  /** host:port/database, for messages (never the password). */
  readonly where: string;
  /** `?synchronous_commit=`, set on every connection of the pool; null: the server's setting. */
  readonly synchronousCommit: string | null;
}

/** Reads a store's URL, refusing a schema that is not a plain identifier and an unknown synchronous_commit. */
export function parsePgUrl(url: unknown): PgTarget {
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
    throw new TypeError(`expected config.url to be a postgres:// URL, got ${String(url)}`);
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new RouterError(
      'invalid_request',
      `schema '${schema}' in the database URL is not a plain identifier (letters, digits, _)`,
      { details: { schema } },
    );
  }
  parsed.searchParams.delete('schema');
  // ?synchronous_commit=off: commits return before their WAL reaches the disk (README, "On PostgreSQL").
  const synchronousCommit = parsed.searchParams.get('synchronous_commit');
  if (synchronousCommit !== null && !SYNCHRONOUS_COMMIT.has(synchronousCommit)) {
    throw new RouterError(
      'invalid_request',
      `synchronous_commit '${synchronousCommit}' in the database URL is not one of ${[...SYNCHRONOUS_COMMIT].join(', ')}`,
      { details: { synchronousCommit } },
    );
  }
  parsed.searchParams.delete('synchronous_commit');
  return {
    connectionString: parsed.toString(),
    schema,
    where: `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`,
    synchronousCommit,
  };
}

/** The store's contention counts (StoreContention but for the batches'), as they happen. */
export interface PgCounts {
  transactions: number;
  lockWaits: number;
  waitedWrites: number;
  versionConflicts: number;
}

/**
 * The store's pool and how its work runs on it: every public operation through `run` (the schema
 * opened first, errors as RouterErrors), a write transaction through `transaction`. Opening (connect
 * and migrate) happens on first use, by `open`; one that fails is tried again by the next call.
 */
export class PgConnection {
  readonly target: PgTarget;
  /** The pool for single statements (see keepingPool). */
  readonly db: PgQueryable;
  /** Counted as they happen (see StoreContention); the benchmark reads them through /metrics. */
  readonly counts: PgCounts = { transactions: 0, lockWaits: 0, waitedWrites: 0, versionConflicts: 0 };
  readonly #pool: pg.Pool;
  readonly #open: (client: pg.PoolClient) => Promise<void>;
  #ready: Promise<void> | undefined;
  #closed = false;

  /** `open`: run once on a connection of the pool before the first operation (the migrations). */
  constructor(target: PgTarget, poolSize: number, open: (client: pg.PoolClient) => Promise<void>) {
    this.target = target;
    this.#open = open;
    this.#pool = new (pgDriver().Pool)({
      connectionString: target.connectionString,
      max: poolSize,
      types: PG_TYPES,
      // Every connection works in the store's schema. Statements are prepared (pg-queryable.ts) but
      // planned at every run: a plan cached while a table was nearly empty scanned it whole for
      // ever after (a new deployment's first minute, before autovacuum's first ANALYZE).
      options:
        `-c search_path=${quoteIdent(target.schema)} -c plan_cache_mode=force_custom_plan` +
        (target.synchronousCommit === null ? '' : ` -c synchronous_commit=${target.synchronousCommit}`),
    });
    // An idle connection dropped by the server is replaced on the next checkout; not a crash.
    this.#pool.on('error', () => undefined);
    countRowLockWaits(this.#pool, (writes) => this.batchWaited(writes));
    this.db = keepingPool(this.#pool);
  }

  /** Whether close() has begun: no operation runs, no background work starts. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Told by PgTasks when a row lock it needed was held by another transaction (one write waited). */
  readonly waited = (): void => this.batchWaited(1);

  /** A batch's statement waited (`waits` times): every write it carried waited with it. */
  batchWaited(writes: number, waits = 1): void {
    this.counts.lockWaits += waits;
    this.counts.waitedWrites += writes;
  }

  /** Every public method: the store open and migrated, and errors as RouterErrors. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new RouterError('store_closed', 'the PostgreSQL store was used after close()');
    try {
      this.#ready ??= this.#opening();
      await this.#ready;
      return await work();
    } catch (error) {
      throw translatePgError(error, this.target.where);
    }
  }

  /** A batch's work, its failure as a RouterError. */
  async storing<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translatePgError(error, this.target.where);
    }
  }

  /** One transaction on a pooled connection: committed when `work` resolves, rolled back when it throws. */
  async transaction<T>(work: (client: PgQueryable) => Promise<T>, counted = true): Promise<T> {
    if (counted) this.counts.transactions++;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const result = await work(preparing(client));
        // null: a lost race, nothing to keep.
        await client.query(result === null ? 'ROLLBACK' : 'COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      client.release();
    }
  }

  /**
   * A REPEATABLE READ, read-only transaction on a connection of its own, which sees every table as of
   * one moment (`verify`'s snapshot).
   */
  async readOnly<T>(read: (client: PgQueryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        return await read(preparing(client));
      } finally {
        await client.query('COMMIT').catch(() => undefined);
      }
    } finally {
      client.release();
    }
  }

  /** The one number (column `n`) a statement reads, as a public method (run). */
  number(sql: string): Promise<number> {
    return this.run(async () => (await this.db.query<{ n: number }>(sql)).rows[0]?.n ?? 0);
  }

  /** Refuses every operation from now on. */
  close(): void {
    this.#closed = true;
  }

  /** Waits for an opening in progress; whether the store opened (or was opening when closed). */
  async wasOpened(): Promise<boolean> {
    await this.#ready?.catch(() => undefined);
    return this.#ready !== undefined;
  }

  /** Ends the pool's connections. */
  async end(): Promise<void> {
    await this.#pool.end();
  }

  async #opening(): Promise<void> {
    const client = await this.#pool.connect().catch((error: unknown) => {
      this.#ready = undefined; // a later call tries again
      throw error;
    });
    try {
      await this.#open(client);
    } catch (error) {
      this.#ready = undefined;
      throw error;
    } finally {
      client.release();
    }
  }
}
