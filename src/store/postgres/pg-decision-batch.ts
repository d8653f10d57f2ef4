import { randomUUID } from 'node:crypto';
import { canonicalParts } from '../../chain/hash-chain.js';
import type { NewTaskEvent, TaskEvent } from '../../events/task-event.js';
import type { Decision, LoggedDecision } from '../../policy/decision.js';
import type { Task } from '../../tasks/task.js';
import { encodeBids, encodeCapability, encodeUuid } from '../record-rows.js';
import type { CommittedTaskChange, TaskChange } from '../store.js';
import { changingColumns } from '../task-rows.js';
import type { PgKeys } from './pg-keys.js';
import type { PgQueryable } from './pg-queryable.js';

/**
 * A decision's seq is decided inside the database, but its events (built by the task change from the
 * committed task) carry it. So they are built with this stand-in for it, a number no seq takes; in
 * their JSON every value equal to it is written as SEQ_TOKEN instead (a string no event carries: a
 * NUL and this process's own UUID). The events are stored so, before the seq is known, and whoever
 * reads them gets the token replaced with the seq of their task's decision (task_events.seq_token,
 * PgTaskEvents.after). The replacement finds only whole values: inside a JSON string every quote is escaped.
 */
const SEQ_STAND_IN = -Number.MAX_SAFE_INTEGER;
const SEQ_TOKEN = JSON.stringify(`\u0000decision-seq-${randomUUID()}`);
const withSeqToken = (data: NewTaskEvent['data']): string =>
  JSON.stringify(data, (_key, value: unknown) => (value === SEQ_STAND_IN ? JSON.parse(SEQ_TOKEN) : value));

/** The answers of commitDecisionBatch: per change, its commit or null (lost its race); and the waits. */
export interface DecisionBatchResult {
  readonly results: (CommittedTaskChange | null)[];
  /**
   * Whether it waited for the chain lock (1 or 0: the function tries it once, then waits); its waits
   * for task rows are told in a notice instead (countRowLockWaits).
   */
  readonly chainWaits: number;
  /** Write transactions it ran: the batch's, and the flush after it when it committed unflushed. */
  readonly transactions: number;
}

/**
 * (the 39 arguments of commit_decisions_unflushed, functions/commit_decisions.sql says what each is):
 * one row per decision of the batch.
 */
const COMMIT_DECISIONS = `SELECT * FROM commit_decisions_unflushed($1::text[], $2::integer[], $3::text[], $4::text[], $5::integer[],
       $6::text[], $7::bigint[], $8::integer[], $9::integer[], $10::bigint[], $11::bigint[], $12::bytea[],
       $13::text[], $14::bigint[], $15::integer[], $16::integer[], $17::bytea[], $18::integer[], $19::text[],
       $20::bytea[], $21::float8[], $22::bytea[], $23::bytea[], $24::integer[], $25::integer[], $26::boolean[],
       $27::bigint[], $28::integer[], $29::integer[], $30::integer[], $31::text[], $32::text[], $33::text[],
       $34::bigint[], $35::text[], $36::text, $37::bigint, $38::boolean, $39::boolean)`;

/**
 * Waits until the WAL written so far is on disk (under the session's synchronous_commit, which may
 * ask for more, or less): a synchronous commit returns once the WAL up to its commit record is
 * flushed, every earlier record with it. It must be a transaction that writes WAL of its own — one
 * that only takes a transaction id commits without a flush (pgbench here: the same rate with
 * synchronous_commit on and off) — and touches no row another could hold: a transactional logical
 * message (any wal_level; seen only by logical decoding, under this prefix).
 */
const FLUSH_WAL = "SELECT pg_logical_emit_message(true, 'swarm-router:flush', '')";

/**
 * Commits auction decisions, with their task changes and events, in one statement: the schema's
 * commit_decisions (functions/commit_decisions.sql) locks the tasks, keeps each change that is
 * still current, writes the kept ones' task rows, their agents' counter deltas and their events, and
 * seals and appends the kept decisions under the chain lock, all inside PostgreSQL, so the lock is held for one
 * function's writes rather than across round trips to this process. It is called through
 * commit_decisions_unflushed (functions/commit_decisions_unflushed.sql), whose commit, when instances contend for the chain
 * (`unflushed`: this instance found it held lately; or this batch did), lets the lock go without
 * waiting for the disk; the WAL is then flushed here before anyone is answered, so no decision is
 * acknowledged before it is durable. The keys of every agent, roster and policy named must be
 * interned (PgDecisionLog.intern). Answers undefined, having written nothing, when an event works
 * the seq into a text (the database could not find it there to put the seq in), or names the seq in
 * an event of another task than the decision's (whose row would not hold it); the task service's
 * events do neither. The store then commits the slower way.
 */
export async function commitDecisionBatch(
  db: PgQueryable,
  keys: PgKeys,
  changes: readonly TaskChange[],
  chainLock: number,
  unflushed: boolean,
): Promise<DecisionBatchResult | undefined> {
  // The events as they will be, but for the seq, which the database puts in (SEQ_TOKEN).
  const standIn = String(SEQ_STAND_IN);
  const events: { ord: number; e: NewTaskEvent; data: string }[] = [];
  for (const [i, c] of changes.entries()) {
    for (const e of c.events({ ...c.task, decisionSeq: SEQ_STAND_IN })) {
      const data = withSeqToken(e.data);
      if (data.includes(standIn)) return undefined;
      // The seq goes into an event when it is read, from its task's row (tasks.decision_id).
      if (e.taskId !== c.task.taskId && data.includes(SEQ_TOKEN)) return undefined;
      events.push({ ord: i + 1, e, data });
    }
  }
  const decisions = changes.map((c) => c.decision as Decision);
  const tasks = changes.map((c) => c.task);
  const changing = tasks.map((t) => changingColumns(t));
  const column = (i: number) => changing.map((c) => c[i]);
  const parts = decisions.map((d) => canonicalParts(d));
  const bidders = {
    ord: [] as number[],
    agent: [] as number[],
    outsider: [] as boolean[],
    wonSats: [] as number[],
  };
  const rosters = new Map<number, readonly number[]>();
  const rosterKeys: number[] = [];
  const bidBlobs: Buffer[] = [];
  decisions.forEach((d, i) => {
    const bidderKeys = d.bidders.map((b) => keys.agentKey(b.agentId));
    bidBlobs.push(encodeBids(d.bidders, bidderKeys));
    d.bidders.forEach((b, order) => {
      bidders.ord.push(i + 1);
      bidders.agent.push(bidderKeys[order] as number);
      bidders.outsider.push(b.capability === null);
      bidders.wonSats.push(b.agentId === d.selectedAgent ? b.bidSats : -1);
    });
    const rosterKey = keys.cachedRosterKey(d.agentIds);
    rosterKeys.push(rosterKey);
    rosters.set(rosterKey, keys.rosterMembers(rosterKey));
  });
  const members = { roster: [] as number[], agent: [] as number[] };
  for (const [rosterKey, agentKeys] of rosters) {
    for (const agentKey of agentKeys) {
      members.roster.push(rosterKey);
      members.agent.push(agentKey);
    }
  }
  const rows = (
    await db.query<{
      ord: number;
      kept: boolean;
      seq: number | null;
      hash: Buffer | null;
      prev_hash: Buffer | null;
      event_ids: number[] | null;
      waits: number | null;
    }>(COMMIT_DECISIONS, [
      tasks.map((t) => t.taskId),
      changes.map((c) => c.expectedVersion),
      tasks.map((t) => t.status),
      // Not decision_seq (column 0): the row names its decision by id (tasks.decision_id).
      ...Array.from({ length: 9 }, (_, i) => column(i)).slice(1),
      decisions.map((d) => encodeUuid(d.decisionId)),
      decisions.map((d) => d.description),
      decisions.map((d) => d.timestampMs),
      decisions.map((d) => keys.cachedPolicyKey(d.policy)),
      rosterKeys,
      decisions.map((d) => encodeCapability(d.capability, d.rosterSize)),
      decisions.map((d) => (d.selectedAgent === null ? null : keys.agentKey(d.selectedAgent))),
      decisions.map((d) => d.selectionReason),
      bidBlobs,
      decisions.map((d) => d.confidence ?? null),
      parts.map((p) => p.text),
      parts.map((p) => p.numbersAfterSeq),
      bidders.ord,
      bidders.agent,
      bidders.outsider,
      bidders.wonSats,
      members.roster,
      members.agent,
      events.map((x) => x.ord),
      events.map((x) => x.e.kind),
      events.map((x) => x.e.taskId),
      events.map((x) => x.e.agentId),
      events.map((x) => x.e.atMs),
      events.map((x) => x.data),
      SEQ_TOKEN,
      chainLock,
      false, // a row held elsewhere: waited for, and told in a notice (countRowLockWaits)
      unflushed,
    ])
  ).rows.sort((a, b) => a.ord - b.ord);
  // Committed unflushed on the function's rule; only kept decisions need to be durable before their
  // answers (a lost race wrote nothing to keep).
  const chainWaits = rows[0]?.waits ?? 0; // on the first row only
  const flush = (unflushed || chainWaits > 0) && rows.some((row) => row.kept);
  if (flush) await db.query(FLUSH_WAL);
  const eventIds = rows[0]?.event_ids ?? [];
  let nextEvent = 0;
  const results = changes.map((change, i): CommittedTaskChange | null => {
    const row = rows[i];
    if (row === undefined || !row.kept) return null;
    const seq = row.seq as number;
    const decision: LoggedDecision = {
      ...(decisions[i] as Decision),
      seq,
      hash: (row.hash as Buffer).toString('hex'),
      prevHash: (row.prev_hash as Buffer).toString('hex'),
    };
    const task: Task = { ...(tasks[i] as Task), decisionSeq: seq };
    const stored: TaskEvent[] = change
      .events(task)
      .map((e: NewTaskEvent) => ({ ...e, eventId: eventIds[nextEvent++] as number }));
    return { task, events: stored, decision };
  });
  return { results, chainWaits, transactions: flush ? 2 : 1 };
}
