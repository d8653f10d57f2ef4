import { afterEach, describe, expect, it } from 'vitest';
import { createRouter } from '../../src/router/create-router.js';
import type { Router } from '../../src/router/router.js';
import { createStore } from '../../src/store/create-store.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

const dir = tempDir();
const routers: Router[] = [];
afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

function openRouter(path: string): Router {
  const router = createRouter({
    store: createStore({ location: path }),
    scorer: 'default',
    clock: new FakeClock(Date.UTC(2026, 0, 1)),
  });
  routers.push(router);
  for (const agentId of ['ops-a', 'ops-b']) {
    router.registerAgent({
      agentId,
      agentName: agentId,
      capabilities: ['devops'],
      keywords: [],
      rateSats: 10,
    });
  }
  return router;
}

const bids = [
  { agentId: 'ops-a', bidSats: 10 },
  { agentId: 'ops-b', bidSats: 10 },
];

describe('outcomes: recorded, learned from, and restored after a restart', () => {
  it('moves an agent up for the kind of text it completes, and keeps a track record', async () => {
    const path = tempDbPath(dir);
    const router = openRouter(path);
    const before = Array.from(router.decide({ description: 'rotate the vault tokens', bids }).capability);
    expect(before[0]).toBe(before[1]);
    for (let i = 0; i < 3; i++) {
      const decision = await router.route({ description: `rotate the vault tokens ${i}`, bids });
      await router.recordOutcome({ seq: decision.seq, agentId: 'ops-a', status: 'failed', durationMs: 50 });
      await router.recordOutcome({
        seq: decision.seq,
        agentId: 'ops-b',
        status: 'completed',
        durationMs: 100,
      });
    }
    const after = Array.from(router.decide({ description: 'vault tokens expired', bids }).capability);
    expect(after[1]).toBeGreaterThan(after[0] as number);
    expect(router.agentRecord('ops-b')).toMatchObject({ outcomes: 3, completed: 3, averageDurationMs: 100 });
    expect(router.agentRecord('ops-a').successRate).toBeLessThan(router.agentRecord('ops-b').successRate);
    expect(router.agentRecord('new-agent')).toMatchObject({ outcomes: 0, successRate: 0.5 });

    // A new process on the same log learns the same things back from the store.
    const restarted = openRouter(path);
    expect(await restarted.restoreLearning()).toBe(6);
    expect(Array.from(restarted.decide({ description: 'vault tokens expired', bids }).capability)).toEqual(
      after,
    );
    expect(restarted.agentRecord('ops-b')).toEqual(router.agentRecord('ops-b'));
    await expect(restarted.restoreLearning()).rejects.toThrow(TypeError);
  });

  it('refuses malformed reports, naming the field, and learns nothing from refused ones', async () => {
    const router = openRouter(tempDbPath(dir));
    const decision = await router.route({ description: 'deploy the cluster', bids });
    const bad = [
      [{ seq: 0, agentId: 'ops-a', status: 'completed' }, /seq/],
      [{ seq: decision.seq, agentId: '', status: 'completed' }, /agent_id/],
      [{ seq: decision.seq, agentId: 'ops-a', status: 'done' }, /status must be one of completed, failed/],
      [{ seq: decision.seq, agentId: 'ops-a', status: 'failed', durationMs: -1 }, /duration_ms/],
    ] as const;
    for (const [report, message] of bad) {
      // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed input
      await expect(router.recordOutcome(report as any)).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringMatching(message),
      });
    }
    await expect(
      router.recordOutcome({ seq: 99, agentId: 'ops-a', status: 'completed' }),
    ).rejects.toMatchObject({
      code: 'unknown_decision',
    });
    expect(router.agentRecord('ops-a').outcomes).toBe(0);
  });
});
