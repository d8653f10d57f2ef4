import { readdirSync, readFileSync } from 'node:fs';
import { RouterError } from '../kernel/errors.js';

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** One versioned schema change: `NNNN_name.sql` beside the adapter that applies it. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The numbered `.sql` files in `directory`, in version order. */
export function loadMigrations(directory: URL): readonly Migration[] {
  return readdirSync(directory)
    .map((file) => MIGRATION_FILE.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({
      version: Number(match[1]),
      name: match[2] as string,
      sql: readFileSync(new URL(match[0], directory), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version)
    .map((migration, i, all) => {
      // Two files of one number would both be applied, or fail on the second: say which.
      const previous = all[i - 1];
      if (previous?.version === migration.version) {
        throw new RouterError(
          'store_incompatible',
          `two migrations are numbered ${migration.version} in ${directory.pathname}: ${previous.name} and ${migration.name} (a stale build? run npm run build)`,
          { details: { version: migration.version } },
        );
      }
      return migration;
    });
}

/** Refuses a database migrated by a newer swarm-router than this one (its schema may mean other things). */
export function requireKnownSchema(applied: Iterable<number>, migrations: readonly Migration[]): void {
  const newest = migrations.at(-1)?.version ?? 0;
  const newestApplied = Math.max(0, ...applied);
  if (newestApplied > newest) {
    throw new RouterError(
      'store_incompatible',
      `the database has schema version ${newestApplied}, newer than this swarm-router knows (${newest}); upgrade swarm-router`,
      { details: { schemaVersion: newestApplied, supported: newest } },
    );
  }
}
