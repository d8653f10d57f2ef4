import pg from 'pg';

/** What the store's statements run on: a transaction's client, or the pool (a connection per statement). */
export interface PgQueryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * The pool as a PgQueryable that keeps a connection whose statement failed on its own account (a
 * DatabaseError: a refused bid, a duplicate task) rather than closing it, as pg.Pool.query does with
 * every error. A late bid is an ordinary answer on the auction path; reconnecting for each one
 * (TCP, start-up, search_path) had cost more than the bids (bench:scale, window-end runs).
 */
export function keepingPool(pool: pg.Pool): PgQueryable {
  return {
    async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]) {
      const client = await pool.connect();
      try {
        const result = await client.query<R>(text, values);
        client.release();
        return result;
      } catch (error) {
        client.release(error instanceof pg.DatabaseError ? undefined : (error as Error));
        throw error;
      }
    },
  };
}
