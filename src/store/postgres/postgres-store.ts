import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { sealRecord } from '../../audit/hash-chain.js';
import type { NewTaskEvent, TaskEvent, TaskEventKind } from '../../events/task-event.js';
import { RouterError } from '../../kernel/errors.js';
import type { AgentManifest } from '../../manifest/manifest.js';
import {
  type Bid,
  type BidderRecord,
  type Decision,
  GENESIS_HASH,
  type LoggedDecision,
} from '../../policy/decision.js';
import type { OutcomeReport, RecordedOutcome } from '../../policy/outcome.js';
import type { Task, TaskStatus } from '../../tasks/task.js';
import { AgentCounterSums } from '../agent-counter-sums.js';
import { assembleRecords, type ChainLink, mergeNewestFirst, pagePrevHashes } from '../assemble-records.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { AuditView } from '../ledger-port.js';
import { loadMigrations } from '../migration-files.js';
import { type DecisionRow, decodeBids, encodeBids, encodeCapability, encodeUuid } from '../record-rows.js';
import type {
  AgentCounts,
  CommittedTaskChange,
  DecisionPage,
  DecisionQuery,
  Sealer,
  Store,
  StoreContention,
  StoredAgent,
  StreamOptions,
  TaskChange,
  TaskPage,
  TaskQuery,
} from '../store.js';
import { DUE_MS_PROBLEMS, dueMsProblem } from '../task-rows.js';
import { chainLockKey, foldLockKey, sealLockKey, sweepLockKey } from './pg-advisory-locks.js';
import { PgAgents, parseAgentChange } from './pg-agents.js';
import { commitDecisionBatch } from './pg-decision-batch.js';
import { translatePgError } from './pg-errors.js';
import { PgKeys } from './pg-keys.js';
import { PgLedger } from './pg-ledger.js';
import { LedgerSealer } from './pg-ledger-sealer.js';
import { countRowLockWaits } from './pg-lock-wait.js';
import { loadFunctions, migratePg, quoteIdent } from './pg-migrator.js';
import { type OutcomeRow, recordedOutcome } from './pg-outcome-rows.js';
import { keepingPool, type PgQueryable, preparing } from './pg-queryable.js';
import { SweepLease } from './pg-sweep-lease.js';
import { LOADS_FROM_TASKS, LOADS_WITH_DELTAS, PgTasks, type QueuedBidInput } from './pg-tasks.js';
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
   * that drew the ids rolled back). Default 3 s; see PgTasks.eventsAfter.
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
   * see VACUUM_DELTAS_EVERY_MS.
   */
  readonly vacuumEveryMs?: number;
}

/** A commitTask with an auction's decision, waiting to be appended with others. */
interface QueuedDecision {
  readonly change: TaskChange;
  readonly seal: Sealer;
}

/** A batch refused for one item's input (translatePgError: text PostgreSQL cannot hold). */
const isBadInput = (error: unknown): boolean =>
  error instanceof RouterError && error.code === 'invalid_request';

/** At most this many new tasks per statement. */
const CREATE_BATCH = 128;

/** At most this many bids per transaction. */
const BID_BATCH = 128;
/** Token checks read together (tokenHolder): one agent request each. */
const HOLDER_BATCH = 512;

/** At most this many auction decisions per transaction. */
const DECISION_BATCH = 64;

/**
 * How long a busy instance gathers auction decisions before it commits them (StatementBatcher
 * lingerMs): fewer, larger decision transactions, so fewer takings of the chain lock and less CPU a
 * task, for up to this much longer before a closing bid is answered, and only while decisions come
 * two or more a batch. Not for the timer sweep's decisions (TaskChange.byTimer), which come all at
 * once and are waited for together. Under bench:scale with 64 connections split, three instances
 * decided 844–992 tasks a second on the closing-bid path against 688–833 without it, with 0.39–0.56%
 * of their write transactions waiting instead of 0.93–1.05% (docs/BENCHMARKS.md).
 */
const DECISION_LINGER_MS = 10;

/**
 * Announcements of commits go out at most this often per instance: each is a NOTIFY, a transaction
 * of its own, and notifying transactions commit one at a time database-wide (migration 0005); every
 * other instance is woken by each, so n instances cost n·(n−1) wake-ups per gap. The listeners wake
 * their SSE streams at most every 100 ms and catch up at most every second anyway (cluster-sync.ts),
 * so an SSE client of another instance sees an event at most about 200 ms later. At 20 ms, three
 * busy instances spent a quarter of their write transactions on announcements (0.07 of 0.28 per
 * request; bench:scale).
 */
const ANNOUNCE_GAP_MS = 100;

/**
 * For this long after one of its decision batches found the chain lock held, an instance commits its
 * decisions unflushed and flushes after (migration 0009): the lock is then held for the function's
 * writes alone, not also for the disk. An instance that never meets another's decisions keeps one
 * round trip per batch.
 */
const CONTENDED_FOR_MS = 1000;

/**
 * An instance that writes agent counter deltas, or reads load deltas, folds them in at most this often
 * (migrations 0011, 0016): each fold is a transaction, and deltas left unfolded only make reads sum a
 * few more rows. At a thousand decisions a second that is some thousands of rows.
 */
const FOLD_EVERY_MS = 2000;

/**
 * An instance that writes seals the ledger's pending changes (pg-ledger.ts) at most this often, and
 * this long after its last write: how long a change stays pending (not yet tamper-evident, counted
 * apart by `verify`) while instances write. A seal is one transaction of a few statements for up to
 * a thousand changes.
 */
const SEAL_EVERY_MS = 200;

/** The migration that adds the ledger: sealing begins in its transaction (PgLedger.begin). */
const LEDGER_MIGRATION = 19;

/**
 * The deltas' tables are queues: every fold deletes what they hold, and only VACUUM lets their
 * pages be used again. Without it (autovacuum off, as on the CI machines, or busy on large tables)
 * a table grows by every row ever folded, and every read of the counters and loads scans it whole:
 * 21 MB and 11 ms a read after 500,000 rows had passed through an empty table (a probe,
 * not kept). So an instance that folds vacuums them itself at most this often (SKIP_LOCKED: one at a
 * time). A vacuum of a table of a few thousand rows takes milliseconds. The ledger's pending changes
 * (migration 0019) are a queue of the same kind, emptied by every seal, and are vacuumed with them.
 */
const VACUUM_DELTAS_EVERY_MS = 60_000;

/**
 * An instance without the sweep lease tries for it at most this often: so a new holder takes over
 * within about this long of the last one's end (its session's end lets the lock go).
 */
const SWEEP_LEASE_RETRY_MS = 1000;

/** Decisions per page of an export or verify. */
const STREAM_PAGE_SIZE = 500;

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** PostgreSQL's values of synchronous_commit, the one session setting the URL may choose. */
const SYNCHRONOUS_COMMIT = new Set(['on', 'off', 'local', 'remote_write', 'remote_apply']);

const INT8 = 20;
const INT8_ARRAY = 1016;
// pg's parser for int8[] (its typings list scalar types only) gives strings.
const parseInt8Array = (pg.types.getTypeParser as (oid: number) => (value: string) => string[])(INT8_ARRAY);

// bigint (int8) columns and arrays as numbers: sequence numbers, milliseconds and bids in satoshis
// stay below 2^53.
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8
      ? (value: string) => Number(value)
      : oid === INT8_ARRAY
        ? (value: string) => parseInt8Array(value).map(Number)
        : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The agents' counters as rows to sum per agent: the folded ones and the deltas not folded yet
 * (migration 0011). One statement reads both in one snapshot, which a fold changes whole or not at all.
 */
const COUNTERS_WITH_DELTAS = `SELECT agent_key, considered, bids, won, winning_bid_sum FROM agent_counters
  UNION ALL SELECT agent_key, considered, bids, won, winning_bid_sum FROM agent_counter_deltas`;
/** Their sums, as columns of the counters' names, over COUNTERS_WITH_DELTAS taken as `c`. */
const COUNTER_SUMS = `sum(c.considered)::bigint AS considered, sum(c.bids)::bigint AS bids,
  sum(c.won)::bigint AS won, sum(c.winning_bid_sum)::bigint AS winning_bid_sum`;

const DECISION_COLUMNS = `d.seq, d.decision_id, d.task_id, d.description, d.ts_ms, d.policy_key, d.roster_key,
  d.capability, d.selected_key, d.reason, d.hash, d.bids`;
const DECISION_COLUMNS_WITH_PREV = `${DECISION_COLUMNS},
  (SELECT p.hash FROM decisions p WHERE p.seq = d.seq - 1) AS prev_hash`;

/**
 * The store on PostgreSQL, for several instances on one database. Each operation is one transaction
 * on a pooled connection; the auction path's writes (new tasks, bids, auction decisions) are gathered
 * into batches of one statement each (StatementBatcher). Appends take an advisory lock that orders
 * them into one gap-free chain (auction decisions are sealed inside the database, pg-decision-batch.ts);
 * task changes lock the task's row and check its version, so racing instances decide an auction once.
 * Connecting and migrating happen on first use; an unreachable server fails that call with
 * `store_unavailable`.
 */
export class PostgresStore implements Store {
  readonly engine = 'postgres';
  readonly #pool: pg.Pool;
  /** The pool for single statements (see keepingPool). */
  readonly #db: PgQueryable;
  readonly #where: string;
  readonly #schema: string;
  /** The advisory lock key of this schema's chain (pg-advisory-locks.ts). */
  readonly #chainLock: number;
  /** The advisory lock key of this schema's counter fold (pg-advisory-locks.ts). */
  readonly #foldLock: number;
  /** The ledger of row changes, and when this instance seals what is pending in it. */
  readonly #ledger: PgLedger;
  readonly #sealer: LedgerSealer;
  /** When this instance last started a fold (or opened), and the fold while it runs (see FOLD_EVERY_MS). */
  #foldedMs = Date.now();
  #folding: Promise<void> | undefined;
  /** When this instance last vacuumed the deltas' tables (or opened); see VACUUM_DELTAS_EVERY_MS. */
  #vacuumedMs = Date.now();
  readonly #vacuumEveryMs: number;
  /** Whether this instance has written or read deltas (#foldSoon), for close() to fold them. */
  #hadDeltas = false;
  /** When a decision batch of this instance last found the chain lock held (see CONTENDED_FOR_MS). */
  #chainWaitedMs = Number.NEGATIVE_INFINITY;
  readonly #keys: PgKeys;
  readonly #tasks: PgTasks;
  readonly #agents: PgAgents;
  readonly #nowMs: () => number;
  readonly #claimLeaseMs: number;
  readonly #sweepGraceMs: number;
  readonly #sweepLease: SweepLease;
  #ready: Promise<void> | undefined;
  #closed = false;
  readonly #connectionString: string;
  /** The stop functions of open watchCommits listeners, ended by close(). */
  readonly #watchers = new Set<() => Promise<void>>();
  /** Sent with this store's announcements, so that its own watchers can pass over them. */
  readonly #instanceId = randomUUID();
  /** When the last announcement went out, and whether one is in flight or waits for its turn. */
  #announcedMs = 0;
  #announcing = false;
  #announceAgain = false;
  #announceTimer: NodeJS.Timeout | undefined;
  /** Counted as they happen (see StoreContention); the benchmark reads them through /metrics. */
  readonly #counts = { transactions: 0, lockWaits: 0, waitedWrites: 0, versionConflicts: 0 };

  constructor(config: PostgresStoreConfig) {
    if (typeof config?.url !== 'string' || !/^postgres(ql)?:\/\//.test(config.url)) {
      throw new TypeError(`expected config.url to be a postgres:// URL, got ${String(config?.url)}`);
    }
    const url = new URL(config.url);
    const schema = url.searchParams.get('schema') ?? 'public';
    if (!SCHEMA_NAME.test(schema)) {
      throw new RouterError(
        'invalid_request',
        `schema '${schema}' in the database URL is not a plain identifier (letters, digits, _)`,
        { details: { schema } },
      );
    }
    url.searchParams.delete('schema');
    // ?synchronous_commit=off: commits return before their WAL reaches the disk (README, "On PostgreSQL").
    const synchronousCommit = url.searchParams.get('synchronous_commit');
    if (synchronousCommit !== null && !SYNCHRONOUS_COMMIT.has(synchronousCommit)) {
      throw new RouterError(
        'invalid_request',
        `synchronous_commit '${synchronousCommit}' in the database URL is not one of ${[...SYNCHRONOUS_COMMIT].join(', ')}`,
        { details: { synchronousCommit } },
      );
    }
    url.searchParams.delete('synchronous_commit');
    this.#schema = schema;
    this.#chainLock = chainLockKey(schema);
    this.#foldLock = foldLockKey(schema);
    this.#where = `${url.hostname}:${url.port || '5432'}${url.pathname}`;
    this.#nowMs = config.nowMs ?? Date.now;
    this.#claimLeaseMs = config.claimLeaseMs ?? 10_000;
    this.#tasks = new PgTasks(config.eventGapWaitMs ?? 3_000);
    this.#ledger = new PgLedger(this.#tasks, sealLockKey(schema));
    // Not counted with the writes' transactions (StoreContention): a seal carries no write of its own.
    this.#sealer = new LedgerSealer(this.#ledger, (work) => this.#transaction(work, false), SEAL_EVERY_MS);
    this.#connectionString = url.toString();
    this.#sweepGraceMs = config.sweepGraceMs ?? 500;
    if (!Number.isFinite(this.#sweepGraceMs) || this.#sweepGraceMs < 0) {
      throw new TypeError(
        `expected config.sweepGraceMs to be a number of ms ≥ 0, got ${String(config.sweepGraceMs)}`,
      );
    }
    this.#vacuumEveryMs = config.vacuumEveryMs ?? VACUUM_DELTAS_EVERY_MS;
    if (!Number.isFinite(this.#vacuumEveryMs) || this.#vacuumEveryMs < 0) {
      throw new TypeError(
        `expected config.vacuumEveryMs to be a number of ms ≥ 0, got ${String(config.vacuumEveryMs)}`,
      );
    }
    this.#sweepLease = new SweepLease(this.#connectionString, sweepLockKey(schema), SWEEP_LEASE_RETRY_MS);
    this.#pool = new pg.Pool({
      connectionString: this.#connectionString,
      max: config.poolSize ?? 10,
      types: TYPES,
      // Every connection works in the store's schema. Statements are prepared (pg-queryable.ts) but
      // planned at every run: a plan cached while a table was nearly empty scanned it whole for
      // ever after (a new deployment's first minute, before autovacuum's first ANALYZE: thousands of
      // sequential scans of the tasks table in a benchmark run).
      options:
        `-c search_path=${quoteIdent(schema)} -c plan_cache_mode=force_custom_plan` +
        (synchronousCommit === null ? '' : ` -c synchronous_commit=${synchronousCommit}`),
    });
    // An idle connection dropped by the server is replaced on the next checkout; not a crash.
    this.#pool.on('error', () => undefined);
    countRowLockWaits(this.#pool, (writes) => this.#batchWaited(writes));
    this.#db = keepingPool(this.#pool);
    this.#agents = new PgAgents(this.#channel, this.#instanceId);
    this.#keys = new PgKeys(
      async <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
        (await this.#db.query<R>(sql, params)).rows,
    );
  }

  get holdsSweepLease(): boolean {
    return this.#sweepLease.holding;
  }

  get contention(): StoreContention {
    return {
      ...this.#counts,
      batched: { tasks: this.#creates.counts, bids: this.#bids.counts, decisions: this.#decisions.counts },
    };
  }

  async appendDecisions(decisions: readonly Decision[], seal: Sealer): Promise<readonly LoggedDecision[]> {
    if (decisions.length === 0) return [];
    return this.#run(async () => {
      await this.#intern(decisions);
      return this.#transaction((client) => this.#appendIn(client, decisions, seal));
    });
  }

  async queryDecisions(query: DecisionQuery): Promise<DecisionPage> {
    return this.#run(async () => {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (clause: string, value: unknown) => {
        params.push(value);
        where.push(clause.replace('?', `$${params.length}`));
      };
      if (query.cursor !== undefined) add('d.seq < ?', decodeCursor(query.cursor));
      if (query.taskId !== undefined) add('d.task_id = ?', query.taskId);
      if (query.sinceMs !== undefined) add('d.ts_ms >= ?', query.sinceMs);
      if (query.untilMs !== undefined) add('d.ts_ms < ?', query.untilMs);
      const wanted = query.limit + 1;
      const pageOf = async (source: 'all' | 'bids' | 'roster', key?: number): Promise<number[]> => {
        const all = [...params];
        const clauses = [...where];
        let from = 'decisions d';
        if (source === 'bids') {
          from = 'candidates c JOIN decisions d ON d.seq = c.seq';
          all.push(key);
          clauses.push(`c.agent_key = $${all.length}`);
        } else if (source === 'roster') {
          all.push(key);
          clauses.push(`d.roster_key = $${all.length}`);
        }
        all.push(wanted);
        const sql = `SELECT d.seq FROM ${from} ${clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`}
          ORDER BY d.seq DESC LIMIT $${all.length}`;
        return (await this.#db.query<{ seq: number }>(sql, all)).rows.map((r) => r.seq);
      };
      let seqs: number[];
      if (query.agentId === undefined) {
        seqs = await pageOf('all');
      } else {
        const agentKey = await this.#keys.findAgentKey(query.agentId);
        if (agentKey === undefined) return { decisions: [], nextCursor: null };
        // Exact and indexed, as in the SQLite store: its bids from outside a roster, merged with the
        // decisions of every roster it belongs to, each read only as far as one page.
        const rosters = await this.#keys.rostersOf(agentKey);
        const sources = await Promise.all([
          pageOf('bids', agentKey),
          ...rosters.map((r) => pageOf('roster', r)),
        ]);
        seqs = mergeNewestFirst(sources, wanted);
      }
      const page = seqs.slice(0, query.limit);
      const rows = (
        await this.#db.query<DecisionRow>(
          `SELECT ${DECISION_COLUMNS_WITH_PREV} FROM decisions d WHERE d.seq = ANY($1::bigint[]) ORDER BY d.seq DESC`,
          [page],
        )
      ).rows;
      const decisions = await this.#assemble(rows);
      const last = decisions.at(-1);
      return { decisions, nextCursor: seqs.length > query.limit && last ? encodeCursor(last.seq) : null };
    });
  }

  async getDecision(seq: number): Promise<LoggedDecision | undefined> {
    return this.#run(async () => {
      const rows = (
        await this.#db.query<DecisionRow>(
          `SELECT ${DECISION_COLUMNS_WITH_PREV} FROM decisions d WHERE d.seq = $1`,
          [seq],
        )
      ).rows;
      return (await this.#assemble(rows))[0];
    });
  }

  async *streamDecisions(options: StreamOptions = {}): AsyncIterable<LoggedDecision> {
    const sinceMs = options.sinceMs ?? Number.MIN_SAFE_INTEGER;
    let after = 0;
    if (options.sinceMs !== undefined) {
      const first = await this.#run(
        async () =>
          (
            await this.#db.query<{ after: number | null }>(
              'SELECT min(seq) - 1 AS after FROM decisions WHERE ts_ms >= $1',
              [sinceMs],
            )
          ).rows[0],
      );
      if (first?.after == null) return;
      after = first.after;
    }
    // Keyset pages by seq, each its own short read; a record's predecessor is the one before it.
    let previous: ChainLink | undefined;
    for (;;) {
      const page = await this.#run(async () => {
        const rows = (
          await this.#db.query<DecisionRow>(
            `SELECT ${DECISION_COLUMNS} FROM decisions d WHERE d.seq > $1 AND d.ts_ms >= $2 ORDER BY d.seq LIMIT $3`,
            [after, sinceMs, STREAM_PAGE_SIZE],
          )
        ).rows;
        if (rows.length === 0) return [];
        const first = (rows[0] as DecisionRow).seq;
        if (previous === undefined) {
          const row = (
            await this.#db.query<{ hash: Buffer }>('SELECT hash FROM decisions WHERE seq = $1', [first - 1])
          ).rows[0];
          previous = { seq: first - 1, hash: row?.hash ?? null };
        }
        const { prevHashes, last } = pagePrevHashes(rows, previous);
        previous = last;
        return this.#assemble(rows, prevHashes);
      });
      if (page.length === 0) return;
      yield* page;
      after = (page.at(-1) as LoggedDecision).seq;
    }
  }

  async appendOutcome(report: OutcomeReport, recordedAtMs: number): Promise<RecordedOutcome> {
    return this.#run(async () => {
      const outcome = await this.#transaction((client) =>
        this.#appendOutcomeIn(client, report, recordedAtMs),
      );
      this.#sealer.soon();
      return outcome;
    });
  }

  async *streamOutcomes(afterOutcomeSeq = 0): AsyncIterable<RecordedOutcome> {
    let after = afterOutcomeSeq;
    for (;;) {
      const rows = await this.#run(
        async () =>
          (
            await this.#db.query<OutcomeRow>(
              `SELECT o.outcome_seq, o.seq, a.agent_id, o.completed, o.duration_ms, o.recorded_ms, d.task_id, d.description
               FROM outcomes o JOIN agent_keys a ON a.agent_key = o.agent_key JOIN decisions d ON d.seq = o.seq
               WHERE o.outcome_seq > $1 ORDER BY o.outcome_seq LIMIT $2`,
              [after, STREAM_PAGE_SIZE],
            )
          ).rows,
      );
      if (rows.length === 0) return;
      for (const row of rows) yield recordedOutcome(row);
      after = (rows.at(-1) as { outcome_seq: number }).outcome_seq;
    }
  }

  async lastOutcomeSeq(): Promise<number> {
    return this.#number('SELECT coalesce(max(outcome_seq), 0)::bigint AS n FROM outcomes');
  }

  async agentCounts(agentId: string): Promise<AgentCounts> {
    return this.#run(async () => {
      const key = await this.#keys.findAgentKey(agentId);
      // Sums are null for an agent with no counts yet.
      const row =
        key === undefined
          ? undefined
          : (
              await this.#db.query<{
                considered: number | null;
                bids: number | null;
                won: number | null;
                winning_bid_sum: number | null;
              }>(`SELECT ${COUNTER_SUMS} FROM (${COUNTERS_WITH_DELTAS}) AS c WHERE c.agent_key = $1`, [key])
            ).rows[0];
      return {
        agentId,
        considered: row?.considered ?? 0,
        bids: row?.bids ?? 0,
        won: row?.won ?? 0,
        winningBidSatsSum: row?.winning_bid_sum ?? 0,
      };
    });
  }

  async listAgentCounts(): Promise<readonly AgentCounts[]> {
    return this.#run(async () =>
      (
        await this.#db.query<{
          agent_id: string;
          considered: number;
          bids: number;
          won: number;
          winning_bid_sum: number;
        }>(`SELECT k.agent_id, ${COUNTER_SUMS}
            FROM (${COUNTERS_WITH_DELTAS}) AS c JOIN agent_keys k ON k.agent_key = c.agent_key
            GROUP BY k.agent_id ORDER BY k.agent_id`)
      ).rows.map((r) => ({
        agentId: r.agent_id,
        considered: r.considered,
        bids: r.bids,
        won: r.won,
        winningBidSatsSum: r.winning_bid_sum,
      })),
    );
  }

  async checkIntegrity(): Promise<readonly string[]> {
    return this.#run(async () => {
      const problems: string[] = [];
      // roster_members must list exactly the members of each roster.
      const membership = (
        await this.#db.query<{ missing: number; extra: number }>(
          `WITH expected AS (
             SELECT r.roster_key, get_byte(r.members, i * 4) | (get_byte(r.members, i * 4 + 1) << 8)
               | (get_byte(r.members, i * 4 + 2) << 16) | (get_byte(r.members, i * 4 + 3) << 24) AS agent_key
             FROM rosters r, generate_series(0, length(r.members) / 4 - 1) AS i
           )
           SELECT
             (SELECT count(*) FROM expected e WHERE NOT EXISTS (
                SELECT 1 FROM roster_members m WHERE m.roster_key = e.roster_key AND m.agent_key = e.agent_key)) AS missing,
             (SELECT count(*) FROM roster_members m WHERE NOT EXISTS (
                SELECT 1 FROM expected e WHERE e.roster_key = m.roster_key AND e.agent_key = m.agent_key)) AS extra`,
        )
      ).rows[0] as { missing: number; extra: number };
      if (membership.missing > 0 || membership.extra > 0) {
        problems.push(
          `roster membership index disagrees with the rosters: ${membership.missing} missing, ${membership.extra} extra rows`,
        );
      }
      // candidates must hold exactly the bids from outside each decision's roster; compared page by
      // page in constant memory.
      const members = new Map<number, Set<number>>();
      for (const row of (
        await this.#db.query<{ agent_key: number; roster_key: number }>(
          'SELECT agent_key, roster_key FROM roster_members',
        )
      ).rows) {
        let set = members.get(row.roster_key);
        if (set === undefined) {
          set = new Set();
          members.set(row.roster_key, set);
        }
        set.add(row.agent_key);
      }
      const expected = new Set<string>();
      let after = 0;
      for (;;) {
        const rows = (
          await this.#db.query<{ seq: number; roster_key: number; bids: Buffer }>(
            'SELECT seq, roster_key, bids FROM decisions WHERE seq > $1 ORDER BY seq LIMIT $2',
            [after, 5000],
          )
        ).rows;
        if (rows.length === 0) break;
        for (const row of rows) {
          for (const bid of decodeBids(row.bids)) {
            if (members.get(row.roster_key)?.has(bid.agentKey) !== true)
              expected.add(`${bid.agentKey}:${row.seq}`);
          }
        }
        after = (rows.at(-1) as { seq: number }).seq;
      }
      const actual = (
        await this.#db.query<{ agent_key: number; seq: number }>('SELECT agent_key, seq FROM candidates')
      ).rows;
      const differ =
        actual.length !== expected.size || actual.some((r) => !expected.has(`${r.agent_key}:${r.seq}`));
      if (differ) {
        problems.push(
          `bidder index disagrees with the records' bids: ${actual.length} rows for ${expected.size} bids from outside the roster${
            actual.length === expected.size ? ' (same count, different rows)' : ''
          }`,
        );
      }
      problems.push(...(await this.#loadProblems()));
      const due = await this.#db.query<{ task_id: string; due_ms: number | null; expected: number | null }>(
        DUE_MS_PROBLEMS.replace('?', '$1'),
        [50],
      );
      problems.push(...due.rows.map(dueMsProblem));
      return problems;
    });
  }

  /**
   * Each agent's counted tasks in hand (migration 0016) against a count of the tasks themselves: the
   * counts are kept beside the tasks, by a trigger, and scoring trusts them.
   */
  async #loadProblems(): Promise<string[]> {
    const rows = (
      await this.#db.query<{ agent_id: string; counted: number; held: number }>(
        `WITH counted AS (
           SELECT agent_id, sum(n)::bigint AS n FROM (${LOADS_WITH_DELTAS}) AS x GROUP BY agent_id
         ), held AS (${LOADS_FROM_TASKS})
         SELECT agent_id, coalesce(c.n, 0) AS counted, coalesce(h.n, 0) AS held
         FROM counted c FULL JOIN held h USING (agent_id)
         WHERE coalesce(c.n, 0) <> coalesce(h.n, 0)
         ORDER BY agent_id`,
      )
    ).rows;
    return rows.map(
      (r) => `tasks in hand for ${r.agent_id} counted as ${r.counted} (the tasks say ${r.held})`,
    );
  }

  async countDecisions(): Promise<number> {
    return this.#number('SELECT coalesce(max(seq), 0)::bigint AS n FROM decisions');
  }

  async addAgent(agent: StoredAgent): Promise<boolean> {
    return this.#run(() => this.#sealedSoon(this.#agents.add(this.#db, agent)));
  }

  async updateAgentManifest(manifest: AgentManifest): Promise<boolean> {
    return this.#run(() => this.#sealedSoon(this.#agents.updateManifest(this.#db, manifest)));
  }

  async recordHeartbeat(agentId: string, atMs: number): Promise<boolean> {
    return this.#run(() => this.#agents.heartbeat(this.#db, agentId, atMs));
  }

  async deleteAgent(agentId: string): Promise<boolean> {
    return this.#run(() => this.#sealedSoon(this.#agents.delete(this.#db, agentId)));
  }

  async getAgent(agentId: string): Promise<StoredAgent | undefined> {
    return this.#run(() => this.#agents.get(this.#db, agentId));
  }

  async agentByTokenHash(tokenHash: string): Promise<StoredAgent | undefined> {
    return this.#run(() => this.#agents.byTokenHash(this.#db, tokenHash));
  }

  async tokenHolder(tokenHash: string): Promise<string | undefined> {
    // Every agent request of every instance asks this: read together, one query per batch (#holders).
    return this.#run(() => this.#holders.submit(tokenHash));
  }

  async listAgents(): Promise<readonly StoredAgent[]> {
    return this.#run(() => this.#agents.list(this.#db));
  }

  async createTask(task: Task, events: readonly NewTaskEvent[]): Promise<readonly TaskEvent[]> {
    // Stored with the others that arrive meanwhile, in one statement (#creates).
    return this.#run(() => this.#creates.submit({ task, events }));
  }

  async getTask(taskId: string): Promise<Task | undefined> {
    return this.#run(() => this.#tasks.get(this.#db, taskId));
  }

  async addBid(taskId: string, bid: Bid, atMs: number, event: NewTaskEvent): Promise<CommittedTaskChange> {
    // Stored with the others that arrive meanwhile, in one call of add_bids (#bids).
    return this.#run(() => this.#bids.submit({ taskId, bid, atMs, event }));
  }

  async commitTask(change: TaskChange, seal: Sealer): Promise<CommittedTaskChange | null> {
    if (change.decision !== undefined && change.outcome === undefined) {
      // An auction's decision: queued, and appended with the others that arrive meanwhile under one
      // acquisition of the chain lock (see #decisions).
      const decision = change.decision;
      return this.#run(async () => {
        await this.#intern([decision]);
        return this.#decisions.submit({ change, seal });
      });
    }
    return this.#run(async () => {
      if (change.decision !== undefined) await this.#intern([change.decision]);
      const committed = await this.#transaction(async (client) => {
        // The row lock is the auction's: whoever holds it decides, the others find a new version.
        const version = await this.#tasks.lockVersion(client, change.task.taskId, this.#waited);
        if (version !== change.expectedVersion) {
          this.#counts.versionConflicts++;
          return null;
        }
        const outcome =
          change.outcome === undefined
            ? undefined
            : await this.#appendOutcomeIn(client, change.outcome, change.task.updatedMs);
        let task = change.task;
        let decision: LoggedDecision | undefined;
        if (change.decision !== undefined) {
          decision = (await this.#appendIn(client, [change.decision], seal))[0] as LoggedDecision;
          task = { ...task, decisionSeq: decision.seq };
        }
        await this.#tasks.update(client, task, change.expectedVersion);
        const events = await this.#tasks.appendEvents(client, change.events(task));
        return {
          task,
          events,
          ...(decision === undefined ? {} : { decision }),
          ...(outcome === undefined ? {} : { outcome }),
        };
      });
      if (committed !== null && committed.events.length > 0) this.#announce();
      if (committed !== null) this.#sealer.soon();
      return committed;
    });
  }

  /** One batch of #decisions inside `client`'s transaction; null for a change that lost its race. */
  async #commitDecisions(
    client: PgQueryable,
    batch: readonly QueuedDecision[],
  ): Promise<(CommittedTaskChange | null)[]> {
    const versions = await this.#tasks.lockVersions(
      client,
      batch.map((item) => item.change.task.taskId),
    );
    // The first change of a task computed from its stored version wins; any other is stale.
    const taken = new Set<string>();
    const winners: number[] = []; // positions in the batch
    const results: (CommittedTaskChange | null)[] = batch.map((item, position) => {
      const { taskId } = item.change.task;
      if (versions.get(taskId) !== item.change.expectedVersion || taken.has(taskId)) {
        this.#counts.versionConflicts++;
      } else {
        taken.add(taskId);
        winners.push(position);
      }
      return null;
    });
    if (winners.length === 0) return results;
    const won = winners.map((position) => batch[position] as QueuedDecision);
    const sealers = new Map<Decision, Sealer>(won.map((w) => [w.change.decision as Decision, w.seal]));
    const logged = await this.#appendIn(
      client,
      won.map((w) => w.change.decision as Decision),
      (prevHash, seq, decision) => (sealers.get(decision) as Sealer)(prevHash, seq, decision),
    );
    const tasks = won.map((w, i) => ({ ...w.change.task, decisionSeq: (logged[i] as LoggedDecision).seq }));
    await this.#tasks.updateMany(
      client,
      tasks,
      won.map((w) => w.change.expectedVersion),
    );
    const eventLists = won.map((w, i) => w.change.events(tasks[i] as Task));
    const stored = await this.#tasks.appendEvents(client, eventLists.flat());
    let at = 0;
    winners.forEach((position, i) => {
      const events = stored.slice(at, at + (eventLists[i] as NewTaskEvent[]).length);
      at += events.length;
      results[position] = { task: tasks[i] as Task, events, decision: logged[i] as LoggedDecision };
    });
    return results;
  }

  async listTasks(query: TaskQuery): Promise<TaskPage> {
    return this.#run(() => this.#tasks.list(this.#db, query));
  }

  /**
   * Claims due tasks: at their time on the instance that holds the sweep lease, once overdue by
   * sweepGraceMs on any other (pg-sweep-lease.ts). A claim lasts claimLeaseMs.
   */
  async dueTasks(nowMs: number, limit: number): Promise<readonly Task[]> {
    return this.#run(async () => {
      const graceMs = (await this.#sweeps()) ? 0 : this.#sweepGraceMs;
      return this.#tasks.claimDue(this.#db, nowMs - graceMs, limit, this.#claimLeaseMs, nowMs);
    });
  }

  async releaseDueTasks(taskIds: readonly string[]): Promise<void> {
    if (taskIds.length === 0) return;
    await this.#run(() =>
      this.#db.query('UPDATE tasks SET claimed_until_ms = NULL WHERE task_id = ANY($1::text[])', [taskIds]),
    );
  }

  /** When this instance should next sweep: a due time, later by sweepGraceMs without the sweep lease. */
  async nextDueMs(): Promise<number | null> {
    return this.#run(async () => {
      const next = await this.#tasks.nextDueMs(this.#db);
      return next === null || (await this.#sweeps()) ? next : next + this.#sweepGraceMs;
    });
  }

  /** Whether this instance sweeps due tasks at their time: it holds the sweep lease, or there is no grace. */
  async #sweeps(): Promise<boolean> {
    return this.#sweepGraceMs === 0 || (await this.#sweepLease.held());
  }

  async inFlightByAgent(): Promise<ReadonlyMap<string, number>> {
    return this.#run(async () => {
      const { loads, unfolded } = await this.#tasks.inFlight(this.#db);
      // Task changes anywhere write load deltas (a trigger, migration 0016); whoever reads them folds.
      if (unfolded > 0) this.#foldSoon();
      return loads;
    });
  }

  async countOpenTasks(): Promise<number> {
    // An index scan that marks the entries of auctions closed since the last count dead, where the
    // planner's bitmap scan would visit every auction closed since the last vacuum (migration 0017).
    return this.#number('SELECT count_open_tasks() AS n');
  }

  async countTasksByStatus(): Promise<ReadonlyMap<TaskStatus, number>> {
    return this.#run(() => this.#tasks.countByStatus(this.#db));
  }

  async eventsAfter(eventId: number, limit: number): Promise<readonly TaskEvent[]> {
    return this.#run(() => this.#tasks.eventsAfter(this.#db, eventId, limit));
  }

  async lastEventId(): Promise<number> {
    return this.#run(() => this.#tasks.lastEventId(this.#db));
  }

  async agentEventCounts(agentId: string): Promise<ReadonlyMap<TaskEventKind, number>> {
    return this.#run(() => this.#tasks.agentEventCounts(this.#db, agentId));
  }

  async watchCommits(
    onCommit: () => void,
    onAgentChanged?: (agentId: string) => void,
  ): Promise<() => Promise<void>> {
    await this.#run(async () => undefined); // migrated
    const channel = quoteIdent(this.#channel);
    let client: pg.Client | undefined;
    let stopped = false;
    let retryTimer: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const next = new pg.Client({ connectionString: this.#connectionString, types: TYPES });
      // This store's own announcements are passed over: its process saw those commits as they happened.
      next.on('notification', (message) => {
        const agentChange = parseAgentChange(message.payload);
        if (agentChange === undefined) {
          if (message.payload !== this.#instanceId) onCommit();
        } else if (agentChange.instance !== this.#instanceId) onAgentChanged?.(agentChange.agent);
      });
      // A dropped connection (server restart, network): listen again after a pause, and say that
      // something may have been missed meanwhile.
      next.on('error', () => undefined);
      next.on('end', () => {
        if (stopped) return;
        retryTimer = setTimeout(() => void connect().then(onCommit, () => undefined), 1000);
        retryTimer.unref();
      });
      try {
        await next.connect();
        await next.query(`LISTEN ${channel}`);
      } catch (error) {
        await next.end().catch(() => undefined);
        throw error;
      }
      if (stopped) await next.end();
      else client = next;
    };
    await this.#run(connect);
    this.#watchers.add(stop);
    async function stop(): Promise<void> {
      stopped = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => undefined);
    }
    return async () => {
      this.#watchers.delete(stop);
      await stop();
    };
  }

  /** The NOTIFY channel of this schema: several stores on one database do not wake each other. */
  get #channel(): string {
    return `swarm_router_${this.#schema}`;
  }

  /**
   * Tells the other instances that events were committed: a NOTIFY carrying this store's id, sent
   * after the commit (so that whoever reads on hearing it finds them) and at most every
   * ANNOUNCE_GAP_MS, however many commits there were meanwhile. A failed one is not retried: the
   * others re-read every second regardless (cluster-sync.ts).
   */
  #announce(): void {
    if (this.#announcing) {
      this.#announceAgain = true;
      return;
    }
    this.#announcing = true;
    const send = (): void => {
      this.#announceTimer = undefined;
      this.#announcedMs = Date.now();
      void this.#notify().finally(() => {
        this.#announcing = false;
        if (this.#announceAgain && !this.#closed) {
          this.#announceAgain = false;
          this.#announce();
        }
      });
    };
    const wait = this.#announcedMs + ANNOUNCE_GAP_MS - Date.now();
    if (wait <= 0) send();
    else {
      this.#announceTimer = setTimeout(send, wait);
      this.#announceTimer.unref();
    }
  }

  /** One NOTIFY on this schema's channel with this store's id; a failure is passed over (#announce). */
  #notify(): Promise<void> {
    return this.#db.query('SELECT pg_notify($1, $2)', [this.#channel, this.#instanceId]).then(
      () => undefined,
      () => undefined,
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // An announcement waiting for its turn goes out now rather than never.
    if (this.#announceTimer !== undefined) {
      clearTimeout(this.#announceTimer);
      this.#announceTimer = undefined;
      this.#announcing = false;
      this.#announceAgain = false;
      await this.#notify();
    }
    await Promise.all([...this.#watchers].map((stop) => stop()));
    await this.#sweepLease.close();
    await this.#ready?.catch(() => undefined);
    // A store closed cleanly leaves its deltas folded, unless another instance is folding right now.
    await this.#folding;
    if (this.#hadDeltas) await this.#fold();
    // And nothing it wrote pending in the ledger, unless another instance is sealing right now.
    if (this.#ready !== undefined) await this.#sealer.close();
    await this.#pool.end();
  }

  /**
   * Called when this instance has written agent counter deltas, or read load deltas (which any
   * writer's trigger adds): folds them in with whatever other instances wrote, unless a fold of its
   * own is running or began less than FOLD_EVERY_MS ago. Not waited for: nobody's answer depends on it.
   */
  #foldSoon(): void {
    this.#hadDeltas = true;
    const now = Date.now();
    if (this.#folding !== undefined || this.#closed || now - this.#foldedMs < FOLD_EVERY_MS) return;
    this.#foldedMs = now;
    this.#folding = this.#fold().finally(() => {
      this.#folding = undefined;
    });
  }

  /**
   * One fold of the counters' deltas (migration 0011) and the loads' (0016) under one fold lock, passed
   * over when another instance holds it. A failure is passed over too: the fold rolls back whole, so
   * its deltas wait for the next.
   */
  async #fold(): Promise<void> {
    this.#counts.transactions++;
    await this.#db
      .query('SELECT fold_agent_counter_deltas($1), fold_agent_load_deltas($1)', [this.#foldLock])
      .catch(() => undefined);
    if (Date.now() - this.#vacuumedMs >= this.#vacuumEveryMs && !this.#closed) {
      this.#vacuumedMs = Date.now();
      // Not the owner of the tables: PostgreSQL warns and skips them, and autovacuum is left to it.
      await this.#db
        .query('VACUUM (SKIP_LOCKED) agent_counter_deltas, agent_load_deltas, ledger_pending')
        .catch(() => undefined);
    }
  }

  /** Interns what the decisions' rows will reference, each in its own committed statement. */
  async #intern(decisions: readonly Decision[]): Promise<void> {
    const ids = new Set<string>();
    for (const d of decisions) {
      for (const b of d.bidders) ids.add(b.agentId);
      if (d.selectedAgent !== null) ids.add(d.selectedAgent);
    }
    await this.#keys.agentKeys(ids);
    for (const d of decisions) {
      await this.#keys.rosterKey(d.agentIds);
      await this.#keys.policyKey(d.policy);
    }
  }

  /** Appends inside `client`'s transaction, the keys already interned. */
  async #appendIn(
    client: PgQueryable,
    decisions: readonly Decision[],
    seal: Sealer,
  ): Promise<LoggedDecision[]> {
    // Try first, so that a wait is counted; then wait. Released at commit or rollback.
    const got = (
      await client.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS got', [this.#chainLock])
    ).rows[0]?.got;
    if (got !== true) {
      this.#batchWaited(decisions.length);
      await client.query('SELECT pg_advisory_xact_lock($1)', [this.#chainLock]);
    }
    // Read after the lock is held: this statement's snapshot includes the previous holder's commit.
    const head = (
      await client.query<{ seq: number; hash: Buffer }>(
        'SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1',
      )
    ).rows[0];
    let seq = head?.seq ?? 0;
    let prevHash = head === undefined ? GENESIS_HASH : head.hash.toString('hex');
    const keys = this.#keys;
    const counters = new AgentCounterSums();
    const rosterUses = new Map<number, number>();
    const columns = {
      seq: [] as number[],
      decisionId: [] as Buffer[],
      taskId: [] as string[],
      description: [] as string[],
      tsMs: [] as number[],
      policyKey: [] as number[],
      rosterKey: [] as number[],
      capability: [] as Buffer[],
      selectedKey: [] as (number | null)[],
      reason: [] as string[],
      hash: [] as Buffer[],
      bids: [] as Buffer[],
    };
    const outsiders = { agentKey: [] as number[], seq: [] as number[] };
    const logged: LoggedDecision[] = [];
    for (const decision of decisions) {
      seq++;
      const hash = seal(prevHash, seq, decision);
      const rosterKey = await keys.rosterKey(decision.agentIds); // cached by #intern
      const bidderKeys = decision.bidders.map((b) => keys.agentKey(b.agentId));
      columns.seq.push(seq);
      columns.decisionId.push(encodeUuid(decision.decisionId));
      columns.taskId.push(decision.taskId);
      columns.description.push(decision.description);
      columns.tsMs.push(decision.timestampMs);
      columns.policyKey.push(keys.cachedPolicyKey(decision.policy));
      columns.rosterKey.push(rosterKey);
      columns.capability.push(encodeCapability(decision.capability));
      columns.selectedKey.push(
        decision.selectedAgent === null ? null : keys.agentKey(decision.selectedAgent),
      );
      columns.reason.push(decision.selectionReason);
      columns.hash.push(Buffer.from(hash, 'hex'));
      columns.bids.push(encodeBids(decision.bidders, bidderKeys));
      rosterUses.set(rosterKey, (rosterUses.get(rosterKey) ?? 0) + 1);
      decision.bidders.forEach((bidder: BidderRecord, order) => {
        const agentKey = bidderKeys[order] as number;
        if (bidder.capability === null) {
          outsiders.agentKey.push(agentKey);
          outsiders.seq.push(seq);
          counters.consider(agentKey, 1);
        }
        counters.bid(agentKey, bidder.agentId === decision.selectedAgent ? bidder.bidSats : -1);
      });
      logged.push({ ...decision, seq, hash, prevHash });
      prevHash = hash;
    }
    for (const [rosterKey, uses] of rosterUses) {
      for (const agentKey of keys.rosterMembers(rosterKey)) counters.consider(agentKey, uses);
    }
    const counterRows = {
      key: [] as number[],
      considered: [] as number[],
      bids: [] as number[],
      won: [] as number[],
      sum: [] as number[],
    };
    counters.forEach((key, considered, bids, won, winningBidSum) => {
      counterRows.key.push(key);
      counterRows.considered.push(considered);
      counterRows.bids.push(bids);
      counterRows.won.push(won);
      counterRows.sum.push(winningBidSum);
    });
    // One statement for the decisions, their outside bidders and the counters' deltas (migration
    // 0011; they are folded in later): one round trip while the chain lock is held.
    await client.query(
      `WITH d AS (
         INSERT INTO decisions (seq, decision_id, task_id, description, ts_ms, policy_key, roster_key, capability,
           selected_key, reason, hash, bids)
         SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::text[], $4::text[], $5::bigint[], $6::integer[],
           $7::integer[], $8::bytea[], $9::integer[], $10::text[], $11::bytea[], $12::bytea[])
       ), c AS (
         INSERT INTO candidates (agent_key, seq) SELECT * FROM unnest($13::integer[], $14::bigint[])
       )
       INSERT INTO agent_counter_deltas (agent_key, considered, bids, won, winning_bid_sum)
       SELECT * FROM unnest($15::integer[], $16::bigint[], $17::bigint[], $18::bigint[], $19::bigint[])`,
      [
        columns.seq,
        columns.decisionId,
        columns.taskId,
        columns.description,
        columns.tsMs,
        columns.policyKey,
        columns.rosterKey,
        columns.capability,
        columns.selectedKey,
        columns.reason,
        columns.hash,
        columns.bids,
        outsiders.agentKey,
        outsiders.seq,
        counterRows.key,
        counterRows.considered,
        counterRows.bids,
        counterRows.won,
        counterRows.sum,
      ],
    );
    this.#foldSoon();
    return logged;
  }

  async #appendOutcomeIn(
    client: PgQueryable,
    report: OutcomeReport,
    recordedAtMs: number,
  ): Promise<RecordedOutcome> {
    const decision = (
      await client.query<{ task_id: string; description: string; bids: Buffer }>(
        'SELECT task_id, description, bids FROM decisions WHERE seq = $1',
        [report.seq],
      )
    ).rows[0];
    if (decision === undefined) {
      throw new RouterError('unknown_decision', `no decision has sequence number ${report.seq}`, {
        details: { seq: report.seq },
      });
    }
    const agentKey = await this.#keys.findAgentKey(report.agentId);
    const isCandidate =
      agentKey !== undefined && decodeBids(decision.bids).some((bid) => bid.agentKey === agentKey);
    if (!isCandidate) {
      throw new RouterError(
        'not_a_candidate',
        `agent '${report.agentId}' was not a candidate of decision ${report.seq}, so it cannot report its outcome`,
        { details: { seq: report.seq, agentId: report.agentId } },
      );
    }
    // With its pending row for the ledger (migration 0019), in the same statement.
    const inserted = (
      await client.query<{ outcome_seq: number }>(
        `WITH inserted AS (
           INSERT INTO outcomes (seq, agent_key, completed, duration_ms, recorded_ms) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (seq, agent_key) DO NOTHING RETURNING outcome_seq
         ), pending AS (
           INSERT INTO ledger_pending (kind, subject) SELECT 'outcome', outcome_seq::text FROM inserted
         )
         SELECT outcome_seq FROM inserted`,
        [report.seq, agentKey, report.status === 'completed', report.durationMs ?? null, recordedAtMs],
      )
    ).rows[0];
    if (inserted === undefined) {
      throw new RouterError(
        'duplicate_outcome',
        `agent '${report.agentId}' already reported the outcome of decision ${report.seq}`,
        { details: { seq: report.seq, agentId: report.agentId } },
      );
    }
    return {
      ...report,
      outcomeSeq: inserted.outcome_seq,
      recordedAtMs,
      taskId: decision.task_id,
      description: decision.description,
    };
  }

  async #assemble(
    rows: readonly DecisionRow[],
    prevHashes?: readonly (Buffer | null)[],
  ): Promise<LoggedDecision[]> {
    const agents: number[] = [];
    for (const row of rows) {
      if (row.selected_key !== null) agents.push(row.selected_key);
      if (row.bids !== null) for (const bid of decodeBids(row.bids)) agents.push(bid.agentKey);
    }
    await this.#keys.load({
      rosters: rows.map((r) => r.roster_key),
      policies: rows.map((r) => r.policy_key),
      agents,
    });
    return assembleRecords(this.#keys, rows, [], prevHashes);
  }

  /**
   * The auction path's writes, each gathered while the previous batch of its kind is stored (see
   * StatementBatcher): new tasks, one statement per batch, each task id once; bids, one call of
   * add_bids per batch, each (task, agent) once; auction decisions, one transaction per batch, under one
   * acquisition of the chain lock. The chain lock is held across round trips to this process, so how
   * often it is taken bounds the whole deployment's decisions a second (docs/BENCHMARKS.md); batching
   * is what lifts that bound.
   */
  readonly #creates = new StatementBatcher<
    { readonly task: Task; readonly events: readonly NewTaskEvent[] },
    readonly TaskEvent[]
  >({
    maxBatch: CREATE_BATCH,
    keyOf: (item) => item.task.taskId,
    isItemFault: isBadInput,
    store: (batch) =>
      this.#storing(async () => {
        this.#counts.transactions++;
        const answers = await this.#tasks.createMany(this.#db, batch);
        if (answers.some((a) => !(a instanceof Error))) {
          this.#announce();
          this.#sealer.soon();
        }
        return answers;
      }),
  });

  readonly #holders = new StatementBatcher<string, string | undefined>({
    maxBatch: HOLDER_BATCH,
    store: (batch) =>
      this.#storing(async () => {
        const holders = await this.#agents.tokenHolders(this.#db, batch);
        return batch.map((hash) => holders.get(hash));
      }),
  });

  readonly #bids = new StatementBatcher<QueuedBidInput, CommittedTaskChange>({
    maxBatch: BID_BATCH,
    keyOf: (item) => `${item.taskId}\u0000${item.bid.agentId}`,
    isItemFault: isBadInput,
    store: (batch) =>
      this.#storing(async () => {
        this.#counts.transactions++;
        const answers = await this.#tasks.addBids(this.#db, batch);
        if (answers.some((a) => !(a instanceof Error))) {
          this.#announce();
          this.#sealer.soon();
        }
        return answers.map((a) => (a instanceof Error ? a : { task: a.task, events: [a.event] }));
      }),
  });

  readonly #decisions = new StatementBatcher<QueuedDecision, CommittedTaskChange | null>({
    maxBatch: DECISION_BATCH,
    lingerMs: DECISION_LINGER_MS,
    lingersFor: (item) => item.change.byTimer !== true,
    isItemFault: isBadInput,
    store: (batch) =>
      this.#storing(async () => {
        const changes = batch.map((item) => item.change);
        // Sealed inside PostgreSQL, in one statement (pg-decision-batch.ts), when sealed as the log seals.
        const contended = Date.now() - this.#chainWaitedMs < CONTENDED_FOR_MS;
        const done = batch.every((item) => item.seal === sealRecord)
          ? await commitDecisionBatch(this.#db, this.#keys, changes, this.#chainLock, contended)
          : undefined;
        let results: (CommittedTaskChange | null)[];
        if (done !== undefined) {
          this.#counts.transactions += done.transactions;
          if (done.chainWaits > 0) {
            this.#chainWaitedMs = Date.now();
            this.#batchWaited(batch.length, done.chainWaits);
          }
          this.#counts.versionConflicts += done.results.filter((r) => r === null).length;
          results = done.results;
          if (results.some((r) => r !== null)) this.#foldSoon(); // the slower way: in #appendIn
        } else {
          // Another sealer than the audit log's own, or events that write the seq into a text: sealed
          // here, under the lock, round trip by round trip.
          results = await this.#transaction((client) => this.#commitDecisions(client, batch));
        }
        if (results.some((r) => r !== null)) {
          this.#announce();
          this.#sealer.soon();
        }
        return results;
      }),
  });

  /**
   * One snapshot for `verify`: a REPEATABLE READ, read-only transaction on a connection of its own,
   * which sees the ledger, the pending changes and the tables as of one moment.
   */
  async readAudit<T>(read: (view: AuditView) => Promise<T>): Promise<T> {
    return this.#run(async () => {
      const client = await this.#pool.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        try {
          return await read(this.#ledger.auditView(preparing(client)));
        } finally {
          await client.query('COMMIT').catch(() => undefined);
        }
      } finally {
        client.release();
      }
    });
  }

  async sealPending(): Promise<number> {
    return this.#run(() => this.#sealer.now());
  }

  /** A write whose changes are pending in the ledger: sealed soon once it has committed. */
  async #sealedSoon<T>(write: Promise<T>): Promise<T> {
    const result = await write;
    this.#sealer.soon();
    return result;
  }

  /** The one number (column `n`) a statement reads. */
  #number(sql: string): Promise<number> {
    return this.#run(async () => (await this.#db.query<{ n: number }>(sql)).rows[0]?.n ?? 0);
  }

  /** A batch's work, its failure as a RouterError. */
  async #storing<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translatePgError(error, this.#where);
    }
  }

  /** Told by PgTasks when a row lock it needed was held by another transaction (one write waited). */
  readonly #waited = (): void => this.#batchWaited(1);

  /** A batch's statement waited (`waits` times): every write it carried waited with it. */
  #batchWaited(writes: number, waits = 1): void {
    this.#counts.lockWaits += waits;
    this.#counts.waitedWrites += writes;
  }

  /** One transaction on a pooled connection: committed when `work` resolves, rolled back when it throws. */
  async #transaction<T>(work: (client: PgQueryable) => Promise<T>, counted = true): Promise<T> {
    if (counted) this.#counts.transactions++;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const result = await work(preparing(client));
        // null: a lost race, nothing to keep.
        await client.query(result === null ? 'ROLLBACK' : 'COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      client.release();
    }
  }

  /** Every public method: the store open and migrated, and errors as RouterErrors. */
  async #run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new RouterError('store_closed', 'the PostgreSQL store was used after close()');
    try {
      this.#ready ??= this.#migrate();
      await this.#ready;
      return await work();
    } catch (error) {
      throw translatePgError(error, this.#where);
    }
  }

  async #migrate(): Promise<void> {
    const client = await this.#pool.connect().catch((error: unknown) => {
      this.#ready = undefined; // a later call tries again
      throw error;
    });
    try {
      await migratePg(
        client,
        this.#schema,
        loadMigrations(new URL('./migrations/', import.meta.url)),
        this.#nowMs(),
        {
          functions: loadFunctions(new URL('./functions/', import.meta.url)),
          afterApplying: async (applied) => {
            // Sealing begins once, with the rows an older version wrote, in the migration's transaction.
            if (applied.includes(LEDGER_MIGRATION)) await this.#ledger.begin(preparing(client));
          },
        },
      );
      // Changes another instance left pending (it stopped, or was killed) are sealed soon.
      this.#sealer.soon();
    } catch (error) {
      this.#ready = undefined;
      throw error;
    } finally {
      client.release();
    }
  }
}
