import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  agentEntry,
  agentRemovedEntry,
  bidEntry,
  eventEntry,
  outcomeEntry,
  taskEntry,
} from '../../chain/ledger-entry.js';
import type { NewTaskEvent, TaskEvent, TaskEventKind } from '../../events/task-event.js';
import { RouterError } from '../../kernel/errors.js';
import type { AgentManifest } from '../../manifest/manifest.js';
import type { Bid, Decision, LoggedDecision } from '../../policy/decision.js';
import type { OutcomeReport, OutcomeResult, RecordedOutcome } from '../../policy/outcome.js';
import type { Task, TaskStatus } from '../../tasks/task.js';
import { readDecisionPage, streamDecisionPages } from '../decision-pages.js';
import type { AuditView } from '../ledger-port.js';
import { loadMigrations } from '../migration-files.js';
import type {
  AgentCounts,
  CommittedTaskChange,
  DecisionPage,
  DecisionQuery,
  Store,
  StoredAgent,
  StreamOptions,
  TaskChange,
  TaskPage,
  TaskQuery,
} from '../store.js';
import { SqliteAgents } from './sqlite-agents.js';
import { sqliteAdoptionSource, sqliteAuditView } from './sqlite-audit.js';
import { SqliteDecisions } from './sqlite-decisions.js';
import { translateSqliteError } from './sqlite-errors.js';
import { sqliteIntegrityProblems } from './sqlite-integrity.js';
import { SqliteKeys } from './sqlite-keys.js';
import { SqliteLedger } from './sqlite-ledger.js';
import { migrate } from './sqlite-migrator.js';
import { SqliteOutcomes } from './sqlite-outcomes.js';
import { SqliteTasks } from './sqlite-tasks.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { WriteBatch } from './write-batch.js';

export interface SqliteStoreConfig {
  /** Database file; created with its parent directory if missing. `:memory:` for a throwaway log. */
  readonly path: string;
  /**
   * `normal` (default): a commit survives a crash of the process (kill -9) but the last commits may be
   * lost on power failure; the file is never corrupted either way. `full` adds an fsync per commit.
   */
  readonly synchronous?: 'normal' | 'full';
  /** How long a writer waits for another process's write lock before failing, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** Clock for the migrations table only. */
  readonly nowMs?: () => number;
  /**
   * Who checkpoints the write-ahead log. `inline` (default): SQLite, in the writing connection, every
   * ~40 MB of log — a pause of tens of milliseconds in whatever write crosses the mark. `worker`: a
   * worker thread, several times a second (wal-checkpointer.ts): for the service, whose event loop
   * must not stall, and long batches, which gain a core. Ignored for `:memory:`.
   */
  readonly checkpoints?: 'inline' | 'worker';
}

/** The migration that adds the ledger: sealing begins in its transaction (SqliteLedger.begin). */
const LEDGER_MIGRATION = 9;

/** Decisions per page of an export or verify: bounded memory, few round trips. */
const STREAM_PAGE_SIZE = 500;

/**
 * The embedded store: one better-sqlite3 connection in WAL mode. better-sqlite3 is synchronous, so
 * each method does its work in one go and resolves; appends run in IMMEDIATE transactions, which take
 * SQLite's write lock before reading the chain head, so two processes appending to one file still get
 * one gap-free chain.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite';
  readonly #path: string;
  #db: Database.Database | undefined;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #keys: SqliteKeys;
  readonly #decisions: SqliteDecisions;
  readonly #append: (decisions: readonly Decision[]) => LoggedDecision[];
  readonly #outcomes: SqliteOutcomes;
  readonly #agents: SqliteAgents;
  readonly #tasks: SqliteTasks;
  /** Seals every change of agents, tasks, bids, events and outcomes in the transaction that writes it. */
  readonly #ledger: SqliteLedger;
  readonly #writes: WriteBatch;
  readonly #appendOutcome: (report: OutcomeReport, recordedAtMs: number) => RecordedOutcome;
  #checkpointer: WalCheckpointer | undefined;

  constructor(config: SqliteStoreConfig) {
    if (typeof config?.path !== 'string' || config.path.length === 0) {
      throw new TypeError(
        `expected config.path to be a non-empty string, got ${String(config?.path)} (${typeof config?.path})`,
      );
    }
    const synchronous = config.synchronous ?? 'normal';
    if (synchronous !== 'normal' && synchronous !== 'full') {
      throw new TypeError(`expected config.synchronous to be 'normal' or 'full', got ${String(synchronous)}`);
    }
    this.#path = config.path;
    this.#ledger = new SqliteLedger((sql) => this.#statement(sql));
    try {
      if (this.#path !== ':memory:') makeDirectories(dirname(this.#path));
      const db = new Database(this.#path, { timeout: config.busyTimeoutMs ?? 5000 });
      this.#db = db;
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
      // Checkpoint every ~40 MB of WAL rather than SQLite's default 4 MB: each checkpoint copies pages
      // into the database file and syncs it, and fewer, larger ones cost ~6% less logged routing
      // time (bench log-personas, best of 6: 57k → 60k decisions/s).
      db.pragma('wal_autocheckpoint = 10000');
      // better-sqlite3 turns foreign keys on; our own append path is the only writer and the hash
      // chain catches dangling references (test/integration/tamper.test.ts), so the checks are
      // turned off again: another ~3%.
      db.pragma('foreign_keys = OFF');
      migrate(
        db,
        loadMigrations(new URL('./migrations/', import.meta.url)),
        (config.nowMs ?? Date.now)(),
        (applied) => {
          // Sealing begins once, with the rows an older version wrote, in the migration's transaction.
          if (applied.includes(LEDGER_MIGRATION))
            this.#ledger.begin(sqliteAdoptionSource((sql) => this.#statement(sql)));
        },
      );
      // Last: nothing that can fail comes after it, so no worker outlives a store that failed to open.
      if (config.checkpoints === 'worker' && this.#path !== ':memory:') {
        db.pragma('wal_autocheckpoint = 0');
        this.#checkpointer = new WalCheckpointer(this.#path, config.busyTimeoutMs ?? 5000);
      }
    } catch (error) {
      this.#db?.close();
      this.#db = undefined;
      throw translateSqliteError(error, this.#path);
    }
    this.#keys = new SqliteKeys((sql) => this.#statement(sql));
    this.#decisions = new SqliteDecisions((sql) => this.#statement(sql), this.#keys);
    const transaction = this.#connection().transaction((decisions: readonly Decision[]) =>
      this.#decisions.append(decisions),
    );
    this.#append = (decisions) => {
      this.#keys.begin();
      try {
        const logged = transaction.immediate(decisions);
        this.#keys.committed();
        return logged;
      } catch (error) {
        this.#keys.rolledBack();
        throw error;
      }
    };
    this.#outcomes = new SqliteOutcomes((sql) => this.#statement(sql), this.#keys);
    this.#agents = new SqliteAgents((sql) => this.#statement(sql));
    this.#tasks = new SqliteTasks((sql) => this.#statement(sql));
    this.#writes = new WriteBatch(
      () => this.#connection(),
      (error) => translateSqliteError(error, this.#path),
      this.#keys,
    );
    const outcomeTransaction = this.#connection().transaction((report: OutcomeReport, atMs: number) => {
      const outcome = this.#outcomes.append(report, atMs);
      this.#ledger.append([outcomeEntry(outcome)]);
      return outcome;
    });
    this.#appendOutcome = (report, atMs) => outcomeTransaction.immediate(report, atMs);
  }

  async appendOutcome(report: OutcomeReport, recordedAtMs: number): Promise<RecordedOutcome> {
    return this.#guard(() => this.#appendOutcome(report, recordedAtMs));
  }

  async *streamOutcomes(afterOutcomeSeq = 0): AsyncIterable<RecordedOutcome> {
    let after = afterOutcomeSeq;
    for (;;) {
      const page = this.#guard(() => this.#outcomes.page(after, STREAM_PAGE_SIZE));
      if (page.length === 0) return;
      yield* page;
      after = (page.at(-1) as RecordedOutcome).outcomeSeq;
    }
  }

  async appendDecisions(decisions: readonly Decision[]): Promise<readonly LoggedDecision[]> {
    if (decisions.length === 0) return [];
    return this.#guard(() => this.#append(decisions));
  }

  async queryDecisions(query: DecisionQuery): Promise<DecisionPage> {
    return readDecisionPage(
      this.#decisions.pageReader((work) => this.#guard(work)),
      query,
    );
  }

  async getDecision(seq: number): Promise<LoggedDecision | undefined> {
    return this.#guard(() => this.#decisions.get(seq));
  }

  streamDecisions(options: StreamOptions = {}): AsyncIterable<LoggedDecision> {
    const reader = this.#decisions.streamReader((work) => this.#guard(work));
    return streamDecisionPages(reader, options, STREAM_PAGE_SIZE);
  }

  async outcomeResult(seq: number, agentId: string): Promise<OutcomeResult | undefined> {
    return this.#guard(() => this.#outcomes.resultOf(seq, agentId));
  }

  async lastOutcomeSeq(): Promise<number> {
    return this.#guard(
      () =>
        (this.#statement('SELECT coalesce(max(outcome_seq), 0) AS n FROM outcomes').get() as { n: number }).n,
    );
  }

  async agentCounts(agentId: string): Promise<AgentCounts> {
    return this.#guard(() => this.#decisions.agentCounts(agentId));
  }

  async listAgentCounts(): Promise<readonly AgentCounts[]> {
    return this.#guard(() => this.#decisions.listAgentCounts());
  }

  async checkIntegrity(): Promise<readonly string[]> {
    return this.#guard(() => sqliteIntegrityProblems((sql) => this.#statement(sql)));
  }

  async countDecisions(): Promise<number> {
    return this.#guard(() => this.#decisions.count());
  }

  async addAgent(agent: StoredAgent): Promise<boolean> {
    return this.#sealing(() => {
      const added = this.#agents.add(agent);
      if (added) this.#ledger.append([agentEntry(agent)]);
      return added;
    });
  }

  async updateAgentManifest(manifest: AgentManifest): Promise<boolean> {
    return this.#sealing(() => {
      if (!this.#agents.updateManifest(manifest)) return false;
      // Sealed as stored: the new manifest with the token hash and registration time it keeps.
      const stored = this.#agents.get(manifest.agentId);
      if (stored !== undefined) this.#ledger.append([agentEntry(stored)]);
      return true;
    });
  }

  async recordHeartbeat(agentId: string, atMs: number): Promise<boolean> {
    return this.#guard(() => this.#agents.heartbeat(agentId, atMs));
  }

  async recordHeartbeats(agentIds: readonly string[], atMs: number): Promise<ReadonlySet<string>> {
    return this.#guard(() =>
      this.#connection().transaction(() => {
        const stored = new Set<string>();
        for (const agentId of agentIds) if (this.#agents.heartbeat(agentId, atMs)) stored.add(agentId);
        return stored;
      })(),
    );
  }

  async deleteAgent(agentId: string): Promise<boolean> {
    return this.#sealing(() => {
      const deleted = this.#agents.delete(agentId);
      if (deleted) this.#ledger.append([agentRemovedEntry(agentId)]);
      return deleted;
    });
  }

  async getAgent(agentId: string): Promise<StoredAgent | undefined> {
    return this.#guard(() => this.#agents.get(agentId));
  }

  async agentByTokenHash(tokenHash: string): Promise<StoredAgent | undefined> {
    return this.#guard(() => this.#agents.byTokenHash(tokenHash));
  }

  async tokenHolder(tokenHash: string): Promise<string | undefined> {
    return this.#guard(() => this.#agents.tokenHolder(tokenHash));
  }

  async listAgents(): Promise<readonly StoredAgent[]> {
    return this.#guard(() => this.#agents.list());
  }

  async createTask(task: Task, events: readonly NewTaskEvent[]): Promise<readonly TaskEvent[]> {
    return this.#writes.submit(() => {
      this.#tasks.create(task);
      const stored = this.#tasks.appendEvents(events);
      this.#ledger.append([taskEntry(task), ...stored.map(eventEntry)]);
      return stored;
    });
  }

  async getTask(taskId: string): Promise<Task | undefined> {
    return this.#guard(() => this.#tasks.get(taskId));
  }

  async addBid(taskId: string, bid: Bid, atMs: number, event: NewTaskEvent): Promise<CommittedTaskChange> {
    return this.#writes.submit(() => {
      const task = this.#tasks.addBid(taskId, bid, atMs);
      const events = this.#tasks.appendEvents([event]);
      this.#ledger.append([bidEntry(taskId, task.bids.length - 1, bid, atMs), ...events.map(eventEntry)]);
      return { task, events };
    });
  }

  async commitTask(change: TaskChange): Promise<CommittedTaskChange | null> {
    return this.#writes.submit(() => this.#commitTaskInTransaction(change));
  }

  async listTasks(query: TaskQuery): Promise<TaskPage> {
    return this.#guard(() => this.#tasks.list(query));
  }

  async dueTasks(nowMs: number, limit: number): Promise<readonly Task[]> {
    return this.#guard(() => this.#tasks.due(nowMs, limit));
  }

  async releaseDueTasks(_taskIds: readonly string[]): Promise<void> {
    // One process per SQLite file runs the timers: nothing is claimed, so nothing to give back.
  }

  async nextDueMs(): Promise<number | null> {
    return this.#guard(() => this.#tasks.nextDueMs());
  }

  async inFlightByAgent(): Promise<ReadonlyMap<string, number>> {
    return this.#guard(() => this.#tasks.inFlight());
  }

  async countOpenTasks(): Promise<number> {
    return this.#guard(
      () =>
        (this.#statement("SELECT count(*) AS n FROM tasks WHERE status = 'open'").get() as { n: number }).n,
    );
  }

  async countTasksByStatus(): Promise<ReadonlyMap<TaskStatus, number>> {
    return this.#guard(() => this.#tasks.countByStatus());
  }

  async eventsAfter(eventId: number, limit: number): Promise<readonly TaskEvent[]> {
    return this.#guard(() => this.#tasks.eventsAfter(eventId, limit));
  }

  async lastEventId(): Promise<number> {
    return this.#guard(() => this.#tasks.lastEventId());
  }

  async agentEventCounts(agentId: string): Promise<ReadonlyMap<TaskEventKind, number>> {
    return this.#guard(() => this.#tasks.agentEventCounts(agentId));
  }

  /**
   * One commitTask inside a write batch (write-batch.ts): every check comes before the first write —
   * the version, then the outcome's checks — so a lost race writes nothing and a bad outcome rejects
   * alone.
   */
  #commitTaskInTransaction(change: TaskChange): CommittedTaskChange | null {
    if (this.#tasks.versionOf(change.task.taskId) !== change.expectedVersion) return null;
    const outcome =
      change.outcome === undefined ? undefined : this.#outcomes.append(change.outcome, change.task.updatedMs);
    let task = change.task;
    let decision: LoggedDecision | undefined;
    if (change.decision !== undefined) {
      decision = this.#decisions.append([change.decision])[0] as LoggedDecision;
      task = { ...task, decisionSeq: decision.seq };
    }
    this.#tasks.update(task, change.expectedVersion);
    const events = this.#tasks.appendEvents(change.events(task));
    this.#ledger.append([
      ...(outcome === undefined ? [] : [outcomeEntry(outcome)]),
      taskEntry(task),
      ...events.map(eventEntry),
    ]);
    return {
      task,
      events,
      ...(decision === undefined ? {} : { decision }),
      ...(outcome === undefined ? {} : { outcome }),
    };
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#statements.clear();
    const checkpointer = this.#checkpointer;
    this.#checkpointer = undefined;
    await checkpointer?.stop();
    db?.close();
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#connection().prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #connection(): Database.Database {
    if (this.#db === undefined)
      throw new RouterError('store_closed', 'the SQLite store was used after close()');
    return this.#db;
  }

  /** A change and its ledger entries in one IMMEDIATE transaction (the agents' writes; rare). */
  #sealing<T>(work: () => T): T {
    return this.#guard(() => this.#connection().transaction(work).immediate());
  }

  /**
   * One snapshot for `verify`: a read transaction on a connection of its own (nothing this process
   * writes meanwhile can join it), or on the store's own for a database in memory, which no other
   * connection can open.
   */
  async readAudit<T>(read: (view: AuditView) => Promise<T>): Promise<T> {
    const own = this.#path !== ':memory:';
    const db = own
      ? this.#guard(() => new Database(this.#path, { readonly: true, fileMustExist: true }))
      : this.#connection();
    const statements = new Map<string, Database.Statement>();
    const statement = (sql: string): Database.Statement => {
      let prepared = statements.get(sql);
      if (prepared === undefined) {
        prepared = db.prepare(sql);
        statements.set(sql, prepared);
      }
      return prepared;
    };
    try {
      if (own) {
        db.exec('BEGIN');
        statement('SELECT count(*) FROM ledger').get(); // the snapshot starts at the first read
      }
      return await read(sqliteAuditView(statement));
    } catch (error) {
      throw translateSqliteError(error, this.#path);
    } finally {
      if (own) {
        if (db.inTransaction) db.exec('COMMIT');
        db.close();
      }
    }
  }

  #guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw translateSqliteError(error, this.#path);
    }
  }
}

/**
 * Creates `dir` and its missing parents one level at a time. `mkdirSync(dir, { recursive: true })`
 * never returns for a path under /proc on Node 20 (it spins at full CPU); one level at a time, such a
 * path fails with the system's error, which the caller reports.
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at); at = dirname(at)) {
    missing.push(at);
    if (dirname(at) === at) break;
  }
  for (const level of missing.reverse()) mkdirSync(level);
}
