import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SIGNALS, type SignalInput } from './signals.js';

const base: SignalInput = {
  capability: 0.5,
  bidSats: 50,
  rateSats: 40,
  lowestBidSats: 20,
  highestBidSats: 80,
  successRate: 0.5,
  inFlight: 0,
  maxConcurrency: Number.POSITIVE_INFINITY,
  averageDurationMs: Number.NaN,
  fastestAverageDurationMs: Number.NaN,
};
const at = (patch: Partial<SignalInput>): SignalInput => ({ ...base, ...patch });

describe('signals', () => {
  it.each([
    ['bid-received: cheapest bid is 1', SIGNALS['bid-received'](at({ bidSats: 20 })), 1],
    ['bid-received: dearest bid is 0', SIGNALS['bid-received'](at({ bidSats: 80 })), 0],
    ['bid-received: halfway is 0.5', SIGNALS['bid-received'](at({ bidSats: 50 })), 0.5],
    [
      'bid-received: one bid alone is 1',
      SIGNALS['bid-received'](at({ lowestBidSats: 50, highestBidSats: 50 })),
      1,
    ],
    ['bid-rate: at the declared rate is 1', SIGNALS['bid-rate'](at({ bidSats: 40 })), 1],
    ['bid-rate: 1.5× the rate is 0.5', SIGNALS['bid-rate'](at({ bidSats: 60 })), 0.5],
    ['bid-rate: twice the rate or more is 0', SIGNALS['bid-rate'](at({ bidSats: 100 })), 0],
    ['bid-rate: a rate of 0 accepts only free bids', SIGNALS['bid-rate'](at({ rateSats: 0, bidSats: 1 })), 0],
    ['load: idle with a limit is 1', SIGNALS.load(at({ maxConcurrency: 4 })), 1],
    ['load: 3 of 4 taken is 0.25', SIGNALS.load(at({ maxConcurrency: 4, inFlight: 3 })), 0.25],
    ['load: no limit, 1 in flight is 0.5', SIGNALS.load(at({ inFlight: 1 })), 0.5],
    ['speed: unknown is neutral', SIGNALS.speed(base), 0.5],
    [
      'speed: the fastest is 1',
      SIGNALS.speed(at({ averageDurationMs: 100, fastestAverageDurationMs: 100 })),
      1,
    ],
    [
      'speed: twice as slow is 0.5',
      SIGNALS.speed(at({ averageDurationMs: 200, fastestAverageDurationMs: 100 })),
      0.5,
    ],
  ])('%s', (_rule, value, want) => {
    expect(value).toBe(want);
  });

  it('stay within [0, 1] for any consistent input', () => {
    const sats = fc.integer({ min: 0, max: 10_000 });
    fc.assert(
      fc.property(
        sats,
        sats,
        sats,
        sats,
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        (a, b, c, rate, inFlight, limit) => {
          const [low, bidSats, high] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
          const input = at({
            bidSats,
            lowestBidSats: low,
            highestBidSats: high,
            rateSats: rate,
            inFlight,
            maxConcurrency: limit,
            averageDurationMs: high + 1,
            fastestAverageDurationMs: low + 1,
          });
          for (const signal of Object.values(SIGNALS)) {
            const value = signal(input);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });
});
