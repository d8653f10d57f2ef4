import type { AgentManifest } from '../manifest/manifest.js';
import type { Decision, LoggedDecision } from '../policy/decision.js';
import type { OutcomeReport, RecordedOutcome } from '../policy/outcome.js';

/**
 * The storage port. The core speaks to storage only through this interface, in intentions rather than
 * connections or SQL; each adapter (sqlite/, later postgres/) owns its connections and translates
 * driver failures into RouterError codes (`store_unavailable`, `store_incompatible`, `store_closed`).
 *
 * Every method may be called concurrently from one process; adapters serialise writes as their engine
 * requires. Methods reject with RouterError for expected failures, never with a raw driver error.
 */
export interface Store {
  /** Which engine is behind the port, for diagnostics only; the core must not branch on it. */
  readonly engine: string;

  /**
   * Appends decisions to the audit log, in the given order, all or nothing.
   *
   * Guarantees: each decision gets the next sequence number (strictly increasing and gap-free across
   * every writer of the same database) and `hash = seal(prevHash, seq, decision)`, where `prevHash` is
   * the hash of the record just before it (GENESIS for the first). Per-agent counters are updated in
   * the same transaction. When the promise resolves the decisions are committed; when it rejects none
   * of them is.
   */
  appendDecisions(decisions: readonly Decision[], seal: Sealer): Promise<readonly LoggedDecision[]>;

  /** One page of decisions matching every given filter, newest (highest seq) first. */
  queryDecisions(query: DecisionQuery): Promise<DecisionPage>;

  /** The record with this sequence number, or undefined. */
  getDecision(seq: number): Promise<LoggedDecision | undefined>;

  /**
   * Every decision in ascending sequence order, read page by page so memory stays constant however
   * long the log is. Records appended while iterating may or may not be included.
   */
  streamDecisions(options?: StreamOptions): AsyncIterable<LoggedDecision>;

  /**
   * Records what happened after a decision, atomically. Rejects with `unknown_decision` when no
   * decision has `report.seq`, `not_a_candidate` when the agent was not one of its bidders, and
   * `duplicate_outcome` when that agent already reported on it; nothing is written then.
   */
  appendOutcome(report: OutcomeReport, recordedAtMs: number): Promise<RecordedOutcome>;

  /**
   * Every outcome in recording order, with its decision's task text, read page by page (constant
   * memory). The router replays it at start to rebuild what it learned.
   */
  streamOutcomes(): AsyncIterable<RecordedOutcome>;

  /** Counters for one agent; zeros when the log has never mentioned it. O(1) in the log's length. */
  agentCounts(agentId: string): Promise<AgentCounts>;

  /** Counters for every agent the log mentions, ordered by agent id. */
  listAgentCounts(): Promise<readonly AgentCounts[]>;

  /**
   * Structural checks of what the store keeps beside the records (its indexes and lookup tables),
   * for `verify`: one sentence per problem, empty when sound. The records themselves are checked by
   * the hash chain, not here. May read the whole database.
   */
  checkIntegrity(): Promise<readonly string[]>;

  /** Number of records in the log. */
  countDecisions(): Promise<number>;

  /** Adds or replaces a registered agent (the service's agent directory). */
  saveAgent(agent: StoredAgent): Promise<void>;

  /** Moves an agent's last heartbeat; false when no such agent is stored. */
  recordHeartbeat(agentId: string, atMs: number): Promise<boolean>;

  /** Removes an agent; false when no such agent is stored. Its decisions stay in the log. */
  deleteAgent(agentId: string): Promise<boolean>;

  /** Every stored agent, in registration order. */
  listAgents(): Promise<readonly StoredAgent[]>;

  /** Releases connections. Idempotent; any later call rejects with `store_closed`. */
  close(): Promise<void>;
}

/** An agent registered through the service, as the store keeps it. */
export interface StoredAgent {
  readonly manifest: AgentManifest;
  /** SHA-256 of the agent's token, hex; null for agents registered without one. */
  readonly tokenHash: string | null;
  readonly registeredAtMs: number;
  readonly lastHeartbeatMs: number;
}

/** Computes a record's chain hash; supplied by the audit module so every adapter seals alike. */
export type Sealer = (prevHash: string, seq: number, decision: Decision) => string;

export interface DecisionQuery {
  readonly taskId?: string;
  /** Decisions in which this agent was scored or bid: exact match on the agent id, never a pattern. */
  readonly agentId?: string;
  /** Inclusive lower bound on the decision time, in epoch milliseconds. */
  readonly sinceMs?: number;
  /** Exclusive upper bound on the decision time, in epoch milliseconds. */
  readonly untilMs?: number;
  /** Page size, 1..MAX_PAGE_SIZE. */
  readonly limit: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export const MAX_PAGE_SIZE = 1000;

export interface DecisionPage {
  readonly decisions: readonly LoggedDecision[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface StreamOptions {
  /** Only decisions at or after this time, in epoch milliseconds. */
  readonly sinceMs?: number;
}

/** Raw per-agent counters, maintained on append. Rates and averages are derived in audit/stats.ts. */
export interface AgentCounts {
  readonly agentId: string;
  /** Decisions in which the agent was scored or bid. */
  readonly considered: number;
  readonly bids: number;
  readonly won: number;
  /** Sum of the agent's winning bids, in sats. */
  readonly winningBidSatsSum: number;
}
