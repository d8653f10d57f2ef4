import { parseStoredResult, type RecordedOutcome } from '../../policy/outcome.js';

/** An outcome as the stores' SELECTs read it, joined with its agent's id and its decision's task. */
export interface OutcomeRow {
  outcome_seq: number;
  seq: number;
  agent_id: string;
  completed: boolean;
  duration_ms: number | null;
  recorded_ms: number;
  task_id: string;
  description: string;
  /** Read where the ledger needs it (sealing, verify); absent from the learning replay's pages. */
  result?: string | null;
}

export function recordedOutcome(row: OutcomeRow): RecordedOutcome {
  return {
    outcomeSeq: row.outcome_seq,
    seq: row.seq,
    agentId: row.agent_id,
    status: row.completed ? 'completed' : 'failed',
    ...(row.duration_ms === null ? {} : { durationMs: row.duration_ms }),
    recordedAtMs: row.recorded_ms,
    taskId: row.task_id,
    description: row.description,
    ...(row.result == null ? {} : { result: parseStoredResult(row.result) }),
  };
}
