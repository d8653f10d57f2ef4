import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { RouterError } from '../../kernel/errors.js';
import {
  type BidderRecord,
  type Decision,
  GENESIS_HASH,
  type LoggedDecision,
  type PolicySpec,
} from '../../policy/decision.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { AgentCounts, DecisionPage, DecisionQuery, Sealer, Store, StreamOptions } from '../store.js';
import { translateSqliteError } from './sqlite-errors.js';
import { loadMigrations, migrate } from './sqlite-migrator.js';
import * as Q from './sqlite-queries.js';
import {
  type CandidateRow,
  type DecisionRow,
  decodeUuid,
  encodeSignals,
  encodeUuid,
  scoredFromRows,
} from './sqlite-rows.js';

/** Per-agent counter deltas of one append, in arrays indexed by the (small, dense) agent key. */
class AgentCounterSums {
  readonly #considered: number[] = [];
  readonly #bids: number[] = [];
  readonly #won: number[] = [];
  readonly #winningBidSum: number[] = [];

  /** One more decision considered; `bids` 0 or 1; `winningBid` the bid if it won, else -1. */
  add(key: number, bids: number, winningBid: number): void {
    this.#considered[key] = (this.#considered[key] ?? 0) + 1;
    this.#bids[key] = (this.#bids[key] ?? 0) + bids;
    if (winningBid >= 0) {
      this.#won[key] = (this.#won[key] ?? 0) + 1;
      this.#winningBidSum[key] = (this.#winningBidSum[key] ?? 0) + winningBid;
    }
  }

  forEach(
    visit: (key: number, considered: number, bids: number, won: number, winningBidSum: number) => void,
  ): void {
    this.#considered.forEach((considered, key) => {
      visit(key, considered, this.#bids[key] ?? 0, this.#won[key] ?? 0, this.#winningBidSum[key] ?? 0);
    });
  }
}

/** Arrival position of this agent's bid, or -1. Bids per task are few, so a scan beats a map. */
function bidOrderOf(bidders: readonly BidderRecord[], agentId: string): number {
  for (let order = 0; order < bidders.length; order++)
    if ((bidders[order] as BidderRecord).agentId === agentId) return order;
  return -1;
}

export interface SqliteStoreConfig {
  /** Database file; created with its parent directory if missing. `:memory:` for a throwaway log. */
  readonly path: string;
  /**
   * `normal` (default): a commit survives a crash of the process (kill -9) but the last commits may be
   * lost on power failure; the file is never corrupted either way. `full` adds an fsync per commit.
   */
  readonly synchronous?: 'normal' | 'full';
  /** How long a writer waits for another process's write lock before failing. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** Clock for the migrations table only. */
  readonly nowMs?: () => number;
}

const STREAM_PAGE_SIZE = 500;

/**
 * The embedded store: one better-sqlite3 connection in WAL mode. better-sqlite3 is synchronous, so
 * each method does its work in one go and resolves; appends run in IMMEDIATE transactions, which take
 * SQLite's write lock before reading the chain head, so two processes appending to one file still get
 * one gap-free chain.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite';
  readonly #config: Readonly<Required<Omit<SqliteStoreConfig, 'nowMs'>>>;
  #db: Database.Database | undefined;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #agentKeys = new Map<string, number>();
  readonly #agentIds = new Map<number, string>();
  readonly #policyKeys = new Map<string, number>();
  /** Specs are frozen and shared by every decision of a router, so identity is a cheap first lookup. */
  readonly #policyKeyBySpec = new WeakMap<PolicySpec, number>();
  readonly #policies = new Map<number, PolicySpec>();
  readonly #append: (decisions: readonly Decision[], seal: Sealer) => LoggedDecision[];

  constructor(config: SqliteStoreConfig) {
    if (typeof config?.path !== 'string' || config.path.length === 0) {
      throw new TypeError(
        `expected config.path to be a non-empty string, got ${String(config?.path)} (${typeof config?.path})`,
      );
    }
    this.#config = Object.freeze({
      path: config.path,
      synchronous: config.synchronous ?? 'normal',
      busyTimeoutMs: config.busyTimeoutMs ?? 5000,
    });
    const path = this.#config.path;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path, { timeout: this.#config.busyTimeoutMs });
      this.#db = db;
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.#config.synchronous.toUpperCase()}`);
      migrate(db, loadMigrations(new URL('./migrations/', import.meta.url)), (config.nowMs ?? Date.now)());
    } catch (error) {
      this.#db?.close();
      this.#db = undefined;
      throw translateSqliteError(error, path);
    }
    const transaction = this.#connection().transaction((decisions: readonly Decision[], seal: Sealer) =>
      this.#appendInTransaction(decisions, seal),
    );
    this.#append = (decisions, seal) => transaction.immediate(decisions, seal);
  }

  async appendDecisions(decisions: readonly Decision[], seal: Sealer): Promise<readonly LoggedDecision[]> {
    if (decisions.length === 0) return [];
    return this.#guard(() => this.#append(decisions, seal));
  }

  async queryDecisions(query: DecisionQuery): Promise<DecisionPage> {
    return this.#guard(() => {
      const where: string[] = [];
      const params: unknown[] = [];
      let from = 'decisions d';
      let orderBy = 'd.seq';
      if (query.agentId !== undefined) {
        const key = this.#findAgentKey(query.agentId);
        if (key === undefined) return { decisions: [], nextCursor: null };
        // Exact match on an interned key, served by candidates_by_agent: no pattern matching anywhere.
        from = 'candidates c JOIN decisions d ON d.seq = c.seq';
        orderBy = 'c.seq';
        where.push('c.agent_key = ?');
        params.push(key);
      }
      if (query.cursor !== undefined) {
        where.push(`${orderBy} < ?`);
        params.push(decodeCursor(query.cursor));
      }
      if (query.taskId !== undefined) {
        where.push('d.task_id = ?');
        params.push(query.taskId);
      }
      if (query.sinceMs !== undefined) {
        where.push('d.ts_ms >= ?');
        params.push(query.sinceMs);
      }
      if (query.untilMs !== undefined) {
        where.push('d.ts_ms < ?');
        params.push(query.untilMs);
      }
      const whereSql = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
      const sql = `SELECT ${Q.DECISION_COLUMNS} FROM ${from} ${whereSql} ORDER BY ${orderBy} DESC LIMIT ?`;
      // One row more than asked tells whether another page exists.
      const rows = this.#statement(sql).all(...params, query.limit + 1) as DecisionRow[];
      const page = rows.slice(0, query.limit);
      const candidates = this.#statement(Q.SELECT_CANDIDATES_OF).all(JSON.stringify(page.map((r) => r.seq)));
      const decisions = this.#assemble(page, candidates as CandidateRow[]);
      const last = decisions.at(-1);
      return { decisions, nextCursor: rows.length > query.limit && last ? encodeCursor(last.seq) : null };
    });
  }

  async getDecision(seq: number): Promise<LoggedDecision | undefined> {
    return this.#guard(() => {
      const row = this.#statement(Q.SELECT_DECISION).get(seq) as DecisionRow | undefined;
      if (row === undefined) return undefined;
      const candidates = this.#statement(Q.SELECT_CANDIDATES_IN_RANGE).all(seq, seq) as CandidateRow[];
      return this.#assemble([row], candidates)[0];
    });
  }

  async *streamDecisions(options: StreamOptions = {}): AsyncIterable<LoggedDecision> {
    const sinceMs = options.sinceMs ?? Number.MIN_SAFE_INTEGER;
    let after = 0;
    if (options.sinceMs !== undefined) {
      const first = this.#guard(
        () => this.#statement(Q.SELECT_FIRST_SEQ_SINCE).get(sinceMs) as { after: number | null },
      );
      if (first.after === null) return;
      after = first.after;
    }
    // Keyset pages by seq: each page is its own short read, so a long export neither holds a read
    // transaction open (which would stop WAL checkpoints) nor keeps more than one page in memory.
    for (;;) {
      const page = this.#guard(() => {
        const rows = this.#statement(Q.SELECT_STREAM_PAGE).all(
          after,
          sinceMs,
          STREAM_PAGE_SIZE,
        ) as DecisionRow[];
        if (rows.length === 0) return [];
        const first = (rows[0] as DecisionRow).seq;
        const last = (rows.at(-1) as DecisionRow).seq;
        return this.#assemble(
          rows,
          this.#statement(Q.SELECT_CANDIDATES_IN_RANGE).all(first, last) as CandidateRow[],
        );
      });
      if (page.length === 0) return;
      yield* page;
      after = (page.at(-1) as LoggedDecision).seq;
    }
  }

  async agentCounts(agentId: string): Promise<AgentCounts> {
    return this.#guard(() => {
      const key = this.#findAgentKey(agentId);
      const row =
        key === undefined
          ? undefined
          : (this.#statement(Q.SELECT_COUNTERS).get(key) as
              | { considered: number; bids: number; won: number; winning_bid_sum: number }
              | undefined);
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
    return this.#guard(() =>
      (
        this.#statement(Q.SELECT_ALL_COUNTERS).all() as {
          agent_id: string;
          considered: number;
          bids: number;
          won: number;
          winning_bid_sum: number;
        }[]
      ).map((r) => ({
        agentId: r.agent_id,
        considered: r.considered,
        bids: r.bids,
        won: r.won,
        winningBidSatsSum: r.winning_bid_sum,
      })),
    );
  }

  async countDecisions(): Promise<number> {
    return this.#guard(() => (this.#statement(Q.COUNT_DECISIONS).get() as { n: number }).n);
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#statements.clear();
    db?.close();
  }

  #appendInTransaction(decisions: readonly Decision[], seal: Sealer): LoggedDecision[] {
    const head = this.#statement(Q.SELECT_HEAD).get() as { seq: number; hash: Buffer } | undefined;
    let seq = head?.seq ?? 0;
    let prevHash = head === undefined ? GENESIS_HASH : head.hash.toString('hex');
    const insertDecision = this.#statement(Q.INSERT_DECISION);
    const insertCandidate = this.#statement(Q.INSERT_CANDIDATE);
    // Counters are summed in memory, indexed by agent key, and written once per agent per append.
    const counters = new AgentCounterSums();
    const logged: LoggedDecision[] = new Array(decisions.length);
    for (let i = 0; i < decisions.length; i++) {
      const decision = decisions[i] as Decision;
      seq++;
      const hash = seal(prevHash, seq, decision);
      const selectedKey = decision.selectedAgent === null ? null : this.#agentKey(decision.selectedAgent);
      insertDecision.run(
        seq,
        encodeUuid(decision.decisionId),
        decision.taskId,
        decision.description,
        decision.timestampMs,
        this.#policyKey(decision.policy),
        selectedKey,
        decision.selectionReason,
        Buffer.from(hash, 'hex'),
      );
      // Rows: every registered agent at its registration position (with its bid, if it bid), then
      // unregistered bidders after them.
      const { agentIds, capability, bidders } = decision;
      const placed = new Uint8Array(bidders.length);
      for (let pos = 0; pos < agentIds.length; pos++) {
        const agentId = agentIds[pos] as string;
        const order = bidOrderOf(bidders, agentId);
        if (order >= 0) placed[order] = 1;
        this.#insertCandidateRow(
          insertCandidate,
          counters,
          decision,
          seq,
          pos,
          agentId,
          capability[pos] as number,
          order,
        );
      }
      let pos = agentIds.length;
      for (let order = 0; order < bidders.length; order++) {
        if (placed[order] === 1) continue;
        const agentId = (bidders[order] as BidderRecord).agentId;
        this.#insertCandidateRow(insertCandidate, counters, decision, seq, pos++, agentId, null, order);
      }
      logged[i] = { ...decision, seq, hash, prevHash };
      prevHash = hash;
    }
    const upsert = this.#statement(Q.UPSERT_COUNTERS);
    counters.forEach((key, considered, bids, won, winningBidSum) => {
      upsert.run(key, considered, bids, won, winningBidSum);
    });
    return logged;
  }

  #insertCandidateRow(
    insert: Database.Statement,
    counters: AgentCounterSums,
    decision: Decision,
    seq: number,
    pos: number,
    agentId: string,
    capability: number | null,
    order: number,
  ): void {
    const key = this.#agentKey(agentId);
    if (order < 0) {
      insert.run(seq, pos, key, capability, null, null, null, null);
      counters.add(key, 0, -1);
      return;
    }
    const bidder = decision.bidders[order] as BidderRecord;
    insert.run(
      seq,
      pos,
      key,
      capability,
      bidder.bidSats,
      order,
      encodeSignals(bidder.signals),
      bidder.combined,
    );
    const won = agentId === decision.selectedAgent;
    counters.add(key, 1, won ? bidder.bidSats : -1);
  }

  #assemble(rows: readonly DecisionRow[], candidateRows: readonly CandidateRow[]): LoggedDecision[] {
    const bySeq = new Map<number, CandidateRow[]>();
    for (const row of candidateRows) {
      let list = bySeq.get(row.seq);
      if (list === undefined) {
        list = [];
        bySeq.set(row.seq, list);
      }
      list.push(row);
    }
    const agentIdOf = (key: number) => this.#agentIdOf(key);
    return rows.map((row) => ({
      seq: row.seq,
      decisionId: decodeUuid(row.decision_id),
      taskId: row.task_id,
      description: row.description,
      timestampMs: row.ts_ms,
      policy: this.#policyOf(row.policy_key),
      ...scoredFromRows(bySeq.get(row.seq) ?? [], agentIdOf),
      selectedAgent: row.selected_key === null ? null : this.#agentIdOf(row.selected_key),
      selectionReason: row.reason,
      hash: row.hash.toString('hex'),
      prevHash: row.prev_hash === null ? (row.seq === 1 ? GENESIS_HASH : '') : row.prev_hash.toString('hex'),
    }));
  }

  #agentKey(agentId: string): number {
    const cached = this.#agentKeys.get(agentId);
    if (cached !== undefined) return cached;
    this.#statement(Q.INSERT_AGENT_KEY).run(agentId);
    const key = (this.#statement(Q.SELECT_AGENT_KEY).get(agentId) as { agent_key: number }).agent_key;
    this.#agentKeys.set(agentId, key);
    this.#agentIds.set(key, agentId);
    return key;
  }

  #findAgentKey(agentId: string): number | undefined {
    const cached = this.#agentKeys.get(agentId);
    if (cached !== undefined) return cached;
    const row = this.#statement(Q.SELECT_AGENT_KEY).get(agentId) as { agent_key: number } | undefined;
    if (row !== undefined) {
      this.#agentKeys.set(agentId, row.agent_key);
      this.#agentIds.set(row.agent_key, agentId);
    }
    return row?.agent_key;
  }

  #agentIdOf(key: number): string {
    let id = this.#agentIds.get(key);
    if (id === undefined) {
      // Another process may have interned new agents since this connection cached the table.
      for (const row of this.#statement(Q.SELECT_AGENT_KEYS).all() as {
        agent_key: number;
        agent_id: string;
      }[]) {
        this.#agentIds.set(row.agent_key, row.agent_id);
        this.#agentKeys.set(row.agent_id, row.agent_key);
      }
      id = this.#agentIds.get(key);
      if (id === undefined)
        throw new RouterError('store_incompatible', `agent key ${key} is referenced but not defined`);
    }
    return id;
  }

  #policyKey(policy: PolicySpec): number {
    const known = this.#policyKeyBySpec.get(policy);
    if (known !== undefined) return known;
    const key = this.#policyKeyOfText(policy);
    this.#policyKeyBySpec.set(policy, key);
    return key;
  }

  #policyKeyOfText(policy: PolicySpec): number {
    const spec = JSON.stringify([policy.name, policy.scorer, policy.signals.map((s) => [s.name, s.weight])]);
    const cached = this.#policyKeys.get(spec);
    if (cached !== undefined) return cached;
    this.#statement(Q.INSERT_POLICY).run(spec);
    const key = (this.#statement(Q.SELECT_POLICY_KEY).get(spec) as { policy_key: number }).policy_key;
    this.#policyKeys.set(spec, key);
    return key;
  }

  #policyOf(key: number): PolicySpec {
    let policy = this.#policies.get(key);
    if (policy === undefined) {
      for (const row of this.#statement(Q.SELECT_POLICIES).all() as { policy_key: number; spec: string }[]) {
        const [name, scorer, signals] = JSON.parse(row.spec) as [string, string, [string, number][]];
        this.#policies.set(row.policy_key, {
          name,
          scorer,
          signals: signals.map(([n, weight]) => ({ name: n, weight })),
        });
      }
      policy = this.#policies.get(key);
      if (policy === undefined)
        throw new RouterError('store_incompatible', `policy key ${key} is referenced but not defined`);
    }
    return policy;
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

  #guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw translateSqliteError(error, this.#config.path);
    }
  }
}
