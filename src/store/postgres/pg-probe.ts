import { parsePgUrl } from './pg-connection.js';
import { pgDriver } from './pg-driver.js';
import { translatePgError } from './pg-errors.js';
import { quoteIdent } from './pg-migrator.js';

/**
 * Whether the schema a `postgres://` URL names holds an audit log (its migrations table), read
 * without creating the schema or anything in it.
 */
export async function pgHoldsLog(url: string): Promise<boolean> {
  const target = parsePgUrl(url);
  const client = new (pgDriver().Client)({ connectionString: target.connectionString });
  try {
    await client.connect();
    const { rows } = await client.query<{ present: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS present',
      [`${quoteIdent(target.schema)}.schema_migrations`],
    );
    return rows[0]?.present === true;
  } catch (error) {
    throw translatePgError(error, target.where);
  } finally {
    await client.end().catch(() => undefined);
  }
}
