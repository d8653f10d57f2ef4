/**
 * How well a router's confidence (Decision.confidence) is calibrated on labelled tasks, and what it is
 * worth: pure functions over one (confidence, correct) pair per task.
 *
 * A task's pair is the confidence of its decision and whether the decision routed it correctly (chose
 * the labelled agent; a refusal, "no suitable agent", is never correct). A refused task, or one whose
 * decision has no confidence, has confidence null.
 */
export interface ConfidencePair {
  readonly confidence: number | null;
  readonly correct: boolean;
}

/** Equal-width bins of the expected calibration error (Naeini et al. 2015; Guo et al. 2017). */
export const ECE_BINS = 10;

/** The shares of tasks accuracyAtCoverage is reported at by `eval`. */
export const REPORTED_COVERAGES = [0.5, 0.8, 0.9] as const;

/**
 * Expected calibration error over the tasks whose decision chose an agent with a confidence: they are
 * put in ECE_BINS equal-width bins of confidence ([0, 0.1), …, [0.9, 1]), and the error is the mean
 * over tasks of |accuracy of the task's bin − mean confidence of its bin|. Refused tasks are left out:
 * a refusal claims nothing to be right about (accuracyAtCoverage counts them). Undefined when no task
 * has a confidence.
 */
export function expectedCalibrationError(pairs: readonly ConfidencePair[]): number | undefined {
  const count = new Float64Array(ECE_BINS);
  const confidenceSum = new Float64Array(ECE_BINS);
  const correctSum = new Float64Array(ECE_BINS);
  let n = 0;
  for (const { confidence, correct } of pairs) {
    if (confidence === null) continue;
    const bin = Math.min(Math.floor(confidence * ECE_BINS), ECE_BINS - 1);
    count[bin] = (count[bin] as number) + 1;
    confidenceSum[bin] = (confidenceSum[bin] as number) + confidence;
    if (correct) correctSum[bin] = (correctSum[bin] as number) + 1;
    n++;
  }
  if (n === 0) return undefined;
  let error = 0;
  for (let b = 0; b < ECE_BINS; b++) {
    error += Math.abs((correctSum[b] as number) - (confidenceSum[b] as number)) / n;
  }
  return error;
}

/**
 * The share routed correctly of the `coverage` share of tasks the router is most confident of: every
 * task ranked by confidence, refused ones (and ones without confidence) at 0, and the first
 * ⌈coverage · n⌉ kept. Tasks of equal confidence straddling the cut count by their group's accuracy
 * (the expectation over the order of ties), so the figure does not depend on the task order.
 * Undefined for no tasks.
 */
export function accuracyAtCoverage(pairs: readonly ConfidencePair[], coverage: number): number | undefined {
  if (!(coverage > 0 && coverage <= 1)) {
    throw new TypeError(`expected coverage in (0, 1], got ${coverage} (${typeof coverage})`);
  }
  if (pairs.length === 0) return undefined;
  const keep = Math.ceil(coverage * pairs.length);
  let kept = 0;
  let right = 0;
  for (const group of confidenceGroups(pairs)) {
    const take = Math.min(group.size, keep - kept);
    right += (group.correct * take) / group.size;
    kept += take;
    if (kept === keep) break;
  }
  return right / keep;
}

/** What accepting the tasks whose confidence is at least `threshold` gives. */
export interface SelectiveResult {
  /** The accepted share routed correctly; null when none is accepted. */
  readonly precision: number | null;
  /** The accepted share of all tasks. */
  readonly coverage: number;
}

/** Precision and coverage when only tasks with confidence ≥ `threshold` are accepted. */
export function atThreshold(pairs: readonly ConfidencePair[], threshold: number): SelectiveResult {
  let accepted = 0;
  let right = 0;
  for (const { confidence, correct } of pairs) {
    if (confidence === null || confidence < threshold) continue;
    accepted++;
    if (correct) right++;
  }
  return {
    precision: accepted === 0 ? null : right / accepted,
    coverage: pairs.length === 0 ? 0 : accepted / pairs.length,
  };
}

/**
 * The lowest confidence threshold whose accepted tasks are at least `targetPrecision` right (so the
 * one that accepts the most), among the confidences that occur, with what it gives on `pairs`;
 * threshold null when no threshold reaches the target (then nothing is accepted).
 */
export function thresholdForPrecision(
  pairs: readonly ConfidencePair[],
  targetPrecision: number,
): SelectiveResult & { readonly threshold: number | null } {
  if (!(targetPrecision >= 0 && targetPrecision <= 1)) {
    throw new TypeError(
      `expected targetPrecision in [0, 1], got ${targetPrecision} (${typeof targetPrecision})`,
    );
  }
  let threshold: number | null = null;
  let accepted = 0;
  let right = 0;
  for (const group of confidenceGroups(pairs)) {
    if (group.confidence === null) break; // refused: never accepted
    accepted += group.size;
    right += group.correct;
    if (right / accepted >= targetPrecision) threshold = group.confidence;
  }
  return threshold === null
    ? { threshold, precision: null, coverage: 0 }
    : { threshold, ...atThreshold(pairs, threshold) };
}

interface ConfidenceGroup {
  /** null: refused tasks and tasks without confidence, ranked last (as confidence 0). */
  readonly confidence: number | null;
  readonly size: number;
  readonly correct: number;
}

/** The tasks grouped by equal confidence, most confident first; the group without one last. */
function confidenceGroups(pairs: readonly ConfidencePair[]): ConfidenceGroup[] {
  const byConfidence = new Map<number | null, { size: number; correct: number }>();
  for (const { confidence, correct } of pairs) {
    let group = byConfidence.get(confidence);
    if (group === undefined) {
      group = { size: 0, correct: 0 };
      byConfidence.set(confidence, group);
    }
    group.size++;
    if (correct) group.correct++;
  }
  const rank = (c: number | null): number => (c === null ? Number.NEGATIVE_INFINITY : c);
  return [...byConfidence]
    .map(([confidence, g]) => ({ confidence, size: g.size, correct: g.correct }))
    .sort((a, b) => rank(b.confidence) - rank(a.confidence));
}
