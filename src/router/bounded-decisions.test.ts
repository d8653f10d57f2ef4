import { describe, expect, it } from 'vitest';
import { agent } from '../../test/helpers/manifest.js';
import { createRouter } from './create-router.js';

describe('bounded decisions (createRouter candidatesKept)', () => {
  const router = createRouter({ candidatesKept: 3 });
  // Thirty agents; every fifth declares databases, the rest something else.
  for (let i = 0; i < 30; i++) {
    router.registerAgent(agent(`agent-${i}`, { capabilities: [i % 5 === 0 ? 'database' : `skill${i}`] }));
  }

  it('keeps the bidders and the best-matching others, whatever the previous request bid', () => {
    // A request with many bids first: the router reuses scratch space for bidder positions.
    const many = Array.from({ length: 8 }, (_, i) => ({ agentId: `agent-${i + 1}`, bidSats: 10 }));
    expect(router.decide({ description: 'database', bids: many }).agentIds.length).toBe(8 + 3);
    const decision = router.decide({ description: 'database', bids: [{ agentId: 'agent-7', bidSats: 10 }] });
    expect(decision.rosterSize).toBe(30);
    expect(decision.agentIds).toEqual(['agent-0', 'agent-5', 'agent-7', 'agent-10']);
    expect(decision.capability[0]).toBeGreaterThan(0);
  });

  it('keeps its own copy of the scores: the next decision does not change them', () => {
    const first = router.decide({ description: 'database', bids: [{ agentId: 'agent-5', bidSats: 10 }] });
    const kept = Array.from(first.capability);
    expect(Math.max(...kept)).toBeGreaterThan(0);
    router.decide({ description: 'skill3 skill4', bids: [{ agentId: 'agent-3', bidSats: 10 }] });
    expect(Array.from(first.capability)).toEqual(kept);
  });

  it('refuses a count that is not a whole number', () => {
    expect(() => createRouter({ candidatesKept: 2.5 })).toThrow(/candidatesKept/);
    expect(() => createRouter({ candidatesKept: -1 })).toThrow(/candidatesKept/);
  });
});
