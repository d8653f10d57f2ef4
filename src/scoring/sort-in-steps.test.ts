import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortInSteps } from './sort-in-steps.js';
import { runSteps } from './steps.js';

describe('sortInSteps', () => {
  it('sorts as Array.prototype.sort does (code unit order), for any strings', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: fc.constantFrom('a', 'b', 'é', '\ud800', '\udc00', '😀', 'Z'), maxLength: 4 }),
          { maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 9 }),
        (strings, run) => {
          expect(runSteps(sortInSteps(strings, run))).toEqual([...strings].sort());
        },
      ),
    );
  });

  it('sorts a large vocabulary in pieces of at most a few thousand strings', () => {
    const strings = Array.from({ length: 50_000 }, (_, i) => `t${(i * 7919) % 50_021}`);
    const steps = sortInSteps(strings);
    let pieces = 1;
    let next = steps.next();
    while (next.done !== true) {
      pieces++;
      next = steps.next();
    }
    expect(next.value).toEqual([...strings].sort());
    // 25 sorted runs of 2,048, then 5 merge passes of 25 pieces each.
    expect(pieces).toBeGreaterThan(100);
  });
});
