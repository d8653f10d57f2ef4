// The library's public API: named re-exports only.

export { type AgentStats, agentStatsFromCounts } from './audit/stats.js';
export { type VerifyResult, verifyChain, verifyLog } from './audit/verify.js';
export { canonicalRecord, sealRecord } from './chain/hash-chain.js';
export {
  accuracyAtCoverage,
  atThreshold,
  type ConfidencePair,
  ECE_BINS,
  expectedCalibrationError,
  REPORTED_COVERAGES,
  type SelectiveResult,
  thresholdForPrecision,
} from './eval/calibration-metrics.js';
export { type ConfidenceReport, DEFAULT_TARGET_PRECISION } from './eval/confidence-report.js';
export {
  CALIBRATION_ACCEPTANCE,
  calibrateThreshold,
  type EvalMode,
  type EvalOptions,
  type EvalReport,
  type EvalTask,
  evalPolicy,
  runEval,
} from './eval/run-eval.js';
export { type Clock, systemClock } from './kernel/clock.js';
export { ERROR_CODES, type ErrorCode, isRouterError, RouterError } from './kernel/errors.js';
export { AgentRegistry, findPersona, manifestFromPersona } from './manifest/agent-registry.js';
export type { AgentManifest } from './manifest/manifest.js';
export { personaBid, seededRandom } from './manifest/persona-bid.js';
export { PERSONAS, type Persona } from './manifest/personas.js';
export { AgentHistory, type AgentHistoryConfig, type AgentRecord } from './policy/agent-history.js';
export {
  type Bid,
  type BidderRecord,
  CONFIDENCE_DECIMALS,
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
export type { RouteConstraints } from './policy/filters.js';
export {
  OUTCOME_STATUSES,
  type OutcomeReport,
  type OutcomeStatus,
  type RecordedOutcome,
} from './policy/outcome.js';
export {
  CLASSIC_POLICY,
  createPolicy,
  DEFAULT_POLICY,
  NO_BIDS_REASON,
  type Policy,
  type PolicyConfig,
  type RosterFacts,
} from './policy/policy.js';
export { SIGNALS, type SignalInput, type SignalName } from './policy/signals.js';
export {
  BID_NORMALISATIONS,
  type BidNormalisation,
  createRouter,
  type RouterOptions,
} from './router/create-router.js';
export type { RouteRequest } from './router/route-request.js';
export type { RouteBatchOptions, Router } from './router/router.js';
export { CLASSIC_SCORER_NAME, createClassicScorer } from './scoring/classic-scorer.js';
export {
  DEFAULT_PLATT_CONFIG,
  fitTemperature,
  type LabelledScores,
  negativeLogLikelihood,
  type PlattConfig,
  PlattCorrection,
  softmax,
  softmaxProbability,
} from './scoring/confidence.js';
export {
  DEFAULT_PLATT_START,
  DEFAULT_TEMPERATURE,
  type DefaultConfidenceConfig,
  EXAMPLE_LESS_PLATT_START,
  EXAMPLE_LESS_TEMPERATURE,
  rosterHasExamples,
  withDefaultConfidence,
} from './scoring/default-confidence.js';
export {
  createDefaultScorer,
  DEFAULT_FIELD_WEIGHTS,
  DEFAULT_SCORER_NAME,
  type DefaultScorerConfig,
  type FieldWeights,
} from './scoring/default-scorer.js';
export {
  type BoundReranker,
  DEFAULT_RERANKER_CONFIG,
  ExampleReranker,
  type LexicalCompiler,
  type RerankerConfig,
} from './scoring/example-reranker.js';
export type {
  CompiledScorer,
  IndexedRoster,
  LearnedEvidence,
  Scorer,
  StepwiseScorer,
  TrainedModel,
} from './scoring/scorer.js';
export {
  createScorer,
  DEFAULT_SCORER,
  type RelatedTermsOption,
  scorerNames,
} from './scoring/scorer-registry.js';
export { runSteps, type Steps } from './scoring/steps.js';
export {
  type Analyzer,
  type AnalyzerConfig,
  createAnalyzer,
  defaultAnalyzer,
} from './scoring/text/analyzer.js';
export { BUILTIN_RELATED_TERMS } from './scoring/text/builtin-related-terms.js';
export { mergeRelatedTerms, RelatedTerms, type RelatedTermsTable } from './scoring/text/related-terms.js';
export { TextEvidence, type TextEvidenceConfig } from './scoring/text-evidence.js';
export { type CreateStoreOptions, createStore } from './store/create-store.js';
export { SqliteStore, type SqliteStoreConfig } from './store/sqlite/sqlite-store.js';
export type {
  AgentCounts,
  DecisionPage,
  DecisionQuery,
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
