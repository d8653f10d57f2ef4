import { sealRecord } from '../../chain/hash-chain.js';
import {
  type BidderRecord,
  type Decision,
  GENESIS_HASH,
  type LoggedDecision,
} from '../../policy/decision.js';
import { AgentCounterSums } from '../agent-counter-sums.js';
import { assembleRecords } from '../assemble-records.js';
import type { DecisionPageReader, DecisionStreamReader } from '../decision-pages.js';
import { type DecisionRow, decodeBids, encodeBids, encodeCapability, encodeUuid } from '../record-rows.js';
import type { PgConnection } from './pg-connection.js';
import type { PgCounters } from './pg-counters.js';
import type { PgKeys } from './pg-keys.js';
import {
  COUNT_DECISIONS,
  DECISION_SOURCES,
  INSERT_DECISIONS,
  SELECT_DECISION,
  SELECT_DECISIONS_OF,
  SELECT_HASH,
  SELECT_HEAD,
  SELECT_STREAM_PAGE,
  SELECT_STREAM_START,
  selectDecisionSeqs,
  TRY_XACT_LOCK,
  XACT_LOCK,
} from './pg-queries.js';
import type { PgQueryable } from './pg-queryable.js';

/**
 * The decision log of the PostgreSQL store: one gap-free hash chain shared by every instance. Appends
 * take the schema's chain lock (an advisory lock held to commit) before reading the head, so every
 * instance seals on the true predecessor. This is the append of a transaction that also changes a task
 * (commitTask) or appends alone (appendDecisions); auction decisions in batches are sealed inside the
 * database instead (pg-decision-batch.ts).
 */
export class PgDecisionLog {
  readonly #connection: PgConnection;
  readonly #keys: PgKeys;
  readonly #counters: PgCounters;
  /** The advisory lock key of this schema's chain (pg-advisory-locks.ts chainLockKey). */
  readonly #chainLock: number;

  constructor(connection: PgConnection, keys: PgKeys, counters: PgCounters, chainLock: number) {
    this.#connection = connection;
    this.#keys = keys;
    this.#counters = counters;
    this.#chainLock = chainLock;
  }

  /** Interns what the decisions' rows will reference, each in its own committed statement. */
  async intern(decisions: readonly Decision[]): Promise<void> {
    const ids = new Set<string>();
    for (const d of decisions) {
      for (const b of d.bidders) ids.add(b.agentId);
      if (d.selectedAgent !== null) ids.add(d.selectedAgent);
    }
    await this.#keys.agentKeys(ids);
    // Each bounded decision names a roster of its own (kept-candidates.ts): interned side by side,
    // not one round trip after another. Policies are few and cached.
    await Promise.all(
      [...new Set(decisions.map((d) => d.agentIds))].map((agentIds) => this.#keys.rosterKey(agentIds)),
    );
    for (const policy of new Set(decisions.map((d) => d.policy))) await this.#keys.policyKey(policy);
  }

  /** Appends inside `client`'s transaction, the keys already interned (intern). */
  async appendIn(client: PgQueryable, decisions: readonly Decision[]): Promise<LoggedDecision[]> {
    // Try first, so that a wait is counted; then wait. Released at commit or rollback.
    const got = (await client.query<{ got: boolean }>(TRY_XACT_LOCK, [this.#chainLock])).rows[0]?.got;
    if (got !== true) {
      this.#connection.batchWaited(decisions.length);
      await client.query(XACT_LOCK, [this.#chainLock]);
    }
    // Read after the lock is held: this statement's snapshot includes the previous holder's commit.
    const head = (await client.query<{ seq: number; hash: Buffer }>(SELECT_HEAD)).rows[0];
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
      confidence: [] as (number | null)[],
    };
    const outsiders = { agentKey: [] as number[], seq: [] as number[] };
    const logged: LoggedDecision[] = [];
    for (const decision of decisions) {
      seq++;
      const hash = sealRecord(prevHash, seq, decision);
      const rosterKey = await keys.rosterKey(decision.agentIds); // cached by intern
      const bidderKeys = decision.bidders.map((b) => keys.agentKey(b.agentId));
      columns.seq.push(seq);
      columns.decisionId.push(encodeUuid(decision.decisionId));
      columns.taskId.push(decision.taskId);
      columns.description.push(decision.description);
      columns.tsMs.push(decision.timestampMs);
      columns.policyKey.push(keys.cachedPolicyKey(decision.policy));
      columns.rosterKey.push(rosterKey);
      columns.capability.push(encodeCapability(decision.capability, decision.rosterSize));
      columns.selectedKey.push(
        decision.selectedAgent === null ? null : keys.agentKey(decision.selectedAgent),
      );
      columns.reason.push(decision.selectionReason);
      columns.hash.push(Buffer.from(hash, 'hex'));
      columns.bids.push(encodeBids(decision.bidders, bidderKeys));
      columns.confidence.push(decision.confidence ?? null);
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
    await client.query(INSERT_DECISIONS, [
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
      columns.confidence,
      outsiders.agentKey,
      outsiders.seq,
      counterRows.key,
      counterRows.considered,
      counterRows.bids,
      counterRows.won,
      counterRows.sum,
    ]);
    this.#counters.foldSoon();
    return logged;
  }

  /** The reads of a page of decisions (decision-pages.ts). */
  pageReader(): DecisionPageReader {
    const db = this.#connection.db;
    return {
      seqs: async (source, filters, limit) => {
        const params: unknown[] = [];
        const clauses: string[] = [];
        const add = (clause: string, value: unknown) => {
          params.push(value);
          clauses.push(`${clause} $${params.length}`);
        };
        if (source.kind === 'bids') add('c.agent_key =', source.agentKey);
        if (source.kind === 'roster') add('d.roster_key =', source.rosterKey);
        if (filters.beforeSeq !== undefined) add('d.seq <', filters.beforeSeq);
        if (filters.taskId !== undefined) add('d.task_id =', filters.taskId);
        if (filters.sinceMs !== undefined) add('d.ts_ms >=', filters.sinceMs);
        if (filters.untilMs !== undefined) add('d.ts_ms <', filters.untilMs);
        params.push(limit);
        const sql = selectDecisionSeqs(DECISION_SOURCES[source.kind], clauses, params.length);
        return (await db.query<{ seq: number }>(sql, params)).rows.map((r) => r.seq);
      },
      agentKeyOf: (agentId) => this.#keys.findAgentKey(agentId),
      rostersOf: (agentKey) => this.#keys.rostersOf(agentKey),
      decisions: async (seqs) =>
        this.#assemble((await db.query<DecisionRow>(SELECT_DECISIONS_OF, [seqs])).rows),
    };
  }

  async get(seq: number): Promise<LoggedDecision | undefined> {
    const rows = (await this.#connection.db.query<DecisionRow>(SELECT_DECISION, [seq])).rows;
    return (await this.#assemble(rows))[0];
  }

  /** The reads of a stream of decisions (decision-pages.ts), each its own short read (run). */
  streamReader(): DecisionStreamReader {
    const { db } = this.#connection;
    const run = <T>(work: () => Promise<T>) => this.#connection.run(work);
    return {
      firstSeqSince: (sinceMs) =>
        run(
          async () =>
            (await db.query<{ after: number | null }>(SELECT_STREAM_START, [sinceMs])).rows[0]?.after ?? null,
        ),
      rowsAfter: (afterSeq, sinceMs, limit) =>
        run(async () => (await db.query<DecisionRow>(SELECT_STREAM_PAGE, [afterSeq, sinceMs, limit])).rows),
      hashOf: (seq) =>
        run(async () => (await db.query<{ hash: Buffer }>(SELECT_HASH, [seq])).rows[0]?.hash ?? null),
      assemble: (rows, prevHashes) => run(() => this.#assemble(rows, prevHashes)),
    };
  }

  /** The newest seq, 0 when none (run). */
  count(): Promise<number> {
    return this.#connection.number(COUNT_DECISIONS);
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
}
