import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signalEvaluator, type WeightedSignal } from './signal-evaluator.js';
import { SIGNALS, type SignalInput } from './signals.js';

const inputWith = (capability: number, bidSats: number, successRate: number): SignalInput => ({
  capability,
  bidSats,
  rateSats: 40,
  lowestBidSats: 10,
  highestBidSats: 90,
  successRate,
  inFlight: 1,
  maxConcurrency: 4,
  averageDurationMs: Number.NaN,
  fastestAverageDurationMs: Number.NaN,
});

const weighted = (...pairs: [keyof typeof SIGNALS, number][]): WeightedSignal[] =>
  pairs.map(([name, weight]) => ({ name, signal: SIGNALS[name], weight }));

describe('signalEvaluator', () => {
  // Two signals take an unrolled path and other counts a loop; both must give the same values and
  // the same sum, added in spec order, as the plain definition.
  it.each([
    ['one signal', weighted(['capability', 1])],
    ['two signals (classic)', weighted(['capability', 0.6], ['bid-band', 0.4])],
    ['three signals', weighted(['capability', 0.5], ['success', 0.3], ['load', 0.2])],
  ])('%s: values and the spec-order sum', (_, spec) => {
    const evaluate = signalEvaluator(spec);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (capability, bid, success) => {
          const input = inputWith(capability, bid, success);
          const values: number[] = [];
          const combined = evaluate(input, values, 'a1');
          let expected = 0;
          spec.forEach((s, i) => {
            expect(values[i]).toBe(s.signal(input));
            expected += s.signal(input) * s.weight;
          });
          expect(combined).toBe(expected);
        },
      ),
    );
  });

  it.each([1, 2, 3])('names the signal and the agent when a value leaves [0, 1] (%i signals)', (count) => {
    const broken: WeightedSignal = { name: 'broken', signal: () => 1.5, weight: 0.1 };
    const spec = [...weighted(['capability', 0.5], ['success', 0.4]).slice(0, count - 1), broken];
    expect(() => signalEvaluator(spec)(inputWith(0.5, 20, 0.5), [], 'forge')).toThrow(
      "signal 'broken' returned 1.5 for forge, outside [0, 1]",
    );
  });
});
