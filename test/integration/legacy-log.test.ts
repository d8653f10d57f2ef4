import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
    expect((await cli(['outcome', '2', 'mace', 'failed', '--db', db])).code).toBe(0);
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
