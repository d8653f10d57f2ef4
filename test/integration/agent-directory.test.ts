import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentManifest } from '../../src/manifest/manifest.js';
import { createRouter } from '../../src/router/create-router.js';
import { AgentDirectory } from '../../src/service/agent-directory.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * The agent directory on a real store: two directories on one SQLite file stand for two instances
 * on one database (without PostgreSQL's announcements, so only reading through makes them agree).
 */
const dir = tempDir();
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function openDirectory(path: string): Promise<AgentDirectory> {
  return (await openOn(new SqliteStore({ path }))).directory;
}

/** A directory on this store (closed after the test), and its clock. */
async function openOn(store: Store): Promise<{ directory: AgentDirectory; clock: FakeClock }> {
  stores.push(store);
  const clock = new FakeClock();
  const router = createRouter({ store, clock });
  return { directory: await AgentDirectory.open({ router, store, clock, offlineAfterMs: 30_000 }), clock };
}

/** The SQLite store, counting how often it is asked for an agent by token hash. */
class CountingStore extends SqliteStore {
  tokenReads = 0;
  override async agentByTokenHash(tokenHash: string) {
    this.tokenReads++;
    return super.agentByTokenHash(tokenHash);
  }
}

/** The SQLite store, counting heartbeat writes. */
class BeatCountingStore extends SqliteStore {
  singleBeats = 0;
  batches = 0;
  override async recordHeartbeat(agentId: string, atMs: number) {
    this.singleBeats++;
    return super.recordHeartbeat(agentId, atMs);
  }
  override async recordHeartbeats(agentIds: readonly string[], atMs: number) {
    this.batches++;
    return super.recordHeartbeats(agentIds, atMs);
  }
}

const manifest = (agentId: string, rateSats = 10): AgentManifest => ({
  agentId,
  agentName: agentId,
  capabilities: ['security'],
  keywords: ['audit'],
  rateSats,
});

describe('AgentDirectory', () => {
  it('records the heartbeats of many agents in one write, passing over those removed elsewhere', async () => {
    const path = tempDbPath(dir);
    const store = new BeatCountingStore({ path });
    const { directory: a, clock } = await openOn(store);
    const b = await openDirectory(path);
    for (const id of ['tool-1', 'tool-2', 'tool-3']) await a.register(manifest(id));
    await b.register(manifest('elsewhere')); // registered through the other instance: not known to A yet
    await b.remove('tool-3'); // removed through the other instance: A still holds it
    clock.advance(40_000);
    a.refreshStatuses();
    expect(a.get('tool-1').status).toBe('offline');
    await a.heartbeatAll(['tool-1', 'tool-2', 'tool-3', 'elsewhere', 'never-registered']);
    expect(store.batches).toBe(1);
    expect(store.singleBeats).toBe(0);
    expect(a.get('tool-1').status).toBe('online');
    expect(a.get('tool-2').lastHeartbeatMs).toBe(clock.now());
    expect(a.get('elsewhere').lastHeartbeatMs).toBe(clock.now());
    expect(a.has('never-registered')).toBe(false);
    // tool-3 was gone from the store: not brought back, and no longer held here (as heartbeat does).
    expect(await store.getAgent('tool-3')).toBeUndefined();
    expect(a.has('tool-3')).toBe(false);
  });

  it('finds the holder of any token by its hash, through either instance, and no holder for any other', async () => {
    const path = tempDbPath(dir);
    const directories = [await openDirectory(path), await openDirectory(path)];
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(0, 1), { minLength: 1, maxLength: 8 }),
        fc.array(fc.string({ minLength: 1, maxLength: 60 }), { maxLength: 5 }),
        async (registeredThrough, guesses) => {
          run++;
          const tokens = new Map<string, string>();
          for (const [i, via] of registeredThrough.entries()) {
            const agentId = `agent-${run}-${i}`;
            const { token } = await (directories[via] as AgentDirectory).register(manifest(agentId));
            tokens.set(token, agentId);
          }
          for (const directory of directories) {
            for (const [token, agentId] of tokens) expect(await directory.agentOfToken(token)).toBe(agentId);
            for (const guess of guesses) expect(await directory.agentOfToken(guess)).toBeUndefined();
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('forgets a removed agent’s token, and takes its new one when it is registered again elsewhere', async () => {
    const path = tempDbPath(dir);
    const [a, b] = [await openDirectory(path), await openDirectory(path)];
    const first = (await a.register(manifest('phoenix'))).token;
    expect(await b.agentOfToken(first)).toBe('phoenix');
    await a.remove('phoenix');
    expect(await a.agentOfToken(first)).toBeUndefined();
    const second = (await a.register(manifest('phoenix', 7))).token;
    // B still holds the first registration: the new token is a miss, read through, and replaces it.
    expect(await b.agentOfToken(second)).toBe('phoenix');
    expect(await b.agentOfToken(first)).toBeUndefined();
    expect(b.get('phoenix').manifest.rateSats).toBe(7);
  });

  it('asks the store about an unknown token once, and never about one that no agent could hold', async () => {
    const path = tempDbPath(dir);
    const store = new CountingStore({ path });
    const { directory } = await openOn(store);
    const wellFormed = 'A'.repeat(43);
    for (let i = 0; i < 5; i++) expect(await directory.agentOfToken(wellFormed)).toBeUndefined();
    await Promise.all([1, 2, 3].map(() => directory.agentOfToken('B'.repeat(43))));
    expect(store.tokenReads).toBe(2);
    for (const malformed of ['guess', 'A'.repeat(44), `${'A'.repeat(42)}=`, 'admin-secret']) {
      expect(await directory.agentOfToken(malformed)).toBeUndefined();
    }
    expect(store.tokenReads).toBe(2);
  });

  it('never lets a full re-read begun before a change made here undo that change', async () => {
    const path = tempDbPath(dir);
    const directory = await openDirectory(path);
    // Many agents first, so that the re-read takes several slices and reaches these after yielding.
    for (let i = 0; i < 1_200; i++) await directory.register(manifest(`filler-${i}`));
    await directory.register(manifest('kept'));
    await directory.register(manifest('removed'));
    const syncing = directory.sync(); // reads the agents now, takes them in slices after
    const { token } = await directory.register(manifest('added'));
    await directory.update('kept', (current) => ({ ...current, rateSats: 99 }));
    await directory.remove('removed');
    await syncing;
    expect(directory.get('added').source).toBe('registered');
    expect(await directory.agentOfToken(token)).toBe('added');
    expect(directory.get('kept').manifest.rateSats).toBe(99);
    expect(() => directory.get('removed')).toThrow(/not registered/);
    await directory.sync(); // and the next re-read, begun after, agrees
    expect(directory.get('kept').manifest.rateSats).toBe(99);
    expect(() => directory.get('removed')).toThrow(/not registered/);
  });
});
