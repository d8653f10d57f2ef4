import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { finished, listeningAddress, spawnCli } from '../helpers/spawn-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

const dir = tempDir();

describe('swarm-router serve', () => {
  it('refuses to listen beyond loopback without an admin token, and says why', async () => {
    const run = await finished(
      spawnCli(['serve', '--host', '0.0.0.0', '--db', tempDbPath(dir)], { SWARM_ROUTER_ADMIN_TOKEN: '' }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('refusing to listen on 0.0.0.0 without an admin token');
    expect(run.stderr).toContain('SWARM_ROUTER_ADMIN_TOKEN');
  });

  it('refuses a rate limit it cannot read, naming the setting', async () => {
    const run = await finished(
      spawnCli(['serve', '--port', '0', '--db', tempDbPath(dir)], { SWARM_ROUTER_RATE_LIMIT: 'lots' }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "--rate-limit (SWARM_ROUTER_RATE_LIMIT): expected a count per window such as 3000/10s or 50/1m, or off, got 'lots'",
    );
  });

  it('refuses to start with an admin token under 32 characters, says why and how to make one', async () => {
    const db = tempDbPath(dir);
    const run = await finished(
      spawnCli(['serve', '--port', '0', '--db', db], { SWARM_ROUTER_ADMIN_TOKEN: 'admin-secret' }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the admin token (SWARM_ROUTER_ADMIN_TOKEN) is 12 characters long');
    expect(run.stderr).toContain('at least 32');
    expect(run.stderr).toContain('openssl rand -hex 32');
    expect(run.stderr).not.toContain('admin-secret');
    expect(existsSync(db)).toBe(false); // refused before anything was opened
  });

  it('serves on a free port, answers, and shuts down cleanly on SIGTERM', async () => {
    const child = spawnCli(['serve', '--port', '0', '--db', tempDbPath(dir)]);
    const done = finished(child);
    const address = await listeningAddress(child);
    const health = await fetch(`${address}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', decisions: 0 });
    const routed = await fetch(`${address}/v1/route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'audit the firewall', bids: [{ agent_id: 'mace', bid_sats: 20 }] }),
    });
    expect(((await routed.json()) as { selected_agent: string }).selected_agent).toBe('mace');
    child.kill('SIGTERM');
    const run = await done;
    expect(run.code).toBe(0);
  });

  it('on a port another process holds, says so and exits, leaving the log as it was', async () => {
    const first = spawnCli(['serve', '--port', '0', '--db', tempDbPath(dir)]);
    const firstDone = finished(first);
    const port = new URL(await listeningAddress(first)).port;
    try {
      // Exits by itself: before, the opened service's timers kept the process up after the error.
      const run = await finished(spawnCli(['serve', '--port', port, '--db', tempDbPath(dir)]));
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `swarm-router: cannot listen on 127.0.0.1:${port}: port ${port} is in use by another process (stop it, or pass another --port)\n`,
      );
    } finally {
      first.kill('SIGTERM');
      await firstDone;
    }
  });
});
