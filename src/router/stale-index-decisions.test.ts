import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { agent } from '../../test/helpers/manifest.js';
import { isRouterError } from '../kernel/errors.js';
import { createRouter } from './create-router.js';
import type { Router } from './router.js';

const routers: Router[] = [];
afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

const ids = ['a', 'b', 'c', 'd', 'e'];
const words = ['billing', 'weather', 'travel', 'legal'];
const step = fc.oneof(
  fc.record({
    op: fc.constant('register' as const),
    id: fc.constantFrom(...ids),
    word: fc.constantFrom(...words),
    limit: fc.option(fc.constant(1), { nil: undefined }),
  }),
  fc.record({ op: fc.constant('unregister' as const), id: fc.constantFrom(...ids) }),
  fc.record({ op: fc.constant('offline' as const), id: fc.constantFrom(...ids), offline: fc.boolean() }),
  fc.record({
    op: fc.constant('load' as const),
    id: fc.constantFrom(...ids),
    n: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({
    op: fc.constant('decide' as const),
    word: fc.constantFrom(...words),
    bidders: fc.subarray(ids),
    require: fc.option(fc.constantFrom(...words), { nil: undefined }),
  }),
  fc.record({ op: fc.constant('turn' as const) }),
);

describe('decisions while a changed roster is indexed in the background', () => {
  it('name no removed agent, throw only on bids from unknown agents, and apply filters to the roster as it is', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        // Two agents always kept, so that stale scores are carried over to a larger roster too.
        const router = createRouter({ backgroundCompile: true, candidatesKept: 2 });
        routers.push(router);
        const live = new Map<string, { word: string; limit?: number }>();
        const offline = new Set<string>();
        const load = new Map<string, number>();
        for (const s of steps) {
          if (s.op === 'register') {
            router.registerAgent(
              agent(s.id, {
                capabilities: [s.word],
                ...(s.limit === undefined ? {} : { maxConcurrency: s.limit }),
              }),
            );
            live.set(s.id, { word: s.word, ...(s.limit === undefined ? {} : { limit: s.limit }) });
          } else if (s.op === 'unregister') {
            router.registry.unregister(s.id);
            live.delete(s.id);
          } else if (s.op === 'offline') {
            router.setAgentOnline(s.id, !s.offline);
            if (s.offline) offline.add(s.id);
            else offline.delete(s.id);
          } else if (s.op === 'load') {
            router.setAgentLoad(s.id, s.n);
            load.set(s.id, s.n);
          } else if (s.op === 'turn') {
            await new Promise((resolve) => setImmediate(resolve));
          } else {
            const bids = s.bidders.map((agentId) => ({ agentId, bidSats: 10 }));
            const request = {
              description: `${s.word} task`,
              bids,
              ...(s.require === undefined ? {} : { requiredCapabilities: [s.require] }),
            };
            if (s.bidders.some((id) => !live.has(id))) {
              let code: string | undefined;
              try {
                router.decide(request);
              } catch (error) {
                code = isRouterError(error) ? error.code : String(error);
              }
              expect(code).toBe('unknown_agent');
              continue;
            }
            const decision = router.decide(request);
            expect(decision.rosterSize).toBe(live.size);
            for (const id of decision.agentIds) expect(live.has(id)).toBe(true);
            expect(decision.capability.length).toBe(decision.agentIds.length);
            for (const b of decision.bidders) {
              expect(b.capability).toBeGreaterThanOrEqual(0);
              expect(b.capability).toBeLessThanOrEqual(1);
            }
            const winner = decision.selectedAgent;
            if (winner !== null) {
              const facts = live.get(winner) as { word: string; limit?: number };
              expect(s.bidders).toContain(winner);
              expect(offline.has(winner)).toBe(false);
              if (s.require !== undefined) expect(facts.word).toBe(s.require);
              if (facts.limit !== undefined) expect(load.get(winner) ?? 0).toBeLessThan(facts.limit);
            }
          }
        }
        await router.whenCompiled();
      }),
      { numRuns: 150 },
    );
  });
});
