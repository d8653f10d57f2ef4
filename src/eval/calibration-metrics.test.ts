import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accuracyAtCoverage,
  atThreshold,
  type ConfidencePair,
  expectedCalibrationError,
  thresholdForPrecision,
} from './calibration-metrics.js';

/** Confidences on the grid decisions record (three decimals), refusals among them. */
const pair = fc.record({
  confidence: fc.oneof(
    fc.constant(null),
    fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000),
  ),
  correct: fc.boolean(),
});
const pairs = fc.array(pair, { maxLength: 200 });
/** A refused task is never correct. */
const consistent = (list: ConfidencePair[]): ConfidencePair[] =>
  list.map((p) => (p.confidence === null ? { ...p, correct: false } : p));

const shuffled = <T>(items: readonly T[], seed: number): T[] => {
  const copy = [...items];
  let state = seed >>> 0 || 1;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) >>> 0;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
};

describe('expected calibration error', () => {
  it('is |accuracy − confidence| per bin, weighted by the bin’s share of tasks', () => {
    const list: ConfidencePair[] = [
      // Bin [0.9, 1]: confidence 0.95 on average, 3 of 4 right: |0.75 − 0.95| = 0.2, weight 4/6.
      { confidence: 0.9, correct: true },
      { confidence: 1, correct: true },
      { confidence: 0.95, correct: true },
      { confidence: 0.95, correct: false },
      // Bin [0.2, 0.3): 0.25 on average, 1 of 2 right: 0.25, weight 2/6. The refusal is left out.
      { confidence: 0.2, correct: false },
      { confidence: 0.3 - 1e-9, correct: true },
      { confidence: null, correct: false },
    ];
    expect(expectedCalibrationError(list)).toBeCloseTo((4 / 6) * 0.2 + (2 / 6) * 0.25, 9);
  });

  it('is 0 where every bin is right as often as it is sure, and undefined with no confidence', () => {
    const calibrated = [0.25, 0.5, 0.75].flatMap((c) =>
      [0, 1, 2, 3].map((k) => ({ confidence: c, correct: k < c * 4 })),
    );
    expect(expectedCalibrationError(calibrated)).toBeCloseTo(0, 12);
    expect(expectedCalibrationError([{ confidence: null, correct: false }])).toBeUndefined();
  });

  it('lies in [0, 1] and does not depend on the order of tasks', () => {
    fc.assert(
      fc.property(pairs, fc.nat(), (list, seed) => {
        const ece = expectedCalibrationError(list);
        if (ece === undefined) return;
        expect(ece).toBeGreaterThanOrEqual(0);
        expect(ece).toBeLessThanOrEqual(1);
        expect(expectedCalibrationError(shuffled(list, seed))).toBeCloseTo(ece, 12);
      }),
    );
  });
});

describe('accuracy at coverage', () => {
  it('keeps the most confident share, refusals last, ties counted by their group’s accuracy', () => {
    const list: ConfidencePair[] = [
      { confidence: 0.9, correct: true },
      { confidence: 0.7, correct: false },
      { confidence: 0.7, correct: true },
      { confidence: null, correct: false },
    ];
    expect(accuracyAtCoverage(list, 0.25)).toBe(1);
    // Two of four: 0.9 and half of the 0.7 tie (one right in two): 1.5 / 2.
    expect(accuracyAtCoverage(list, 0.5)).toBe(0.75);
    expect(accuracyAtCoverage(list, 1)).toBe(0.5);
    expect(accuracyAtCoverage([], 0.5)).toBeUndefined();
    expect(() => accuracyAtCoverage(list, 0)).toThrow(/coverage/);
  });

  it('is the share routed correctly at full coverage, and does not depend on the order of tasks', () => {
    fc.assert(
      fc.property(
        pairs.map(consistent),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.nat(),
        (list, c, seed) => {
          if (list.length === 0) return;
          const right = list.filter((p) => p.correct).length;
          expect(accuracyAtCoverage(list, 1)).toBeCloseTo(right / list.length, 12);
          expect(accuracyAtCoverage(shuffled(list, seed), c)).toBeCloseTo(
            accuracyAtCoverage(list, c) as number,
            12,
          );
        },
      ),
    );
  });
});

describe('a threshold for a target precision', () => {
  it('accepts the most tasks that still reach the target, and says what it gives', () => {
    fc.assert(
      fc.property(pairs.map(consistent), fc.double({ min: 0, max: 1, noNaN: true }), (list, target) => {
        const chosen = thresholdForPrecision(list, target);
        const candidates = [...new Set(list.flatMap((p) => (p.confidence === null ? [] : [p.confidence])))];
        const reaching = candidates.filter((t) => (atThreshold(list, t).precision ?? 0) >= target);
        if (chosen.threshold === null) {
          expect(reaching).toEqual([]);
          expect(chosen.coverage).toBe(0);
          return;
        }
        expect(chosen.threshold).toBe(Math.min(...reaching));
        expect(chosen.precision).toBeGreaterThanOrEqual(target);
        expect({ precision: chosen.precision, coverage: chosen.coverage }).toEqual(
          atThreshold(list, chosen.threshold),
        );
      }),
    );
  });

  it('accepts fewer tasks the higher the threshold', () => {
    fc.assert(
      fc.property(
        pairs,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (list, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          expect(atThreshold(list, high).coverage).toBeLessThanOrEqual(atThreshold(list, low).coverage);
        },
      ),
    );
  });

  it('refuses a target outside [0, 1]', () => {
    expect(() => thresholdForPrecision([], 1.5)).toThrow(/targetPrecision/);
  });
});
