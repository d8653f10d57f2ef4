import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bid } from './decision.js';
import type { RouteConstraints } from './filters.js';
import {
  createPolicy,
  DEFAULT_POLICY,
  EXAMPLE_LESS_MIN_CAPABILITY,
  FALLBACK_MIN_CAPABILITY,
  type RosterFacts,
} from './policy.js';

// The threshold of an `auto` policy on a roster with examples that suggests no more than the floor.
const policy = createPolicy(DEFAULT_POLICY, 'default', FALLBACK_MIN_CAPABILITY);

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
      'No suitable agent: 6 agents were refused: 4 lack capability security, 2 bid above max_bid_sats',
    );
  });
});

describe('default policy: signals, threshold, explanation', () => {
  it('answers "no suitable agent" when every match is below the threshold, naming the best', () => {
    const outcome = decide({ a: { capability: 0.02 }, b: { capability: 0.03 } }, [bid('a'), bid('b')]);
    expect(outcome.selectedAgent).toBeNull();
    expect(outcome.selectionReason).toBe(
      'No suitable agent: 2 agents were refused: 2 are below the capability threshold 0.04 (best b 0.030)',
    );
    // Refused, but with every signal kept: the log shows what each would have scored.
    expect(rejectionOf(outcome, 'a')).toBe('are below the capability threshold 0.04');
    expect(outcome.bidders[1]?.signals[0]).toBe(0.03);
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
    expect(createPolicy(DEFAULT_POLICY, 'default', 0.009).spec.minCapability).toBe(FALLBACK_MIN_CAPABILITY);
    // A roster that suggests nothing (no examples to estimate from) scores lower, and gets a lower one.
    expect(createPolicy(DEFAULT_POLICY, 'default').spec.minCapability).toBe(EXAMPLE_LESS_MIN_CAPABILITY);
    expect(EXAMPLE_LESS_MIN_CAPABILITY).toBeLessThan(FALLBACK_MIN_CAPABILITY);
    // A fixed threshold ignores the suggestion.
    expect(createPolicy({ ...DEFAULT_POLICY, minCapability: 0.2 }, 'default', 0.097).spec.minCapability).toBe(
      0.2,
    );
  });
});

describe('default policy: the threshold applies to the winner', () => {
  it('an agent that matches nothing cannot win on price, track record, load or speed', () => {
    // The case: the PDF agent matches the task a little, echo not at all but is cheaper,
    // proven and idle. Before, the threshold was checked against the best match only, and echo won.
    const outcome = decide(
      {
        pdf: { capability: 0.05, successRate: 0.5, inFlight: 2 },
        echo: { capability: 0, successRate: 0.95, averageDurationMs: 100 },
      },
      [bid('pdf', 90), bid('echo', 10)],
    );
    expect(outcome.selectedAgent).toBe('pdf');
    expect(rejectionOf(outcome, 'echo')).toBe('are below the capability threshold 0.04');
    expect(outcome.selectionReason).toMatch(
      /^Selected pdf \(bid 90 sats\): .*; 1 of 2 bids eligible \(1 is below the capability threshold 0\.04\)$/,
    );
  });

  it('holds for any roster: the winner fits, and is the best-combined of the bids that fit', () => {
    const threshold = FALLBACK_MIN_CAPABILITY;
    // Matches cluster around the threshold, where the old rule and the new one part.
    const capabilityArb = fc.oneof(
      fc.constantFrom(0, threshold - 1e-9, threshold, threshold + 1e-9),
      fc.double({ min: 0, max: 0.2, noNaN: true }),
    );
    const agentArb = fc.record({
      capability: capabilityArb,
      successRate: fc.double({ min: 0, max: 1, noNaN: true }),
      inFlight: fc.nat(4),
      offline: fc.boolean(),
      bidSats: fc.option(fc.nat(200), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(agentArb, { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(200), { nil: undefined }),
        (list, maxBidSats) => {
          const agents: Record<string, AgentFacts> = {};
          const bids: Bid[] = [];
          list.forEach((a, i) => {
            agents[`a${i}`] = a;
            if (a.bidSats !== undefined) bids.push(bid(`a${i}`, a.bidSats));
          });
          const outcome = decide(agents, bids, maxBidSats === undefined ? undefined : { maxBidSats });
          // What fits, worked out here from the facts, not from the policy's own rejections.
          const fits = (b: Bid): boolean => {
            const facts = agents[b.agentId] as (typeof list)[number];
            return (
              !facts.offline &&
              (maxBidSats === undefined || b.bidSats <= maxBidSats) &&
              facts.capability >= threshold
            );
          };
          outcome.bidders.forEach((record, order) => {
            expect(record.rejection === null).toBe(fits(bids[order] as Bid));
          });
          const fitting = outcome.bidders.filter((_, order) => fits(bids[order] as Bid));
          if (fitting.length === 0) {
            expect(outcome.selectedAgent).toBeNull();
            expect(outcome.selectionReason).toMatch(/^No (suitable agent|bids received)/);
            return;
          }
          // The best combined among those that fit; an exact tie keeps the earliest bid.
          const best = fitting.reduce((a, b) => (b.combined > a.combined ? b : a));
          expect(outcome.selectedAgent).toBe(best.agentId);
          expect(best.capability as number).toBeGreaterThanOrEqual(threshold);
        },
      ),
    );
  });
});

interface NoFitCase {
  rule: string;
  agents: Record<string, AgentFacts>;
  bids: Bid[];
  constraints?: RouteConstraints;
  reason: string;
}

describe('default policy: why nothing fits', () => {
  it.each<NoFitCase>([
    {
      rule: 'a required capability no registered agent declares is named, bids or not',
      agents: { forge: { capability: 0.5, tags: ['coding'] }, quill: { capability: 0.4, tags: ['writing'] } },
      bids: [],
      constraints: { requiredCapabilities: [' Baking ', 'coding'] },
      reason: 'No suitable agent: no agent declares the capability `Baking`',
    },
    {
      rule: 'several undeclared capabilities are all named, once each',
      agents: { forge: { capability: 0.5, tags: ['coding'] } },
      bids: [bid('forge')],
      constraints: { requiredCapabilities: ['baking', 'icing', 'BAKING'] },
      reason: 'No suitable agent: no agent declares the capabilities `baking`, `icing`',
    },
    {
      rule: 'no bids, though some agent could have taken the task',
      agents: { forge: { capability: 0.5 }, quill: { capability: 0 } },
      bids: [],
      reason: 'No bids received',
    },
    {
      rule: 'no bids, and no agent fits: why, counted, the best match named',
      agents: {
        forge: { capability: 0.5, offline: true },
        quill: { capability: 0.01 },
        echo: { capability: 0.03 },
      },
      bids: [],
      reason:
        'No bids received, and none of the 3 agents fits: 1 is offline, 2 are below the capability threshold 0.04 (best echo 0.030)',
    },
    {
      rule: 'no bids and one agent, which does not fit',
      agents: { quill: { capability: 0.01 } },
      bids: [],
      reason:
        'No bids received, and the only agent does not fit: 1 is below the capability threshold 0.04 (quill 0.010)',
    },
    {
      rule: 'no bids and no agents',
      agents: {},
      bids: [],
      reason: 'No bids received: no agent is registered',
    },
    {
      rule: 'every bid refused: counted by reason, the threshold naming the best match',
      agents: { forge: { capability: 0.02 }, seer: { capability: 0.5 }, quill: { capability: 0.03 } },
      bids: [bid('forge', 20), bid('seer', 80), bid('quill', 30)],
      constraints: { maxBidSats: 50 },
      reason:
        'No suitable agent: 3 agents were refused: 2 are below the capability threshold 0.04 (best quill 0.030), 1 bids above max_bid_sats',
    },
    {
      rule: 'one bid, refused',
      agents: { forge: { capability: 0.02 } },
      bids: [bid('forge')],
      reason:
        'No suitable agent: 1 agent was refused: 1 is below the capability threshold 0.04 (forge 0.020)',
    },
  ])('$rule', ({ agents, bids, constraints, reason }) => {
    const outcome = decide(agents, bids, constraints);
    expect(outcome.selectedAgent).toBeNull();
    expect(outcome.selectionReason).toBe(reason);
  });

  it('keeps the seed words when nothing is known of the agents', () => {
    const bare = policy.decide({
      agentIds: ['forge'],
      positions: new Int32Array(0),
      capability: Float64Array.of(0.5),
      bids: [],
      constraints: { requiredCapabilities: ['baking'] },
    });
    expect(bare.selectionReason).toBe('No bids received');
  });
});

describe('default policy: confidence', () => {
  const ids = ['a', 'b', 'c'];
  const capability = Float64Array.of(0.6, 0.3, 0.1);
  /** A scorer whose confidence of position i is (i + 1) / 7 plus a little, so rounding shows. */
  const scorer = { confidence: (_scores: Float64Array, position: number) => (position + 1) / 7 + 1e-5 };
  const decideWith = (bids: Bid[], scorerOf = scorer, refuseUnregistered = true) =>
    // No threshold, so that an unregistered bidder (capability 0) can win.
    createPolicy({ ...DEFAULT_POLICY, refuseUnregistered, minCapability: 0 }, 'default').decide({
      agentIds: ids,
      positions: Int32Array.from(bids, (b) => ids.indexOf(b.agentId)),
      capability,
      bids,
      scorer: scorerOf,
    });

  it("is the scorer's confidence of the winner, rounded to three decimals, and the reason shows it", () => {
    const outcome = decideWith([
      { agentId: 'b', bidSats: 10 },
      { agentId: 'a', bidSats: 10 },
    ]);
    expect(outcome.selectedAgent).toBe('a');
    expect(outcome.confidence).toBe(0.143); // (0 + 1) / 7 + 1e-5, rounded
    expect(outcome.selectionReason).toMatch(
      /^Selected a \(bid 10 sats, confidence 0\.14\): capability 0\.60/,
    );
  });

  it('is the scores the policy decided on that the scorer is asked about, with the winner position', () => {
    const asked: [Float64Array, number][] = [];
    decideWith([{ agentId: 'c', bidSats: 5 }], {
      confidence: (scores, position) => {
        asked.push([scores, position]);
        return 0.5;
      },
    });
    expect(asked).toEqual([[capability, 2]]);
  });

  it('is null with nothing selected, no confidence from the scorer, or an unregistered winner', () => {
    expect(decideWith([]).confidence).toBeNull();
    const plain = decideWith([{ agentId: 'a', bidSats: 10 }], {} as typeof scorer);
    expect(plain.confidence).toBeNull();
    expect(plain.selectionReason).toMatch(/^Selected a \(bid 10 sats\): /);
    const outsider = decideWith([{ agentId: 'ghost', bidSats: 1 }], scorer, false);
    expect(outsider.selectedAgent).toBe('ghost');
    expect(outsider.confidence).toBeNull();
  });

  it('records any probability as a number in [0, 1] with at most three decimals', () => {
    fc.assert(
      fc.property(fc.double({ min: -1, max: 2, noNaN: true }), (p) => {
        const { confidence } = decideWith([{ agentId: 'a', bidSats: 1 }], { confidence: () => p });
        expect(confidence).toBeGreaterThanOrEqual(0);
        expect(confidence).toBeLessThanOrEqual(1);
        expect(Math.round((confidence as number) * 1000) / 1000).toBe(confidence);
      }),
    );
  });
});
