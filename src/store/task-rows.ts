import type { TaskEvent, TaskEventKind } from '../events/task-event.js';
import { RouterError } from '../kernel/errors.js';
import type { Bid } from '../policy/decision.js';
import { dueMs, type Task, type TaskStatus } from '../tasks/task.js';

/** Row shapes of the tasks and task_events tables, the same in both adapters' schemas. */
export interface TaskRow {
  task_id: string;
  description: string;
  constraints: string;
  status: string;
  created_ms: number;
  closes_ms: number;
  deadline_ms: number | null;
  decision_seq: number | null;
  candidates: string;
  offer_index: number;
  assigned_agent: string | null;
  reserved_until_ms: number | null;
  failures: number;
  version: number;
  updated_ms: number;
}

export interface EventRow {
  event_id: number;
  kind: string;
  task_id: string;
  agent_id: string | null;
  at_ms: number;
  data: string;
}

/** The columns of TaskRow, in the tables' order. */
export const TASK_COLUMNS = `task_id, description, constraints, status, created_ms, closes_ms, deadline_ms, decision_seq,
  candidates, offer_index, assigned_agent, reserved_until_ms, failures, version, updated_ms`;

export function taskFromRow(row: TaskRow, bids: readonly Bid[]): Task {
  return {
    taskId: row.task_id,
    description: row.description,
    constraints: JSON.parse(row.constraints),
    status: row.status as TaskStatus,
    createdMs: row.created_ms,
    closesMs: row.closes_ms,
    deadlineMs: row.deadline_ms,
    bids,
    decisionSeq: row.decision_seq,
    candidates: JSON.parse(row.candidates),
    offerIndex: row.offer_index,
    assignedAgent: row.assigned_agent,
    reservedUntilMs: row.reserved_until_ms,
    failures: row.failures,
    version: row.version,
    updatedMs: row.updated_ms,
  };
}

export function eventFromRow(row: EventRow): TaskEvent {
  return {
    eventId: row.event_id,
    kind: row.kind as TaskEventKind,
    taskId: row.task_id,
    agentId: row.agent_id,
    atMs: row.at_ms,
    data: JSON.parse(row.data),
  };
}

/**
 * The due time a task row's state makes it (tasks/task.ts dueMs, in SQL, the same text on both
 * engines): `due_ms` is kept beside the state so that the timers find due tasks by an index, and it
 * is not sealed (chain/ledger-entry.ts), so `verify` checks that it agrees (DUE_MS_PROBLEMS). A task
 * whose due_ms was moved away from its state would close, time out or expire at the wrong time, or
 * never.
 */
const DUE_MS_OF_STATE = `CASE
    WHEN status IN ('completed', 'failed', 'unassigned', 'expired') THEN NULL
    WHEN status = 'open' THEN CASE WHEN deadline_ms < closes_ms THEN deadline_ms ELSE closes_ms END
    WHEN status = 'offered' AND reserved_until_ms IS NOT NULL
      THEN CASE WHEN deadline_ms < reserved_until_ms THEN deadline_ms ELSE reserved_until_ms END
    ELSE deadline_ms
  END`;

/** (limit): tasks whose due_ms is not what their state makes it, with both. */
export const DUE_MS_PROBLEMS = `SELECT task_id, due_ms, ${DUE_MS_OF_STATE} AS expected FROM tasks
  WHERE due_ms IS DISTINCT FROM ${DUE_MS_OF_STATE} ORDER BY task_id LIMIT ?`;

/** One sentence per row of DUE_MS_PROBLEMS. */
export function dueMsProblem(row: {
  task_id: string;
  due_ms: number | null;
  expected: number | null;
}): string {
  return `task ${row.task_id}: due_ms is ${row.due_ms ?? 'null'}, its state makes it ${row.expected ?? 'null'} (when the timers look at it)`;
}

/** The columns a change of the task rewrites, from decision_seq to due_ms, in the tables' order. */
export function changingColumns(task: Task): unknown[] {
  return [
    task.decisionSeq,
    JSON.stringify(task.candidates),
    task.offerIndex,
    task.assignedAgent,
    task.reservedUntilMs,
    task.failures,
    task.version,
    task.updatedMs,
    dueMs(task),
  ];
}

export function unknownTask(taskId: string): RouterError {
  return new RouterError('unknown_task', `no task has id ${taskId}`, { details: { taskId } });
}

/** The error for a bid on a task whose auction is over (`status`) or whose window ended. */
export function auctionClosed(taskId: string, status: string): RouterError {
  return new RouterError(
    'wrong_state',
    `the auction for task ${taskId} closed${status === 'open' ? ' (its bidding window ended)' : ` (task is ${status})`}`,
    { details: { taskId, status } },
  );
}

export function duplicateBid(taskId: string, agentId: string): RouterError {
  return new RouterError(
    'duplicate_bid',
    `agent '${agentId}' already bid on task ${taskId} (one bid per agent)`,
    {
      details: { taskId, agentId },
    },
  );
}

/** Task-list cursors: the last task's creation time and id, opaque to callers. */
export function encodeTaskCursor(task: Task): string {
  return Buffer.from(`t${task.createdMs}:${task.taskId}`).toString('base64url');
}

export function decodeTaskCursor(cursor: string): { createdMs: number; taskId: string } {
  const match = /^t([0-9]{1,15}):(.+)$/s.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match === null) {
    throw new RouterError('invalid_cursor', `cursor '${cursor}' is not one this store issued`, {
      details: { cursor },
    });
  }
  return { createdMs: Number(match[1]), taskId: match[2] as string };
}
