import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runStoreContract } from '../contract/store-contract.js';
import { agent } from '../helpers/manifest.js';
import { finished, spawnCli } from '../helpers/spawn-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

const dir = tempDir();

runStoreContract('sqlite', () => {
  const path = tempDbPath(dir);
  return { open: () => new SqliteStore({ path }) };
});

// The same contract with the log checkpointed by a worker thread, as the service and batches run.
runStoreContract('sqlite, checkpoints in a worker', () => {
  const path = tempDbPath(dir);
  return { open: () => new SqliteStore({ path, checkpoints: 'worker' }) };
});

describe('SqliteStore specifics', () => {
  it('creates the parent directory of a new database file', async () => {
    const store = new SqliteStore({ path: join(dir, 'nested', 'deeper', 'log.db') });
    expect(await store.countDecisions()).toBe(0);
    await store.close();
  });

  it('runs in WAL mode and records applied migrations', async () => {
    const path = tempDbPath(dir);
    await new SqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual([
      { version: 1, name: 'audit_log' },
      { version: 2, name: 'outcomes' },
      { version: 3, name: 'bid_rejections' },
      { version: 4, name: 'bid_blobs' },
      { version: 5, name: 'agents' },
      { version: 6, name: 'tasks' },
      { version: 7, name: 'outside_bidders' },
      { version: 8, name: 'agents_by_token_hash' },
      { version: 9, name: 'ledger' },
      { version: 10, name: 'outcome_results' },
      { version: 11, name: 'decision_confidence' },
    ]);
    db.close();
  });

  it('with checkpoints in a worker, the log reaches the database file while the store is open', async () => {
    const path = tempDbPath(dir);
    for (const checkpoints of ['inline', 'worker'] as const) {
      const store = new SqliteStore({ path: `${path}.${checkpoints}`, checkpoints });
      const before = statSync(`${path}.${checkpoints}`).size;
      // About 50 KB of agents: pages in the log, not yet in the file.
      for (let i = 0; i < 10; i++) {
        await store.addAgent({
          manifest: { ...agent(`a${i}`), description: 'x'.repeat(5_000) },
          tokenHash: null,
          registeredAtMs: 1,
          lastHeartbeatMs: 1,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 600));
      const grew = statSync(`${path}.${checkpoints}`).size > before;
      // SQLite's own checkpoints wait for ~40 MB of log; the worker's run several times a second.
      expect(grew, checkpoints).toBe(checkpoints === 'worker');
      await store.close();
    }
  });

  it('refuses a file that is not a SQLite database, naming it, without changing it', () => {
    const path = join(dir, 'not-a-db.db');
    writeFileSync(path, 'hello, this is not sqlite'.repeat(100));
    expect(() => new SqliteStore({ path })).toThrow(
      expect.objectContaining({ code: 'store_incompatible', message: expect.stringContaining(path) }),
    );
  });

  it('refuses a database written by a newer schema', async () => {
    const path = tempDbPath(dir);
    await new SqliteStore({ path }).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations VALUES (99, ?, 0)').run('from_the_future');
    db.close();
    expect(() => new SqliteStore({ path })).toThrow(expect.objectContaining({ code: 'store_incompatible' }));
  });

  it('says so when the directory cannot be created', () => {
    const file = join(dir, 'a-plain-file');
    writeFileSync(file, 'x');
    expect(() => new SqliteStore({ path: join(file, 'sub', 'log.db') })).toThrow(
      expect.objectContaining({
        code: 'store_unavailable',
        message: expect.stringContaining('a-plain-file'),
      }),
    );
  });

  // In a child process with a deadline: the old way of creating directories spun for ever on /proc.
  it.runIf(existsSync('/proc'))(
    'says so, at once, when the directory is under /proc',
    async () => {
      const child = spawnCli(['route', 'x', '--bid', 'forge=1', '--db', '/proc/no-such-dir/log.db']);
      const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const run = await finished(child);
      clearTimeout(deadline);
      expect(run.signal).toBeNull();
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('/proc/no-such-dir');
    },
    30_000,
  );

  it('rejects a bad config with a TypeError', () => {
    expect(() => new SqliteStore({ path: '' })).toThrow(TypeError);
  });
});
