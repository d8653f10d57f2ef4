/**
 * Calibrated confidence: the probability that an agent is the right one for a task, from the
 * capability scores of the whole roster. Pure: no I/O, no clock, no randomness.
 *
 * The model is a softmax with a temperature over the roster's scores (Guo et al. 2017, "On
 * Calibration of Modern Neural Networks": temperature scaling), p_i = exp(s_i / T) / Σ_j exp(s_j / T):
 * one parameter, fitted by maximum likelihood on labelled tasks (fitTemperature), that cannot change
 * which agent ranks first, only how sure the ranking is. Outcomes then correct it online with a
 * Platt-style map on the logit of that probability (PlattCorrection), since a roster's live traffic
 * is rarely the data the temperature was fitted on.
 */

/**
 * p of the agent at `position` under a softmax of `scores` at `temperature` (> 0). Numerically
 * stable (every exponent is taken relative to the largest score) and one pass over the roster: the
 * sum is kept relative to the largest score seen so far and rescaled when a larger one comes. Scores
 * of exactly 0, most of a large roster on any one task, are only counted, and share one exponential:
 * at 50,000 agents a pass that exponentiated every score cost 0.2 ms a decision, a sixth of the
 * 50,000-tool batch's time per decision. `position` must be a valid index of `scores`.
 */
export function softmaxProbability(scores: ArrayLike<number>, position: number, temperature: number): number {
  const n = scores.length;
  let max = Number.NEGATIVE_INFINITY; // the largest non-zero score
  let sum = 0; // Σ exp((s − max) / T) over the non-zero scores
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i] as number;
    if (s === 0) zeros++;
    else if (s <= max) sum += Math.exp((s - max) / temperature);
    else {
      sum = sum * Math.exp((max - s) / temperature) + 1;
      max = s;
    }
  }
  // The reference point: the largest score, zeros included.
  const top = zeros > 0 && !(max > 0) ? 0 : max;
  const total =
    (sum === 0 ? 0 : sum * Math.exp((max - top) / temperature)) + zeros * Math.exp(-top / temperature);
  return Math.exp(((scores[position] as number) - top) / temperature) / total;
}

/** Buckets of softmaxProbabilityBinned over [0, 1]: a bucket is 1/4096 wide. */
const BUCKETS = 4096;
const bucketCounts = new Float64Array(BUCKETS);
/** Per bucket, Σ (s − centre) and Σ (s − centre)²: the expansion's terms, without cancellation. */
const bucketOffsets = new Float64Array(BUCKETS);
const bucketSquares = new Float64Array(BUCKETS);
const touchedBuckets = new Int32Array(BUCKETS);

/**
 * softmaxProbability for large rosters, with one exponential per bucket of scores rather than per
 * score: scores in [0, 1] fall into 4,096 buckets, and each bucket's Σ exp((s − max) / T) is its
 * second-order expansion around the bucket's centre c, exp((c − max) / T) · Σ (1 + d + d² / 2) with
 * d = (s − c) / T. The relative error of each term is under |d|³ / 6 ≤ (w / 2T)³ / 6 for a bucket w
 * wide: under 4·10⁻⁷ at T = 0.01, far below the three decimals a decision keeps. At 50,000 tools,
 * where 14,000 scores are not zero on a typical task, the exact pass cost 0.35 ms a decision and
 * this one 0.14 ms. Scores outside [0, 1] take the exact pass.
 */
export function softmaxProbabilityBinned(
  scores: ArrayLike<number>,
  position: number,
  temperature: number,
): number {
  const n = scores.length;
  let max = 0;
  let touched = 0;
  let exact = false;
  // Zeros, most of a large roster, take the same path as any score (bucket 0, whose expansion
  // covers them): a branch on them is mispredicted on every mix of zeros and matches.
  for (let i = 0; i < n; i++) {
    const s = scores[i] as number;
    if (!(s >= 0 && s <= 1)) {
      exact = true;
      break;
    }
    if (s > max) max = s;
    const b = Math.min(BUCKETS - 1, (s * BUCKETS) | 0);
    const offset = s - (b + 0.5) / BUCKETS;
    if (bucketCounts[b] === 0) touchedBuckets[touched++] = b;
    bucketCounts[b] = (bucketCounts[b] as number) + 1;
    bucketOffsets[b] = (bucketOffsets[b] as number) + offset;
    bucketSquares[b] = (bucketSquares[b] as number) + offset * offset;
  }
  let total = 0;
  for (let t = 0; t < touched; t++) {
    const b = touchedBuckets[t] as number;
    if (!exact) {
      const centre = (b + 0.5) / BUCKETS;
      const linear = (bucketOffsets[b] as number) / temperature;
      const quadratic = (bucketSquares[b] as number) / (2 * temperature * temperature);
      total += Math.exp((centre - max) / temperature) * ((bucketCounts[b] as number) + linear + quadratic);
    }
    // The scratch is left as it was found, for the next call.
    bucketCounts[b] = 0;
    bucketOffsets[b] = 0;
    bucketSquares[b] = 0;
  }
  if (exact) return softmaxProbability(scores, position, temperature);
  return Math.exp(((scores[position] as number) - max) / temperature) / total;
}

/** Every agent's softmax probability (for tests and probes; decisions need only one). */
export function softmax(scores: ArrayLike<number>, temperature: number): Float64Array {
  const out = new Float64Array(scores.length);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i] as number);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    out[i] = Math.exp(((scores[i] as number) - max) / temperature);
    sum += out[i] as number;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** A labelled task as calibration sees it: every agent's score, and the position of the right one. */
export interface LabelledScores {
  readonly scores: Float64Array;
  readonly position: number;
}

/** Mean −log p(right agent) of `instances` at `temperature`: what fitTemperature minimises. */
export function negativeLogLikelihood(instances: readonly LabelledScores[], temperature: number): number {
  if (instances.length === 0) return 0;
  let total = 0;
  for (const { scores, position } of instances) {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i] as number);
    let sum = 0;
    for (let i = 0; i < scores.length; i++) sum += Math.exp(((scores[i] as number) - max) / temperature);
    // −log p = log Σ exp((s_j − max)/T) − (s_y − max)/T, never exp'd, so a tiny p stays finite.
    total += Math.log(sum) - ((scores[position] as number) - max) / temperature;
  }
  return total / instances.length;
}

/** The range fitTemperature searches. Capability scores lie in [0, 1], so T outside it is degenerate. */
export const MIN_TEMPERATURE = 1e-3;
export const MAX_TEMPERATURE = 10;

const GRID_POINTS = 41;
const GOLDEN_STEPS = 40;

/**
 * The temperature in [MIN_TEMPERATURE, MAX_TEMPERATURE] that minimises the negative log-likelihood
 * of `instances`: a grid over log T, then golden-section search between the best grid point's
 * neighbours. The likelihood is convex in 1/T (a log-sum-exp minus a linear term), so it has one
 * minimum in log T and the search finds it; deterministic. A set the ranking always gets right with
 * a margin is most likely at the smallest T, and gets it. Throws TypeError for no instances or a
 * position outside its scores.
 */
export function fitTemperature(instances: readonly LabelledScores[]): number {
  if (instances.length === 0)
    throw new TypeError('expected labelled instances to fit a temperature, got none');
  for (const [i, { scores, position }] of instances.entries()) {
    if (!(Number.isInteger(position) && position >= 0 && position < scores.length)) {
      throw new TypeError(
        `expected instances[${i}].position in 0..${scores.length - 1}, got ${position} (${typeof position})`,
      );
    }
  }
  const lo = Math.log(MIN_TEMPERATURE);
  const hi = Math.log(MAX_TEMPERATURE);
  const step = (hi - lo) / (GRID_POINTS - 1);
  const loss = (logT: number): number => negativeLogLikelihood(instances, Math.exp(logT));
  let best = 0;
  let bestLoss = Number.POSITIVE_INFINITY;
  for (let k = 0; k < GRID_POINTS; k++) {
    const value = loss(lo + k * step);
    if (value < bestLoss) {
      bestLoss = value;
      best = k;
    }
  }
  let a = lo + Math.max(best - 1, 0) * step;
  let b = lo + Math.min(best + 1, GRID_POINTS - 1) * step;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let lossC = loss(c);
  let lossD = loss(d);
  for (let k = 0; k < GOLDEN_STEPS; k++) {
    if (lossC <= lossD) {
      b = d;
      d = c;
      lossD = lossC;
      c = b - ratio * (b - a);
      lossC = loss(c);
    } else {
      a = c;
      c = d;
      lossC = lossD;
      d = a + ratio * (b - a);
      lossD = loss(d);
    }
  }
  // The grid point itself when the bracket's interior is no better (a minimum at either bound).
  const inner = (a + b) / 2;
  return Math.exp(loss(inner) <= bestLoss ? inner : lo + best * step);
}

export interface PlattConfig {
  /**
   * Step size of each outcome's gradient step on the log loss. Default 0.01: 3,000 outcomes at one
   * probability bring the map within about a third of the way from p to the observed frequency;
   * 0.02 got there faster but wandered by ±0.06 around it at p = 0.05 (simulated, confidence.test.ts).
   */
  readonly learningRate: number;
  /** Bounds of the slope a; its lower bound keeps the map increasing. Default [0.2, 5]. */
  readonly minSlope: number;
  readonly maxSlope: number;
  /** Bound of |b|. Default 4 (a shift of the log-odds by at most a factor e⁴ ≈ 55). */
  readonly maxIntercept: number;
  /**
   * Where the map starts, before any outcome: a and b fitted on labelled data
   * (default-confidence.ts), or the identity (default 1 and 0).
   */
  readonly initialSlope: number;
  readonly initialIntercept: number;
}

export const DEFAULT_PLATT_CONFIG: PlattConfig = Object.freeze({
  learningRate: 0.01,
  minSlope: 0.2,
  maxSlope: 5,
  maxIntercept: 4,
  initialSlope: 1,
  initialIntercept: 0,
});

/**
 * Probabilities are clipped to [EPSILON, 1 − EPSILON] before the logit: a softmax over a large roster
 * gives probabilities of 1e-30, whose logit would make one outcome's step as large as the bounds.
 */
const EPSILON = 1e-4;

const logit = (p: number): number => {
  const q = Math.min(Math.max(p, EPSILON), 1 - EPSILON);
  return Math.log(q / (1 - q));
};
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** σ(slope · logit(p) + intercept): a Platt map applied to p (logit clipped as PlattCorrection's). */
export function plattProbability(p: number, slope: number, intercept: number): number {
  return sigmoid(slope * logit(p) + intercept);
}

/**
 * The online correction of a probability from outcomes (Platt 1999, fitted by stochastic gradient
 * descent): q = σ(a · logit(p) + b), starting at PlattConfig's initial a and b and moved one small step
 * per outcome toward the frequency with which agents given probability p succeeded. Bounded, so no run
 * of outcomes can make it constant or reverse the order of probabilities.
 */
export class PlattCorrection {
  readonly #config: PlattConfig;
  #slope: number;
  #intercept: number;
  #outcomes = 0;

  constructor(config: Partial<PlattConfig> = {}) {
    const merged = { ...DEFAULT_PLATT_CONFIG, ...config };
    const { initialIntercept, ...nonNegative } = merged;
    if (!Number.isFinite(initialIntercept) || Math.abs(initialIntercept) > merged.maxIntercept) {
      throw new TypeError(
        `expected initialIntercept to be a finite number within ±maxIntercept, got ${initialIntercept} (${typeof initialIntercept})`,
      );
    }
    for (const [name, value] of Object.entries(nonNegative)) {
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new TypeError(`expected ${name} to be a finite number ≥ 0, got ${value} (${typeof value})`);
      }
    }
    if (!(merged.minSlope > 0 && merged.minSlope <= 1 && merged.maxSlope >= 1)) {
      throw new TypeError(
        `expected 0 < minSlope ≤ 1 ≤ maxSlope, got ${merged.minSlope} and ${merged.maxSlope} (identity must be allowed)`,
      );
    }
    if (!(merged.initialSlope >= merged.minSlope && merged.initialSlope <= merged.maxSlope)) {
      throw new TypeError(
        `expected initialSlope within [minSlope, maxSlope], got ${merged.initialSlope} (${typeof merged.initialSlope})`,
      );
    }
    this.#config = Object.freeze(merged);
    this.#slope = merged.initialSlope;
    this.#intercept = merged.initialIntercept;
  }

  /** The corrected probability of `p` (p itself while the map is the identity). */
  apply(p: number): number {
    if (this.#slope === 1 && this.#intercept === 0) return p;
    return plattProbability(p, this.#slope, this.#intercept);
  }

  /** One outcome of an agent given probability `p` of being right: one gradient step on the log loss. */
  learn(p: number, succeeded: boolean): void {
    if (!(p >= 0 && p <= 1)) return; // a NaN from an empty roster teaches nothing
    const z = logit(p);
    const error = sigmoid(this.#slope * z + this.#intercept) - (succeeded ? 1 : 0);
    const { learningRate, minSlope, maxSlope, maxIntercept } = this.#config;
    this.#slope = Math.min(Math.max(this.#slope - learningRate * error * z, minSlope), maxSlope);
    this.#intercept = Math.min(Math.max(this.#intercept - learningRate * error, -maxIntercept), maxIntercept);
    this.#outcomes++;
  }

  /** The map's parameters and how many outcomes moved them (for tests and diagnostics). */
  get state(): { readonly slope: number; readonly intercept: number; readonly outcomes: number } {
    return { slope: this.#slope, intercept: this.#intercept, outcomes: this.#outcomes };
  }
}
