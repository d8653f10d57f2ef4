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
  /**
   * What the agent handed back, when it did: a JSON object (an A2A agent's artifacts, or what an agent
   * sends with `complete`), checked and capped at the edge (wire/outcome-result.ts).
   */
  readonly result?: OutcomeResult;
}

/** A JSON object; the store keeps it as text and the ledger seals it with its outcome. */
export type OutcomeResult = Readonly<Record<string, unknown>>;

/**
 * The key a stored result that is not a JSON object reads back under (its text as the value): no
 * result taken at the edge has it (keys with control characters are refused there), so `verify`
 * finds such a row unlike what was sealed, and reads never fail on it.
 */
export const UNREADABLE_RESULT_KEY = '\u0000unreadable';

/** A stored result's text as an object, whatever the file holds. */
export function parseStoredResult(text: string): OutcomeResult {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as OutcomeResult;
  } catch {
    // not JSON: an edit of the file
  }
  return { [UNREADABLE_RESULT_KEY]: text };
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
