import { SqliteStore, type SqliteStoreConfig } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface CreateStoreOptions extends Omit<SqliteStoreConfig, 'path'> {
  /** A file path (SQLite) or `:memory:`. */
  readonly location: string;
}

/** The one place that picks an adapter: everything else sees only the Store port. */
export function createStore(options: CreateStoreOptions): Store {
  const { location, ...rest } = options;
  return new SqliteStore({ ...rest, path: location });
}
