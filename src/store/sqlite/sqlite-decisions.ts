import type Database from 'better-sqlite3';
import { sealRecord } from '../../chain/hash-chain.js';
import {
  type BidderRecord,
  type Decision,
  GENESIS_HASH,
  type LoggedDecision,
} from '../../policy/decision.js';
import { AgentCounterSums, agentCountsOf, type CounterRow } from '../agent-counter-sums.js';
import { assembleRecords } from '../assemble-records.js';
import type { DecisionPageReader, DecisionStreamReader } from '../decision-pages.js';
import { type BidRow, type DecisionRow, encodeBids, encodeCapability, encodeUuid } from '../record-rows.js';
import type { AgentCounts } from '../store.js';
import type { SqliteKeys } from './sqlite-keys.js';
import * as Q from './sqlite-queries.js';

/**
 * The decision log of the SQLite store: appending sealed records with their index rows and the
 * agents' counters, and reading them back — by page, by seq, as a stream, and the counters. Every
 * method is synchronous and runs inside whatever transaction the store holds.
 */
export class SqliteDecisions {
  readonly #statement: (sql: string) => Database.Statement;
  readonly #keys: SqliteKeys;

  constructor(statement: (sql: string) => Database.Statement, keys: SqliteKeys) {
    this.#statement = statement;
    this.#keys = keys;
  }

  /** Seals and inserts decisions, with their index rows and counters; call inside the write transaction. */
  append(decisions: readonly Decision[]): LoggedDecision[] {
    const head = this.#statement(Q.SELECT_HEAD).get() as { seq: number; hash: Buffer } | undefined;
    let seq = head?.seq ?? 0;
    let prevHash = head === undefined ? GENESIS_HASH : head.hash.toString('hex');
    const insertDecision = this.#statement(Q.INSERT_DECISION);
    const insertCandidate = this.#statement(Q.INSERT_CANDIDATE);
    const keys = this.#keys;
    // Counters are summed in memory, indexed by agent key, and written once per agent per append.
    const counters = new AgentCounterSums();
    // Every member of a decision's roster was considered: counted per roster and added once at the end,
    // so a 1,000-agent roster costs 1,000 additions per append rather than per decision.
    const rosterUses = new Map<number, number>();
    const logged: LoggedDecision[] = new Array(decisions.length);
    for (let i = 0; i < decisions.length; i++) {
      const decision = decisions[i] as Decision;
      seq++;
      const hash = sealRecord(prevHash, seq, decision);
      const rosterKey = keys.rosterKey(decision.agentIds);
      const bidderKeys = new Array<number>(decision.bidders.length);
      for (let order = 0; order < decision.bidders.length; order++) {
        bidderKeys[order] = keys.agentKey((decision.bidders[order] as BidderRecord).agentId);
      }
      insertDecision.run(
        seq,
        encodeUuid(decision.decisionId),
        decision.taskId,
        decision.description,
        decision.timestampMs,
        keys.policyKey(decision.policy),
        rosterKey,
        encodeCapability(decision.capability, decision.rosterSize),
        decision.selectedAgent === null ? null : keys.agentKey(decision.selectedAgent),
        decision.selectionReason,
        Buffer.from(hash, 'hex'),
        encodeBids(decision.bidders, bidderKeys),
        decision.confidence ?? null,
      );
      rosterUses.set(rosterKey, (rosterUses.get(rosterKey) ?? 0) + 1);
      for (let order = 0; order < decision.bidders.length; order++) {
        const bidder = decision.bidders[order] as BidderRecord;
        const agentKey = bidderKeys[order] as number;
        // A registered bidder is a member of the roster, which already indexes this decision for it
        // (migration 0007). An unregistered one took part without being scored: it gets its own
        // index row and counts as considered here.
        if (bidder.capability === null) {
          insertCandidate.run(agentKey, seq);
          counters.consider(agentKey, 1);
        }
        counters.bid(agentKey, bidder.agentId === decision.selectedAgent ? bidder.bidSats : -1);
      }
      // Fields spelled out rather than spread: built for every logged decision.
      logged[i] = {
        decisionId: decision.decisionId,
        taskId: decision.taskId,
        description: decision.description,
        timestampMs: decision.timestampMs,
        policy: decision.policy,
        agentIds: decision.agentIds,
        capability: decision.capability,
        rosterSize: decision.rosterSize,
        bidders: decision.bidders,
        selectedAgent: decision.selectedAgent,
        selectionReason: decision.selectionReason,
        confidence: decision.confidence ?? null,
        seq,
        hash,
        prevHash,
      };
      prevHash = hash;
    }
    for (const [rosterKey, uses] of rosterUses) {
      for (const agentKey of keys.rosterMembers(rosterKey)) counters.consider(agentKey, uses);
    }
    const upsert = this.#statement(Q.UPSERT_COUNTERS);
    counters.forEach((key, considered, bids, won, winningBidSum) => {
      upsert.run(key, considered, bids, won, winningBidSum);
    });
    return logged;
  }

  /**
   * Bid rows for the records among `rows` logged before migration 0004 (bids blob null); read only
   * when there are such records, so logs written since cost no second query per page.
   */
  #legacyBids(rows: readonly DecisionRow[], read: () => unknown[]): BidRow[] {
    return rows.some((row) => row.bids === null) ? (read() as BidRow[]) : [];
  }

  /** Records from their rows; `prevHashes` (aligned with rows) replaces the prev_hash column. */
  #assemble(
    rows: readonly DecisionRow[],
    bidRows: readonly BidRow[],
    prevHashes?: readonly (Buffer | null)[],
  ): LoggedDecision[] {
    return assembleRecords(this.#keys, rows, bidRows, prevHashes);
  }

  /** The reads of a page of decisions (decision-pages.ts), each synchronous inside `guard`. */
  pageReader(guard: <T>(work: () => T) => T): DecisionPageReader {
    return {
      seqs: async (source, filters, limit) =>
        guard(() => {
          const params: unknown[] =
            source.kind === 'bids' ? [source.agentKey] : source.kind === 'roster' ? [source.rosterKey] : [];
          if (filters.beforeSeq !== undefined) params.push(filters.beforeSeq);
          if (filters.taskId !== undefined) params.push(filters.taskId);
          if (filters.sinceMs !== undefined) params.push(filters.sinceMs);
          if (filters.untilMs !== undefined) params.push(filters.untilMs);
          const sql = Q.selectSeqPage(source.kind, {
            cursor: filters.beforeSeq !== undefined,
            taskId: filters.taskId !== undefined,
            sinceMs: filters.sinceMs !== undefined,
            untilMs: filters.untilMs !== undefined,
          });
          return (this.#statement(sql).all(...params, limit) as { seq: number }[]).map((r) => r.seq);
        }),
      agentKeyOf: async (agentId) => guard(() => this.#keys.findAgentKey(agentId)),
      rostersOf: async (agentKey) => guard(() => this.#keys.rostersOf(agentKey)),
      decisions: async (seqs) =>
        guard(() => {
          const rows = this.#statement(Q.SELECT_DECISIONS_OF).all(JSON.stringify(seqs)) as DecisionRow[];
          return this.#assemble(
            rows,
            this.#legacyBids(rows, () => this.#statement(Q.SELECT_BIDS_OF).all(JSON.stringify(seqs))),
          );
        }),
    };
  }

  /** The reads of a stream of decisions (decision-pages.ts), each synchronous inside `guard`. */
  streamReader(guard: <T>(work: () => T) => T): DecisionStreamReader {
    return {
      firstSeqSince: async (sinceMs) =>
        guard(
          () => (this.#statement(Q.SELECT_FIRST_SEQ_SINCE).get(sinceMs) as { after: number | null }).after,
        ),
      rowsAfter: async (afterSeq, sinceMs, limit) =>
        guard(() => this.#statement(Q.SELECT_STREAM_PAGE).all(afterSeq, sinceMs, limit) as DecisionRow[]),
      hashOf: async (seq) =>
        guard(() => (this.#statement(Q.SELECT_HASH).get(seq) as { hash: Buffer } | undefined)?.hash ?? null),
      assemble: async (rows, prevHashes) =>
        guard(() => {
          const first = (rows[0] as DecisionRow).seq;
          const last = (rows.at(-1) as DecisionRow).seq;
          const bids = this.#legacyBids(rows, () => this.#statement(Q.SELECT_BIDS_IN_RANGE).all(first, last));
          return this.#assemble(rows, bids, prevHashes);
        }),
    };
  }

  get(seq: number): LoggedDecision | undefined {
    const row = this.#statement(Q.SELECT_DECISION).get(seq) as DecisionRow | undefined;
    if (row === undefined) return undefined;
    return this.#assemble(
      [row],
      this.#legacyBids([row], () => this.#statement(Q.SELECT_BIDS_IN_RANGE).all(seq, seq)),
    )[0];
  }

  count(): number {
    return (this.#statement(Q.COUNT_DECISIONS).get() as { n: number }).n;
  }

  agentCounts(agentId: string): AgentCounts {
    const key = this.#keys.findAgentKey(agentId);
    const row =
      key === undefined ? undefined : (this.#statement(Q.SELECT_COUNTERS).get(key) as CounterRow | undefined);
    return agentCountsOf(agentId, row);
  }

  listAgentCounts(): AgentCounts[] {
    const rows = this.#statement(Q.SELECT_ALL_COUNTERS).all() as (CounterRow & { agent_id: string })[];
    return rows.map((row) => agentCountsOf(row.agent_id, row));
  }
}
