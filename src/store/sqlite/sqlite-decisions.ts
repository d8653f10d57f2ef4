import type Database from 'better-sqlite3';
import { sealRecord } from '../../chain/hash-chain.js';
import {
  type BidderRecord,
  type Decision,
  GENESIS_HASH,
  type LoggedDecision,
} from '../../policy/decision.js';
import { AgentCounterSums } from '../agent-counter-sums.js';
import { assembleRecords, type ChainLink, mergeNewestFirst, pagePrevHashes } from '../assemble-records.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { type BidRow, type DecisionRow, encodeBids, encodeCapability, encodeUuid } from '../record-rows.js';
import type { AgentCounts, DecisionPage, DecisionQuery } from '../store.js';
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
        encodeCapability(decision.capability),
        decision.selectedAgent === null ? null : keys.agentKey(decision.selectedAgent),
        decision.selectionReason,
        Buffer.from(hash, 'hex'),
        encodeBids(decision.bidders, bidderKeys),
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
        bidders: decision.bidders,
        selectedAgent: decision.selectedAgent,
        selectionReason: decision.selectionReason,
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

  /** A page of decisions, newest first (Store.queryDecisions). */
  query(query: DecisionQuery): DecisionPage {
    const filters = {
      cursor: query.cursor !== undefined,
      taskId: query.taskId !== undefined,
      sinceMs: query.sinceMs !== undefined,
      untilMs: query.untilMs !== undefined,
    };
    const filterParams: unknown[] = [];
    if (query.cursor !== undefined) filterParams.push(decodeCursor(query.cursor));
    if (query.taskId !== undefined) filterParams.push(query.taskId);
    if (query.sinceMs !== undefined) filterParams.push(query.sinceMs);
    if (query.untilMs !== undefined) filterParams.push(query.untilMs);
    const wanted = query.limit + 1; // one more than asked tells whether another page exists
    const pageOf = (source: 'all' | 'bids' | 'roster', key?: number): number[] =>
      (
        this.#statement(Q.selectSeqPage(source, filters)).all(
          ...(key === undefined ? [] : [key]),
          ...filterParams,
          wanted,
        ) as { seq: number }[]
      ).map((r) => r.seq);

    let seqs: number[];
    if (query.agentId === undefined) {
      seqs = pageOf('all');
    } else {
      const agentKey = this.#keys.findAgentKey(query.agentId);
      if (agentKey === undefined) return { decisions: [], nextCursor: null };
      // Exact, indexed, never a pattern: the decisions the agent bid in (bids_by_agent), merged with
      // those of every roster it was registered in (decisions_by_roster). Each source is read newest
      // first and only as far as one page, so the cost is one page per roster, not the log's length.
      const sources = [
        pageOf('bids', agentKey),
        ...this.#keys.rostersOf(agentKey).map((r) => pageOf('roster', r)),
      ];
      seqs = mergeNewestFirst(sources, wanted);
    }
    const page = seqs.slice(0, query.limit);
    const rows = this.#statement(Q.SELECT_DECISIONS_OF).all(JSON.stringify(page)) as DecisionRow[];
    const decisions = this.#assemble(
      rows,
      this.#legacyBids(rows, () => this.#statement(Q.SELECT_BIDS_OF).all(JSON.stringify(page))),
    );
    const last = decisions.at(-1);
    return { decisions, nextCursor: seqs.length > query.limit && last ? encodeCursor(last.seq) : null };
  }

  get(seq: number): LoggedDecision | undefined {
    const row = this.#statement(Q.SELECT_DECISION).get(seq) as DecisionRow | undefined;
    if (row === undefined) return undefined;
    return this.#assemble(
      [row],
      this.#legacyBids([row], () => this.#statement(Q.SELECT_BIDS_IN_RANGE).all(seq, seq)),
    )[0];
  }

  /** The seq after which a stream of decisions since `sinceMs` begins, or null when none is that recent. */
  firstSeqSince(sinceMs: number): number | null {
    return (this.#statement(Q.SELECT_FIRST_SEQ_SINCE).get(sinceMs) as { after: number | null }).after;
  }

  /**
   * One keyset page of a stream: the records after `after` since `sinceMs`, with each record's
   * predecessor taken from the record before it (`previous`: the last of the page before; only the
   * first page needs a lookup). Resolves to the page and the link the next page starts from.
   */
  streamPage(
    after: number,
    sinceMs: number,
    limit: number,
    previous: ChainLink | undefined,
  ): { page: LoggedDecision[]; last: ChainLink | undefined } {
    const rows = this.#statement(Q.SELECT_STREAM_PAGE).all(after, sinceMs, limit) as DecisionRow[];
    if (rows.length === 0) return { page: [], last: previous };
    const first = (rows[0] as DecisionRow).seq;
    const lastSeq = (rows.at(-1) as DecisionRow).seq;
    let link = previous;
    if (link === undefined) {
      const row = this.#statement(Q.SELECT_HASH).get(first - 1) as { hash: Buffer } | undefined;
      link = { seq: first - 1, hash: row?.hash ?? null };
    }
    const { prevHashes, last } = pagePrevHashes(rows, link);
    const bids = this.#legacyBids(rows, () => this.#statement(Q.SELECT_BIDS_IN_RANGE).all(first, lastSeq));
    return { page: this.#assemble(rows, bids, prevHashes), last };
  }

  count(): number {
    return (this.#statement(Q.COUNT_DECISIONS).get() as { n: number }).n;
  }

  agentCounts(agentId: string): AgentCounts {
    const key = this.#keys.findAgentKey(agentId);
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
  }

  listAgentCounts(): AgentCounts[] {
    return (
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
    }));
  }
}
