import type Database from 'better-sqlite3';
import type { NewTaskEvent, TaskEvent, TaskEventKind } from '../../events/task-event.js';
import { RouterError } from '../../kernel/errors.js';
import type { Bid } from '../../policy/decision.js';
import type { Task, TaskStatus } from '../../tasks/task.js';
import type { TaskPage, TaskQuery } from '../store.js';
import {
  auctionClosed,
  changingColumns,
  decodeTaskCursor,
  duplicateBid,
  type EventRow,
  encodeTaskCursor,
  eventFromRow,
  TASK_COLUMNS,
  type TaskRow,
  taskFromRow,
  unknownTask,
} from '../task-rows.js';

const COLUMNS = TASK_COLUMNS;
const INSERT = `INSERT INTO tasks (${COLUMNS}, due_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const SELECT = `SELECT ${COLUMNS} FROM tasks WHERE task_id = ?`;
const SELECT_BIDS = 'SELECT agent_id, bid_sats FROM task_bids WHERE task_id = ? ORDER BY bid_order';
const SELECT_VERSION = 'SELECT version FROM tasks WHERE task_id = ?';
const INSERT_BID =
  'INSERT INTO task_bids (task_id, agent_id, bid_sats, bid_order, received_ms) VALUES (?, ?, ?, ?, ?)';
const BUMP_VERSION = 'UPDATE tasks SET version = version + 1, updated_ms = ? WHERE task_id = ?';
const UPDATE = `UPDATE tasks SET status = ?, decision_seq = ?, candidates = ?, offer_index = ?, assigned_agent = ?,
  reserved_until_ms = ?, failures = ?, version = ?, updated_ms = ?, due_ms = ?
  WHERE task_id = ? AND version = ?`;
const PAGE_FIRST = `SELECT ${COLUMNS} FROM tasks ORDER BY task_id LIMIT ?`;
const PAGE_AFTER = `SELECT ${COLUMNS} FROM tasks WHERE task_id > ? ORDER BY task_id LIMIT ?`;
const DUE = `SELECT ${COLUMNS} FROM tasks WHERE due_ms IS NOT NULL AND due_ms <= ? ORDER BY due_ms LIMIT ?`;
const NEXT_DUE = 'SELECT min(due_ms) AS due FROM tasks WHERE due_ms IS NOT NULL';
const IN_FLIGHT = `SELECT assigned_agent AS agent_id, count(*) AS n FROM tasks
  WHERE status IN ('offered', 'accepted') AND assigned_agent IS NOT NULL GROUP BY assigned_agent`;
const BY_STATUS = 'SELECT status, count(*) AS n FROM tasks GROUP BY status';
const INSERT_EVENT = 'INSERT INTO task_events (kind, task_id, agent_id, at_ms, data) VALUES (?, ?, ?, ?, ?)';
const EVENTS_AFTER = `SELECT event_id, kind, task_id, agent_id, at_ms, data FROM task_events
  WHERE event_id > ? ORDER BY event_id LIMIT ?`;
const LAST_EVENT = 'SELECT max(event_id) AS id FROM task_events';
const AGENT_EVENT_COUNTS = 'SELECT kind, count(*) AS n FROM task_events WHERE agent_id = ? GROUP BY kind';

/**
 * The tasks, task_bids and task_events tables of the SQLite store. Methods that write expect to be
 * called inside the store's IMMEDIATE transactions, so their checks and writes see one state.
 */
export class SqliteTasks {
  readonly #statement: (sql: string) => Database.Statement;

  constructor(statement: (sql: string) => Database.Statement) {
    this.#statement = statement;
  }

  create(task: Task): void {
    if (this.#statement(SELECT).get(task.taskId) !== undefined) {
      throw new RouterError('task_exists', `a task with id ${task.taskId} already exists`, {
        details: { taskId: task.taskId },
      });
    }
    this.#statement(INSERT).run(
      task.taskId,
      task.description,
      JSON.stringify(task.constraints),
      task.status,
      task.createdMs,
      task.closesMs,
      task.deadlineMs,
      ...changingColumns(task),
    );
  }

  get(taskId: string): Task | undefined {
    const row = this.#statement(SELECT).get(taskId) as TaskRow | undefined;
    return row === undefined ? undefined : this.#task(row);
  }

  /** The stored version of a task, or undefined when there is none. */
  versionOf(taskId: string): number | undefined {
    return (this.#statement(SELECT_VERSION).get(taskId) as { version: number } | undefined)?.version;
  }

  /** Checks and stores a bid; returns the task with it. */
  addBid(taskId: string, bid: Bid, atMs: number): Task {
    const row = this.#statement(SELECT).get(taskId) as TaskRow | undefined;
    if (row === undefined) throw unknownTask(taskId);
    if (row.status !== 'open' || atMs >= row.closes_ms) throw auctionClosed(taskId, row.status);
    const before = this.#task(row);
    if (before.bids.some((b) => b.agentId === bid.agentId)) throw duplicateBid(taskId, bid.agentId);
    this.#statement(INSERT_BID).run(taskId, bid.agentId, bid.bidSats, before.bids.length, atMs);
    // A bid changes what the auction will decide: a closer that read the task before it must retry.
    this.#statement(BUMP_VERSION).run(atMs, taskId);
    return { ...before, bids: [...before.bids, bid], version: before.version + 1, updatedMs: atMs };
  }

  /** Replaces the task if it is still at `expectedVersion`; false when another writer moved it. */
  update(task: Task, expectedVersion: number): boolean {
    return (
      this.#statement(UPDATE).run(task.status, ...changingColumns(task), task.taskId, expectedVersion)
        .changes > 0
    );
  }

  list(query: TaskQuery): TaskPage {
    const after = query.cursor === undefined ? undefined : decodeTaskCursor(query.cursor);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status !== undefined) {
      where.push('status = ?');
      params.push(query.status);
    }
    if (after !== undefined) {
      where.push('(created_ms < ? OR (created_ms = ? AND task_id < ?))');
      params.push(after.createdMs, after.createdMs, after.taskId);
    }
    const sql = `SELECT ${COLUMNS} FROM tasks ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
      ORDER BY created_ms DESC, task_id DESC LIMIT ?`;
    const rows = this.#statement(sql).all(...params, query.limit + 1) as TaskRow[];
    const tasks = rows.slice(0, query.limit).map((row) => this.#task(row));
    const last = tasks.at(-1);
    return {
      tasks,
      nextCursor: rows.length > query.limit && last !== undefined ? encodeTaskCursor(last) : null,
    };
  }

  /** Tasks in task_id order after `afterTaskId` (undefined: from the first), for `verify`. */
  page(afterTaskId: string | undefined, limit: number): Task[] {
    const rows = (
      afterTaskId === undefined
        ? this.#statement(PAGE_FIRST).all(limit)
        : this.#statement(PAGE_AFTER).all(afterTaskId, limit)
    ) as TaskRow[];
    return rows.map((row) => this.#task(row));
  }

  due(nowMs: number, limit: number): Task[] {
    return (this.#statement(DUE).all(nowMs, limit) as TaskRow[]).map((row) => this.#task(row));
  }

  nextDueMs(): number | null {
    return (this.#statement(NEXT_DUE).get() as { due: number | null }).due;
  }

  inFlight(): Map<string, number> {
    const rows = this.#statement(IN_FLIGHT).all() as { agent_id: string; n: number }[];
    return new Map(rows.map((r) => [r.agent_id, r.n]));
  }

  countByStatus(): Map<TaskStatus, number> {
    const rows = this.#statement(BY_STATUS).all() as { status: TaskStatus; n: number }[];
    return new Map(rows.map((r) => [r.status, r.n]));
  }

  appendEvents(events: readonly NewTaskEvent[]): TaskEvent[] {
    const insert = this.#statement(INSERT_EVENT);
    return events.map((e) => {
      const { lastInsertRowid } = insert.run(e.kind, e.taskId, e.agentId, e.atMs, JSON.stringify(e.data));
      return { ...e, eventId: Number(lastInsertRowid) };
    });
  }

  eventsAfter(eventId: number, limit: number): TaskEvent[] {
    return (this.#statement(EVENTS_AFTER).all(eventId, limit) as EventRow[]).map(eventFromRow);
  }

  lastEventId(): number {
    return (this.#statement(LAST_EVENT).get() as { id: number | null }).id ?? 0;
  }

  agentEventCounts(agentId: string): Map<TaskEventKind, number> {
    const rows = this.#statement(AGENT_EVENT_COUNTS).all(agentId) as { kind: TaskEventKind; n: number }[];
    return new Map(rows.map((r) => [r.kind, r.n]));
  }

  #task(row: TaskRow): Task {
    const bids = (
      this.#statement(SELECT_BIDS).all(row.task_id) as { agent_id: string; bid_sats: number }[]
    ).map((b) => ({ agentId: b.agent_id, bidSats: b.bid_sats }));
    return taskFromRow(row, bids);
  }
}
