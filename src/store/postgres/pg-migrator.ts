import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { type Migration, requireKnownSchema } from '../migration-files.js';

/**
 * Key of the advisory lock that serialises migrations: instances starting at once take turns, and the
 * later ones find nothing left to apply. An arbitrary constant ("swarm-router migrations").
 */
const MIGRATION_LOCK = 0x5377_4d31;

/** One file of functions/: the current definition of a function or two, as CREATE OR REPLACE statements. */
export interface FunctionFile {
  readonly file: string;
  readonly sql: string;
}

/** The `.sql` files in `directory`, in name order. */
export function loadFunctions(directory: URL): readonly FunctionFile[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => ({ file, sql: readFileSync(new URL(file, directory), 'utf8') }));
}

/** What migratePg does besides the migrations, in their transaction. */
export interface MigrationSteps {
  /**
   * The schema's functions as they are now (functions/), applied after the migrations whenever any
   * was applied. Migrations hold the tables, indexes and triggers; each function has its one current
   * definition here, so a schema of any version ends with the same functions.
   *
   * They are applied only with a migration, never on their own: a new instance on a schema it finds
   * current changes nothing, and an instance of an older version, which would bring its older
   * functions, refuses a schema migrated further than it knows (requireKnownSchema). So a change of
   * a function comes with a new migration version (a file that may hold only a comment naming the
   * function); one that changes a function's arguments or result type also drops the old function
   * there, since CREATE OR REPLACE cannot change them.
   */
  readonly functions?: readonly FunctionFile[];
  /**
   * Runs last, once the missing migrations and the functions are applied, with the migrations'
   * versions (none applied: not called): a step a migration needs done in JavaScript (the ledger's
   * start, PgLedger.begin).
   */
  readonly afterApplying?: (applied: readonly number[]) => Promise<void>;
}

/**
 * Creates the schema if needed and applies the migrations it lacks, then the functions, in one
 * transaction that holds an advisory lock: two instances starting at once cannot both apply a
 * migration, and a failed one leaves the database as it was (PostgreSQL's DDL is transactional).
 * Resolves to the versions applied.
 */
export async function migratePg(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly Migration[],
  nowMs: number,
  steps: MigrationSteps = {},
): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    // Also the search path a function created with SET search_path FROM CURRENT keeps.
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
    if (done.length > 0) {
      await applyFunctions(client, steps.functions ?? []);
      await steps.afterApplying?.(done);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Creates or replaces the functions, inside `client`'s transaction, whose search path is the schema's.
 * Applying them again changes nothing: each statement is a CREATE OR REPLACE of the same definition.
 */
export async function applyFunctions(
  client: pg.ClientBase,
  functions: readonly FunctionFile[],
): Promise<void> {
  for (const { sql } of functions) await client.query(sql);
}

/** A schema name as an SQL identifier. Names are checked where the configuration is read. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
