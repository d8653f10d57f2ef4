import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keepCandidates } from './kept-candidates.js';

// Scores from a small set, so ties are common.
const scores = fc.array(fc.constantFrom(0, 0, 0.1, 0.25, 0.5, 0.9, 1), { maxLength: 60 });

describe('keepCandidates', () => {
  it('keeps a roster of at most `keep` agents whole, as the same arrays', () => {
    const ids = ['a', 'b', 'c'];
    const capability = Float64Array.from([0, 0.5, 0]);
    const kept = keepCandidates(ids, capability, Int32Array.from([2]), 3);
    expect(kept.agentIds).toBe(ids);
    expect(kept.capability).toBe(capability);
  });

  it('keeps every registered bidder and the best-matching others, in registration order', () => {
    fc.assert(
      fc.property(
        scores,
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (cap, keep, picks) => {
          const ids = cap.map((_, i) => `agent-${i}`);
          const bidders = [...new Set(picks.filter((p) => p < cap.length))];
          const positions = Int32Array.from([...bidders, -1]); // and one unregistered bidder
          const kept = keepCandidates(ids, Float64Array.from(cap), positions, keep);
          if (cap.length <= keep) {
            expect(kept.agentIds).toBe(ids);
            return;
          }
          const at = kept.agentIds.map((id) => ids.indexOf(id));
          expect(at).toEqual([...at].sort((a, b) => a - b));
          at.forEach((position, i) => {
            expect(kept.capability[i]).toBe(cap[position]);
          });
          for (const b of bidders) expect(at).toContain(b);
          // The others: the `keep` best non-zero scores, earlier positions winning ties.
          const others = cap
            .map((score, position) => ({ score, position }))
            .filter((o) => o.score > 0 && !bidders.includes(o.position))
            .sort((x, y) => y.score - x.score || x.position - y.position)
            .slice(0, keep)
            .map((o) => o.position);
          expect(at.filter((p) => !bidders.includes(p))).toEqual([...others].sort((a, b) => a - b));
        },
      ),
    );
  });
});
