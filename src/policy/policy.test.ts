import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bid } from './decision.js';
import { rankCandidates } from './explain.js';
import { CLASSIC_POLICY, createPolicy, NO_BIDS_REASON } from './policy.js';
import { formatPython2f } from './seed-format.js';

const policy = createPolicy(CLASSIC_POLICY, 'classic');

function decide(agentIds: string[], capability: number[], bids: Bid[]) {
  return policy.decide({
    agentIds,
    positions: Int32Array.from(bids, (b) => agentIds.indexOf(b.agentId)),
    capability: Float64Array.from(capability),
    bids,
  });
}

describe('classic policy (the seed recommend_agent)', () => {
  it('combines capability × 0.6 + bid score × 0.4, with the bid score on the fixed 10–100 band', () => {
    const outcome = decide(
      ['forge', 'quill'],
      [0.9, 0.3],
      [
        { agentId: 'forge', bidSats: 50 },
        { agentId: 'quill', bidSats: 40 },
      ],
    );
    const forge = outcome.bidders.find((c) => c.agentId === 'forge');
    expect(forge?.combined).toBe(0.9 * 0.6 + ((100 - 50) / 90) * 0.4);
    expect(outcome.selectedAgent).toBe('forge');
    expect(outcome.selectionReason).toBe(
      'Selected forge with capability_score=0.90, bid=50 sats, combined=0.76',
    );
  });

  it.each([
    { bid: 0, want: 1 },
    { bid: 10, want: 1 },
    { bid: 55, want: 0.5 },
    { bid: 100, want: 0 },
    { bid: 500, want: 0 },
  ])('clamps the bid score of $bid sats to $want', ({ bid, want }) => {
    const outcome = decide(['a'], [0], [{ agentId: 'a', bidSats: bid }]);
    expect(outcome.bidders[0]?.signals[1]).toBe(want);
  });

  it('gives no winner and the seed reason when nobody bids, but still scores every agent', () => {
    const outcome = decide(['a', 'b'], [0.3, 0], []);
    expect(outcome.selectedAgent).toBeNull();
    expect(outcome.selectionReason).toBe(NO_BIDS_REASON);
    expect(outcome.bidders).toEqual([]);
    expect([...outcome.agentIds]).toEqual(['a', 'b']);
    expect(Array.from(outcome.capability)).toEqual([0.3, 0]);
  });

  it('breaks an exact tie in favour of the earliest bid, even when registration order differs', () => {
    // Registered 10 then 2 then 7; bids arrive 7, 2, 10; all tie. Integer-like ids on purpose.
    const outcome = decide(
      ['10', '2', '7'],
      [0, 0, 0],
      [
        { agentId: '7', bidSats: 40 },
        { agentId: '2', bidSats: 40 },
        { agentId: '10', bidSats: 40 },
      ],
    );
    expect(outcome.selectedAgent).toBe('7');
  });

  it('lets an unregistered bidder take part with capability 0 (seed quirk)', () => {
    const outcome = decide(
      ['a'],
      [0.3],
      [
        { agentId: 'ghost', bidSats: 1 },
        { agentId: 'a', bidSats: 99 },
      ],
    );
    expect(outcome.selectedAgent).toBe('ghost');
    expect(outcome.bidders.map((c) => [c.agentId, c.capability])).toEqual([
      ['ghost', null],
      ['a', 0.3],
    ]);
  });

  it('picks the first of any set of tied bidders, for any bid order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.nat(200),
        (ids, sats) => {
          const outcome = decide(
            ids,
            ids.map(() => 0.5),
            ids.map((agentId) => ({ agentId, bidSats: sats })),
          );
          return outcome.selectedAgent === ids[0];
        },
      ),
    );
  });

  it('explains each bidder with value × weight = contribution, and contributions sum to combined', () => {
    const outcome = decide(
      ['a', 'b'],
      [0.7, 0.2],
      [
        { agentId: 'b', bidSats: 20 },
        { agentId: 'a', bidSats: 60 },
      ],
    );
    const ranked = rankCandidates({
      ...outcome,
      decisionId: 'd',
      taskId: 't',
      description: '',
      timestampMs: 0,
      policy: policy.spec,
    });
    expect(ranked.map((r) => r.agentId)).toEqual(['a', 'b']);
    for (const r of ranked) {
      expect(r.breakdown.map((s) => s.signal)).toEqual(['capability', 'bid-band']);
      expect((r.breakdown[0]?.contribution ?? 0) + (r.breakdown[1]?.contribution ?? 0)).toBe(r.combined);
    }
  });

  it('refuses a policy with no signals, an unknown signal or a non-positive weight', () => {
    expect(() => createPolicy({ name: 'x', signals: [] }, 'classic')).toThrow(TypeError);
    expect(() => createPolicy({ name: 'x', signals: [{ name: 'vibes', weight: 1 }] }, 'classic')).toThrow(
      /known signal/,
    );
    expect(() =>
      createPolicy({ name: 'x', signals: [{ name: 'capability', weight: 0 }] }, 'classic'),
    ).toThrow(/positive finite weight/);
  });
});

describe("Python's .2f formatting of selection reasons", () => {
  it.each([
    { x: 0.125, want: '0.12' },
    { x: 0.375, want: '0.38' },
    { x: 0.625, want: '0.62' },
    { x: 0.875, want: '0.88' },
    { x: 0.7555555555555555, want: '0.76' },
    { x: 0.005, want: '0.01' }, // 0.005 is slightly above 0.005 in binary, so no tie
    { x: 1, want: '1.00' },
    { x: 0, want: '0.00' },
  ])('formats $x as $want', ({ x, want }) => {
    expect(formatPython2f(x)).toBe(want);
  });
});

describe('the fast .2f path agrees with toFixed-based exact formatting', () => {
  it('for every multiple of 1/1000 and random doubles in [0, 1.5]', () => {
    const slow = (x: number): string => {
      const eighths = x * 8;
      if (Number.isInteger(eighths) && !Number.isInteger(x * 100)) {
        const below = Math.floor(x * 100);
        return ((below % 2 === 0 ? below : below + 1) / 100).toFixed(2);
      }
      return x.toFixed(2);
    };
    for (let i = 0; i <= 1500; i++) expect(formatPython2f(i / 1000)).toBe(slow(i / 1000));
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1.5, noNaN: true }), (x) => formatPython2f(x) === slow(x)),
    );
  });
});
