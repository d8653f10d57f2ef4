import {
  type Adopted,
  agentEntry,
  agentRemovedEntry,
  bidEntry,
  eventEntry,
  type NewLedgerEntry,
  originEntry,
  outcomeEntry,
  sealEntry,
  taskEntry,
} from '../../chain/ledger-entry.js';
import { GENESIS_HASH } from '../../policy/decision.js';
import type { RecordedOutcome } from '../../policy/outcome.js';
import { keysetPages } from '../keyset-pages.js';
import type { AuditView, PendingLedgerRef } from '../ledger-port.js';
import { AUDIT_PAGE_SIZE, entryFromRow, LEDGER_COLUMNS, type LedgerRow } from '../ledger-rows.js';
import type { StoredAgent } from '../store.js';
import { type AgentRow, storedAgent } from './pg-agents.js';
import { type OutcomeRow, recordedOutcome } from './pg-outcome-rows.js';
import { SELECT_HEAD, TRY_XACT_LOCK, XACT_LOCK } from './pg-queries.js';
import type { PgQueryable } from './pg-queryable.js';
import type { PgTaskEvents } from './pg-task-events.js';
import type { PgTasks } from './pg-tasks.js';

/** (limit): the oldest pending changes. */
const SELECT_PENDING =
  'SELECT pending_id, kind, subject, detail FROM ledger_pending ORDER BY pending_id LIMIT $1';
/** (pending ids): pending changes sealed. */
const DELETE_PENDING = 'DELETE FROM ledger_pending WHERE pending_id = ANY($1::bigint[])';
/** (after pending id, limit): pending changes in order, for `verify`. */
const SELECT_PENDING_PAGE =
  'SELECT pending_id, kind, subject FROM ledger_pending WHERE pending_id > $1 ORDER BY pending_id LIMIT $2';
/** (after entry seq, limit): ledger entries in order, for `verify`. */
const SELECT_LEDGER_PAGE = `SELECT ${LEDGER_COLUMNS} FROM ledger WHERE entry_seq > $1 ORDER BY entry_seq LIMIT $2`;
/** No parameters: the ledger's newest entry. */
const SELECT_LEDGER_HEAD = 'SELECT entry_seq, hash FROM ledger ORDER BY entry_seq DESC LIMIT 1';
/**
 * (entry seqs, kinds, subjects, bodies, anchor seq, anchor hash, hashes): new entries, every one
 * anchored to the same head of the decision chain.
 */
const INSERT_ENTRIES = `INSERT INTO ledger (${LEDGER_COLUMNS})
     SELECT e.seq, e.kind, e.subject, e.body, $5, $6, e.hash
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $7::bytea[]) AS e (seq, kind, subject, body, hash)`;
/** The columns of an agent (pg-agents.ts AgentRow), ahead of a WHERE clause. */
const SELECT_AGENTS_WHERE = 'SELECT manifest, token_hash, registered_ms, heartbeat_ms FROM agents WHERE';
/**
 * The columns of an outcome (pg-outcome-rows.ts OutcomeRow), ahead of a WHERE clause: every outcome
 * row, even one whose agent key or decision is not in the log (named `#<key>`, task empty).
 */
const SELECT_OUTCOMES_WHERE = `SELECT o.outcome_seq, o.seq, coalesce(a.agent_id, '#' || o.agent_key) AS agent_id, o.completed, o.duration_ms,
       o.recorded_ms, coalesce(d.task_id, '') AS task_id, coalesce(d.description, '') AS description, o.result
     FROM outcomes o LEFT JOIN agent_keys a ON a.agent_key = o.agent_key LEFT JOIN decisions d ON d.seq = o.seq
     WHERE`;

/**
 * The PostgreSQL store's ledger (chain/ledger-entry.ts), sealed shortly after commit.
 *
 * Why not in the writing transaction, as on SQLite: the ledger is one chain, so sealing a change means
 * reading its head and extending it under a lock that every writer of the schema would take — a second
 * serialisation point beside the decision chain's, on the hottest path there is (every bid batch, every
 * new task), held across the round trips of the writing transaction. Instead each write adds rows to
 * `ledger_pending` in its own transaction (identity inserts: writers never wait for each other there),
 * naming what it changed, and one instance at a time — whichever takes the seal lock, a try-lock, so
 * nobody waits for it either — seals them in batches: it reads the pending rows in order, reads the rows
 * they name as they stand, appends one entry for each in the ledger's own gap-free order, and deletes the
 * pending rows, in one transaction. Any instance seals (not only the sweep lease's holder): a stalled or
 * killed instance leaves nothing unsealed for long, since the next write anywhere seals it.
 *
 * What this gives up: between its commit and its seal (a fraction of a second while instances write;
 * SEAL_EVERY_MS in postgres-store.ts) a change is not yet tamper-evident. `verify` counts those rows as
 * pending and leaves them out of its comparison. Sealing the row as it reads at seal time rather than
 * at write time is the same: a row changed again meanwhile has a pending row of its own, and the ledger
 * ends at its last state either way.
 */
export class PgLedger {
  readonly #tasks: PgTasks;
  readonly #events: PgTaskEvents;
  readonly #sealLock: number;

  /** `sealLock`: the schema's seal lock key (pg-advisory-locks.ts sealLockKey). */
  constructor(tasks: PgTasks, events: PgTaskEvents, sealLock: number) {
    this.#tasks = tasks;
    this.#events = events;
    this.#sealLock = sealLock;
  }

  /**
   * Seals up to `limit` pending changes inside `db`'s transaction, in pending order. Resolves to how
   * many it sealed, or null when another transaction holds the seal lock and `wait` is false.
   */
  async sealBatch(db: PgQueryable, limit: number, wait: boolean): Promise<number | null> {
    if (wait) await db.query(XACT_LOCK, [this.#sealLock]);
    else {
      const got = (await db.query<{ got: boolean }>(TRY_XACT_LOCK, [this.#sealLock])).rows[0]?.got;
      if (got !== true) return null;
    }
    const pending = (
      await db.query<{ pending_id: number; kind: string; subject: string; detail: string | null }>(
        SELECT_PENDING,
        [limit],
      )
    ).rows;
    if (pending.length === 0) return 0;
    const entries = await this.#resolve(db, pending);
    await appendEntries(db, entries);
    await db.query(DELETE_PENDING, [pending.map((p) => p.pending_id)]);
    return pending.length;
  }

  /**
   * Sealing begins: the origin entry, then every row an older version wrote, as found. Called once,
   * inside the transaction of the migration that adds the ledger (0019), so no row is written between
   * the two and a ledger emptied later is never begun again.
   */
  async begin(db: PgQueryable): Promise<void> {
    const count = async (table: string): Promise<number> =>
      (await db.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${table}`)).rows[0]?.n ?? 0;
    const adopted: Adopted = {
      agents: await count('agents'),
      tasks: await count('tasks'),
      events: await count('task_events'),
      outcomes: await count('outcomes'),
    };
    await appendEntries(db, [originEntry(adopted)]);
    const reads = new PgReads(db, this.#tasks, this.#events);
    for await (const chunk of chunked(reads.agents(), agentEntry)) await appendEntries(db, chunk);
    for await (const chunk of chunked(reads.tasks(), taskEntry)) await appendEntries(db, chunk);
    for await (const chunk of chunked(reads.events(), eventEntry)) await appendEntries(db, chunk);
    for await (const chunk of chunked(reads.outcomes(), outcomeEntry)) await appendEntries(db, chunk);
  }

  /** What `verify` reads, through `db` (a connection in one REPEATABLE READ transaction). */
  auditView(db: PgQueryable): AuditView {
    const reads = new PgReads(db, this.#tasks, this.#events);
    return {
      ledger: () =>
        (async function* () {
          for await (const row of keysetPages<LedgerRow, number>(
            async (after) =>
              (await db.query<LedgerRow>(SELECT_LEDGER_PAGE, [after ?? 0, AUDIT_PAGE_SIZE])).rows,
            (row) => row.entry_seq,
          ))
            yield entryFromRow(row);
        })(),
      pending: () =>
        (async function* (): AsyncIterable<PendingLedgerRef> {
          for await (const row of keysetPages(
            async (after: number | undefined) =>
              (
                await db.query<{ pending_id: number; kind: string; subject: string }>(SELECT_PENDING_PAGE, [
                  after ?? 0,
                  AUDIT_PAGE_SIZE,
                ])
              ).rows,
            (row) => row.pending_id,
          ))
            yield { kind: row.kind, subject: row.subject };
        })(),
      agents: () => reads.agents(),
      tasks: () => reads.tasks(),
      events: () => reads.events(),
      outcomes: () => reads.outcomes(),
    };
  }

  /** The pending rows as entries: each names a row, read as it stands now (gone: nothing to seal). */
  async #resolve(
    db: PgQueryable,
    pending: readonly { kind: string; subject: string; detail: string | null }[],
  ): Promise<NewLedgerEntry[]> {
    const ids = (kinds: readonly string[]) => [
      ...new Set(pending.filter((p) => kinds.includes(p.kind)).map((p) => p.subject)),
    ];
    const tasks = await this.#tasks.byIds(db, ids(['task', 'bid']));
    const events = new Map(
      (await this.#events.byIds(db, ids(['event']).map(Number))).map((e) => [String(e.eventId), e]),
    );
    const outcomes = new Map(
      (await outcomesWhere(db, 'o.outcome_seq = ANY($1::bigint[])', [ids(['outcome']).map(Number)])).map(
        (o) => [String(o.outcomeSeq), o],
      ),
    );
    const agents = new Map(
      (await agentsWhere(db, 'agent_id = ANY($1::text[])', [ids(['agent'])])).map((a) => [
        a.manifest.agentId,
        a,
      ]),
    );
    const entries: NewLedgerEntry[] = [];
    const tasksSealed = new Set<string>(); // a task's state once a batch: every one would read the same
    for (const p of pending) {
      if (p.kind === 'task') {
        const found = tasks.get(p.subject);
        if (found !== undefined && !tasksSealed.has(p.subject)) entries.push(taskEntry(found.task));
        tasksSealed.add(p.subject);
      } else if (p.kind === 'bid') {
        const found = tasks.get(p.subject);
        const index = found?.task.bids.findIndex((b) => b.agentId === p.detail) ?? -1;
        if (found !== undefined && index >= 0) {
          const bid = found.task.bids[index] as { agentId: string; bidSats: number };
          entries.push(bidEntry(p.subject, index, bid, found.receivedMs[index] as number));
        }
      } else if (p.kind === 'event') {
        const event = events.get(p.subject);
        if (event !== undefined) entries.push(eventEntry(event));
      } else if (p.kind === 'outcome') {
        const outcome = outcomes.get(p.subject);
        if (outcome !== undefined) entries.push(outcomeEntry(outcome));
      } else if (p.kind === 'agent') {
        const agent = agents.get(p.subject);
        if (agent !== undefined) entries.push(agentEntry(agent));
      } else if (p.kind === 'agent_removed') {
        entries.push(agentRemovedEntry(p.subject));
      }
    }
    return entries;
  }
}

/**
 * Appends entries to the ledger inside `db`'s transaction, which holds the seal lock (or the
 * migration's): sealed on the ledger's head and anchored to the decision chain's head, both read
 * here, after the rows the entries hold were read, so that the anchor covers every decision they name.
 */
async function appendEntries(db: PgQueryable, entries: readonly NewLedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const head = (await db.query<{ entry_seq: number; hash: Buffer }>(SELECT_LEDGER_HEAD)).rows[0];
  const chain = (await db.query<{ seq: number; hash: Buffer }>(SELECT_HEAD)).rows[0];
  const anchor = {
    seq: chain?.seq ?? 0,
    hash: chain === undefined ? GENESIS_HASH : chain.hash.toString('hex'),
  };
  let seq = head?.entry_seq ?? 0;
  let prevHash = head === undefined ? GENESIS_HASH : head.hash.toString('hex');
  const columns = {
    seq: [] as number[],
    kind: [] as string[],
    subject: [] as string[],
    body: [] as string[],
    hash: [] as Buffer[],
  };
  for (const entry of entries) {
    seq++;
    const hash = sealEntry(prevHash, seq, anchor, entry);
    columns.seq.push(seq);
    columns.kind.push(entry.kind);
    columns.subject.push(entry.subject);
    columns.body.push(entry.body);
    columns.hash.push(Buffer.from(hash, 'hex'));
    prevHash = hash;
  }
  await db.query(INSERT_ENTRIES, [
    columns.seq,
    columns.kind,
    columns.subject,
    columns.body,
    anchor.seq,
    Buffer.from(anchor.hash, 'hex'),
    columns.hash,
  ]);
}

/** Every row of the sealed tables, page by page, through one connection. */
class PgReads {
  readonly #db: PgQueryable;
  readonly #tasks: PgTasks;
  readonly #events: PgTaskEvents;

  constructor(db: PgQueryable, tasks: PgTasks, events: PgTaskEvents) {
    this.#db = db;
    this.#tasks = tasks;
    this.#events = events;
  }

  agents(): AsyncIterable<StoredAgent> {
    return keysetPages(
      (after: string | undefined) =>
        after === undefined
          ? agentsWhere(this.#db, 'true ORDER BY agent_id LIMIT $1', [AUDIT_PAGE_SIZE])
          : agentsWhere(this.#db, 'agent_id > $1 ORDER BY agent_id LIMIT $2', [after, AUDIT_PAGE_SIZE]),
      (agent) => agent.manifest.agentId,
    );
  }

  tasks() {
    return keysetPages(
      (after: string | undefined) => this.#tasks.page(this.#db, after, AUDIT_PAGE_SIZE),
      (task) => task.taskId,
    );
  }

  events() {
    return keysetPages(
      (after: number | undefined) => this.#events.page(this.#db, after ?? 0, AUDIT_PAGE_SIZE),
      (event) => event.eventId,
    );
  }

  /** Every outcome row, even one whose agent key or decision is not in the log (named `#<key>`, task empty). */
  outcomes(): AsyncIterable<RecordedOutcome> {
    return keysetPages(
      (after: number | undefined) =>
        outcomesWhere(this.#db, 'o.outcome_seq > $1 ORDER BY o.outcome_seq LIMIT $2', [
          after ?? 0,
          AUDIT_PAGE_SIZE,
        ]),
      (outcome) => outcome.outcomeSeq,
    );
  }
}

async function agentsWhere(db: PgQueryable, where: string, params: unknown[]): Promise<StoredAgent[]> {
  const { rows } = await db.query<AgentRow>(`${SELECT_AGENTS_WHERE} ${where}`, params);
  return rows.map(storedAgent);
}

async function outcomesWhere(db: PgQueryable, where: string, params: unknown[]): Promise<RecordedOutcome[]> {
  const { rows } = await db.query<OutcomeRow>(`${SELECT_OUTCOMES_WHERE} ${where}`, params);
  return rows.map(recordedOutcome);
}

/** Rows as ledger entries, a page at a time. */
async function* chunked<T>(
  rows: AsyncIterable<T>,
  entry: (row: T) => NewLedgerEntry,
): AsyncIterable<NewLedgerEntry[]> {
  let chunk: NewLedgerEntry[] = [];
  for await (const row of rows) {
    chunk.push(entry(row));
    if (chunk.length >= AUDIT_PAGE_SIZE) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
