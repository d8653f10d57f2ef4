import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh directory under the OS temp dir, removed when the test file finishes. */
export function tempDir(prefix = 'swarm-router-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;
/** A database path that no other test uses. */
export function tempDbPath(dir: string): string {
  counter++;
  return join(dir, `log-${process.pid}-${counter}.db`);
}
