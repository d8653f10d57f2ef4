import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The built bin, run as a user would after `npm install` (which builds dist/ through `prepare`;
 * `npm test` rebuilds it first through `pretest`).
 */
const bin = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

describe('the swarm-router bin', () => {
  it('exists: run npm run build if this fails', () => {
    expect(existsSync(bin)).toBe(true);
  });

  it('routes a task and exits 0', () => {
    const out = execFileSync(process.execPath, [
      bin,
      'route',
      'Fix the bug in the auth code',
      '--bid',
      'forge=50',
      '--no-log',
    ]);
    expect(out.toString()).toContain('→ forge: Selected forge');
  });

  it('prints a one-line error, no stack trace, and exits non-zero on bad input', () => {
    const run = spawnSync(process.execPath, [bin, 'route', 'x', '--bid', 'forge=abc', '--no-log']);
    expect(run.status).toBe(2);
    expect(run.stderr.toString()).toBe(
      "swarm-router: --bid: expected agent=sats with sats an integer ≥ 0, got 'forge=abc' (see swarm-router route --help)\n",
    );
  });
});
