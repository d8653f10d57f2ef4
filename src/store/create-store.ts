import { PostgresStore } from './postgres/postgres-store.js';
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
