import type { ConfidenceReport } from '../eval/confidence-report.js';
import { badArgument } from './cli-error.js';

/** `--target-precision`: a number in (0, 1]. */
export function parseTargetPrecision(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !(value > 0 && value <= 1)) {
    throw badArgument('--target-precision', 'a number in (0, 1]', text);
  }
  return value;
}

/** The confidence figures of `eval --json`, snake_case, added to the report's object. */
export function confidenceDto(report: ConfidenceReport): Record<string, unknown> {
  const dto: Record<string, unknown> = {
    ece: report.ece,
    routed_with_confidence: report.routedWithConfidence,
    accuracy_at_coverage: report.accuracyAtCoverage,
  };
  const selective = report.selective;
  if (selective !== undefined) {
    dto.target_precision = selective.targetPrecision;
    dto.confidence_threshold = selective.threshold;
    dto.calibration_precision = selective.onCalibration.precision;
    dto.calibration_coverage = selective.onCalibration.coverage;
    dto.precision_at_threshold = selective.onTasks.precision;
    dto.coverage_at_threshold = selective.onTasks.coverage;
  }
  return dto;
}

/** The confidence figures of the human report, one or two indented lines. */
export function confidenceLines(report: ConfidenceReport, calibratedOn?: string): string[] {
  const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const coverage = Object.entries(report.accuracyAtCoverage)
    .map(([share, accuracy]) => `${Number(share) * 100}% ${pct(accuracy)}`)
    .join(', ');
  const lines = [
    `  confidence: expected calibration error ${report.ece.toFixed(3)} over ${report.routedWithConfidence} routed tasks; ` +
      `routed correctly among the most confident ${coverage}`,
  ];
  const selective = report.selective;
  if (selective !== undefined) {
    const target = `precision ${pct(selective.targetPrecision)}`;
    lines.push(
      selective.threshold === null
        ? `  no confidence threshold reaches ${target} on ${calibratedOn ?? 'the calibration tasks'}`
        : `  confidence ≥ ${selective.threshold.toFixed(3)} (chosen for ${target} on ${calibratedOn ?? 'the calibration tasks'}, ` +
            `where it accepts ${pct(selective.onCalibration.coverage)}): here precision ${pct(selective.onTasks.precision)}, ` +
            `accepting ${pct(selective.onTasks.coverage)}`,
    );
  }
  return lines;
}
