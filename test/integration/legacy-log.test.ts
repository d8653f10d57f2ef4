import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { decodeBids } from '../../src/store/record-rows.js';
import { cli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * A log written before migration 0004 moved bids into a blob per decision (test/fixtures/legacy-0003):
 * today's code must migrate it on open and read, verify, query and extend it as if nothing changed.
 */
const dir = tempDir();
const fixture = new URL('../fixtures/legacy-0003/', import.meta.url);

/** `history --json` prints one record a line, then `{"next_cursor": …}`. */
function historyRecords(stdout: string): { task_id: string; candidate_agents: string[] }[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { task_id?: string; candidate_agents: string[] })
    .filter(
      (record): record is { task_id: string; candidate_agents: string[] } => record.task_id !== undefined,
    );
}

function copyOfLegacyLog(name: string): string {
  const db = join(dir, name);
  copyFileSync(new URL('audit.db', fixture), db);
  return db;
}

describe('a log from before bids became blobs', () => {
  it('exports exactly what the older code exported, and verifies', async () => {
    const db = copyOfLegacyLog('export.db');
    const run = await cli(['export', '--db', db]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(readFileSync(new URL('export.jsonl', fixture), 'utf8'));
    expect((await cli(['verify', '--db', db])).stdout).toMatch(/^all 4 records verify; head hash 67aeacbb/);
  });

  it('answers agent queries from the migrated bidder index, and takes outcomes for old decisions', async () => {
    const db = copyOfLegacyLog('query.db');
    const history = await cli(['history', '--agent', 'helm', '--db', db, '--json']);
    const tasks = historyRecords(history.stdout).map((d) => d.task_id);
    // helm bid on two tasks and, as a registered persona, was scored in all four.
    expect(tasks).toHaveLength(4);
    // Decision 4 selected helm; forge bid and lost; decision 2 selected nobody; forge did not bid on it.
    expect((await cli(['outcome', '4', 'helm', 'failed', '--db', db])).code).toBe(0);
    expect((await cli(['outcome', '4', 'forge', 'failed', '--db', db])).stderr).toMatch(
      /was not selected by decision 4 \(helm was\)/,
    );
    expect((await cli(['outcome', '2', 'mace', 'failed', '--db', db])).stderr).toMatch(
      /decision 2 selected no agent/,
    );
    expect((await cli(['outcome', '2', 'forge', 'failed', '--db', db])).stderr).toMatch(
      /was not a candidate/,
    );
  });

  it('extends the chain in the new format, and the whole log verifies', async () => {
    const db = copyOfLegacyLog('extend.db');
    expect(
      (
        await cli([
          'route',
          'Fix the flaky test',
          '--bid',
          'forge=30',
          '--bid',
          'mace=60',
          '--max-bid',
          '40',
          '--db',
          db,
        ])
      ).code,
    ).toBe(0);
    const verify = await cli(['verify', '--db', db]);
    expect(verify.stdout).toMatch(/^all 5 records verify/);
    const stats = JSON.parse((await cli(['stats', 'mace', '--db', db, '--json'])).stdout) as { bids: number };
    expect(stats.bids).toBe(2);
    const history = await cli(['history', '--agent', 'mace', '--db', db, '--json']);
    const bidOn = historyRecords(history.stdout).filter((d) => d.candidate_agents.includes('mace'));
    expect(bidOn).toHaveLength(2);
  });
});

/**
 * A log whose bids blobs are of the first, fixed-width form (test/fixtures/bid-blobs-v1), one record of
 * it bounded: today's code writes compact blobs, and must read, export, verify and extend the older
 * ones as they were.
 */
describe('a log of first-form bids blobs', () => {
  const v1 = new URL('../fixtures/bid-blobs-v1/', import.meta.url);
  const copyOfV1Log = (name: string): string => {
    const db = join(dir, name);
    copyFileSync(new URL('audit.db', v1), db);
    return db;
  };

  it('exports exactly what the older code exported, and verifies', async () => {
    const db = copyOfV1Log('v1-export.db');
    const run = await cli(['export', '--db', db]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(readFileSync(new URL('export.jsonl', v1), 'utf8'));
    expect((await cli(['verify', '--db', db])).stdout).toMatch(/^all 5 records verify; head hash 00d809a4/);
  });

  it('extends the chain with compact blobs, and both forms read and verify side by side', async () => {
    const db = copyOfV1Log('v1-extend.db');
    const run = await cli([
      'route',
      'Fix the login bug in the auth service',
      '--bid',
      'forge=45',
      '--bid',
      'quill=70',
      '--bid',
      'drifter=5',
      '--allow-unregistered',
      '--max-bid',
      '60',
      '--task-id',
      'v2-a',
      '--db',
      db,
    ]);
    expect(run.code).toBe(0);
    expect((await cli(['verify', '--db', db])).stdout).toMatch(/^all 6 records verify/);
    const handle = new Database(db, { readonly: true });
    const blobs = handle
      .prepare('SELECT task_id, hex(substr(bids, 1, 4)) AS head FROM decisions ORDER BY seq')
      .all();
    handle.close();
    expect(blobs.at(-1)).toEqual({ task_id: 'v2-a', head: 'FFFFFFFF' });
    expect(blobs.slice(0, 5).every((row) => (row as { head: string }).head !== 'FFFFFFFF')).toBe(true);
    const history = historyRecords(
      (await cli(['history', '--agent', 'drifter', '--db', db, '--json'])).stdout,
    );
    expect(history.map((d) => d.task_id)).toEqual(['v2-a', 'v1-a']);
    const exported = (await cli(['export', '--db', db])).stdout.split('\n');
    expect(exported.slice(0, 5).join('\n')).toBe(readFileSync(new URL('export.jsonl', v1), 'utf8').trimEnd());
  });
});

/**
 * Before migration 0007 every bid had a row in the bidder index (`candidates`); since, only bids from
 * agents outside the decision's roster do. A log in the older shape is rebuilt here from one written
 * now, by adding the rows the older code wrote and forgetting that 0007 ran.
 */
describe('a log from before the bidder index kept only outside bidders', () => {
  it('drops the rows the rosters already answer for, and queries and verifies as before', async () => {
    const db = join(dir, 'pre-0007.db');
    const bids = [
      ['forge=30', 'quill=45'],
      ['quill=20', 'drifter=70'],
      ['seer=50', 'drifter=60', 'forge=10'],
    ];
    for (const [i, pair] of bids.entries()) {
      const args = ['route', `Review the release notes ${i}`, '--allow-unregistered', '--db', db];
      for (const bid of pair) args.push('--bid', bid);
      expect((await cli(args)).code).toBe(0);
    }
    const historyOf = async (agent: string) =>
      historyRecords((await cli(['history', '--agent', agent, '--db', db, '--json'])).stdout).map(
        (d) => d.task_id,
      );
    const before = { forge: await historyOf('forge'), drifter: await historyOf('drifter') };
    expect(before.forge).toHaveLength(3); // a registered persona is scored in every decision
    expect(before.drifter).toHaveLength(2); // an unregistered bidder only where it bid

    const handle = new Database(db);
    const rowsNow = () => (handle.prepare('SELECT count(*) AS n FROM candidates').get() as { n: number }).n;
    expect(rowsNow()).toBe(2);
    const blobs = handle.prepare('SELECT seq, bids FROM decisions').all() as { seq: number; bids: Buffer }[];
    const insert = handle.prepare('INSERT OR IGNORE INTO candidates (agent_key, seq) VALUES (?, ?)');
    for (const row of blobs) for (const bid of decodeBids(row.bids)) insert.run(bid.agentKey, row.seq);
    expect(rowsNow()).toBe(7);
    handle.prepare('DELETE FROM schema_migrations WHERE version = 7').run();
    handle.close();

    // Opening the file migrates it; the older shape's rows for roster members are gone.
    expect((await cli(['verify', '--db', db])).stdout).toMatch(/^all 3 records verify/);
    const reopened = new Database(db, { readonly: true });
    const rows = reopened.prepare('SELECT agent_key, seq FROM candidates ORDER BY seq').all();
    const drifterKey = (
      reopened.prepare("SELECT agent_key FROM agent_keys WHERE agent_id = 'drifter'").get() as {
        agent_key: number;
      }
    ).agent_key;
    reopened.close();
    expect(rows).toEqual([
      { agent_key: drifterKey, seq: 2 },
      { agent_key: drifterKey, seq: 3 },
    ]);
    expect({ forge: await historyOf('forge'), drifter: await historyOf('drifter') }).toEqual(before);
    // drifter is still a candidate of decision 3 (one nobody won: an outside bidder matches nothing),
    // quill never was.
    expect((await cli(['outcome', '3', 'drifter', 'completed', '--db', db])).stderr).toMatch(
      /decision 3 selected no agent/,
    );
    expect((await cli(['outcome', '3', 'quill', 'completed', '--db', db])).stderr).toMatch(
      /was not a candidate/,
    );
  });
});
