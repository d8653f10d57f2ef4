// The library's public API: named re-exports only.

export { canonicalRecord, sealRecord } from './audit/hash-chain.js';
export { type AgentStats, agentStatsFromCounts } from './audit/stats.js';
export { type VerifyResult, verifyChain, verifyLog } from './audit/verify.js';
export { type Clock, systemClock } from './kernel/clock.js';
export { ERROR_CODES, type ErrorCode, isRouterError, RouterError } from './kernel/errors.js';
export { AgentRegistry, findPersona, manifestFromPersona } from './manifest/agent-registry.js';
export type { AgentManifest } from './manifest/manifest.js';
export { personaBid, seededRandom } from './manifest/persona-bid.js';
export { PERSONAS, type Persona } from './manifest/personas.js';
export {
  type Bid,
  type BidderRecord,
  type Decision,
  GENESIS_HASH,
  type LoggedDecision,
  type PolicyOutcome,
  type PolicySpec,
} from './policy/decision.js';
export {
  idleAgents,
  type RankedCandidate,
  rankCandidates,
  type SignalContribution,
} from './policy/explain.js';
export {
  CLASSIC_POLICY,
  createPolicy,
  NO_BIDS_REASON,
  type Policy,
  type PolicyConfig,
} from './policy/policy.js';
export { createRouter, type RouterOptions } from './router/create-router.js';
export type { RouteRequest } from './router/route-request.js';
export type { RouteBatchOptions, Router } from './router/router.js';
export { CLASSIC_SCORER_NAME, createClassicScorer } from './scoring/classic-scorer.js';
export type { CompiledScorer, Scorer } from './scoring/scorer.js';
export { createScorer, DEFAULT_SCORER, scorerNames } from './scoring/scorer-registry.js';
export { type CreateStoreOptions, createStore } from './store/create-store.js';
export { SqliteStore, type SqliteStoreConfig } from './store/sqlite/sqlite-store.js';
export type {
  AgentCounts,
  DecisionPage,
  DecisionQuery,
  Sealer,
  Store,
  StreamOptions,
} from './store/store.js';
export { decisionBatchLine, decisionRecord } from './wire/decision-dto.js';
export {
  fromManifest,
  toManifest,
  toRoster,
  validateManifestDto,
  validateRosterFile,
} from './wire/manifest-dto.js';
export { fromRouteRequest, toRouteRequest, validateRouteRequestDto } from './wire/route-dto.js';
