import type pg from 'pg';
import { type Migration, requireKnownSchema } from '../migration-files.js';

/**
 * Key of the advisory lock that serialises migrations: instances starting at once take turns, and the
 * later ones find nothing left to apply. An arbitrary constant ("swarm-router migrations").
 */
const MIGRATION_LOCK = 0x5377_4d31;

/**
 * Creates the schema if needed and applies the migrations it lacks, in one transaction that holds an
 * advisory lock: two instances starting at once cannot both apply a migration, and a failed one
 * leaves the database as it was (PostgreSQL's DDL is transactional). Resolves to the versions applied.
 * `afterApplying` runs in the same transaction once the missing migrations are applied, with their
 * versions (none: not called): a step a migration needs done in JavaScript (the ledger's start,
 * migration 0019).
 */
export async function migratePg(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly Migration[],
  nowMs: number,
  afterApplying?: (applied: readonly number[]) => Promise<void>,
): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version       integer PRIMARY KEY,
      name          text NOT NULL,
      applied_at_ms bigint NOT NULL
    )`);
    const applied = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    requireKnownSchema(applied, migrations);
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        nowMs,
      ]);
      done.push(migration.version);
    }
    if (done.length > 0) await afterApplying?.(done);
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** A schema name as an SQL identifier. Names are checked where the configuration is read. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
