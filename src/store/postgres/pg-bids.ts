import type { NewTaskEvent, TaskEvent } from '../../events/task-event.js';
import type { RouterError } from '../../kernel/errors.js';
import type { Bid } from '../../policy/decision.js';
import type { Task } from '../../tasks/task.js';
import { auctionClosed, duplicateBid, unknownTask } from '../task-rows.js';
import type { PgQueryable } from './pg-queryable.js';
import { type PgTaskRow, taskFromPgRow } from './pg-task-rows.js';

/**
 * (task ids, agent ids, bids in sats, arrival ms, event kinds, event ms, event data): add_bids
 * (functions/add_bids.sql), and the ledger's pending rows of each bid it took and its event, in the
 * same statement.
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

/** A bid for addBids. */
export interface QueuedBidInput {
  readonly taskId: string;
  readonly bid: Bid;
  readonly atMs: number;
  readonly event: NewTaskEvent;
}

/** A bid's answer from addBids: the task as the bid left it and its event, or the refusal. */
export type BidAnswer = { readonly task: Task; readonly event: TaskEvent } | RouterError;

/**
 * Checks and stores bids, each with its event, in one call of the schema's add_bids function: one
 * statement, so one round trip and one transaction for the whole batch, which names each (task, agent)
 * at most once. The task rows are locked first, in task_id order, and the bids are appended to them and
 * their versions bumped under those locks, so a closer deciding an auction either sees a bid or
 * commits first and the bid is refused (a wait for a row is counted from lock_tasks_in_order's notice,
 * countRowLockWaits). Each bid's answer is its task as that bid left it (its bid the last one, the
 * version bumped once per bid up to it) with the event as stored, or the refusal.
 */
export async function addBids(db: PgQueryable, bids: readonly QueuedBidInput[]): Promise<BidAnswer[]> {
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

/** The error for an add_bids refusal code. */
function bidRefusal(code: string, detail: string | null, taskId: string, agentId: string): RouterError {
  if (code === 'SR404') return unknownTask(taskId);
  if (code === 'SR409') return auctionClosed(taskId, detail === 'window' ? 'open' : (detail ?? 'unknown'));
  if (code === 'SR410') return duplicateBid(taskId, agentId);
  throw new Error(`add_bids answered an unknown refusal code ${code} for task ${taskId}`); // a bug here
}
