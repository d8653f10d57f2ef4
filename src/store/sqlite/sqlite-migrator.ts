import type Database from 'better-sqlite3';
import { type Migration, requireKnownSchema } from '../migration-files.js';

/**
 * Applies the migrations the database lacks, in one IMMEDIATE transaction: the write lock is taken
 * before the applied versions are read, so two processes opening a new file at once cannot both apply
 * the same migration; the second waits (busy_timeout) and then finds nothing to do. `afterApplying`
 * runs in the same transaction once the missing migrations are applied, with their versions (none:
 * not called): a step a migration needs done in JavaScript (the ledger's start, migration 0009).
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[],
  nowMs: number,
  afterApplying?: (applied: readonly number[]) => void,
): number[] {
  const run = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version       INTEGER PRIMARY KEY,
      name          TEXT NOT NULL,
      applied_at_ms INTEGER NOT NULL
    )`);
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
        (r) => r.version,
      ),
    );
    requireKnownSchema(applied, migrations);
    const done: number[] = [];
    const record = db.prepare(
      'INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)',
    );
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, nowMs);
      done.push(migration.version);
    }
    if (done.length > 0) afterApplying?.(done);
    return done;
  });
  return run.immediate();
}
