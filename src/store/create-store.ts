import { pgHoldsLog } from './postgres/pg-probe.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { sqliteHoldsLog } from './sqlite/sqlite-probe.js';
import { SqliteStore, type SqliteStoreConfig } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface CreateStoreOptions extends Omit<SqliteStoreConfig, 'path'> {
  /**
   * A `postgres://` (or `postgresql://`) URL selects PostgreSQL (`?schema=name` for a schema other
   * than public); anything else is a SQLite file path, or `:memory:`.
   */
  readonly location: string;
  /** PostgreSQL only: connections in the pool. */
  readonly poolSize?: number;
}

/** Whether a `--db` value names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A location fit for logs and terminals: a URL's password is masked. */
export function displayLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** The one place that picks an adapter: everything else sees only the Store port. */
export function createStore(options: CreateStoreOptions): Store {
  const { location, poolSize, ...rest } = options;
  if (isPostgresUrl(location)) {
    return new PostgresStore({
      url: location,
      ...(poolSize === undefined ? {} : { poolSize }),
      ...(rest.nowMs === undefined ? {} : { nowMs: rest.nowMs }),
    });
  }
  return new SqliteStore({ ...rest, path: location });
}

/**
 * Whether `location` holds an audit log already, found without creating or changing anything: a
 * SQLite file that does not exist, is empty or is another program's does not, nor does a PostgreSQL
 * schema without the log's tables (createStore would make one there). A database that cannot be
 * read at all is the store's error.
 */
export async function holdsAuditLog(location: string): Promise<boolean> {
  if (location === ':memory:') return false;
  return isPostgresUrl(location) ? pgHoldsLog(location) : sqliteHoldsLog(location);
}
