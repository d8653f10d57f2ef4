import type Database from 'better-sqlite3';
import { RouterError } from '../../kernel/errors.js';
import {
  type OutcomeReport,
  type OutcomeResult,
  parseStoredResult,
  type RecordedOutcome,
} from '../../policy/outcome.js';
import { decodeBids } from '../record-rows.js';
import type { SqliteKeys } from './sqlite-keys.js';
import * as Q from './sqlite-queries.js';

export interface OutcomeRow {
  outcome_seq: number;
  seq: number;
  agent_id: string;
  completed: number;
  duration_ms: number | null;
  recorded_ms: number;
  task_id: string;
  description: string;
  /** Read by the audit page only (the learning replay does not need it). */
  result?: string | null;
}

/** Outcome rows of the SQLite store: checked, appended, read back in recording order. */
export class SqliteOutcomes {
  readonly #statement: (sql: string) => Database.Statement;
  readonly #keys: SqliteKeys;

  constructor(statement: (sql: string) => Database.Statement, keys: SqliteKeys) {
    this.#statement = statement;
    this.#keys = keys;
  }

  /** Checks and appends one outcome; call inside an IMMEDIATE transaction. */
  append(report: OutcomeReport, recordedAtMs: number): RecordedOutcome {
    const decision = this.#statement(Q.SELECT_DECISION_TASK).get(report.seq) as
      | { task_id: string; description: string; bids: Buffer | null }
      | undefined;
    if (decision === undefined) {
      throw new RouterError('unknown_decision', `no decision has sequence number ${report.seq}`, {
        details: { seq: report.seq },
      });
    }
    const agentKey = this.#keys.findAgentKey(report.agentId);
    // A candidate is a bidder; most of them have no `candidates` row (migration 0007), so the
    // decision's own bids answer.
    const isCandidate =
      agentKey !== undefined &&
      (decision.bids !== null
        ? decodeBids(decision.bids).some((bid) => bid.agentKey === agentKey)
        : this.#statement(Q.SELECT_LEGACY_BID_OF_AGENT).get(report.seq, agentKey) !== undefined);
    if (!isCandidate) {
      throw new RouterError(
        'not_a_candidate',
        `agent '${report.agentId}' was not a candidate of decision ${report.seq}, so it cannot report its outcome`,
        { details: { seq: report.seq, agentId: report.agentId } },
      );
    }
    if (this.#statement(Q.SELECT_OUTCOME_OF).get(report.seq, agentKey) !== undefined) {
      throw new RouterError(
        'duplicate_outcome',
        `agent '${report.agentId}' already reported the outcome of decision ${report.seq}`,
        { details: { seq: report.seq, agentId: report.agentId } },
      );
    }
    const row = this.#statement(Q.INSERT_OUTCOME).get(
      report.seq,
      agentKey,
      report.status === 'completed' ? 1 : 0,
      report.durationMs ?? null,
      recordedAtMs,
      report.result === undefined ? null : JSON.stringify(report.result),
    ) as { outcome_seq: number };
    return {
      ...report,
      outcomeSeq: row.outcome_seq,
      recordedAtMs,
      taskId: decision.task_id,
      description: decision.description,
    };
  }

  /** The result the agent handed back with its outcome of decision `seq`, if any. */
  resultOf(seq: number, agentId: string): OutcomeResult | undefined {
    const agentKey = this.#keys.findAgentKey(agentId);
    if (agentKey === undefined) return undefined;
    const row = this.#statement(Q.SELECT_OUTCOME_RESULT).get(seq, agentKey) as
      | { result: string | null }
      | undefined;
    return row?.result == null ? undefined : parseStoredResult(row.result);
  }

  /** One page of outcomes after `afterOutcomeSeq`, in recording order. */
  page(afterOutcomeSeq: number, limit: number): RecordedOutcome[] {
    return (this.#statement(Q.SELECT_OUTCOME_PAGE).all(afterOutcomeSeq, limit) as OutcomeRow[]).map(
      outcomeFromRow,
    );
  }
}

export function outcomeFromRow(r: OutcomeRow): RecordedOutcome {
  return {
    seq: r.seq,
    agentId: r.agent_id,
    status: r.completed === 1 ? 'completed' : 'failed',
    ...(r.duration_ms === null ? {} : { durationMs: r.duration_ms }),
    outcomeSeq: r.outcome_seq,
    recordedAtMs: r.recorded_ms,
    taskId: r.task_id,
    description: r.description,
    ...(r.result == null ? {} : { result: parseStoredResult(r.result) }),
  };
}
