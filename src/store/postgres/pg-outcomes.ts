import { RouterError } from '../../kernel/errors.js';
import {
  type OutcomeReport,
  type OutcomeResult,
  parseStoredResult,
  type RecordedOutcome,
} from '../../policy/outcome.js';
import { decodeBids } from '../record-rows.js';
import type { PgConnection } from './pg-connection.js';
import type { PgKeys } from './pg-keys.js';
import { type OutcomeRow, recordedOutcome } from './pg-outcome-rows.js';
import {
  INSERT_OUTCOME,
  LAST_OUTCOME_SEQ,
  SELECT_DECIDED,
  SELECT_OUTCOME_RESULT,
  SELECT_OUTCOMES_AFTER,
} from './pg-queries.js';
import type { PgQueryable } from './pg-queryable.js';

/** Outcomes per page of a stream. */
const STREAM_PAGE_SIZE = 500;

/**
 * The outcomes of the PostgreSQL store: what a decision's candidates report of their tasks, one per
 * (decision, agent), numbered in the order recorded (outcome_seq). Each is sealed into the ledger
 * after its commit, like every row change (pg-ledger.ts).
 */
export class PgOutcomes {
  readonly #connection: PgConnection;
  readonly #keys: PgKeys;

  constructor(connection: PgConnection, keys: PgKeys) {
    this.#connection = connection;
    this.#keys = keys;
  }

  /**
   * Records an outcome inside `client`'s transaction, with its pending row for the ledger. Throws
   * unknown_decision, not_a_candidate (the agent did not bid in that decision) or duplicate_outcome.
   */
  async appendIn(client: PgQueryable, report: OutcomeReport, recordedAtMs: number): Promise<RecordedOutcome> {
    const decision = (
      await client.query<{ task_id: string; description: string; bids: Buffer }>(SELECT_DECIDED, [report.seq])
    ).rows[0];
    if (decision === undefined) {
      throw new RouterError('unknown_decision', `no decision has sequence number ${report.seq}`, {
        details: { seq: report.seq },
      });
    }
    const agentKey = await this.#keys.findAgentKey(report.agentId);
    const isCandidate =
      agentKey !== undefined && decodeBids(decision.bids).some((bid) => bid.agentKey === agentKey);
    if (!isCandidate) {
      throw new RouterError(
        'not_a_candidate',
        `agent '${report.agentId}' was not a candidate of decision ${report.seq}, so it cannot report its outcome`,
        { details: { seq: report.seq, agentId: report.agentId } },
      );
    }
    const inserted = (
      await client.query<{ outcome_seq: number }>(INSERT_OUTCOME, [
        report.seq,
        agentKey,
        report.status === 'completed',
        report.durationMs ?? null,
        recordedAtMs,
        report.result === undefined ? null : JSON.stringify(report.result),
      ])
    ).rows[0];
    if (inserted === undefined) {
      throw new RouterError(
        'duplicate_outcome',
        `agent '${report.agentId}' already reported the outcome of decision ${report.seq}`,
        { details: { seq: report.seq, agentId: report.agentId } },
      );
    }
    return {
      ...report,
      outcomeSeq: inserted.outcome_seq,
      recordedAtMs,
      taskId: decision.task_id,
      description: decision.description,
    };
  }

  /** The result the agent handed back with its outcome of decision `seq`, if any. */
  async resultOf(seq: number, agentId: string): Promise<OutcomeResult | undefined> {
    const agentKey = await this.#keys.findAgentKey(agentId);
    if (agentKey === undefined) return undefined;
    const { db } = this.#connection;
    const row = (
      await this.#connection.run(() =>
        db.query<{ result: string | null }>(SELECT_OUTCOME_RESULT, [seq, agentKey]),
      )
    ).rows[0];
    return row?.result == null ? undefined : parseStoredResult(row.result);
  }

  /** The outcomes after `afterOutcomeSeq`, oldest first, a page per read (run). */
  async *stream(afterOutcomeSeq: number): AsyncIterable<RecordedOutcome> {
    const { db } = this.#connection;
    let after = afterOutcomeSeq;
    for (;;) {
      const rows = await this.#connection.run(
        async () => (await db.query<OutcomeRow>(SELECT_OUTCOMES_AFTER, [after, STREAM_PAGE_SIZE])).rows,
      );
      if (rows.length === 0) return;
      for (const row of rows) yield recordedOutcome(row);
      after = (rows.at(-1) as { outcome_seq: number }).outcome_seq;
    }
  }

  /** The newest outcome_seq, 0 when none (run). */
  lastSeq(): Promise<number> {
    return this.#connection.number(LAST_OUTCOME_SEQ);
  }
}
