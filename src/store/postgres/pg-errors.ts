import { RouterError } from '../../kernel/errors.js';

/**
 * node-postgres failures as RouterErrors. `where` names the server (host:port/database, never the
 * password). A SQLSTATE says whether the caller can do something about it; a socket error means the
 * server is not reachable.
 */
export function translatePgError(error: unknown, where: string): RouterError {
  if (error instanceof RouterError) return error;
  const code =
    typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  const detail = error instanceof Error ? error.message : String(error);
  const options = { cause: error, details: { server: where, pgCode: code } };
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
    return new RouterError('store_unavailable', `cannot reach PostgreSQL at ${where} (${detail})`, options);
  }
  if (code === '3D000' || code.startsWith('28')) {
    return new RouterError(
      'store_unavailable',
      `PostgreSQL at ${where} refused the connection: ${detail}`,
      options,
    );
  }
  // PostgreSQL text cannot hold U+0000; SQLite can. Bad input, named, rather than a failed store.
  if (code === '22021' && detail.includes('0x00')) {
    return new RouterError(
      'invalid_request',
      'PostgreSQL cannot store the NUL character (U+0000) in text; remove it from the task, ids or reasons',
      options,
    );
  }
  if (code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') {
    return new RouterError(
      'store_unavailable',
      `PostgreSQL at ${where} is not accepting work: ${detail}`,
      options,
    );
  }
  return new RouterError(
    'store_unavailable',
    `the audit log on PostgreSQL at ${where} failed: ${detail}`,
    options,
  );
}
