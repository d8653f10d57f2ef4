import { createHash } from 'node:crypto';
import type pg from 'pg';
import { pgDriver } from './pg-driver.js';

/** What the store's statements run on: a transaction's client, or the pool (a connection per statement). */
export interface PgQueryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** Statement names by text, so each text is hashed once per process. */
const names = new Map<string, string>();

/**
 * A statement with parameters as a named (prepared) statement: each connection parses and plans
 * it once, and later runs only bind it. The store's statements are few and fixed, but some are large
 * (the decision append is one statement of three inserts over unnest), and PostgreSQL parsing and
 * planning them at every call was a large part of its CPU on the auction path (bench:scale). Named
 * by the text's hash, so equal texts share one prepared statement per connection.
 */
function statement(text: string, values: unknown[] | undefined): string | pg.QueryConfig {
  if (values === undefined) return text; // no parameters: the simple protocol, one message
  let name = names.get(text);
  if (name === undefined) {
    name = `sr_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return { name, text, values };
}

/** A client (a transaction's) whose statements with parameters are prepared (see statement). */
export function preparing(client: pg.ClientBase): PgQueryable {
  return {
    query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]) {
      return client.query<R>(statement(text, values) as pg.QueryConfig);
    },
  };
}

/**
 * The pool as a PgQueryable that keeps a connection whose statement failed on its own account (a
 * DatabaseError: a refused bid, a duplicate task) rather than closing it, as pg.Pool.query does with
 * every error. A late bid is an ordinary answer on the auction path; reconnecting for each one
 * (TCP, start-up, search_path) had cost more than the bids (bench:scale, window-end runs).
 * Statements with parameters are prepared (see statement).
 */
export function keepingPool(pool: pg.Pool): PgQueryable {
  return {
    async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]) {
      const client = await pool.connect();
      try {
        const result = await client.query<R>(statement(text, values) as pg.QueryConfig);
        client.release();
        return result;
      } catch (error) {
        client.release(error instanceof pgDriver().DatabaseError ? undefined : (error as Error));
        throw error;
      }
    },
  };
}
