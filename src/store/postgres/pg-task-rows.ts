import type { NewTaskEvent } from '../../events/task-event.js';
import type { Task } from '../../tasks/task.js';
import { TASK_COLUMNS, type TaskRow, taskFromRow } from '../task-rows.js';

/**
 * A task's decision_seq as it reads, `t` naming its row: a decision batch links the task to its
 * decision by id before the chain lock, when the seq is not known yet (commit_decisions), and the seq
 * is that decision's; every other commit writes decision_seq itself.
 */
function decisionSeqOf(t: string): string {
  return `CASE WHEN ${t}.decision_seq IS NOT NULL OR ${t}.decision_id IS NULL THEN ${t}.decision_seq
    ELSE (SELECT d.seq FROM decisions d WHERE d.task_id = ${t}.task_id AND d.decision_id = ${t}.decision_id) END`;
}

/** A task's row as this adapter reads it: TaskRow and the task's bids, in arrival order. */
export interface PgTaskRow extends TaskRow {
  bid_agents: string[];
  bid_sats: number[];
}

/**
 * TASK_COLUMNS and the bids to read from the tasks table (unaliased): decision_seq as decisionSeqOf
 * finds it.
 */
export const TASK_READ_COLUMNS = `${TASK_COLUMNS.replace('decision_seq', `${decisionSeqOf('tasks')} AS decision_seq`)},
  bid_agents, bid_sats`;

export function taskFromPgRow(row: PgTaskRow): Task {
  return taskFromRow(
    row,
    row.bid_agents.map((agentId, i) => ({ agentId, bidSats: row.bid_sats[i] as number })),
  );
}

/**
 * An event's data as it reads, `e` naming its row: a decision's event written before its seq was
 * known keeps a token where the seq goes, and that token in seq_token; the seq is that of its task's
 * decision (decisionSeqOf), written in the same transaction. Without one (which would be a broken
 * store) the data reads as stored rather than not at all.
 */
const EVENT_DATA = `CASE WHEN e.seq_token IS NULL THEN e.data ELSE coalesce(
  replace(e.data, e.seq_token, (SELECT ${decisionSeqOf('t')} FROM tasks t WHERE t.task_id = e.task_id)::text), e.data) END AS data`;

/** The columns of an event (task-rows.ts EventRow) to read from task_events taken as `e`. */
export const EVENT_READ_COLUMNS = `e.event_id, e.kind, e.task_id, e.agent_id, e.at_ms, ${EVENT_DATA}`;

/** New events as the five column arrays of an `unnest` insert (kind, task_id, agent_id, at_ms, data). */
export function eventColumns(events: readonly NewTaskEvent[]): unknown[][] {
  return [
    events.map((e) => e.kind),
    events.map((e) => e.taskId),
    events.map((e) => e.agentId),
    events.map((e) => e.atMs),
    events.map((e) => JSON.stringify(e.data)),
  ];
}
