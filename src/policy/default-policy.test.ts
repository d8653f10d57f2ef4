import { describe, expect, it } from 'vitest';
import type { Bid } from './decision.js';
import type { RouteConstraints } from './filters.js';
import { createPolicy, DEFAULT_POLICY, FALLBACK_MIN_CAPABILITY, type RosterFacts } from './policy.js';

const policy = createPolicy(DEFAULT_POLICY, 'default');

interface AgentFacts {
  capability: number;
  tags?: string[];
  rate?: number;
  maxConcurrency?: number;
  inFlight?: number;
  offline?: boolean;
  successRate?: number;
  averageDurationMs?: number;
}

function decide(agents: Record<string, AgentFacts>, bids: Bid[], constraints?: RouteConstraints) {
  const ids = Object.keys(agents);
  const list = ids.map((id) => agents[id] as AgentFacts);
  const roster: RosterFacts = {
    capabilityTags: list.map((a) => new Set((a.tags ?? []).map((t) => t.toLowerCase()))),
    rateSats: list.map((a) => a.rate ?? 10),
    maxConcurrency: list.map((a) => a.maxConcurrency ?? Number.POSITIVE_INFINITY),
    inFlight: list.map((a) => a.inFlight ?? 0),
    offline: list.map((a) => (a.offline === true ? 1 : 0)),
    successRate: list.map((a) => a.successRate ?? 0.5),
    averageDurationMs: list.map((a) => a.averageDurationMs ?? Number.NaN),
    mayRefuse: list.some((a) => a.maxConcurrency !== undefined || a.offline === true),
  };
  return policy.decide({
    agentIds: ids,
    positions: Int32Array.from(bids, (b) => ids.indexOf(b.agentId)),
    capability: Float64Array.from(list, (a) => a.capability),
    bids,
    roster,
    ...(constraints === undefined ? {} : { constraints }),
  });
}
const bid = (agentId: string, bidSats = 20): Bid => ({ agentId, bidSats });
const rejectionOf = (outcome: ReturnType<typeof decide>, agentId: string) =>
  outcome.bidders.find((b) => b.agentId === agentId)?.rejection;

describe('default policy: filters', () => {
  it.each([
    {
      rule: 'an agent lacking a required capability tag is refused (tags match case-insensitively)',
      agents: { a: { capability: 0.9, tags: ['coding'] }, b: { capability: 0.5, tags: ['Security'] } },
      constraints: { requiredCapabilities: ['security'] },
      refused: { a: 'lack capability security' },
      winner: 'b',
    },
    {
      rule: 'a bid above max_bid_sats is refused',
      agents: { a: { capability: 0.9 }, b: { capability: 0.5 } },
      bids: [bid('a', 60), bid('b', 40)],
      constraints: { maxBidSats: 50 },
      refused: { a: 'bid above max_bid_sats' },
      winner: 'b',
    },
    {
      rule: 'an agent at its max_concurrency is refused',
      agents: { a: { capability: 0.9, maxConcurrency: 2, inFlight: 2 }, b: { capability: 0.5 } },
      refused: { a: 'are at capacity' },
      winner: 'b',
    },
    {
      rule: 'an offline agent is refused',
      agents: { a: { capability: 0.9, offline: true }, b: { capability: 0.5 } },
      refused: { a: 'are offline' },
      winner: 'b',
    },
    {
      rule: 'an excluded agent is refused',
      agents: { a: { capability: 0.9 }, b: { capability: 0.5 } },
      constraints: { excludedAgents: ['a'] },
      refused: { a: 'are excluded' },
      winner: 'b',
    },
  ])('$rule', ({ agents, bids, constraints, refused, winner }) => {
    const outcome = decide(agents, bids ?? Object.keys(agents).map((id) => bid(id)), constraints);
    for (const [agentId, reason] of Object.entries(refused))
      expect(rejectionOf(outcome, agentId)).toBe(reason);
    expect(rejectionOf(outcome, winner)).toBeNull();
    expect(outcome.selectedAgent).toBe(winner);
    expect(outcome.selectionReason).toMatch(/; 1 of 2 bids eligible \(1 (lacks|bids|is)/);
  });

  it('refuses an unregistered bidder', () => {
    const outcome = decide({ a: { capability: 0.5 } }, [bid('ghost'), bid('a')]);
    expect(rejectionOf(outcome, 'ghost')).toBe('are not registered');
    expect(outcome.selectedAgent).toBe('a');
  });

  it('summarises why nobody is eligible, grouped and counted', () => {
    const agents = {
      a: { capability: 0.9, tags: ['coding'] },
      b: { capability: 0.9, tags: ['coding'] },
      c: { capability: 0.9, tags: ['writing'] },
      d: { capability: 0.9, tags: ['security'] },
      e: { capability: 0.9, tags: ['security'] },
      f: { capability: 0.9, tags: ['devops'] },
    };
    const bids = [bid('a'), bid('b'), bid('c'), bid('d', 90), bid('e', 95), bid('f')];
    const outcome = decide(agents, bids, { requiredCapabilities: ['security'], maxBidSats: 50 });
    expect(outcome.selectedAgent).toBeNull();
    expect(outcome.selectionReason).toBe(
      '0 of 6 agents eligible: 4 lack capability security, 2 bid above max_bid_sats',
    );
  });
});

describe('default policy: signals, threshold, explanation', () => {
  it('answers "no suitable agent" when the best capability is below the threshold, naming it', () => {
    const outcome = decide({ a: { capability: 0.03 }, b: { capability: 0.02 } }, [bid('a'), bid('b')]);
    expect(outcome.selectedAgent).toBeNull();
    expect(outcome.selectionReason).toBe(
      'No suitable agent: the best capability match among 2 eligible agents is 0.030 (a), below the threshold 0.04',
    );
  });

  it('lets capability dominate: a cheaper, idle newcomer does not beat a clearly better match', () => {
    const outcome = decide({ good: { capability: 0.6, inFlight: 3 }, cheap: { capability: 0.2 } }, [
      bid('good', 90),
      bid('cheap', 10),
    ]);
    expect(outcome.selectedAgent).toBe('good');
  });

  it('separates equal matches by track record, load, price and speed', () => {
    const equal = { capability: 0.5 };
    expect(
      decide({ a: { ...equal, successRate: 0.4 }, b: { ...equal, successRate: 0.9 } }, [bid('a'), bid('b')])
        .selectedAgent,
    ).toBe('b');
    expect(
      decide({ a: { ...equal, inFlight: 4 }, b: { ...equal, inFlight: 0 } }, [bid('a'), bid('b')])
        .selectedAgent,
    ).toBe('b');
    expect(decide({ a: equal, b: equal }, [bid('a', 30), bid('b', 20)]).selectedAgent).toBe('b');
    expect(
      decide({ a: { ...equal, averageDurationMs: 900 }, b: { ...equal, averageDurationMs: 300 } }, [
        bid('a'),
        bid('b'),
      ]).selectedAgent,
    ).toBe('b');
  });

  it('breaks exact ties in favour of the earliest bid', () => {
    const outcome = decide({ z: { capability: 0.5 }, a: { capability: 0.5 } }, [bid('z'), bid('a')]);
    expect(outcome.selectedAgent).toBe('z');
  });

  it('explains the winner signal by signal', () => {
    const outcome = decide({ a: { capability: 0.5, successRate: 0.75 } }, [bid('a', 20)]);
    expect(outcome.selectionReason).toBe(
      'Selected a (bid 20 sats): capability 0.50, bid-received 1.00, success 0.75, load 1.00, speed 0.50, combined 0.64',
    );
    const a = outcome.bidders[0];
    expect(a?.signals).toEqual([0.5, 1, 0.75, 1, 0.5]);
    expect(a?.combined).toBe(0.5 * 0.6 + 1 * 0.1 + 0.75 * 0.15 + 1 * 0.1 + 0.5 * 0.05);
  });

  it('refuses a threshold outside [0, 1] at construction', () => {
    expect(() => createPolicy({ ...DEFAULT_POLICY, minCapability: 2 }, 'default')).toThrow(/minCapability/);
  });

  it("resolves an 'auto' threshold to the roster's suggestion, never below the fallback, and records the number", () => {
    expect(DEFAULT_POLICY.minCapability).toBe('auto');
    expect(createPolicy(DEFAULT_POLICY, 'default', 0.097).spec.minCapability).toBe(0.097);
    expect(createPolicy(DEFAULT_POLICY, 'default').spec.minCapability).toBe(FALLBACK_MIN_CAPABILITY);
    expect(createPolicy(DEFAULT_POLICY, 'default', 0.009).spec.minCapability).toBe(FALLBACK_MIN_CAPABILITY);
    // A fixed threshold ignores the suggestion.
    expect(createPolicy({ ...DEFAULT_POLICY, minCapability: 0.2 }, 'default', 0.097).spec.minCapability).toBe(
      0.2,
    );
  });
});
