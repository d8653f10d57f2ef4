import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../kernel/seeded-random.js';
import {
  fitTemperature,
  type LabelledScores,
  MAX_TEMPERATURE,
  MIN_TEMPERATURE,
  negativeLogLikelihood,
  PlattCorrection,
  plattProbability,
  softmax,
  softmaxProbability,
  softmaxProbabilityBinned,
} from './confidence.js';

const scoreList = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 });
const temperature = fc.double({ min: 0.005, max: 5, noNaN: true });

/** Tasks whose right agent is drawn from the softmax of random scores at a known temperature. */
function generated(trueTemperature: number, count: number, agents: number, seed: number): LabelledScores[] {
  const random = seededRandom(seed);
  const instances: LabelledScores[] = [];
  for (let t = 0; t < count; t++) {
    const scores = Float64Array.from({ length: agents }, () => random());
    const p = softmax(scores, trueTemperature);
    let u = random();
    let position = 0;
    while (position < agents - 1 && u >= (p[position] as number)) u -= p[position++] as number;
    instances.push({ scores, position });
  }
  return instances;
}

describe('softmax confidence', () => {
  it('gives every agent a probability in [0, 1], and they sum to 1', () => {
    fc.assert(
      fc.property(scoreList, temperature, (scores, t) => {
        let sum = 0;
        for (let i = 0; i < scores.length; i++) {
          const p = softmaxProbability(scores, i, t);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
          sum += p;
        }
        expect(sum).toBeCloseTo(1, 9);
      }),
    );
  });

  it('does not change when every score moves by the same constant', () => {
    fc.assert(
      fc.property(scoreList, temperature, fc.double({ min: -1, max: 1, noNaN: true }), (scores, t, shift) => {
        const shifted = scores.map((s) => s + shift);
        for (let i = 0; i < scores.length; i++) {
          expect(softmaxProbability(shifted, i, t)).toBeCloseTo(softmaxProbability(scores, i, t), 9);
        }
      }),
    );
  });

  it('never falls when the agent’s own score rises', () => {
    fc.assert(
      fc.property(
        scoreList,
        temperature,
        fc.nat(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (scores, t, at, rise) => {
          const i = at % scores.length;
          const raised = [...scores];
          raised[i] = (raised[i] as number) + rise;
          expect(softmaxProbability(raised, i, t)).toBeGreaterThanOrEqual(
            softmaxProbability(scores, i, t) - 1e-12,
          );
        },
      ),
    );
  });

  it('agrees with the full softmax, zeros included (they share one exponential)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 1,
          maxLength: 40,
        }),
        temperature,
        (scores, t) => {
          const all = softmax(scores, t);
          for (let i = 0; i < scores.length; i++) {
            expect(softmaxProbability(scores, i, t)).toBeCloseTo(all[i] as number, 12);
          }
        },
      ),
    );
  });
});

describe('fitting the temperature', () => {
  it('recovers, roughly, the temperature the labels were drawn with', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 0.5, noNaN: true }), fc.nat(), (trueT, seed) => {
        const fitted = fitTemperature(generated(trueT, 3000, 8, seed));
        expect(fitted / trueT).toBeGreaterThan(0.75);
        expect(fitted / trueT).toBeLessThan(1.33);
      }),
      { numRuns: 15 },
    );
  });

  it('finds a likelihood no worse than any point of a fine grid', () => {
    const instances = generated(0.2, 500, 6, 7);
    const fitted = fitTemperature(instances);
    const best = negativeLogLikelihood(instances, fitted);
    for (let k = 0; k <= 200; k++) {
      const t = MIN_TEMPERATURE * (MAX_TEMPERATURE / MIN_TEMPERATURE) ** (k / 200);
      expect(best).toBeLessThanOrEqual(negativeLogLikelihood(instances, t) + 1e-9);
    }
  });

  it('is deterministic, and stays in range when the ranking is always right', () => {
    const instances = generated(0.1, 300, 5, 3);
    expect(fitTemperature(instances)).toBe(fitTemperature(instances));
    const separated = [{ scores: Float64Array.of(0.9, 0.1), position: 0 }];
    expect(fitTemperature(separated)).toBeCloseTo(MIN_TEMPERATURE, 6);
  });

  it('refuses no instances or a position outside the scores', () => {
    expect(() => fitTemperature([])).toThrow(/none/);
    expect(() => fitTemperature([{ scores: Float64Array.of(1, 0), position: 2 }])).toThrow(
      /instances\[0\]\.position/,
    );
  });
});

describe('the binned softmax of large rosters', () => {
  const score = fc.oneof(
    fc.constant(0),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.constantFrom(0.05, 0.1, 0.3),
  );
  it('is the exact softmax probability to within 10⁻⁵, for any scores in [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.array(score, { minLength: 1, maxLength: 3000 }),
        fc.nat(),
        fc.constantFrom(0.01, 0.044, 0.2, 1),
        (scores, pick, temperature) => {
          const position = pick % scores.length;
          const exact = softmaxProbability(scores, position, temperature);
          const binned = softmaxProbabilityBinned(scores, position, temperature);
          expect(Math.abs(binned - exact)).toBeLessThan(1e-5);
        },
      ),
    );
  });

  it('takes the exact pass for scores outside [0, 1], and leaves nothing behind between calls', () => {
    const scores = [0.2, 1.5, 0.1];
    expect(softmaxProbabilityBinned(scores, 1, 0.05)).toBe(softmaxProbability(scores, 1, 0.05));
    const after = [0.3, 0, 0.3];
    expect(softmaxProbabilityBinned(after, 0, 0.05)).toBeCloseTo(softmaxProbability(after, 0, 0.05), 9);
  });
});

describe('online correction of probabilities from outcomes', () => {
  it('is the identity until an outcome is learned', () => {
    const platt = new PlattCorrection();
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (p) => {
        expect(platt.apply(p)).toBe(p);
      }),
    );
  });

  it('starts from a given map, increasing in p, and refuses one outside its bounds', () => {
    const platt = new PlattCorrection({ initialSlope: 0.43, initialIntercept: 0.37 });
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (p, q) => {
          expect(platt.apply(p)).toBe(plattProbability(p, 0.43, 0.37));
          if (p < q) expect(platt.apply(p)).toBeLessThanOrEqual(platt.apply(q));
        },
      ),
    );
    expect(() => new PlattCorrection({ initialSlope: 0.1 })).toThrow(/initialSlope/);
    expect(() => new PlattCorrection({ initialIntercept: 5 })).toThrow(/initialIntercept/);
    expect(() => new PlattCorrection({ initialIntercept: Number.NaN })).toThrow(/initialIntercept/);
  });

  it('stays close to the identity on outcomes that match their probabilities', () => {
    const platt = new PlattCorrection();
    const random = seededRandom(11);
    for (let i = 0; i < 20_000; i++) {
      const p = random();
      platt.learn(p, random() < p);
    }
    for (const p of [0.1, 0.3, 0.5, 0.7, 0.9]) expect(Math.abs(platt.apply(p) - p)).toBeLessThan(0.05);
  });

  it('moves toward the observed frequency of success', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.nat(),
        (p, frequency, seed) => {
          const platt = new PlattCorrection();
          const random = seededRandom(seed);
          for (let i = 0; i < 3000; i++) platt.learn(p, random() < frequency);
          // Closer to the frequency than p was, by a margin, unless p was already close.
          if (Math.abs(p - frequency) > 0.15) {
            expect(Math.abs(platt.apply(p) - frequency)).toBeLessThan(Math.abs(p - frequency) * 0.6);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps its parameters bounded and the map increasing, whatever the outcomes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()), { maxLength: 2000 }),
        (outcomes) => {
          const platt = new PlattCorrection();
          for (const [p, succeeded] of outcomes) platt.learn(p, succeeded);
          const { slope, intercept } = platt.state;
          expect(slope).toBeGreaterThanOrEqual(0.2);
          expect(slope).toBeLessThanOrEqual(5);
          expect(Math.abs(intercept)).toBeLessThanOrEqual(4);
          expect(platt.apply(0.6)).toBeGreaterThanOrEqual(platt.apply(0.4));
        },
      ),
    );
  });

  it('refuses bounds that exclude the identity', () => {
    expect(() => new PlattCorrection({ minSlope: 2 })).toThrow(/minSlope/);
    expect(() => new PlattCorrection({ learningRate: -1 })).toThrow(/learningRate/);
  });
});
