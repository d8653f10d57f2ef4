import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { translateSqliteError } from './sqlite-errors.js';

/**
 * Whether the SQLite file at `path` holds an audit log (its migrations table), read on a read-only
 * connection: a file that does not exist, is empty or holds another program's tables does not, and
 * is left as it was.
 */
export function sqliteHoldsLog(path: string): boolean {
  if (!existsSync(path)) return false;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const row = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get();
    return row !== undefined;
  } catch (error) {
    throw translateSqliteError(error, path);
  } finally {
    db?.close();
  }
}
