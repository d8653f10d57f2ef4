import type { AgentStats } from '../audit/stats.js';
import type { VerifyResult } from '../audit/verify.js';
import type { AgentRegistry } from '../manifest/agent-registry.js';
import type { AgentManifest } from '../manifest/manifest.js';
import type { AgentRecord } from '../policy/agent-history.js';
import type { Decision, LoggedDecision, PolicySpec } from '../policy/decision.js';
import type { RouteConstraints } from '../policy/filters.js';
import type { OutcomeReport, RecordedOutcome } from '../policy/outcome.js';
import type { DecisionPage, DecisionQuery, StreamOptions } from '../store/store.js';
import type { RouteRequest } from './route-request.js';

/** The most decisions one page of queryDecisions holds. */
export { MAX_PAGE_SIZE } from '../store/store.js';

export interface RouteBatchOptions {
  /** Decisions per store transaction. Default 1000. */
  readonly chunkSize?: number;
  /** Write decisions to the audit log (the default when the router has a store). */
  readonly log?: boolean;
}

/**
 * The facade the edges (CLI, service) call: register agents, route tasks, and read the audit log.
 * Created by `createRouter`; everything it needs (store, clock, scorer, policy) is passed in there.
 */
export interface Router {
  readonly registry: AgentRegistry;
  readonly policy: PolicySpec;
  /** True when decisions are written to an audit log. */
  readonly hasLog: boolean;

  /** Registers (or replaces, keeping its place) an agent. The manifest must already be validated. */
  registerAgent(manifest: AgentManifest): AgentManifest;
  /** The seed's `register_persona`; throws `unknown_persona` naming the known ones. */
  registerPersona(personaId: string, agentId?: string): AgentManifest;

  /** Throws the RouterError that routing this request would throw, without routing it. */
  checkRequest(request: RouteRequest): void;
  /** Scores and decides without logging: pure apart from the clock and the id. */
  decide(request: RouteRequest): Decision;
  /** Decides and appends to the audit log; resolves once the decision is committed. */
  route(request: RouteRequest): Promise<LoggedDecision>;
  /**
   * Routes many tasks in order, yielding decisions chunk by chunk; each chunk is committed in one
   * transaction before it is yielded. Check every request first (checkRequest) when a bad one must
   * leave the log untouched.
   */
  routeBatch(
    requests: Iterable<RouteRequest>,
    options?: RouteBatchOptions,
  ): AsyncIterable<readonly Decision[]>;

  /**
   * Records what happened after a decision and learns from it before resolving: the task's text
   * becomes evidence for (completed) or against (failed) the agent, and its track record moves.
   * Only the agent the decision selected may report. Throws `invalid_request` for a malformed report,
   * `not_selected` for a bidder the decision did not select (or any, when it selected none); the
   * store's `unknown_decision`, `not_a_candidate` and `duplicate_outcome`. A refused report leaves
   * everything unchanged.
   */
  recordOutcome(report: OutcomeReport): Promise<RecordedOutcome>;
  /**
   * Learns from an outcome the store already recorded (the service commits a task's outcome with its
   * state change, then hands it here): what recordOutcome does after its append.
   */
  learnOutcome(outcome: RecordedOutcome): void;
  /**
   * Rebuilds what the router learned by replaying every outcome in the store; call once, after
   * creating a router on an existing log and before recording outcomes. Resolves to the number replayed.
   */
  restoreLearning(): Promise<number>;
  /** An agent's track record from its outcomes (the prior when it has none). */
  agentRecord(agentId: string): AgentRecord;
  /**
   * How many tasks the agent holds now (the service reports it as tasks are accepted and finished).
   * An agent at its manifest's `max_concurrency` is filtered out; below it, the load signal reads it.
   */
  setAgentLoad(agentId: string, inFlight: number): void;
  /** Marks an agent online or offline; an offline agent gets no tasks. Agents start online. */
  setAgentOnline(agentId: string, online: boolean): void;
  /**
   * Why the policy would refuse this agent's bid on a task with these constraints now ("are offline",
   * "lack capability security", …), or null when it would take part. The service checks bids with it
   * as they arrive.
   */
  refusalOf(agentId: string, bidSats: number, constraints: RouteConstraints): string | null;

  history(query: DecisionQuery): Promise<DecisionPage>;
  getDecision(seq: number): Promise<LoggedDecision | undefined>;
  stats(agentId: string): Promise<AgentStats>;
  allStats(): Promise<readonly AgentStats[]>;
  export(options?: StreamOptions): AsyncIterable<LoggedDecision>;
  verify(onProgress?: (checked: number) => void): Promise<VerifyResult>;
  countDecisions(): Promise<number>;
  /**
   * Resolves once the roster as registered now is fully compiled, its model trained included. A
   * router created with `backgroundCompile` scores decisions made before then on the current
   * roster's index with the previous model (create-router.ts); without it, this resolves at once.
   */
  whenCompiled(): Promise<void>;
  /**
   * Resolves once the roster has an index (with `backgroundCompile`, the first one built in slices;
   * without, as whenCompiled): decisions made after it never build one themselves.
   */
  whenIndexed(): Promise<void>;
  /** Stops background compilation and closes the store. */
  close(): Promise<void>;
}
