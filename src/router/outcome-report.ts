import { RouterError } from '../kernel/errors.js';
import type { Decision } from '../policy/decision.js';
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

/**
 * Only the agent a decision selected may report how its task went: an outcome moves the agent's
 * track record and teaches the scorer the task's words, so one from a losing or refused bidder would
 * let it claim work it never got. Checked against the logged decision, which never changes, so the
 * check cannot race the append that follows it. An agent that was not a bidder at all is left to the
 * store, which refuses it as `not_a_candidate`.
 *
 * The service's task lifecycle records outcomes through the store, not here: there a task re-offered
 * after a timeout, a rejection or a failure is reported by the bidder that holds it then, whom the
 * lifecycle checks.
 */
export function checkReporterWasSelected(decision: Decision, seq: number, agentId: string): void {
  const winner = decision.selectedAgent;
  if (winner === agentId || !decision.bidders.some((b) => b.agentId === agentId)) return;
  const message =
    winner === null
      ? `decision ${seq} selected no agent, so no agent can report its outcome`
      : `agent '${agentId}' was not selected by decision ${seq} (${winner} was), so it cannot report its outcome`;
  throw new RouterError('not_selected', message, { details: { seq, agentId, selectedAgent: winner } });
}
