import type { NewTaskEvent, TaskEvent } from '../../events/task-event.js';
import { compareCodeUnits } from '../../kernel/compare.js';
import { RouterError } from '../../kernel/errors.js';
import type { Task, TaskStatus } from '../../tasks/task.js';
import type { TaskPage, TaskQuery } from '../store.js';
import { changingColumns, decodeTaskCursor, encodeTaskCursor, TASK_COLUMNS } from '../task-rows.js';
import { SELECT_LOADS } from './pg-queries.js';
import type { PgQueryable } from './pg-queryable.js';
import { eventColumns, type PgTaskRow, TASK_READ_COLUMNS, taskFromPgRow } from './pg-task-rows.js';

/**
 * (the 16 columns of new tasks as arrays: task-rows.ts TASK_COLUMNS and due_ms; then the events' five
 * columns and the id of the task each belongs to): the tasks not stored yet, the events of those, and
 * their pending rows for the ledger. Answers a row per task inserted (event_id null) and per event.
 */
const INSERT_TASKS = `WITH inserted AS (
           INSERT INTO tasks (${TASK_COLUMNS}, due_ms)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
             $7::bigint[], $8::bigint[], $9::text[], $10::integer[], $11::text[], $12::bigint[], $13::integer[],
             $14::integer[], $15::bigint[], $16::bigint[])
           ON CONFLICT (task_id) DO NOTHING RETURNING task_id
         ), events AS (
           INSERT INTO task_events (kind, task_id, agent_id, at_ms, data)
           SELECT e.kind, e.task_id, e.agent_id, e.at_ms, e.data
           FROM unnest($17::text[], $18::text[], $19::text[], $20::bigint[], $21::text[], $22::text[])
             WITH ORDINALITY AS e (kind, task_id, agent_id, at_ms, data, owner, ord)
           WHERE e.owner IN (SELECT task_id FROM inserted)
           ORDER BY e.ord
           RETURNING event_id
         ), pending AS (
           INSERT INTO ledger_pending (kind, subject)
           SELECT 'task', task_id FROM inserted UNION ALL SELECT 'event', event_id::text FROM events
         )
         SELECT inserted.task_id, NULL::bigint AS event_id FROM inserted
         UNION ALL SELECT NULL, events.event_id FROM events`;
/** (task id) */
const SELECT_TASK = `SELECT ${TASK_READ_COLUMNS} FROM tasks WHERE task_id = $1`;
/** (task ids) */
const SELECT_TASKS_OF = `SELECT ${TASK_READ_COLUMNS}, bid_received_ms FROM tasks WHERE task_id = ANY($1::text[])`;
/** (task id): the version, the row locked; no row when another transaction holds it (or no task). */
const TRY_LOCK_VERSION = 'SELECT version FROM tasks WHERE task_id = $1 FOR UPDATE SKIP LOCKED';
/** (task id): the version, without a lock. */
const SELECT_VERSION = 'SELECT version FROM tasks WHERE task_id = $1';
/** (task id): the version, the row locked, waiting for it. */
const LOCK_VERSION = 'SELECT version FROM tasks WHERE task_id = $1 FOR UPDATE';
/** (task ids): locks the rows in task_id order (functions/lock_tasks_in_order.sql), with their versions. */
const LOCK_TASKS = 'SELECT * FROM lock_tasks_in_order($1::text[], false)';
/**
 * (task ids, then the changing columns and the expected version, each as an array): replaces tasks at
 * their expected versions, with their pending rows for the ledger.
 */
const UPDATE_TASKS = `WITH updated AS (
       UPDATE tasks t SET status = u.status, decision_seq = u.decision_seq, candidates = u.candidates,
         offer_index = u.offer_index, assigned_agent = u.assigned_agent, reserved_until_ms = u.reserved_until_ms,
         failures = u.failures, version = u.version, updated_ms = u.updated_ms, due_ms = u.due_ms,
         claimed_until_ms = NULL
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::integer[], $6::text[], $7::bigint[],
         $8::integer[], $9::integer[], $10::bigint[], $11::bigint[], $12::integer[])
         AS u (task_id, status, decision_seq, candidates, offer_index, assigned_agent, reserved_until_ms,
           failures, version, updated_ms, due_ms, expected_version)
       WHERE t.task_id = u.task_id AND t.version = u.expected_version
       RETURNING t.task_id
     )
     INSERT INTO ledger_pending (kind, subject) SELECT 'task', task_id FROM updated`;
/**
 * (status, the changing columns, task id, expected version): replaces one task at its expected
 * version, with one pending row for the ledger per task updated, so that its count is the update's.
 */
const UPDATE_TASK = `WITH updated AS (
         UPDATE tasks SET status = $1, decision_seq = $2, candidates = $3, offer_index = $4, assigned_agent = $5,
           reserved_until_ms = $6, failures = $7, version = $8, updated_ms = $9, due_ms = $10,
           claimed_until_ms = NULL
         WHERE task_id = $11 AND version = $12 RETURNING task_id
       )
       INSERT INTO ledger_pending (kind, subject) SELECT 'task', task_id FROM updated`;
/**
 * (due by ms, limit, claimed until ms, now ms): claims due tasks not claimed by another instance, or
 * whose claim has ended, skipping rows another transaction is claiming.
 */
const CLAIM_DUE = `UPDATE tasks SET claimed_until_ms = $3
         WHERE task_id IN (
           SELECT task_id FROM tasks
           WHERE due_ms IS NOT NULL AND due_ms <= $1 AND (claimed_until_ms IS NULL OR claimed_until_ms <= $4)
           ORDER BY due_ms, task_id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING ${TASK_READ_COLUMNS}, due_ms`;
/** (task ids): ends the tasks' claims. */
const RELEASE_CLAIMS = 'UPDATE tasks SET claimed_until_ms = NULL WHERE task_id = ANY($1::text[])';
/** No parameters: the soonest unclaimed due time and the soonest end of a claim (two index reads). */
const NEXT_DUE = `SELECT least(
           (SELECT min(due_ms) FROM tasks WHERE due_ms IS NOT NULL AND claimed_until_ms IS NULL),
           (SELECT min(claimed_until_ms) FROM tasks WHERE claimed_until_ms IS NOT NULL)) AS due`;
/** No parameters. */
const COUNT_BY_STATUS = 'SELECT status, count(*) AS n FROM tasks GROUP BY status';
/** (limit) */
const PAGE_FIRST = `SELECT ${TASK_READ_COLUMNS} FROM tasks ORDER BY task_id LIMIT $1`;
/** (after task id, limit) */
const PAGE_AFTER = `SELECT ${TASK_READ_COLUMNS} FROM tasks WHERE task_id > $1 ORDER BY task_id LIMIT $2`;

/** A page of listTasks, newest first, where every clause holds, at most as many as parameter `$limitParam`. */
function selectTaskList(clauses: readonly string[], limitParam: number): string {
  return `SELECT ${TASK_READ_COLUMNS} FROM tasks ${clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`}
         ORDER BY created_ms DESC, task_id DESC LIMIT $${limitParam}`;
}

/**
 * The tasks table of the PostgreSQL store (bids: pg-bids.ts; events: pg-task-events.ts). Every method
 * takes the client of the transaction it belongs to (or the pool, for reads), so checks and writes
 * see one state.
 */
export class PgTasks {
  /**
   * Stores new tasks with their events in one statement (a transaction of its own, one round trip),
   * each task id at most once per call. Events are inserted only for the tasks that were, in the order
   * given, so an existing id writes nothing and is answered with task_exists.
   */
  async createMany(
    db: PgQueryable,
    items: readonly { readonly task: Task; readonly events: readonly NewTaskEvent[] }[],
  ): Promise<(TaskEvent[] | RouterError)[]> {
    const tasks = items.map((item) => item.task);
    const changing = tasks.map((t) => changingColumns(t));
    const column = (i: number) => changing.map((c) => c[i]);
    const events = items.flatMap((item) => item.events);
    const rows = (
      await db.query<{ task_id: string; event_id: number | null }>(INSERT_TASKS, [
        tasks.map((t) => t.taskId),
        tasks.map((t) => t.description),
        tasks.map((t) => JSON.stringify(t.constraints)),
        tasks.map((t) => t.status),
        tasks.map((t) => t.createdMs),
        tasks.map((t) => t.closesMs),
        tasks.map((t) => t.deadlineMs),
        ...Array.from({ length: 9 }, (_, i) => column(i)),
        ...eventColumns(events),
        items.flatMap((item) => item.events.map(() => item.task.taskId)),
      ])
    ).rows;
    const created = new Set<string>();
    const eventIds: number[] = [];
    for (const row of rows) {
      if (row.event_id === null) created.add(row.task_id);
      else eventIds.push(row.event_id);
    }
    // Identity values follow the insert's order, which is the events' order over the created tasks:
    // sorted, each id meets its event.
    eventIds.sort((a, b) => a - b);
    let next = 0;
    return items.map(({ task, events: own }) => {
      if (!created.has(task.taskId)) {
        return new RouterError('task_exists', `a task with id ${task.taskId} already exists`, {
          details: { taskId: task.taskId },
        });
      }
      return own.map((e) => ({ ...e, eventId: eventIds[next++] as number }));
    });
  }

  async get(db: PgQueryable, taskId: string): Promise<Task | undefined> {
    const row = (await db.query<PgTaskRow>(SELECT_TASK, [taskId])).rows[0];
    return row === undefined ? undefined : taskFromPgRow(row);
  }

  /** The stored version, locking the row for the rest of the transaction; undefined when none. */
  async lockVersion(db: PgQueryable, taskId: string, waited: () => void): Promise<number | undefined> {
    // Without waiting first, so that a wait (the row locked by another transaction) is counted.
    const read = async (sql: string) => (await db.query<{ version: number }>(sql, [taskId])).rows[0]?.version;
    const version = await read(TRY_LOCK_VERSION);
    if (version !== undefined) return version;
    if ((await read(SELECT_VERSION)) === undefined) return undefined; // no such task
    waited();
    return read(LOCK_VERSION);
  }

  /**
   * Locks several tasks' rows for the rest of `db`'s transaction and returns their stored versions
   * (absent: no such task), in task_id order, the order every batch locks in, so that batches sharing
   * tasks never deadlock (lock_tasks_in_order). A wait for a row another transaction holds is counted
   * from the function's notice (countRowLockWaits).
   */
  async lockVersions(db: PgQueryable, taskIds: readonly string[]): Promise<Map<string, number>> {
    const rows = (await db.query<{ task_id: string; version: number }>(LOCK_TASKS, [taskIds])).rows;
    return new Map(rows.map((r) => [r.task_id, r.version]));
  }

  /** Replaces tasks already locked and checked at their versions, in one statement. */
  async updateMany(
    db: PgQueryable,
    tasks: readonly Task[],
    expectedVersions: readonly number[],
  ): Promise<void> {
    const columns = tasks.map((task) => changingColumns(task));
    const column = (i: number) => columns.map((c) => c[i]);
    await db.query(UPDATE_TASKS, [
      tasks.map((t) => t.taskId),
      tasks.map((t) => t.status),
      ...Array.from({ length: 9 }, (_, i) => column(i)),
      expectedVersions,
    ]);
  }

  async update(db: PgQueryable, task: Task, expectedVersion: number): Promise<boolean> {
    const updated = await db.query(UPDATE_TASK, [
      task.status,
      ...changingColumns(task),
      task.taskId,
      expectedVersion,
    ]);
    return (updated.rowCount ?? 0) > 0;
  }

  async list(db: PgQueryable, query: TaskQuery): Promise<TaskPage> {
    const after = query.cursor === undefined ? undefined : decodeTaskCursor(query.cursor);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status !== undefined) {
      params.push(query.status);
      where.push(`status = $${params.length}`);
    }
    if (after !== undefined) {
      params.push(after.createdMs, after.taskId);
      where.push(
        `(created_ms < $${params.length - 1} OR (created_ms = $${params.length - 1} AND task_id < $${params.length}))`,
      );
    }
    params.push(query.limit + 1);
    const rows = (await db.query<PgTaskRow>(selectTaskList(where, params.length), params)).rows;
    const tasks = rows.slice(0, query.limit).map(taskFromPgRow);
    const last = tasks.at(-1);
    return {
      tasks,
      nextCursor: rows.length > query.limit && last !== undefined ? encodeTaskCursor(last) : null,
    };
  }

  /**
   * Claims up to `limit` tasks due by `dueBy` for this instance until `nowMs + leaseMs` and returns
   * them, soonest first. Rows another instance is claiming at this moment are skipped, not waited for;
   * tasks leased to another instance are left to it until the lease runs out.
   */
  async claimDue(
    db: PgQueryable,
    dueBy: number,
    limit: number,
    leaseMs: number,
    nowMs: number,
  ): Promise<Task[]> {
    const rows = (await db.query<PgTaskRow>(CLAIM_DUE, [dueBy, limit, nowMs + leaseMs, nowMs]))
      .rows as (PgTaskRow & {
      due_ms: number;
    })[];
    rows.sort((a, b) => a.due_ms - b.due_ms || compareCodeUnits(a.task_id, b.task_id));
    return rows.map(taskFromPgRow);
  }

  /** Ends the claims of tasks claimed by claimDue and not committed. */
  async releaseClaims(db: PgQueryable, taskIds: readonly string[]): Promise<void> {
    await db.query(RELEASE_CLAIMS, [taskIds]);
  }

  /**
   * When the next task is due, a leased one counting from the end of its lease (an early wake-up at
   * most, for a lease that ends before its task is due). Two index reads, however many tasks wait.
   */
  async nextDueMs(db: PgQueryable): Promise<number | null> {
    const row = (await db.query<{ due: number | null }>(NEXT_DUE)).rows[0];
    return row?.due ?? null;
  }

  /**
   * Each agent's tasks in hand, from agent_loads and the deltas not folded yet: the agents' rows and a
   * few seconds' changes, however many tasks are in hand. `unfolded`: how many deltas the read summed,
   * so that the caller can fold them.
   */
  async inFlight(db: PgQueryable): Promise<{ loads: Map<string, number>; unfolded: number }> {
    const rows = (await db.query<{ agent_id: string; n: number; deltas: number }>(SELECT_LOADS)).rows;
    return {
      loads: new Map(rows.filter((r) => r.n > 0).map((r) => [r.agent_id, r.n])),
      unfolded: rows.reduce((sum, r) => sum + r.deltas, 0),
    };
  }

  async countByStatus(db: PgQueryable): Promise<Map<TaskStatus, number>> {
    const rows = (await db.query<{ status: TaskStatus; n: number }>(COUNT_BY_STATUS)).rows;
    return new Map(rows.map((r) => [r.status, r.n]));
  }

  /**
   * Tasks by id with each bid's arrival time (bid_received_ms, in bid order), as they read now: what
   * the ledger's sealer seals (pg-ledger.ts).
   */
  async byIds(
    db: PgQueryable,
    taskIds: readonly string[],
  ): Promise<Map<string, { task: Task; receivedMs: number[] }>> {
    const rows = (await db.query<PgTaskRow & { bid_received_ms: number[] }>(SELECT_TASKS_OF, [taskIds])).rows;
    return new Map(rows.map((r) => [r.task_id, { task: taskFromPgRow(r), receivedMs: r.bid_received_ms }]));
  }

  /** Tasks in task_id order after `afterTaskId` (undefined: from the first), for `verify`. */
  async page(db: PgQueryable, afterTaskId: string | undefined, limit: number): Promise<Task[]> {
    const rows = (
      afterTaskId === undefined
        ? await db.query<PgTaskRow>(PAGE_FIRST, [limit])
        : await db.query<PgTaskRow>(PAGE_AFTER, [afterTaskId, limit])
    ).rows;
    return rows.map(taskFromPgRow);
  }
}
