import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { decodeBids, type EncodedBid, encodeBids } from '../../src/store/record-rows.js';
import { cli } from '../helpers/run-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/** Edit the SQLite file behind the router's back; `verify` must name the first record that changed. */
const dir = tempDir();

async function logOfFive(): Promise<string> {
  const db = tempDbPath(dir);
  for (let i = 1; i <= 5; i++) {
    const run = await cli([
      'route',
      `Fix bug ${i}`,
      '--bid',
      'forge=40',
      '--bid',
      `quill=${30 + i}`,
      // An unregistered bidder: the one kind with a row of its own in the bidder index (migration 0007).
      '--bid',
      `drifter=${90 + i}`,
      '--allow-unregistered',
      '--task-id',
      `t${i}`,
      '--db',
      db,
    ]);
    expect(run.code).toBe(0);
  }
  expect((await cli(['verify', '--db', db])).stdout).toMatch(/^all 5 records verify/);
  return db;
}

/** Rewrites one record's bid blob through `edit`. */
function tamperBids(db: string, seq: number, edit: (bids: EncodedBid[]) => void): void {
  const handle = new Database(db);
  const row = handle.prepare('SELECT bids FROM decisions WHERE seq = ?').get(seq) as { bids: Buffer };
  const bids = decodeBids(row.bids);
  edit(bids);
  const keys = bids.map((b) => b.agentKey);
  handle.prepare('UPDATE decisions SET bids = ? WHERE seq = ?').run(encodeBids(bids, keys), seq);
  handle.close();
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function tamper(db: string, sql: string): void {
  const handle = new Database(db);
  handle.pragma('foreign_keys = OFF'); // an attacker editing the file is not bound by them
  const changes = handle.prepare(sql).run().changes;
  handle.close();
  expect(changes).toBeGreaterThan(0);
}

describe('verify detects tampering', () => {
  it.each([
    {
      what: 'an edited task description',
      sql: "UPDATE decisions SET description = 'Nothing to see' WHERE seq = 3",
      bad: 3,
    },
    {
      what: 'an edited selection reason',
      sql: "UPDATE decisions SET reason = reason || '!' WHERE seq = 4",
      bad: 4,
    },
    {
      what: 'a changed winner',
      sql: "UPDATE decisions SET selected_key = (SELECT agent_key FROM agent_keys WHERE agent_id = 'quill') WHERE seq = 2",
      bad: 2,
    },
    {
      what: 'an edited capability score',
      sql: 'UPDATE decisions SET capability = zeroblob(12) WHERE seq = 2',
      bad: 2,
    },
    {
      what: 'a roster pointing at agents that do not exist',
      sql: 'UPDATE rosters SET members = zeroblob(24)',
      bad: 1,
    },
    { what: 'a deleted policy', sql: 'DELETE FROM policies', bad: 1 },
    {
      what: 'a renamed agent',
      sql: "UPDATE agent_keys SET agent_id = 'evil' WHERE agent_id = 'echo'",
      bad: 1,
    },
    {
      // `||` makes the value text: reads must not fail on it, and verify must name the record.
      what: 'capability scores turned into text',
      sql: "UPDATE decisions SET capability = capability || X'AB' WHERE seq = 3",
      bad: 3,
    },
    {
      what: 'capability scores with a byte appended that means nothing',
      sql: "UPDATE decisions SET capability = CAST(capability || X'AB' AS BLOB) WHERE seq = 3",
      bad: 3,
    },
    {
      what: 'a bids blob cut short',
      sql: 'UPDATE decisions SET bids = substr(bids, 1, length(bids) - 3) WHERE seq = 2',
      bad: 2,
    },
    {
      what: 'a bids blob of the first form whose count is more than it holds',
      sql: "UPDATE decisions SET bids = X'0500000001' WHERE seq = 4",
      bad: 4,
    },
    {
      what: 'bids turned into text',
      sql: "UPDATE decisions SET bids = bids || X'AB' WHERE seq = 3",
      bad: 3,
    },
    { what: 'an edited timestamp', sql: 'UPDATE decisions SET ts_ms = ts_ms + 1 WHERE seq = 4', bad: 4 },
    { what: 'a forged hash', sql: 'UPDATE decisions SET hash = zeroblob(32) WHERE seq = 2', bad: 2 },
  ])('names the record after $what', async ({ sql, bad }) => {
    const db = await logOfFive();
    tamper(db, sql);
    const run = await cli(['verify', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^record #${bad} \\(decision [0-9a-f-]{36}\\) does not verify: its content does not match its hash`,
      ),
    );
    expect(run.stdout).toContain(`${bad - 1} records before it verify`);
  });

  // A decision's bids are one blob on its row (migration 0004): edited here through the same codec.
  it.each([
    {
      what: "an edited bidder's combined score",
      seq: 3,
      edit: (bids: EncodedBid[]) => Object.assign(bids[1] as EncodedBid, { combined: 0.99 }),
    },
    {
      what: 'an edited bid',
      seq: 5,
      edit: (bids: EncodedBid[]) => Object.assign(bids[0] as EncodedBid, { bidSats: 1 }),
    },
    { what: 'a removed bid', seq: 3, edit: (bids: EncodedBid[]) => bids.splice(1, 1) },
    {
      what: 'a bid marked refused after the fact',
      seq: 3,
      edit: (bids: EncodedBid[]) => Object.assign(bids[1] as EncodedBid, { rejection: 'are offline' }),
    },
    {
      what: 'an edited signal value',
      seq: 2,
      edit: (bids: EncodedBid[]) => (bids[0] as EncodedBid).signals.splice(0, 1, 0.123),
    },
  ])('names the record after $what', async ({ seq, edit }) => {
    const db = await logOfFive();
    tamperBids(db, seq, edit);
    const run = await cli(['verify', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^record #${seq} \\(decision [0-9a-f-]{36}\\) does not verify`));
    expect(run.stdout).toContain(`${seq - 1} records before it verify`);
  });

  it('names the record whose refusal reason was erased', async () => {
    const db = tempDbPath(dir);
    for (let i = 1; i <= 3; i++) {
      const args = [
        'route',
        `Fix bug ${i}`,
        '--bid',
        'forge=40',
        '--bid',
        'quill=60',
        '--max-bid',
        '50',
        '--db',
        db,
      ];
      expect((await cli(args)).code).toBe(0);
    }
    const handle = new Database(db, { readonly: true });
    const blobs = handle.prepare('SELECT bids FROM decisions ORDER BY seq').all() as { bids: Buffer }[];
    handle.close();
    expect(blobs.map((row) => decodeBids(row.bids).map((bid) => bid.rejection))).toEqual(
      [1, 2, 3].map(() => [null, 'bid above max_bid_sats']),
    );
    expect((await cli(['verify', '--db', db])).stdout).toMatch(/^all 3 records verify/);
    tamperBids(db, 2, (bids) => Object.assign(bids[1] as EncodedBid, { rejection: null }));
    const run = await cli(['verify', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^record #2 \(decision [0-9a-f-]{36}\) does not verify/);
  });

  it.each([
    {
      what: 'an edited win counter',
      sql: "UPDATE agent_counters SET won = won + 1 WHERE agent_key = (SELECT agent_key FROM agent_keys WHERE agent_id = 'forge')",
      says: 'counters for forge disagree with the records: won 6 (records say 5)',
    },
    {
      what: 'a removed bidder index row',
      sql: "DELETE FROM candidates WHERE seq = 4 AND agent_key = (SELECT agent_key FROM agent_keys WHERE agent_id = 'drifter')",
      says: "bidder index disagrees with the records' bids: 4 rows for 5 bids from outside the roster",
    },
    {
      what: 'a bidder index row pointing at another decision',
      sql: "UPDATE candidates SET seq = 99 WHERE seq = 4 AND agent_key = (SELECT agent_key FROM agent_keys WHERE agent_id = 'drifter')",
      says: "bidder index disagrees with the records' bids: 5 rows for 5 bids from outside the roster (same count, different rows)",
    },
    {
      what: 'a bidder index row for a bidder its roster names',
      sql: "INSERT INTO candidates (agent_key, seq) SELECT agent_key, 4 FROM agent_keys WHERE agent_id = 'quill'",
      says: "bidder index disagrees with the records' bids: 6 rows for 5 bids from outside the roster",
    },
    {
      what: 'a removed roster membership row',
      sql: "DELETE FROM roster_members WHERE agent_key = (SELECT agent_key FROM agent_keys WHERE agent_id = 'helm')",
      says: 'roster membership index disagrees with the rosters: 1 missing, 0 extra rows',
    },
  ])('reports $what although every record verifies', async ({ sql, says }) => {
    const db = await logOfFive();
    tamper(db, sql);
    const run = await cli(['verify', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^all 5 records verify, but what is kept beside them does not:\n  - ${escapeRegExp(says)}\nledger: all 1 entries verify; head hash [0-9a-f]{64}\n$`,
      ),
    );
  });

  it('names the record after a deleted one', async () => {
    const db = await logOfFive();
    tamper(db, 'DELETE FROM decisions WHERE seq = 3');
    const run = await cli(['verify', '--db', db, '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      records_verified: 2,
      first_bad: { seq: 4, problem: 'records 3..3 are missing before it' },
    });
  });
});
