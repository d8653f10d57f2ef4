import fc from 'fast-check';
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
    // No threshold: tasks these agents know no word of still go to one of them, to learn from.
    minCapability: 0,
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
      // Only the winner may report: ops-a gets the task (ops-b left out) and fails it, then ops-b gets
      // it (ops-a left out) and completes it.
      const decision = await router.route({
        description: `rotate the vault tokens ${i}`,
        bids,
        excludedAgents: ['ops-b'],
      });
      await router.recordOutcome({ seq: decision.seq, agentId: 'ops-a', status: 'failed', durationMs: 50 });
      const retry = await router.route({
        description: `rotate the vault tokens ${i}`,
        bids,
        excludedAgents: ['ops-a'],
      });
      await router.recordOutcome({
        seq: retry.seq,
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

  it('takes a report only from the agent the decision selected', async () => {
    const router = openRouter(tempDbPath(dir));
    const won = await router.route({ description: 'deploy the cluster', bids });
    expect(won.selectedAgent).toBe('ops-a');
    // The loser cannot claim the task, completed or failed, before or after the winner reports.
    for (const status of ['completed', 'failed'] as const) {
      await expect(router.recordOutcome({ seq: won.seq, agentId: 'ops-b', status })).rejects.toMatchObject({
        code: 'not_selected',
        message: `agent 'ops-b' was not selected by decision ${won.seq} (ops-a was), so it cannot report its outcome`,
      });
    }
    await router.recordOutcome({ seq: won.seq, agentId: 'ops-a', status: 'completed' });
    await expect(
      router.recordOutcome({ seq: won.seq, agentId: 'ops-b', status: 'completed' }),
    ).rejects.toMatchObject({ code: 'not_selected' });
    // A decision that selected nobody takes no report at all, even from its bidders.
    const none = await router.route({ description: 'deploy the cluster', bids, maxBidSats: 5 });
    expect(none.selectedAgent).toBeNull();
    await expect(
      router.recordOutcome({ seq: none.seq, agentId: 'ops-a', status: 'completed' }),
    ).rejects.toMatchObject({
      code: 'not_selected',
      message: `decision ${none.seq} selected no agent, so no agent can report its outcome`,
    });
    // An agent that did not even bid is still not a candidate.
    await expect(
      router.recordOutcome({ seq: won.seq, agentId: 'stranger', status: 'completed' }),
    ).rejects.toMatchObject({ code: 'not_a_candidate' });
    expect(router.agentRecord('ops-b').outcomes).toBe(0);
    expect(router.agentRecord('ops-a').outcomes).toBe(1);
  });

  it('for any bids, ceiling and reporter: the report is taken if and only if the reporter won', async () => {
    const router = openRouter(tempDbPath(dir));
    const agents = ['ops-a', 'ops-b'];
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(agents),
        fc.array(fc.nat(30), { minLength: 2, maxLength: 2 }),
        fc.option(fc.nat(30), { nil: undefined }),
        fc.constantFrom(...agents),
        fc.constantFrom('completed' as const, 'failed' as const),
        async (bidders, sats, maxBidSats, reporter, status) => {
          const decision = await router.route({
            description: 'deploy the cluster',
            bids: bidders.map((agentId, i) => ({ agentId, bidSats: sats[i] as number })),
            ...(maxBidSats === undefined ? {} : { maxBidSats }),
          });
          const report = router.recordOutcome({ seq: decision.seq, agentId: reporter, status });
          if (reporter === decision.selectedAgent) {
            await expect(report).resolves.toMatchObject({ agentId: reporter, status });
          } else {
            const code = bidders.includes(reporter) ? 'not_selected' : 'not_a_candidate';
            await expect(report).rejects.toMatchObject({ code });
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('failures and the "no suitable agent" threshold', () => {
  it('keeps an agent that failed a task eligible for the next task like it, ranked by its track record', async () => {
    const router = createRouter({
      store: createStore({ location: tempDbPath(dir) }),
      clock: new FakeClock(Date.UTC(2026, 0, 1)),
    });
    routers.push(router);
    router.registerAgent({
      agentId: 'pdf',
      agentName: 'PDF',
      capabilities: ['documents'],
      keywords: ['pdf', 'invoice', 'spreadsheet'],
      rateSats: 10,
    });
    router.registerAgent({
      agentId: 'echo',
      agentName: 'Echo',
      capabilities: ['general'],
      keywords: ['echo'],
      rateSats: 10,
    });
    const route = () =>
      router.route({
        description: 'Convert this PDF invoice into a spreadsheet',
        bids: [
          { agentId: 'pdf', bidSats: 10 },
          { agentId: 'echo', bidSats: 10 },
        ],
      });
    const first = await route();
    expect(first.selectedAgent).toBe('pdf');
    const fit = first.bidders.find((b) => b.agentId === 'pdf')?.capability as number;
    for (let i = 0; i < 5; i++) {
      const decision = await route();
      // Once refused, an agent could never win the task back to show it can do it.
      expect(decision.selectedAgent, decision.selectionReason).toBe('pdf');
      expect(decision.bidders.find((b) => b.agentId === 'pdf')?.capability).toBeGreaterThanOrEqual(
        fit / 2 - 1e-12,
      );
      await router.recordOutcome({ seq: decision.seq, agentId: 'pdf', status: 'failed' });
    }
    expect(router.agentRecord('pdf')).toMatchObject({ outcomes: 5, failed: 5 });
  });
});
