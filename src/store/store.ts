import type { NewTaskEvent, TaskEvent, TaskEventKind } from '../events/task-event.js';
import type { AgentManifest } from '../manifest/manifest.js';
import type { Bid, Decision, LoggedDecision } from '../policy/decision.js';
import type { OutcomeReport, OutcomeResult, RecordedOutcome } from '../policy/outcome.js';
import type { Task, TaskStatus } from '../tasks/task.js';
import type { LedgerStore } from './ledger-port.js';

/** The audit log of decisions: appended in order, sealed in one hash chain, read back by page, seq and stream. */
export interface DecisionLog {
  /**
   * Appends decisions to the audit log, in the given order, all or nothing.
   *
   * Guarantees: each decision gets the next sequence number (strictly increasing and gap-free across
   * every writer of the same database) and `hash = sealRecord(prevHash, seq, decision)` (chain/hash-chain.ts:
   * sealing is the store's job), where `prevHash` is
   * the hash of the record just before it (GENESIS for the first). Per-agent counters are updated in
   * the same transaction. When the promise resolves the decisions are committed; when it rejects none
   * of them is.
   */
  appendDecisions(decisions: readonly Decision[]): Promise<readonly LoggedDecision[]>;

  /** One page of decisions matching every given filter, newest (highest seq) first. */
  queryDecisions(query: DecisionQuery): Promise<DecisionPage>;

  /** The record with this sequence number, or undefined. */
  getDecision(seq: number): Promise<LoggedDecision | undefined>;

  /**
   * Every decision in ascending sequence order, read page by page so memory stays constant however
   * long the log is. Records appended while iterating may or may not be included.
   */
  streamDecisions(options?: StreamOptions): AsyncIterable<LoggedDecision>;

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
}

/** What happened after decisions: outcomes, in recording order, which the router learns from. */
export interface OutcomeLog {
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
  streamOutcomes(afterOutcomeSeq?: number): AsyncIterable<RecordedOutcome>;

  /** The newest outcome's outcomeSeq, 0 when there is none. */
  lastOutcomeSeq(): Promise<number>;

  /** What the agent handed back with its outcome of decision `seq`; undefined when nothing (or no outcome). */
  outcomeResult(seq: number, agentId: string): Promise<OutcomeResult | undefined>;
}

/**
 * Registered agents (the service's agent directory). Several instances may share the store, each
 * with a copy in memory, so every write is conditional and says whether it found what it expected:
 * a blind write would bring back an agent another instance removed, or replace one it registered.
 * On a store shared by several instances (Store.shared), each change is announced to the others in
 * its own commit (SharedStore.watchCommits' onAgentChanged).
 */
export interface AgentStore {
  /**
   * Stores a newly registered agent. Resolves to false, writing nothing, when an agent with that id
   * is stored already (registered through this instance or another) or when another holds that token hash.
   */
  addAgent(agent: StoredAgent): Promise<boolean>;

  /**
   * Replaces a stored agent's manifest (its id names the agent); its token hash, registration time
   * and heartbeat stay. False, writing nothing, when no such agent is stored (removed meanwhile).
   */
  updateAgentManifest(manifest: AgentManifest): Promise<boolean>;

  /** Moves an agent's last heartbeat; false when no such agent is stored. */
  recordHeartbeat(agentId: string, atMs: number): Promise<boolean>;

  /**
   * Moves the last heartbeat of many agents at once (the tools of one MCP server): one transaction,
   * not a write per agent. Answers the ids that are stored.
   */
  recordHeartbeats(agentIds: readonly string[], atMs: number): Promise<ReadonlySet<string>>;

  /** Removes an agent; false when no such agent is stored. Its decisions stay in the log. */
  deleteAgent(agentId: string): Promise<boolean>;

  /** One stored agent by id (exact match), or undefined. One indexed read. */
  getAgent(agentId: string): Promise<StoredAgent | undefined>;

  /** The stored agent whose token has this SHA-256 (hex), or undefined. One indexed read. */
  agentByTokenHash(tokenHash: string): Promise<StoredAgent | undefined>;

  /**
   * The id of the agent whose token has this SHA-256 (hex) now, or undefined: the check a request's
   * token gets on a store shared by several instances (AgentDirectory.agentOfToken), reading no manifest.
   */
  tokenHolder(tokenHash: string): Promise<string | undefined>;

  /** Every stored agent, in registration order. */
  listAgents(): Promise<readonly StoredAgent[]>;
}

/** Tasks and their auctions: posts, sealed bids, the lifecycle's commits, timers, loads. */
export interface TaskStore {
  /**
   * Stores a new task (status open, no bids) with its events. Rejects with `task_exists` when a task
   * has that id. Resolves to the events as stored (numbered).
   */
  createTask(task: Task, events: readonly NewTaskEvent[]): Promise<readonly TaskEvent[]>;

  /** The task with its bids, or undefined. */
  getTask(taskId: string): Promise<Task | undefined>;

  /**
   * Adds a bid atomically with the checks that need the stored task, and bumps the task's version so
   * a closer that read it before must retry: rejects with `unknown_task`, with `wrong_state` when the
   * auction is no longer open or its window ended at or before `atMs`, and with `duplicate_bid` when
   * the agent already bid; nothing is written then. Resolves to the task with the bid and the event.
   */
  addBid(taskId: string, bid: Bid, atMs: number, event: NewTaskEvent): Promise<CommittedTaskChange>;

  /**
   * Commits one change of a task, all or nothing: the new state (only if the stored task is still at
   * `expectedVersion`), the auction's decision appended to the audit log (its sequence number becomes
   * the task's `decisionSeq`), an attempt's outcome, and the events `change.events` builds from the
   * task as committed. Resolves to null, writing nothing, when another writer changed the task first;
   * rejects as appendOutcome does for a bad outcome.
   */
  commitTask(change: TaskChange): Promise<CommittedTaskChange | null>;

  /** Tasks newest first, optionally of one status, one page at a time. */
  listTasks(query: TaskQuery): Promise<TaskPage>;

  /**
   * Tasks whose due time (tasks/task.ts, dueMs) is at or before `nowMs`, soonest first, to be handled
   * now. An adapter shared by several instances claims them for the caller for a while, so that the
   * other instances leave them alone until the caller commits them or the claim runs out; call it
   * only to handle what it returns.
   */
  dueTasks(nowMs: number, limit: number): Promise<readonly Task[]>;

  /** Gives back tasks from dueTasks that the caller will not handle after all (it is stopping). */
  releaseDueTasks(taskIds: readonly string[]): Promise<void>;

  /** The earliest due time of any task, or null when none is due ever. */
  nextDueMs(): Promise<number | null>;

  /** How many tasks each agent holds (offered to it or accepted by it). */
  inFlightByAgent(): Promise<ReadonlyMap<string, number>>;

  /** How many tasks are open (bidding): an index read, however many tasks the store holds. */
  countOpenTasks(): Promise<number>;

  /** How many tasks are in each status (absent: none). Reads every task. */
  countTasksByStatus(): Promise<ReadonlyMap<TaskStatus, number>>;
}

/** The task events, in commit order: what SSE streams replay and agents' statistics count. */
export interface EventStore {
  /** Events after `eventId`, in commit order, at most `limit`. */
  eventsAfter(eventId: number, limit: number): Promise<readonly TaskEvent[]>;

  /** The id of the newest event, 0 when there is none. */
  lastEventId(): Promise<number>;

  /** How many events of each kind name this agent (its bids, offers, accepts, …). */
  agentEventCounts(agentId: string): Promise<ReadonlyMap<TaskEventKind, number>>;
}

/**
 * The storage port: the roles above (decision log, outcomes, agents, tasks, events) and the ledger
 * (ledger-port.ts), composed. The core speaks to storage only through it, in intentions rather than
 * connections or SQL; each adapter (sqlite/, postgres/) owns its connections and translates
 * driver failures into RouterError codes (`store_unavailable`, `store_incompatible`, `store_closed`).
 *
 * Every method may be called concurrently from one process; adapters serialise writes as their engine
 * requires. Methods reject with RouterError for expected failures, never with a raw driver error.
 */
export interface Store extends DecisionLog, OutcomeLog, AgentStore, TaskStore, EventStore, LedgerStore {
  /** Which engine is behind the port, for diagnostics only; the core must not branch on it. */
  readonly engine: string;

  /**
   * What a store shared by several instances (PostgreSQL) can do beyond the roles: absent where one
   * process is the only writer (SQLite), and nothing else may tell the engines apart.
   */
  readonly shared?: SharedStore;

  /** Releases connections. Idempotent; any later call rejects with `store_closed`. */
  close(): Promise<void>;
}

/** The abilities of a store that several instances share (Store.shared). */
export interface SharedStore {
  /** How often this instance's writes met another's, for metrics and the scale-out benchmark. */
  readonly contention: StoreContention;

  /**
   * Whether this instance holds the sweep lease, and so sweeps due tasks at their time while the
   * others take only overdue ones.
   */
  readonly holdsSweepLease: boolean;

  /**
   * Calls `onCommit` soon after any instance commits events, and once after a lost connection is back
   * (something may have been missed). It says only "there is more": read it with eventsAfter.
   * `onAgentChanged` is called with the id of an agent another instance added, updated or removed,
   * soon after that commit (read it with getAgent); after a lost connection, onCommit alone says that
   * some may have been missed. Resolves to the function that stops watching.
   */
  watchCommits(
    onCommit: () => void,
    onAgentChanged?: (agentId: string) => void,
  ): Promise<() => Promise<void>>;

  /**
   * Changes are sealed into the ledger shortly after commit: seals what is pending now, as the sealer
   * would soon, and resolves to how many entries it sealed. For tests and a clean shutdown.
   */
  sealPending(): Promise<number>;
}

/** Counts since the store was opened (SharedStore.contention). */
export interface StoreContention {
  /** Write transactions this instance ran (not the ledger's seals, which follow them: ledger-port.ts). */
  readonly transactions: number;
  /** Of those, how many found a lock they needed held by another transaction and waited for it. */
  readonly lockWaits: number;
  /**
   * The writes (a post, a bid, a decision) those waits held up: a batch's statement that waits holds
   * up every item in it, so this is the figure to set against the requests served.
   */
  readonly waitedWrites: number;
  /** Task commits refused because another writer changed the task first (the caller retries). */
  readonly versionConflicts: number;
  /**
   * The auction path's batches of writes (PostgreSQL): items / batches is the batch size, which
   * falls as the load per instance falls, and with it the rows each commit carries.
   */
  readonly batched?: Readonly<Record<BatchedWrite, BatchCounts>>;
}

/** The kinds of write the PostgreSQL store gathers into batches. */
export type BatchedWrite = 'tasks' | 'bids' | 'decisions';

export interface BatchCounts {
  /** Batches stored (a batch stored again item by item, for one item's bad input, counts once). */
  readonly batches: number;
  /** Items in them. */
  readonly items: number;
}

/** One change of a task (Store.commitTask). */
export interface TaskChange {
  /** The task as it is to be stored. */
  readonly task: Task;
  /** The version the change was computed from. */
  readonly expectedVersion: number;
  /** The auction's decision, when this change closes it. */
  readonly decision?: Decision;
  /** The outcome of an attempt (its `seq` is the task's decision), when this change completes or fails one. */
  readonly outcome?: OutcomeReport;
  /** The change's events, built from the task as committed (decisionSeq known). */
  readonly events: (committed: Task) => readonly NewTaskEvent[];
  /**
   * Made by the timer sweep, which hands its due tasks over together and waits for them all: a store
   * that waits a moment to gather more writes into a commit (PostgreSQL's decision batches) does not
   * wait on its account.
   */
  readonly byTimer?: boolean;
}

export interface CommittedTaskChange {
  readonly task: Task;
  readonly decision?: LoggedDecision;
  readonly outcome?: RecordedOutcome;
  readonly events: readonly TaskEvent[];
}

export interface TaskQuery {
  readonly status?: TaskStatus;
  readonly limit: number;
  readonly cursor?: string;
}

export interface TaskPage {
  readonly tasks: readonly Task[];
  readonly nextCursor: string | null;
}

/** An agent registered through the service, as the store keeps it. */
export interface StoredAgent {
  readonly manifest: AgentManifest;
  /** SHA-256 of the agent's token, hex; null for agents registered without one. */
  readonly tokenHash: string | null;
  readonly registeredAtMs: number;
  readonly lastHeartbeatMs: number;
}

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
