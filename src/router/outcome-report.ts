import { RouterError } from '../kernel/errors.js';
import { OUTCOME_STATUSES, type OutcomeReport } from '../policy/outcome.js';

/**
 * The checks an outcome report passes before it reaches the store, whichever edge it came from.
 * Edges validate shapes with their schemas; this guards the library API.
 */
export function checkOutcomeReport(report: OutcomeReport): void {
  const fail = (field: string, message: string): never => {
    throw new RouterError('invalid_request', `${field} ${message}`, { details: { field } });
  };
  if (!Number.isSafeInteger(report.seq) || report.seq < 1) {
    fail('seq', `must be a decision sequence number (an integer ≥ 1), got ${String(report.seq)}`);
  }
  if (typeof report.agentId !== 'string' || report.agentId.length === 0) {
    fail('agent_id', 'must be a non-empty string');
  }
  if (!(OUTCOME_STATUSES as readonly string[]).includes(report.status)) {
    fail('status', `must be one of ${OUTCOME_STATUSES.join(', ')}, got ${JSON.stringify(report.status)}`);
  }
  const duration = report.durationMs;
  if (
    duration !== undefined &&
    !(typeof duration === 'number' && Number.isFinite(duration) && duration >= 0)
  ) {
    fail('duration_ms', `must be a number of milliseconds ≥ 0, got ${String(duration)}`);
  }
}
