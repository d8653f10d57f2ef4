import { createRequire } from 'node:module';
import type pgModule from 'pg';

let driver: typeof pgModule | undefined;

/**
 * The pg driver, loaded on first use. Every SQLite run (the CLI's default) imports the PostgreSQL
 * adapter through createStore; pg and the fetch implementation it touches while loading were a
 * tenth of the CLI's start-up, so they load only when a store actually talks to PostgreSQL.
 */
export function pgDriver(): typeof pgModule {
  driver ??= createRequire(import.meta.url)('pg') as typeof pgModule;
  return driver;
}
