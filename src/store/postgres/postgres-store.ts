import type pg from 'pg';
import type { NewTaskEvent, TaskEvent, TaskEventKind } from '../../events/task-event.js';
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
  SharedStore,
  Store,
  StoreContention,
  StoredAgent,
  StreamOptions,
  TaskChange,
  TaskPage,
  TaskQuery,
} from '../store.js';
import { chainLockKey, foldLockKey, sealLockKey, sweepLockKey } from './pg-advisory-locks.js';
import { PgAgents } from './pg-agents.js';
import { PgConnection, parsePgUrl } from './pg-connection.js';
import { PgCounters, VACUUM_QUEUES_EVERY_MS } from './pg-counters.js';
import { PgDecisionLog } from './pg-decision-log.js';
import { pgIntegrityProblems } from './pg-integrity.js';
import { PgKeys } from './pg-keys.js';
import { PgLedger } from './pg-ledger.js';
import { LedgerSealer } from './pg-ledger-sealer.js';
import { loadFunctions, migratePg } from './pg-migrator.js';
import { PgNotifications } from './pg-notifications.js';
import { PgOutcomes } from './pg-outcomes.js';
import { COUNT_OPEN_TASKS } from './pg-queries.js';
import { preparing } from './pg-queryable.js';
import { SweepLease } from './pg-sweep-lease.js';
import { PgTaskEvents } from './pg-task-events.js';
import { PgTaskWrites } from './pg-task-writes.js';
import { PgTasks } from './pg-tasks.js';
import { StatementBatcher } from './statement-batcher.js';

export interface PostgresStoreConfig {
  /** `postgres://user@host:port/database`; `?schema=name` puts the tables in that schema (default public). */
  readonly url: string;
  /** Connections in the pool. Default 10. */
  readonly poolSize?: number;
  /** Clock for the migrations table only. */
  readonly nowMs?: () => number;
  /**
   * How long a due task claimed by dueTasks is left to the instance that claimed it before another may
   * take it (its commit ends the claim sooner). Default 10 s: how long a crashed instance can delay
   * its claimed timers.
   */
  readonly claimLeaseMs?: number;
  /**
   * How long a gap in the event ids may stay open before eventsAfter reads past it (a transaction
   * that drew the ids rolled back). Default 3 s; see PgTaskEvents.after.
   */
  readonly eventGapWaitMs?: number;
  /**
   * How long past its time a due task waits for the instance holding the sweep lease before any
   * other instance takes it (pg-sweep-lease.ts). Default 500 ms; 0 lets every instance sweep every
   * due task at its time.
   */
  readonly sweepGraceMs?: number;
  /**
   * How often, at most, an instance that folds deltas also vacuums the deltas' tables. Default 60 s;
   * see VACUUM_QUEUES_EVERY_MS (pg-counters.ts).
   */
  readonly vacuumEveryMs?: number;
}

/** The schema's tables, indexes and triggers, applied in version order. */
const MIGRATIONS = new URL('./migrations/', import.meta.url);
/** The schema's functions as they are now, applied after the migrations (pg-migrator.ts). */
const FUNCTIONS = new URL('./functions/', import.meta.url);

/** The migration that adds the ledger: sealing begins in its transaction (PgLedger.begin). */
const LEDGER_MIGRATION = 19;

/** Token checks read together (tokenHolder): one agent request each. */
const HOLDER_BATCH = 512;

/** Decisions per page of an export or verify. */
const STREAM_PAGE_SIZE = 500;

/**
 * An instance that writes seals the ledger's pending changes (pg-ledger.ts) at most this often, and
 * this long after its last write: how long a change stays pending (not yet tamper-evident, counted
 * apart by `verify`) while instances write. A seal is one transaction of a few statements for up to
 * a thousand changes.
 */
const SEAL_EVERY_MS = 200;

/**
 * An instance without the sweep lease tries for it at most this often: so a new holder takes over
 * within about this long of the last one's end (its session's end lets the lock go).
 */
const SWEEP_LEASE_RETRY_MS = 1000;

/**
 * The store on PostgreSQL, for several instances on one database. Each operation is one transaction
 * on a pooled connection; the auction path's writes (new tasks, bids, auction decisions) are gathered
 * into batches of one statement each (pg-task-writes.ts). Appends take an advisory lock that orders
 * them into one gap-free chain (auction decisions are sealed inside the database, pg-decision-batch.ts);
 * task changes lock the task's row and check its version, so racing instances decide an auction once.
 * Connecting and migrating happen on first use; an unreachable server fails that call with
 * `store_unavailable`.
 *
 * This class puts the parts together: the pool and how work runs on it (pg-connection.ts), the
 * decision log (pg-decision-log.ts), outcomes, agents, tasks, their events and writes, the counters
 * and their folds (pg-counters.ts), the ledger and its sealer, the announcements between instances
 * (pg-notifications.ts) and the sweep lease. The SQL is in pg-queries.ts and at the head of each
 * table's module; the schema in migrations/ and functions/.
 */
export class PostgresStore implements Store, SharedStore {
  readonly engine = 'postgres';
  readonly #connection: PgConnection;
  readonly #keys: PgKeys;
  readonly #log: PgDecisionLog;
  readonly #outcomes: PgOutcomes;
  readonly #counters: PgCounters;
  readonly #agents: PgAgents;
  readonly #tasks: PgTasks;
  readonly #events: PgTaskEvents;
  readonly #writes: PgTaskWrites;
  /** The ledger of row changes, and when this instance seals what is pending in it. */
  readonly #ledger: PgLedger;
  readonly #sealer: LedgerSealer;
  readonly #notifications: PgNotifications;
  readonly #sweepLease: SweepLease;
  readonly #nowMs: () => number;
  readonly #claimLeaseMs: number;
  readonly #sweepGraceMs: number;
  /** Every agent request of every instance asks tokenHolder: read together, one query per batch. */
  readonly #holders: StatementBatcher<string, string | undefined>;

  constructor(config: PostgresStoreConfig) {
    const target = parsePgUrl(config?.url);
    const { schema } = target;
    this.#sweepGraceMs = config.sweepGraceMs ?? 500;
    if (!Number.isFinite(this.#sweepGraceMs) || this.#sweepGraceMs < 0) {
      throw new TypeError(
        `expected config.sweepGraceMs to be a number of ms ≥ 0, got ${String(config.sweepGraceMs)}`,
      );
    }
    const vacuumEveryMs = config.vacuumEveryMs ?? VACUUM_QUEUES_EVERY_MS;
    if (!Number.isFinite(vacuumEveryMs) || vacuumEveryMs < 0) {
      throw new TypeError(
        `expected config.vacuumEveryMs to be a number of ms ≥ 0, got ${String(config.vacuumEveryMs)}`,
      );
    }
    this.#nowMs = config.nowMs ?? Date.now;
    this.#claimLeaseMs = config.claimLeaseMs ?? 10_000;
    const connection = new PgConnection(target, config.poolSize ?? 10, (client) => this.#open(client));
    this.#connection = connection;
    this.#tasks = new PgTasks();
    this.#events = new PgTaskEvents(config.eventGapWaitMs ?? 3_000);
    this.#ledger = new PgLedger(this.#tasks, this.#events, sealLockKey(schema));
    // Not counted with the writes' transactions (StoreContention): a seal carries no write of its own.
    this.#sealer = new LedgerSealer(
      this.#ledger,
      (work) => connection.transaction(work, false),
      SEAL_EVERY_MS,
    );
    this.#sweepLease = new SweepLease(target.connectionString, sweepLockKey(schema), SWEEP_LEASE_RETRY_MS);
    this.#notifications = new PgNotifications(connection);
    this.#agents = new PgAgents(this.#notifications.channel, this.#notifications.instanceId);
    this.#keys = new PgKeys(
      async <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
        (await connection.db.query<R>(sql, params)).rows,
    );
    this.#counters = new PgCounters(connection, this.#keys, foldLockKey(schema), vacuumEveryMs);
    this.#log = new PgDecisionLog(connection, this.#keys, this.#counters, chainLockKey(schema));
    this.#outcomes = new PgOutcomes(connection, this.#keys);
    this.#writes = new PgTaskWrites({
      connection,
      keys: this.#keys,
      tasks: this.#tasks,
      events: this.#events,
      log: this.#log,
      outcomes: this.#outcomes,
      counters: this.#counters,
      notifications: this.#notifications,
      sealer: this.#sealer,
      chainLock: chainLockKey(schema),
    });
    this.#holders = new StatementBatcher({
      maxBatch: HOLDER_BATCH,
      store: (batch) =>
        connection.storing(async () => {
          const holders = await this.#agents.tokenHolders(connection.db, batch);
          return batch.map((hash) => holders.get(hash));
        }),
    });
  }

  /** Several instances share this store: its abilities beyond the roles are its own (SharedStore). */
  get shared(): SharedStore {
    return this;
  }

  get holdsSweepLease(): boolean {
    return this.#sweepLease.holding;
  }

  get contention(): StoreContention {
    return { ...this.#connection.counts, batched: this.#writes.batched };
  }

  async appendDecisions(decisions: readonly Decision[]): Promise<readonly LoggedDecision[]> {
    if (decisions.length === 0) return [];
    return this.#run(async () => {
      await this.#log.intern(decisions);
      return this.#connection.transaction((client) => this.#log.appendIn(client, decisions));
    });
  }

  async queryDecisions(query: DecisionQuery): Promise<DecisionPage> {
    return this.#run(() => readDecisionPage(this.#log.pageReader(), query));
  }

  async getDecision(seq: number): Promise<LoggedDecision | undefined> {
    return this.#run(() => this.#log.get(seq));
  }

  streamDecisions(options: StreamOptions = {}): AsyncIterable<LoggedDecision> {
    return streamDecisionPages(this.#log.streamReader(), options, STREAM_PAGE_SIZE);
  }

  async appendOutcome(report: OutcomeReport, recordedAtMs: number): Promise<RecordedOutcome> {
    return this.#run(async () => {
      const outcome = await this.#connection.transaction((client) =>
        this.#outcomes.appendIn(client, report, recordedAtMs),
      );
      this.#sealer.soon();
      return outcome;
    });
  }

  streamOutcomes(afterOutcomeSeq = 0): AsyncIterable<RecordedOutcome> {
    return this.#outcomes.stream(afterOutcomeSeq);
  }

  async lastOutcomeSeq(): Promise<number> {
    return this.#outcomes.lastSeq();
  }

  async outcomeResult(seq: number, agentId: string): Promise<OutcomeResult | undefined> {
    return this.#run(() => this.#outcomes.resultOf(seq, agentId));
  }

  async agentCounts(agentId: string): Promise<AgentCounts> {
    return this.#run(() => this.#counters.agentCounts(agentId));
  }

  async listAgentCounts(): Promise<readonly AgentCounts[]> {
    return this.#run(() => this.#counters.list());
  }

  async checkIntegrity(): Promise<readonly string[]> {
    return this.#run(() => pgIntegrityProblems(this.#connection.db));
  }

  async countDecisions(): Promise<number> {
    return this.#log.count();
  }

  async addAgent(agent: StoredAgent): Promise<boolean> {
    return this.#run(() => this.#sealedSoon(this.#agents.add(this.#connection.db, agent)));
  }

  async updateAgentManifest(manifest: AgentManifest): Promise<boolean> {
    return this.#run(() => this.#sealedSoon(this.#agents.updateManifest(this.#connection.db, manifest)));
  }

  async recordHeartbeat(agentId: string, atMs: number): Promise<boolean> {
    return this.#run(() => this.#agents.heartbeat(this.#connection.db, agentId, atMs));
  }

  async recordHeartbeats(agentIds: readonly string[], atMs: number): Promise<ReadonlySet<string>> {
    return this.#run(() => this.#agents.heartbeats(this.#connection.db, agentIds, atMs));
  }

  async deleteAgent(agentId: string): Promise<boolean> {
    return this.#run(() => this.#sealedSoon(this.#agents.delete(this.#connection.db, agentId)));
  }

  async getAgent(agentId: string): Promise<StoredAgent | undefined> {
    return this.#run(() => this.#agents.get(this.#connection.db, agentId));
  }

  async agentByTokenHash(tokenHash: string): Promise<StoredAgent | undefined> {
    return this.#run(() => this.#agents.byTokenHash(this.#connection.db, tokenHash));
  }

  async tokenHolder(tokenHash: string): Promise<string | undefined> {
    return this.#run(() => this.#holders.submit(tokenHash));
  }

  async listAgents(): Promise<readonly StoredAgent[]> {
    return this.#run(() => this.#agents.list(this.#connection.db));
  }

  async createTask(task: Task, events: readonly NewTaskEvent[]): Promise<readonly TaskEvent[]> {
    return this.#run(() => this.#writes.createTask(task, events));
  }

  async getTask(taskId: string): Promise<Task | undefined> {
    return this.#run(() => this.#tasks.get(this.#connection.db, taskId));
  }

  async addBid(taskId: string, bid: Bid, atMs: number, event: NewTaskEvent): Promise<CommittedTaskChange> {
    return this.#run(() => this.#writes.addBid(taskId, bid, atMs, event));
  }

  async commitTask(change: TaskChange): Promise<CommittedTaskChange | null> {
    return this.#run(() => this.#writes.commit(change));
  }

  async listTasks(query: TaskQuery): Promise<TaskPage> {
    return this.#run(() => this.#tasks.list(this.#connection.db, query));
  }

  /**
   * Claims due tasks: at their time on the instance that holds the sweep lease, once overdue by
   * sweepGraceMs on any other (pg-sweep-lease.ts). A claim lasts claimLeaseMs.
   */
  async dueTasks(nowMs: number, limit: number): Promise<readonly Task[]> {
    return this.#run(async () => {
      const graceMs = (await this.#sweeps()) ? 0 : this.#sweepGraceMs;
      return this.#tasks.claimDue(this.#connection.db, nowMs - graceMs, limit, this.#claimLeaseMs, nowMs);
    });
  }

  async releaseDueTasks(taskIds: readonly string[]): Promise<void> {
    if (taskIds.length === 0) return;
    await this.#run(() => this.#tasks.releaseClaims(this.#connection.db, taskIds));
  }

  /** When this instance should next sweep: a due time, later by sweepGraceMs without the sweep lease. */
  async nextDueMs(): Promise<number | null> {
    return this.#run(async () => {
      const next = await this.#tasks.nextDueMs(this.#connection.db);
      return next === null || (await this.#sweeps()) ? next : next + this.#sweepGraceMs;
    });
  }

  async inFlightByAgent(): Promise<ReadonlyMap<string, number>> {
    return this.#run(async () => {
      const { loads, unfolded } = await this.#tasks.inFlight(this.#connection.db);
      // Task changes anywhere write load deltas (a trigger on tasks); whoever reads them folds.
      if (unfolded > 0) this.#counters.foldSoon();
      return loads;
    });
  }

  async countOpenTasks(): Promise<number> {
    return this.#connection.number(COUNT_OPEN_TASKS);
  }

  async countTasksByStatus(): Promise<ReadonlyMap<TaskStatus, number>> {
    return this.#run(() => this.#tasks.countByStatus(this.#connection.db));
  }

  async eventsAfter(eventId: number, limit: number): Promise<readonly TaskEvent[]> {
    return this.#run(() => this.#events.after(this.#connection.db, eventId, limit));
  }

  async lastEventId(): Promise<number> {
    return this.#run(() => this.#events.lastId(this.#connection.db));
  }

  async agentEventCounts(agentId: string): Promise<ReadonlyMap<TaskEventKind, number>> {
    return this.#run(() => this.#events.agentCounts(this.#connection.db, agentId));
  }

  async watchCommits(
    onCommit: () => void,
    onAgentChanged?: (agentId: string) => void,
  ): Promise<() => Promise<void>> {
    return this.#notifications.watchCommits(onCommit, onAgentChanged);
  }

  /**
   * One snapshot for `verify`: a REPEATABLE READ, read-only transaction on a connection of its own,
   * which sees the ledger, the pending changes and the tables as of one moment.
   */
  async readAudit<T>(read: (view: AuditView) => Promise<T>): Promise<T> {
    return this.#run(() => this.#connection.readOnly((client) => read(this.#ledger.auditView(client))));
  }

  async sealPending(): Promise<number> {
    return this.#run(() => this.#sealer.now());
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    if (connection.isClosed) return;
    connection.close();
    await this.#notifications.close();
    await this.#sweepLease.close();
    const opened = await connection.wasOpened();
    // A store closed cleanly leaves its deltas folded, unless another instance is folding right now.
    await this.#counters.close();
    // And nothing it wrote pending in the ledger, unless another instance is sealing right now.
    if (opened) await this.#sealer.close();
    await connection.end();
  }

  /** Every public method: the store open and migrated, and errors as RouterErrors (PgConnection.run). */
  #run<T>(work: () => Promise<T>): Promise<T> {
    return this.#connection.run(work);
  }

  /** A write whose changes are pending in the ledger: sealed soon once it has committed. */
  async #sealedSoon<T>(write: Promise<T>): Promise<T> {
    const result = await write;
    this.#sealer.soon();
    return result;
  }

  /** Whether this instance sweeps due tasks at their time: it holds the sweep lease, or there is no grace. */
  async #sweeps(): Promise<boolean> {
    return this.#sweepGraceMs === 0 || (await this.#sweepLease.held());
  }

  /** Opens the schema on first use (PgConnection): migrated, and what another instance left pending sealed soon. */
  async #open(client: pg.PoolClient): Promise<void> {
    await migratePg(client, this.#connection.target.schema, loadMigrations(MIGRATIONS), this.#nowMs(), {
      functions: loadFunctions(FUNCTIONS),
      afterApplying: async (applied) => {
        // Sealing begins once, with the rows an older version wrote, in the migration's transaction.
        if (applied.includes(LEDGER_MIGRATION)) await this.#ledger.begin(preparing(client));
      },
    });
    // Changes another instance left pending (it stopped, or was killed) are sealed soon.
    this.#sealer.soon();
  }
}
