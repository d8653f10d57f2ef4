import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/run-cli.js';
import { fixturePath } from '../helpers/seed-fixtures.js';
import { finished, spawnCli } from '../helpers/spawn-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

const dir = tempDir();

describe('a crash never leaves a half-written decision', () => {
  it('kill -9 during a batch: every printed decision is in the log, whole, and the chain verifies', async () => {
    const workload = join(dir, 'personas-20k.jsonl');
    writeFileSync(workload, gunzipSync(readFileSync(fixturePath('workload-personas-20k.jsonl.gz'))));
    const db = tempDbPath(dir);
    const child = spawnCli(['route', '--batch', workload, '--db', db]);
    const done = finished(child);
    let printed = 0;
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        printed += chunk.toString().split('\n').length - 1;
        if (printed >= 3000 && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('close', () => resolve());
    });
    const result = await done;
    expect(result.signal).toBe('SIGKILL');

    const verify = await cli(['verify', '--db', db, '--json']);
    const report = JSON.parse(verify.stdout);
    expect(report.ok).toBe(true);
    // Decisions are printed only after their transaction commits, so nothing printed can be missing.
    expect(report.records_verified).toBeGreaterThanOrEqual(printed);
    // Batches commit whole chunks of 1,000; a kill lands between commits or rolls one back.
    expect(report.records_verified % 1000).toBe(0);
    // Counters were written in the same transactions as the records they count.
    const stats = JSON.parse((await cli(['stats', 'forge', '--db', db, '--json'])).stdout);
    expect(stats.tasks_considered).toBe(report.records_verified);
    // And the log goes on from where it stopped.
    const again = await cli(['route', 'Fix the bug', '--bid', 'forge=10', '--db', db, '--json']);
    expect(JSON.parse(again.stdout).seq).toBe(report.records_verified + 1);
  });
});
