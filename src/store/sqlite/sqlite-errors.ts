import { RouterError } from '../../kernel/errors.js';

/**
 * better-sqlite3 failures as RouterErrors. The SQLite result code says whether the caller can do
 * something about it (path, permissions, another writer, a full disk) or whether the file is not ours.
 */
export function translateSqliteError(error: unknown, path: string): RouterError {
  if (error instanceof RouterError) return error;
  const code =
    typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  const detail = error instanceof Error ? error.message : String(error);
  const options = { cause: error, details: { path, sqliteCode: code } };
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new RouterError(
      'store_incompatible',
      `${path} is not a usable SQLite database (${detail})`,
      options,
    );
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new RouterError(
      'store_unavailable',
      `${path} is locked by another writer and stayed locked (${detail})`,
      options,
    );
  }
  if (code === 'SQLITE_FULL')
    return new RouterError('store_unavailable', `${path}: the disk is full (${detail})`, options);
  if (
    code === 'SQLITE_READONLY' ||
    code === 'SQLITE_CANTOPEN' ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_IOERR'
  ) {
    return new RouterError('store_unavailable', `cannot write the audit log at ${path} (${detail})`, options);
  }
  return new RouterError('store_unavailable', `the audit log at ${path} failed: ${detail}`, options);
}
