import type { Bid, Decision } from '../policy/decision.js';
import type { Router } from '../router/router.js';
import {
  accuracyAtCoverage,
  atThreshold,
  type ConfidencePair,
  expectedCalibrationError,
  REPORTED_COVERAGES,
  type SelectiveResult,
  thresholdForPrecision,
} from './calibration-metrics.js';

/** The default precision `eval --calibrate-on` picks a confidence threshold for. */
export const DEFAULT_TARGET_PRECISION = 0.9;

/** What `eval` says of the decisions' confidence (calibration-metrics.ts defines each figure). */
export interface ConfidenceReport {
  /** Expected calibration error over the tasks routed with a confidence. */
  readonly ece: number;
  /** How many tasks that is. */
  readonly routedWithConfidence: number;
  /** Accuracy at each of REPORTED_COVERAGES, keyed by the coverage as written ("0.5"). */
  readonly accuracyAtCoverage: Readonly<Record<string, number>>;
  /**
   * With a calibration split: the lowest confidence threshold that reaches the target precision on
   * it (null: none does), what it gives there, and what it gives on the evaluated tasks.
   */
  readonly selective?: {
    readonly targetPrecision: number;
    readonly threshold: number | null;
    readonly onCalibration: SelectiveResult;
    readonly onTasks: SelectiveResult;
  };
}

/** A decision's pair: its confidence when it chose an agent, and whether that was the labelled one. */
export function pairOf(decision: Decision, label: string): ConfidencePair {
  return {
    confidence: decision.selectedAgent === null ? null : decision.confidence,
    correct: decision.selectedAgent === label,
  };
}

/** Each labelled task decided once (cold: nothing learned), as a pair. */
export function decidedPairs(
  router: Router,
  tasks: readonly { readonly taskId: string; readonly description: string; readonly label: string }[],
  bids: readonly Bid[],
): ConfidencePair[] {
  return tasks.map((task) =>
    pairOf(router.decide({ taskId: task.taskId, description: task.description, bids }), task.label),
  );
}

/**
 * The report of the evaluated tasks' pairs; with `calibration`, the threshold is chosen on its pairs
 * and scored on `pairs`. Undefined when no decision had a confidence (a scorer without one).
 */
export function confidenceReport(
  pairs: readonly ConfidencePair[],
  calibration?: { readonly pairs: readonly ConfidencePair[]; readonly targetPrecision: number },
): ConfidenceReport | undefined {
  const ece = expectedCalibrationError(pairs);
  if (ece === undefined) return undefined;
  const accuracy: Record<string, number> = {};
  for (const coverage of REPORTED_COVERAGES) {
    accuracy[String(coverage)] = accuracyAtCoverage(pairs, coverage) as number;
  }
  const report = {
    ece,
    routedWithConfidence: pairs.filter((p) => p.confidence !== null).length,
    accuracyAtCoverage: accuracy,
  };
  if (calibration === undefined) return report;
  const chosen = thresholdForPrecision(calibration.pairs, calibration.targetPrecision);
  return {
    ...report,
    selective: {
      targetPrecision: calibration.targetPrecision,
      threshold: chosen.threshold,
      onCalibration: { precision: chosen.precision, coverage: chosen.coverage },
      onTasks:
        chosen.threshold === null ? { precision: null, coverage: 0 } : atThreshold(pairs, chosen.threshold),
    },
  };
}
