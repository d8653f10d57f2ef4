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
import type { PgQueryable } from './pg-queryable.js';

/**
 * Each agent's tasks in hand as rows to sum per agent: agent_loads and the deltas not folded yet
 * (migration 0016), with `deltas` 1 on a delta's row. One statement reads both in one snapshot.
 */
export const LOADS_WITH_DELTAS = `SELECT agent_id, n, 0 AS deltas FROM agent_loads
  UNION ALL SELECT agent_id, delta, 1 FROM agent_load_deltas`;

/** The same counts from the tasks themselves, what the loads must equal (`verify`). */
export const LOADS_FROM_TASKS = `SELECT assigned_agent AS agent_id, count(*) AS n FROM tasks
  WHERE status IN ('offered', 'accepted') AND assigned_agent IS NOT NULL GROUP BY assigned_agent`;

/**
 * add_bids (migration 0014), and the ledger's pending rows (migration 0019) of each bid it took and
 * its event, in the same statement.
 */
const ADD_BIDS = `WITH answers AS (
    SELECT * FROM add_bids($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], false)
  ), pending AS (
    INSERT INTO ledger_pending (kind, subject, detail)
    SELECT x.kind, x.subject, x.detail FROM answers a,
      LATERAL (VALUES ('bid', ($1::text[])[a.ord], ($2::text[])[a.ord]), ('event', a.event_id::text, NULL)) AS x (kind, subject, detail)
    WHERE a.code IS NULL
  )
  SELECT * FROM answers`;

/** A bid for PgTasks.addBids. */
export interface QueuedBidInput {
  readonly taskId: string;
  readonly bid: Bid;
  readonly atMs: number;
  readonly event: NewTaskEvent;
}

/** A bid's answer from PgTasks.addBids: the task as the bid left it and its event, or the refusal. */
export type BidAnswer = { readonly task: Task; readonly event: TaskEvent } | RouterError;

/**
 * An event's data as it reads: a decision's event written before its seq was known keeps a token
 * where the seq goes, and that token in seq_token (migration 0013); the seq is that of its task's
 * decision (decisionSeqOf), written in the same transaction. Without one (which would be a broken
 * store) the data reads as stored rather than not at all.
 */
const EVENT_DATA = `CASE WHEN e.seq_token IS NULL THEN e.data ELSE coalesce(
  replace(e.data, e.seq_token, (SELECT ${decisionSeqOf('t')} FROM tasks t WHERE t.task_id = e.task_id)::text), e.data) END AS data`;

/**
 * A task's decision_seq as it reads, `t` naming its row: a decision batch links the task to its
 * decision by id before the chain lock, when the seq is not known yet (migration 0013), and the seq
 * is that decision's; every other commit writes decision_seq itself.
 */
function decisionSeqOf(t: string): string {
  return `CASE WHEN ${t}.decision_seq IS NOT NULL OR ${t}.decision_id IS NULL THEN ${t}.decision_seq
    ELSE (SELECT d.seq FROM decisions d WHERE d.task_id = ${t}.task_id AND d.decision_id = ${t}.decision_id) END`;
}

/** A task's row as this adapter reads it: TaskRow and the task's bids, in arrival order (migration 0014). */
interface PgTaskRow extends TaskRow {
  bid_agents: string[];
  bid_sats: number[];
}

/**
 * TASK_COLUMNS and the bids to read from the tasks table (unaliased): decision_seq as decisionSeqOf
 * finds it.
 */
const TASK_READ_COLUMNS = `${TASK_COLUMNS.replace('decision_seq', `${decisionSeqOf('tasks')} AS decision_seq`)},
  bid_agents, bid_sats`;

function taskFromPgRow(row: PgTaskRow): Task {
  return taskFromRow(
    row,
    row.bid_agents.map((agentId, i) => ({ agentId, bidSats: row.bid_sats[i] as number })),
  );
}

/**
 * The tasks and task_events tables of the PostgreSQL store. Every method takes the client
 * of the transaction it belongs to (or the pool, for reads), so checks and writes see one state.
 */
export class PgTasks {
  /** When this instance first saw each open gap in the event ids (keyed by its first missing id). */
  readonly #gapsSeen = new Map<number, number>();
  /** How long a gap in the event ids may stay open before this reader skips it (see eventsAfter). */
  readonly #gapWaitMs: number;

  constructor(gapWaitMs: number) {
    this.#gapWaitMs = gapWaitMs;
  }

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
      await db.query<{ task_id: string; event_id: number | null }>(
        `WITH inserted AS (
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
         UNION ALL SELECT NULL, events.event_id FROM events`,
        [
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
        ],
      )
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
    const row = (
      await db.query<PgTaskRow>(`SELECT ${TASK_READ_COLUMNS} FROM tasks WHERE task_id = $1`, [taskId])
    ).rows[0];
    return row === undefined ? undefined : taskFromPgRow(row);
  }

  /**
   * Checks and stores bids, each with its event, in one call of the schema's add_bids function
   * (migration 0014): one statement, so one round trip and one transaction for the whole batch, which
   * names each (task, agent) at most once. The task rows are locked first, in task_id order, and the
   * bids are appended to them and their versions bumped under those locks, so a closer deciding an
   * auction either sees a bid or commits first and the bid is refused (a wait for a row is counted
   * from lock_tasks_in_order's notice, countRowLockWaits). Each bid's answer is its task as that bid
   * left it (its bid the last one, the version bumped once per bid up to it) with the event as
   * stored, or the refusal.
   */
  async addBids(db: PgQueryable, bids: readonly QueuedBidInput[]): Promise<BidAnswer[]> {
    const params = [
      bids.map((b) => b.taskId),
      bids.map((b) => b.bid.agentId),
      bids.map((b) => b.bid.bidSats),
      bids.map((b) => b.atMs),
      bids.map((b) => b.event.kind),
      bids.map((b) => b.event.atMs),
      bids.map((b) => JSON.stringify(b.event.data)),
    ];
    const rows = (
      await db.query<{
        ord: number;
        code: string | null;
        detail: string | null;
        event_id: number | null;
        task: PgTaskRow | null;
      }>(ADD_BIDS, params)
    ).rows;
    rows.sort((a, b) => a.ord - b.ord);
    // Each task as its last accepted bid left it; earlier bids of the batch saw a prefix of it.
    const final = new Map<string, Task>();
    for (const row of rows) {
      if (row.task !== null) final.set(row.task.task_id, taskFromPgRow(row.task));
    }
    const acceptedLater = new Map<string, number>();
    const answers: BidAnswer[] = new Array(rows.length);
    for (let i = rows.length - 1; i >= 0; i--) {
      const row = rows[i] as (typeof rows)[number];
      const { taskId, bid, atMs, event } = bids[i] as QueuedBidInput;
      if (row.code !== null) {
        answers[i] = bidRefusal(row.code, row.detail, taskId, bid.agentId);
        continue;
      }
      const task = final.get(taskId) as Task;
      const later = acceptedLater.get(taskId) ?? 0;
      acceptedLater.set(taskId, later + 1);
      const seen =
        later === 0
          ? task
          : {
              ...task,
              version: task.version - later,
              updatedMs: atMs,
              bids: task.bids.slice(0, task.bids.findIndex((b) => b.agentId === bid.agentId) + 1),
            };
      answers[i] = { task: seen, event: { ...event, eventId: row.event_id as number } };
    }
    return answers;
  }

  /** The stored version, locking the row for the rest of the transaction; undefined when none. */
  async lockVersion(db: PgQueryable, taskId: string, waited: () => void): Promise<number | undefined> {
    // Without waiting first, so that a wait (the row locked by another transaction) is counted.
    const read = async (lock: string) =>
      (await db.query<{ version: number }>(`SELECT version FROM tasks WHERE task_id = $1 ${lock}`, [taskId]))
        .rows[0]?.version;
    const version = await read('FOR UPDATE SKIP LOCKED');
    if (version !== undefined) return version;
    if ((await read('')) === undefined) return undefined; // no such task
    waited();
    return read('FOR UPDATE');
  }

  /**
   * Locks several tasks' rows for the rest of `db`'s transaction and returns their stored versions
   * (absent: no such task), in task_id order, the order every batch locks in, so that batches sharing
   * tasks never deadlock (lock_tasks_in_order, migrations 0006 and 0015). A wait for a row another
   * transaction holds is counted from the function's notice (countRowLockWaits).
   */
  async lockVersions(db: PgQueryable, taskIds: readonly string[]): Promise<Map<string, number>> {
    const rows = (
      await db.query<{ task_id: string; version: number }>(
        'SELECT * FROM lock_tasks_in_order($1::text[], false)',
        [taskIds],
      )
    ).rows;
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
    await db.query(
      `WITH updated AS (
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
     INSERT INTO ledger_pending (kind, subject) SELECT 'task', task_id FROM updated`,
      [
        tasks.map((t) => t.taskId),
        tasks.map((t) => t.status),
        ...Array.from({ length: 9 }, (_, i) => column(i)),
        expectedVersions,
      ],
    );
  }

  async update(db: PgQueryable, task: Task, expectedVersion: number): Promise<boolean> {
    // One pending row (migration 0019) per task updated: its count is the update's.
    const updated = await db.query(
      `WITH updated AS (
         UPDATE tasks SET status = $1, decision_seq = $2, candidates = $3, offer_index = $4, assigned_agent = $5,
           reserved_until_ms = $6, failures = $7, version = $8, updated_ms = $9, due_ms = $10,
           claimed_until_ms = NULL
         WHERE task_id = $11 AND version = $12 RETURNING task_id
       )
       INSERT INTO ledger_pending (kind, subject) SELECT 'task', task_id FROM updated`,
      [task.status, ...changingColumns(task), task.taskId, expectedVersion],
    );
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
    const rows = (
      await db.query<PgTaskRow>(
        `SELECT ${TASK_READ_COLUMNS} FROM tasks ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
         ORDER BY created_ms DESC, task_id DESC LIMIT $${params.length}`,
        params,
      )
    ).rows;
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
    const rows = (
      await db.query<PgTaskRow>(
        `UPDATE tasks SET claimed_until_ms = $3
         WHERE task_id IN (
           SELECT task_id FROM tasks
           WHERE due_ms IS NOT NULL AND due_ms <= $1 AND (claimed_until_ms IS NULL OR claimed_until_ms <= $4)
           ORDER BY due_ms, task_id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING ${TASK_READ_COLUMNS}, due_ms`,
        [dueBy, limit, nowMs + leaseMs, nowMs],
      )
    ).rows as (PgTaskRow & { due_ms: number })[];
    rows.sort((a, b) => a.due_ms - b.due_ms || (a.task_id < b.task_id ? -1 : a.task_id > b.task_id ? 1 : 0));
    return rows.map(taskFromPgRow);
  }

  /**
   * When the next task is due, a leased one counting from the end of its lease (an early wake-up at
   * most, for a lease that ends before its task is due). Two index reads, however many tasks wait.
   */
  async nextDueMs(db: PgQueryable): Promise<number | null> {
    const row = (
      await db.query<{ due: number | null }>(
        `SELECT least(
           (SELECT min(due_ms) FROM tasks WHERE due_ms IS NOT NULL AND claimed_until_ms IS NULL),
           (SELECT min(claimed_until_ms) FROM tasks WHERE claimed_until_ms IS NOT NULL)) AS due`,
      )
    ).rows[0];
    return row?.due ?? null;
  }

  /**
   * Each agent's tasks in hand, from agent_loads and the deltas not folded yet (migration 0016): the
   * agents' rows and a few seconds' changes, however many tasks are in hand. `unfolded`: how many
   * deltas the read summed, so that the caller can fold them.
   */
  async inFlight(db: PgQueryable): Promise<{ loads: Map<string, number>; unfolded: number }> {
    const rows = (
      await db.query<{ agent_id: string; n: number; deltas: number }>(
        `SELECT agent_id, sum(n)::bigint AS n, sum(deltas)::bigint AS deltas
         FROM (${LOADS_WITH_DELTAS}) AS x GROUP BY agent_id`,
      )
    ).rows;
    return {
      loads: new Map(rows.filter((r) => r.n > 0).map((r) => [r.agent_id, r.n])),
      unfolded: rows.reduce((sum, r) => sum + r.deltas, 0),
    };
  }

  async countByStatus(db: PgQueryable): Promise<Map<TaskStatus, number>> {
    const rows = (
      await db.query<{ status: TaskStatus; n: number }>(
        'SELECT status, count(*) AS n FROM tasks GROUP BY status',
      )
    ).rows;
    return new Map(rows.map((r) => [r.status, r.n]));
  }

  async appendEvents(db: PgQueryable, events: readonly NewTaskEvent[]): Promise<TaskEvent[]> {
    if (events.length === 0) return [];
    // Identity values are drawn in the order unnest yields the rows; sorting the returned ids puts
    // them back beside their events whatever order RETURNING lists them in.
    const rows = (
      await db.query<{ event_id: number }>(
        `WITH inserted AS (
           INSERT INTO task_events (kind, task_id, agent_id, at_ms, data)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
           RETURNING event_id
         ), pending AS (
           INSERT INTO ledger_pending (kind, subject) SELECT 'event', event_id::text FROM inserted
         )
         SELECT event_id FROM inserted`,
        [...eventColumns(events)],
      )
    ).rows;
    const ids = rows.map((r) => r.event_id).sort((a, b) => a - b);
    return events.map((e, i) => ({ ...e, eventId: ids[i] as number }));
  }

  /**
   * Events after `eventId`, in id order, up to the first gap that may still fill. Ids are drawn when a
   * transaction inserts its events, a moment before it commits, so instances committing at once can
   * make id 12 visible before id 11: a reader that went past 11 would never see it. So a gap stops the
   * read until its events commit, or until it has stayed open the store's eventGapWaitMs (a
   * rolled-back transaction leaves a gap for ever). A decision batch inserts its events before it
   * waits for the chain lock (migration 0013), every other transaction as its last statement, so a
   * real gap closes within a commit's time, or a wait for the chain and a commit.
   */
  async eventsAfter(db: PgQueryable, eventId: number, limit: number): Promise<TaskEvent[]> {
    const rows = (
      await db.query<EventRow>(
        `SELECT e.event_id, e.kind, e.task_id, e.agent_id, e.at_ms, ${EVENT_DATA} FROM task_events e
         WHERE e.event_id > $1 ORDER BY e.event_id LIMIT $2`,
        [eventId, limit],
      )
    ).rows;
    const now = Date.now();
    let expected = eventId + 1;
    let end = 0;
    for (; end < rows.length; end++) {
      const id = (rows[end] as EventRow).event_id;
      if (id !== expected) {
        const firstSeen = this.#gapsSeen.get(expected) ?? now;
        this.#gapsSeen.set(expected, firstSeen);
        if (now - firstSeen < this.#gapWaitMs) break;
        this.#gapsSeen.delete(expected);
      }
      expected = id + 1;
    }
    if (this.#gapsSeen.size > 1000) this.#gapsSeen.clear(); // bounded; a forgotten gap only waits again
    return rows.slice(0, end).map(eventFromRow);
  }

  /**
   * Tasks by id with each bid's arrival time (bid_received_ms, in bid order), as they read now: what
   * the ledger's sealer seals (pg-ledger.ts).
   */
  async byIds(
    db: PgQueryable,
    taskIds: readonly string[],
  ): Promise<Map<string, { task: Task; receivedMs: number[] }>> {
    const rows = (
      await db.query<PgTaskRow & { bid_received_ms: number[] }>(
        `SELECT ${TASK_READ_COLUMNS}, bid_received_ms FROM tasks WHERE task_id = ANY($1::text[])`,
        [taskIds],
      )
    ).rows;
    return new Map(rows.map((r) => [r.task_id, { task: taskFromPgRow(r), receivedMs: r.bid_received_ms }]));
  }

  /** Tasks in task_id order after `afterTaskId` (undefined: from the first), for `verify`. */
  async page(db: PgQueryable, afterTaskId: string | undefined, limit: number): Promise<Task[]> {
    const rows = (
      afterTaskId === undefined
        ? await db.query<PgTaskRow>(`SELECT ${TASK_READ_COLUMNS} FROM tasks ORDER BY task_id LIMIT $1`, [
            limit,
          ])
        : await db.query<PgTaskRow>(
            `SELECT ${TASK_READ_COLUMNS} FROM tasks WHERE task_id > $1 ORDER BY task_id LIMIT $2`,
            [afterTaskId, limit],
          )
    ).rows;
    return rows.map(taskFromPgRow);
  }

  /** Events by id, as eventsAfter reads them (the seq in a decision's event). */
  async eventsByIds(db: PgQueryable, eventIds: readonly number[]): Promise<TaskEvent[]> {
    const rows = (
      await db.query<EventRow>(
        `SELECT e.event_id, e.kind, e.task_id, e.agent_id, e.at_ms, ${EVENT_DATA} FROM task_events e
         WHERE e.event_id = ANY($1::bigint[])`,
        [eventIds],
      )
    ).rows;
    return rows.map(eventFromRow);
  }

  /** Events after `eventId` in id order, every one, gaps or not: for `verify`, in one snapshot. */
  async eventsPage(db: PgQueryable, eventId: number, limit: number): Promise<TaskEvent[]> {
    const rows = (
      await db.query<EventRow>(
        `SELECT e.event_id, e.kind, e.task_id, e.agent_id, e.at_ms, ${EVENT_DATA} FROM task_events e
         WHERE e.event_id > $1 ORDER BY e.event_id LIMIT $2`,
        [eventId, limit],
      )
    ).rows;
    return rows.map(eventFromRow);
  }

  async lastEventId(db: PgQueryable): Promise<number> {
    const row = (await db.query<{ id: number | null }>('SELECT max(event_id) AS id FROM task_events'))
      .rows[0];
    return row?.id ?? 0;
  }

  async agentEventCounts(db: PgQueryable, agentId: string): Promise<Map<TaskEventKind, number>> {
    const rows = (
      await db.query<{ kind: TaskEventKind; n: number }>(
        'SELECT kind, count(*) AS n FROM task_events WHERE agent_id = $1 GROUP BY kind',
        [agentId],
      )
    ).rows;
    return new Map(rows.map((r) => [r.kind, r.n]));
  }
}

/** The error for an add_bids refusal code (migration 0006). */
function bidRefusal(code: string, detail: string | null, taskId: string, agentId: string): RouterError {
  if (code === 'SR404') return unknownTask(taskId);
  if (code === 'SR409') return auctionClosed(taskId, detail === 'window' ? 'open' : (detail ?? 'unknown'));
  if (code === 'SR410') return duplicateBid(taskId, agentId);
  throw new Error(`add_bids answered an unknown refusal code ${code} for task ${taskId}`); // a bug here
}

/** New events as the five column arrays of an `unnest` insert (kind, task_id, agent_id, at_ms, data). */
function eventColumns(events: readonly NewTaskEvent[]): unknown[][] {
  return [
    events.map((e) => e.kind),
    events.map((e) => e.taskId),
    events.map((e) => e.agentId),
    events.map((e) => e.atMs),
    events.map((e) => JSON.stringify(e.data)),
  ];
}
