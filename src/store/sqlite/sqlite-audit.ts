import type Database from 'better-sqlite3';
import {
  type Adopted,
  agentEntry,
  eventEntry,
  type NewLedgerEntry,
  outcomeEntry,
  taskEntry,
} from '../../chain/ledger-entry.js';
import type { TaskEvent } from '../../events/task-event.js';
import type { RecordedOutcome } from '../../policy/outcome.js';
import type { Task } from '../../tasks/task.js';
import { keysetPages } from '../keyset-pages.js';
import type { AuditView } from '../ledger-port.js';
import { AUDIT_PAGE_SIZE, entryFromRow, type LedgerRow } from '../ledger-rows.js';
import { SqliteAgents } from './sqlite-agents.js';
import type { AdoptionSource } from './sqlite-ledger.js';
import { SqliteLedger } from './sqlite-ledger.js';
import { type OutcomeRow, outcomeFromRow } from './sqlite-outcomes.js';
import { SELECT_OUTCOME_AUDIT_PAGE } from './sqlite-queries.js';
import { SqliteTasks } from './sqlite-tasks.js';

/**
 * What `verify` reads from a SQLite file, through `statement` (a connection the caller holds in one
 * read transaction, so that every table is read as of one moment).
 */
export function sqliteAuditView(statement: (sql: string) => Database.Statement): AuditView {
  const reads = new SqliteReads(statement);
  return {
    ledger: () =>
      (async function* () {
        for await (const row of keysetPages<LedgerRow, number>(
          (after) => reads.ledger.page(after ?? 0),
          (row) => row.entry_seq,
        ))
          yield entryFromRow(row);
      })(),
    pending: () => (async function* () {})(),
    agents: () =>
      (async function* () {
        yield* reads.agents.list();
      })(),
    tasks: () => keysetPages(reads.taskPage, (task) => task.taskId),
    events: () => keysetPages(reads.eventPage, (event) => event.eventId),
    outcomes: () => keysetPages(reads.outcomePage, (outcome) => outcome.outcomeSeq),
  };
}

/**
 * The rows an older version wrote, for the ledger's start (migration 0009): read through the same
 * readers as `verify`, so the bodies sealed are the ones it will rebuild.
 */
export function sqliteAdoptionSource(statement: (sql: string) => Database.Statement): AdoptionSource {
  const reads = new SqliteReads(statement);
  const count = (table: string): number =>
    (statement(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    counts: (): Adopted => ({
      agents: count('agents'),
      tasks: count('tasks'),
      events: count('task_events'),
      outcomes: count('outcomes'),
    }),
    *entries(): Iterable<readonly NewLedgerEntry[]> {
      yield reads.agents.list().map(agentEntry);
      yield* chunks(reads.taskPage, (t) => t.taskId, taskEntry);
      yield* chunks(reads.eventPage, (e) => e.eventId, eventEntry);
      yield* chunks(reads.outcomePage, (o) => o.outcomeSeq, outcomeEntry);
    },
  };
}

/** The table readers on one connection, with the keyset pages of each sealed table. */
class SqliteReads {
  readonly ledger: SqliteLedger;
  readonly agents: SqliteAgents;
  readonly #tasks: SqliteTasks;
  readonly #statement: (sql: string) => Database.Statement;

  constructor(statement: (sql: string) => Database.Statement) {
    this.#statement = statement;
    this.ledger = new SqliteLedger(statement);
    this.agents = new SqliteAgents(statement);
    this.#tasks = new SqliteTasks(statement);
  }

  readonly taskPage = (after: string | undefined): Task[] => this.#tasks.page(after, AUDIT_PAGE_SIZE);
  readonly eventPage = (after: number | undefined): TaskEvent[] =>
    this.#tasks.eventsAfter(after ?? 0, AUDIT_PAGE_SIZE);
  /** Every outcome row, even one whose agent key or decision is not in the log (named `#<key>`, task empty). */
  readonly outcomePage = (after: number | undefined): RecordedOutcome[] =>
    (this.#statement(SELECT_OUTCOME_AUDIT_PAGE).all(after ?? 0, AUDIT_PAGE_SIZE) as OutcomeRow[]).map(
      outcomeFromRow,
    );
}

/** A table's rows page by page (synchronously), each page as ledger entries. */
function* chunks<T, K>(
  read: (after: K | undefined) => T[],
  keyOf: (row: T) => K,
  entry: (row: T) => NewLedgerEntry,
): Iterable<NewLedgerEntry[]> {
  let after: K | undefined;
  for (;;) {
    const page = read(after);
    if (page.length === 0) return;
    yield page.map(entry);
    after = keyOf(page.at(-1) as T);
  }
}
