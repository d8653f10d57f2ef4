import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agent } from '../../test/helpers/manifest.js';
import { AgentRegistry } from '../manifest/agent-registry.js';
import type { RosterFacts } from '../policy/policy.js';
import { AgentState } from './agent-state.js';
import { RosterView } from './roster-view.js';

// Few ids, so that changes often meet the same agents.
const ids = ['a', 'b', 'c', 'd'];
const step = fc.oneof(
  fc.record({
    op: fc.constant('register' as const),
    id: fc.constantFrom(...ids),
    rate: fc.integer({ min: 1, max: 100 }),
    limit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    tag: fc.constantFrom('Alpha', 'beta', 'GAMMA'),
  }),
  fc.record({ op: fc.constant('unregister' as const), id: fc.constantFrom(...ids) }),
  fc.record({
    op: fc.constant('load' as const),
    id: fc.constantFrom(...ids),
    n: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ op: fc.constant('online' as const), id: fc.constantFrom(...ids), online: fc.boolean() }),
  fc.record({ op: fc.constant('outcome' as const), id: fc.constantFrom(...ids), ok: fc.boolean() }),
  fc.record({ op: fc.constant('catchUp' as const) }),
);

/** The first `n` facts, as plain values. */
function factsOf(facts: RosterFacts, n: number) {
  const take = (array: ArrayLike<number>) => Array.from({ length: n }, (_, i) => array[i]);
  return {
    tags: facts.capabilityTags.slice(0, n).map((tags) => [...tags]),
    rate: take(facts.rateSats),
    limit: take(facts.maxConcurrency),
    inFlight: take(facts.inFlight),
    offline: take(facts.offline),
    success: take(facts.successRate),
    duration: take(facts.averageDurationMs),
    mayRefuse: facts.mayRefuse,
  };
}

describe('RosterView', () => {
  it('after any changes, shows what a rebuild from the registry shows: ids, positions and facts', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const registry = new AgentRegistry();
        const state = new AgentState();
        const view = new RosterView(registry, state);
        // The same live state, applied to a state that only ever rebuilds.
        const rebuilt = new AgentState();
        const check = () => {
          view.catchUp();
          const agents = registry.list();
          expect(view.liveIds).toEqual(agents.map((a) => a.agentId));
          expect(view.frozenIds()).toEqual(view.liveIds);
          expect([...view.positionOf]).toEqual(agents.map((a, i) => [a.agentId, i]));
          rebuilt.useRoster(agents, new Map(agents.map((a, i) => [a.agentId, i])));
          expect(factsOf(state.facts, agents.length)).toEqual(factsOf(rebuilt.facts, agents.length));
        };
        for (const s of steps) {
          if (s.op === 'register') {
            registry.register(
              agent(s.id, {
                rateSats: s.rate,
                capabilities: [s.tag],
                ...(s.limit === undefined ? {} : { maxConcurrency: s.limit }),
              }),
            );
          } else if (s.op === 'unregister') registry.unregister(s.id);
          else if (s.op === 'catchUp') check();
          else {
            view.catchUp(); // live state is reported against the roster as the router holds it
            for (const target of [state, rebuilt]) {
              if (s.op === 'load') target.setLoad(s.id, s.n);
              else if (s.op === 'online') target.setOnline(s.id, s.online);
              else target.recordOutcome(s.id, s.ok ? 'completed' : 'failed', s.ok ? 100 : undefined);
            }
          }
        }
        check();
        view.close();
      }),
      { numRuns: 400 },
    );
  });

  it('rebuilds after a burst of more changes than it applies one by one', () => {
    const registry = new AgentRegistry();
    const state = new AgentState();
    const view = new RosterView(registry, state);
    view.catchUp();
    for (let i = 0; i < 600; i++) registry.register(agent(`agent-${i}`));
    for (let i = 0; i < 600; i += 2) registry.unregister(`agent-${i}`);
    expect(view.catchUp()).toBe(true);
    expect(view.liveIds).toEqual(registry.list().map((a) => a.agentId));
    expect(view.positionOf.get('agent-599')).toBe(299);
    expect(view.catchUp()).toBe(false);
  });
});
