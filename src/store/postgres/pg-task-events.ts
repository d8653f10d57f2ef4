import type { NewTaskEvent, TaskEvent, TaskEventKind } from '../../events/task-event.js';
import { type EventRow, eventFromRow } from '../task-rows.js';
import type { PgQueryable } from './pg-queryable.js';
import { EVENT_READ_COLUMNS, eventColumns } from './pg-task-rows.js';

/** (kinds, task ids, agent ids, at ms, data): new events with their pending rows for the ledger. */
const INSERT_EVENTS = `WITH inserted AS (
           INSERT INTO task_events (kind, task_id, agent_id, at_ms, data)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
           RETURNING event_id
         ), pending AS (
           INSERT INTO ledger_pending (kind, subject) SELECT 'event', event_id::text FROM inserted
         )
         SELECT event_id FROM inserted`;
/** (after event id, limit): events in id order. */
const SELECT_EVENTS_AFTER = `SELECT ${EVENT_READ_COLUMNS} FROM task_events e
         WHERE e.event_id > $1 ORDER BY e.event_id LIMIT $2`;
/** (event ids) */
const SELECT_EVENTS_OF = `SELECT ${EVENT_READ_COLUMNS} FROM task_events e
         WHERE e.event_id = ANY($1::bigint[])`;
/** No parameters: the newest event id (null: none). */
const LAST_EVENT_ID = 'SELECT max(event_id) AS id FROM task_events';
/** (agent id): the agent's events by kind. */
const AGENT_EVENT_COUNTS = 'SELECT kind, count(*) AS n FROM task_events WHERE agent_id = $1 GROUP BY kind';

/** Gaps remembered at most by one reader (eventsAfter); a forgotten gap only waits again. */
const GAPS_REMEMBERED = 1000;

/**
 * The task_events table of the PostgreSQL store: what happened to tasks, in event id order, for the
 * other instances and SSE clients to catch up from. Every method takes the client of the transaction
 * it belongs to (or the pool, for reads).
 */
export class PgTaskEvents {
  /** When this instance first saw each open gap in the event ids (keyed by its first missing id). */
  readonly #gapsSeen = new Map<number, number>();
  /** How long a gap in the event ids may stay open before this reader skips it (see after). */
  readonly #gapWaitMs: number;

  constructor(gapWaitMs: number) {
    this.#gapWaitMs = gapWaitMs;
  }

  async append(db: PgQueryable, events: readonly NewTaskEvent[]): Promise<TaskEvent[]> {
    if (events.length === 0) return [];
    // Identity values are drawn in the order unnest yields the rows; sorting the returned ids puts
    // them back beside their events whatever order RETURNING lists them in.
    const rows = (await db.query<{ event_id: number }>(INSERT_EVENTS, [...eventColumns(events)])).rows;
    const ids = rows.map((r) => r.event_id).sort((a, b) => a - b);
    return events.map((e, i) => ({ ...e, eventId: ids[i] as number }));
  }

  /**
   * Events after `eventId`, in id order, up to the first gap that may still fill. Ids are drawn when a
   * transaction inserts its events, a moment before it commits, so instances committing at once can
   * make id 12 visible before id 11: a reader that went past 11 would never see it. So a gap stops the
   * read until its events commit, or until it has stayed open the store's eventGapWaitMs (a
   * rolled-back transaction leaves a gap for ever). A decision batch inserts its events before it
   * waits for the chain lock (commit_decisions), every other transaction as its last statement, so a
   * real gap closes within a commit's time, or a wait for the chain and a commit.
   */
  async after(db: PgQueryable, eventId: number, limit: number): Promise<TaskEvent[]> {
    const rows = (await db.query<EventRow>(SELECT_EVENTS_AFTER, [eventId, limit])).rows;
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
    if (this.#gapsSeen.size > GAPS_REMEMBERED) this.#gapsSeen.clear();
    return rows.slice(0, end).map(eventFromRow);
  }

  /** Events by id, as `after` reads them (the seq in a decision's event). */
  async byIds(db: PgQueryable, eventIds: readonly number[]): Promise<TaskEvent[]> {
    return (await db.query<EventRow>(SELECT_EVENTS_OF, [eventIds])).rows.map(eventFromRow);
  }

  /** Events after `eventId` in id order, every one, gaps or not: for `verify`, in one snapshot. */
  async page(db: PgQueryable, eventId: number, limit: number): Promise<TaskEvent[]> {
    return (await db.query<EventRow>(SELECT_EVENTS_AFTER, [eventId, limit])).rows.map(eventFromRow);
  }

  async lastId(db: PgQueryable): Promise<number> {
    const row = (await db.query<{ id: number | null }>(LAST_EVENT_ID)).rows[0];
    return row?.id ?? 0;
  }

  async agentCounts(db: PgQueryable, agentId: string): Promise<Map<TaskEventKind, number>> {
    const rows = (await db.query<{ kind: TaskEventKind; n: number }>(AGENT_EVENT_COUNTS, [agentId])).rows;
    return new Map(rows.map((r) => [r.kind, r.n]));
  }
}
