import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kthLargest } from './kth-largest.js';

describe('kthLargest', () => {
  it('is the k-th of the values sorted from the largest down, and leaves them as they were', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.nat(),
        (list, pick) => {
          const values = Float64Array.from(list);
          const k = (pick % values.length) + 1;
          const sorted = [...values].sort((a, b) => b - a);
          expect(kthLargest(values, values.length, k, new Float64Array(values.length))).toBe(sorted[k - 1]);
          expect([...values]).toEqual(list.map((x) => (Object.is(x, -0) ? -0 : x)));
        },
      ),
    );
  });

  it('reads only the first n values', () => {
    const values = Float64Array.of(0.1, 0.5, 0.3, 9, 9);
    expect(kthLargest(values, 3, 1, new Float64Array(3))).toBe(0.5);
    expect(kthLargest(values, 3, 3, new Float64Array(3))).toBe(0.1);
  });
});
