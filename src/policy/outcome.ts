/**
 * What happened after a decision: the agent that took the task completed it or failed it. Outcomes
 * are recorded against the decision (its sequence number) and the agent that tried; a task offered to
 * several agents in turn (each failing, or the next one succeeding) has one outcome per attempt.
 */
export const OUTCOME_STATUSES = ['completed', 'failed'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

export interface OutcomeReport {
  /** Sequence number of the decision the task was routed by. */
  readonly seq: number;
  /** The agent that tried the task; must have been a candidate (a bidder) of that decision. */
  readonly agentId: string;
  readonly status: OutcomeStatus;
  /** How long the agent took, in milliseconds, when it says. */
  readonly durationMs?: number;
}

/** An outcome as the store keeps it, with what learning needs from its decision. */
export interface RecordedOutcome extends OutcomeReport {
  /** Position among all outcomes, from 1, in the order they were recorded. */
  readonly outcomeSeq: number;
  readonly recordedAtMs: number;
  readonly taskId: string;
  /** The decision's task text: what the router learns from. */
  readonly description: string;
}
