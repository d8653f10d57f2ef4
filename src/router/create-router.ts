import { agentStatsFromCounts } from '../audit/stats.js';
import { verifyLog } from '../audit/verify.js';
import { type Clock, systemClock } from '../kernel/clock.js';
import { RouterError } from '../kernel/errors.js';
import { newDecisionId, newTaskId } from '../kernel/ids.js';
import { AgentRegistry } from '../manifest/agent-registry.js';
import type { AgentHistoryConfig } from '../policy/agent-history.js';
import type { Decision } from '../policy/decision.js';
import { type BidNormalisation, defaultPolicyWith } from '../policy/default-policy-options.js';
import { rejectionOf } from '../policy/filters.js';
import { DEFAULT_CANDIDATES_KEPT, keepCandidates } from '../policy/kept-candidates.js';
import type { RecordedOutcome } from '../policy/outcome.js';
import { CLASSIC_POLICY, createPolicy, type PolicyConfig } from '../policy/policy.js';
import type { WordVectors } from '../scoring/embeddings/word-vectors.js';
import type { CompiledScorer, Scorer } from '../scoring/scorer.js';
import { createScorer, type RelatedTermsOption } from '../scoring/scorer-registry.js';
import type { Steps } from '../scoring/steps.js';
import { defaultAnalyzer } from '../scoring/text/analyzer.js';
import { TextEvidence, type TextEvidenceConfig } from '../scoring/text-evidence.js';
import type { Store } from '../store/store.js';
import { AgentState } from './agent-state.js';
import { GroupCommit } from './group-commit.js';
import { checkOutcomeReport, checkReporterWasSelected } from './outcome-report.js';
import { RosterCompiler } from './roster-compiler.js';
import { RosterView } from './roster-view.js';
import { checkRouteRequest, type RouteRequest } from './route-request.js';
import type { Router } from './router.js';
import { ScoreAlignment } from './score-alignment.js';
import { shippedWordVectorsOrNone } from './word-vectors-asset.js';

export interface RouterOptions {
  /** The audit log. Without one the router decides but cannot log, query or verify. */
  readonly store?: Store;
  readonly clock?: Clock;
  /** A scorer or a scorer name. Default: DEFAULT_SCORER (`default`). */
  readonly scorer?: Scorer | string;
  /** For the default scorer named in `scorer`: a user's related terms (added to, or replacing, the built-in table). */
  readonly relatedTerms?: RelatedTermsOption;
  /**
   * For the default scorer named in `scorer`: the word vectors of its semantic channel — the shipped
   * ones (default, read at the first roster whose agents have examples), others, or false for none.
   */
  readonly wordVectors?: WordVectors | false;
  /** Default: the classic policy with the classic scorer, the default policy with any other. */
  readonly policy?: PolicyConfig;
  /**
   * How the default policy normalises bids: `received` (default: against the bids received), `band`
   * (the seed's fixed 10–100 sats) or `rate` (against the agent's own rate_sats). Ignored with an
   * explicit `policy` or the classic scorer.
   */
  readonly bidNormalisation?: BidNormalisation;
  /**
   * The default policy's "no suitable agent" threshold, 0..1, or `auto` (default): the threshold the
   * compiled roster suggests from its examples (at least 0.04), else 0.02 (policy.ts). `swarm-router eval --oos`
   * calibrates one from labelled data. Ignored with an explicit `policy` or the classic scorer.
   */
  readonly minCapability?: number | 'auto';
  /**
   * How many best-matching agents besides its bidders a decision keeps the match of, when the roster
   * is larger (kept-candidates.ts). Default DEFAULT_CANDIDATES_KEPT (20); with the classic scorer,
   * every agent, as the seed's record holds every score. Every agent is scored either way.
   */
  readonly candidatesKept?: number;
  /** Start from an existing registry (shared, not copied). */
  readonly registry?: AgentRegistry;
  /**
   * The seed lets an unregistered bidder take part with capability 0 and win on price. Off by default:
   * such a bid is refused with `unknown_agent`. Turn on for exact seed behaviour.
   */
  readonly allowUnregisteredBidders?: boolean;
  /**
   * Compile the roster in the background, in slices of a few milliseconds between other work, from
   * the moment it changes (roster-compiler.ts), instead of all at once when a decision needs it.
   * Default false: every decision is scored by the model of the roster as it is (training the
   * default scorer's example reranker holds the caller for ~0.25 s with 150 agents of 10 examples).
   * true (the service): no compilation holds the event loop for longer than a slice; decisions are
   * scored on the latest index built (a new agent scores 0 until its roster's index is done, which
   * takes well under a second at 10,000 agents), with the latest model trained until the current one
   * is (whenCompiled resolves when both are).
   */
  readonly backgroundCompile?: boolean;
  /** How outcomes are learned from: text evidence (read by the default scorer) and track records. */
  readonly learning?: {
    readonly evidence?: TextEvidenceConfig;
    readonly history?: AgentHistoryConfig;
  };
}

/**
 * Text as the store will hold it: a lone UTF-16 surrogate cannot be written as UTF-8, so it becomes
 * U+FFFD here rather than silently in the database, and the decision returned equals the one logged.
 */
function wellFormed(text: string): string {
  const t = text as string & { isWellFormed(): boolean; toWellFormed(): string };
  return t.isWellFormed() ? text : t.toWellFormed(); // the check allocates nothing; the fix copies
}

export { BID_NORMALISATIONS, type BidNormalisation } from '../policy/default-policy-options.js';

const NO_TAGS: ReadonlySet<string> = new Set();

/** In the background, a roster that keeps changing is caught up with at most this often (roster-compiler.ts). */
const ROSTER_REBUILD_GAP_MS = 100;

/** Outcomes replayed into a recompiled scorer that learns by itself (about 0.1 s on clinc150). */
const REPLAYED_OUTCOMES = 1000;

/** The getter the default scorer asks for word vectors with. */
function wordVectorsOption(
  option: WordVectors | false | undefined,
): (() => WordVectors | undefined) | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return () => option;
  return shippedWordVectorsOrNone;
}

export function createRouter(options: RouterOptions = {}): Router {
  const store = options.store;
  const clock = options.clock ?? systemClock;
  const scorer =
    typeof options.scorer === 'object'
      ? options.scorer
      : createScorer(options.scorer, options.relatedTerms, wordVectorsOption(options.wordVectors));
  const registry = options.registry ?? new AgentRegistry();
  const allowUnregistered = options.allowUnregisteredBidders ?? false;
  const candidatesKept =
    options.candidatesKept ??
    (scorer.name === 'classic' ? Number.POSITIVE_INFINITY : DEFAULT_CANDIDATES_KEPT);
  if (
    !(Number.isSafeInteger(candidatesKept) || candidatesKept === Number.POSITIVE_INFINITY) ||
    candidatesKept < 0
  ) {
    throw new TypeError(`expected candidatesKept to be an integer ≥ 0, got ${candidatesKept}`);
  }
  const policyConfig =
    options.policy ??
    (scorer.name === 'classic'
      ? CLASSIC_POLICY
      : defaultPolicyWith({
          ...(options.bidNormalisation === undefined ? {} : { bidNormalisation: options.bidNormalisation }),
          ...(options.minCapability === undefined ? {} : { minCapability: options.minCapability }),
        }));
  // Letting unregistered bidders through the request check means letting them through the policy.
  const effectivePolicy = allowUnregistered ? { ...policyConfig, refuseUnregistered: false } : policyConfig;
  // Created here to check the configuration at once; an `auto` threshold is re-resolved against
  // each compiled roster's suggestion.
  let policy = createPolicy(effectivePolicy, scorer.name);
  // What outcomes taught: the compiled scorer reads the evidence at every call, so learning needs
  // no recompilation; both are rebuilt from the store's outcomes by restoreLearning(). A compiled
  // scorer that also learns by itself (the default scorer's example reranker) loses that on
  // recompilation, so the latest outcomes are kept and replayed into the new one.
  const recentOutcomes: RecordedOutcome[] = [];
  /** How many outcomes were learned, and the number of the first one still in recentOutcomes. */
  let learnedTotal = 0;
  let recentStart = 0;
  const evidence = new TextEvidence(options.learning?.evidence);
  const agentState = new AgentState(options.learning?.history);
  const termsOf = scorer.analyze ?? ((text: string) => defaultAnalyzer.terms(text));
  let learningTouched = false;
  /**
   * The last task's scores, kept until the next task or the next outcome learned (scores read what
   * was learned): a task decided twice in a row — POST /v1/route asks who would bid for the A2A
   * skills, then decides — is scored once.
   */
  // Three variables, not an object: no allocation on the decision path.
  let lastScorer: CompiledScorer | undefined;
  let lastDescription = '';
  let lastScores: Float64Array = new Float64Array(0);
  const learn = (outcome: RecordedOutcome): void => {
    learningTouched = true;
    lastScorer = undefined;
    ensureRoster();
    compiler.available()?.learn?.(outcome.description, outcome.agentId, outcome.status === 'completed');
    recentOutcomes.push(outcome);
    learnedTotal++;
    if (recentOutcomes.length > REPLAYED_OUTCOMES * 2) {
      recentOutcomes.splice(0, REPLAYED_OUTCOMES);
      recentStart += REPLAYED_OUTCOMES;
    }
    evidence.learn(outcome.agentId, termsOf(outcome.description), outcome.status === 'completed');
    agentState.recordOutcome(outcome.agentId, outcome.status, outcome.durationMs);
  };
  // The latest outcomes, one per piece, until caught up with those learned meanwhile.
  function* replayRecent(target: CompiledScorer): Steps<void> {
    if (target.learn === undefined) return;
    for (let next = Math.max(learnedTotal - REPLAYED_OUTCOMES, 0); next < learnedTotal; next++) {
      next = Math.max(next, recentStart); // outcomes dropped from the list while this replayed
      const o = recentOutcomes[next - recentStart] as RecordedOutcome;
      target.learn(o.description, o.agentId, o.status === 'completed');
      yield;
    }
  }

  // The roster as decisions and eligibility checks see it, kept in step with the registry change by
  // change (roster-view.ts); its compilation follows in the compiler.
  const view = new RosterView(registry, agentState);
  let rosterVersion = -1;
  const manifestsOfView = () => view.manifests();
  const ensureRoster = (): void => {
    if (!view.catchUp()) return;
    rosterVersion = view.version;
    compiler.rosterChanged(rosterVersion, manifestsOfView);
  };
  // The ids a decision is made on: a roster it keeps whole is shared by every decision made under
  // it, so it must not change (the hash chain caches its text by identity); a larger one is only read.
  const decisionIds = (): readonly string[] =>
    view.size <= candidatesKept ? view.frozenIds() : view.liveIds;
  const compiler = new RosterCompiler({
    scorer,
    evidence,
    background: options.backgroundCompile ?? false,
    beforeSlice: ensureRoster,
    rosterPending: () => view.version !== registry.version,
    rebuildGapMs: ROSTER_REBUILD_GAP_MS,
    replayInto: replayRecent,
  });
  // A router compiling in the background starts when the roster changes, not at its next decision.
  const stopListening =
    options.backgroundCompile === true ? registry.onChange(() => compiler.schedule()) : undefined;
  if (options.backgroundCompile === true) compiler.schedule();

  // The compiled scorer for a decision, on the roster as it is (roster-compiler.ts says which model).
  let policyFor: CompiledScorer | undefined;
  const compiledRoster = (): CompiledScorer => {
    ensureRoster();
    const compiled = compiler.current();
    if (compiled !== policyFor) {
      policyFor = compiled;
      if (effectivePolicy.minCapability === 'auto') {
        policy = createPolicy(effectivePolicy, scorer.name, compiled.suggestedMinCapability);
      }
    }
    return compiled;
  };

  // In the background, decisions made while a changed roster is indexed use the previous index.
  const staleScores = new ScoreAlignment();
  /** The roster's scores for decisions that keep only some of them (scoreInto). */
  let scratch = new Float64Array(0);

  // Decisions routed one by one, concurrently, share transactions (group-commit.ts).
  const groupCommit = new GroupCommit((decisions) => requireStore().appendDecisions(decisions));

  const requireStore = (): Store => {
    if (store === undefined) {
      throw new RouterError('store_unavailable', 'this router has no audit log (create it with a store)');
    }
    return store;
  };

  const decide = (request: RouteRequest): Decision => {
    const scorer = compiledRoster();
    const positions = checkRouteRequest(request, view.index, allowUnregistered);
    const agentIds = decisionIds();
    const nowMs = clock.now();
    // A decision that keeps only some scores copies them out, so the roster's scores can go into
    // one reused array instead of a new one per task.
    let scored: Float64Array;
    if (lastScorer === scorer && lastDescription === request.description) {
      scored = lastScores;
    } else {
      if (agentIds.length > candidatesKept && scorer.scoreInto !== undefined) {
        const need = compiler.scoredAgentIds().length;
        if (scratch.length < need) scratch = new Float64Array(Math.max(need, scratch.length * 2));
        scored = scorer.scoreInto(request.description, scratch);
      } else {
        scored = scorer.score(request.description);
      }
      lastScorer = scorer;
      lastDescription = request.description;
      lastScores = scored;
    }
    const capability = compiler.isCurrent()
      ? scored
      : staleScores.align(scored, compiler.scoredAgentIds(), rosterVersion, agentIds.length, view.positionOf);
    const outcome = policy.decide({
      agentIds,
      positions,
      capability,
      bids: request.bids,
      roster: agentState.facts,
      constraints: request,
      scorer,
    });
    // positions is the roster's scratch: only its first bids.length entries are this request's.
    const kept = keepCandidates(
      outcome.agentIds,
      outcome.capability,
      positions.subarray(0, request.bids.length),
      candidatesKept,
    );
    // Fields spelled out rather than spread: this literal is built for every decision.
    return {
      decisionId: newDecisionId(nowMs),
      taskId: request.taskId === undefined ? newTaskId(nowMs) : wellFormed(request.taskId),
      description: wellFormed(request.description),
      timestampMs: nowMs,
      policy: policy.spec,
      agentIds: kept.agentIds,
      capability: kept.capability,
      rosterSize: outcome.rosterSize,
      bidders: outcome.bidders,
      selectedAgent: outcome.selectedAgent,
      selectionReason: outcome.selectionReason,
      confidence: outcome.confidence,
    };
  };

  return {
    registry,
    get policy() {
      compiledRoster(); // an `auto` threshold depends on the roster
      return policy.spec;
    },
    hasLog: store !== undefined,
    registerAgent: (manifest) => registry.register(manifest),
    registerPersona: (personaId, agentId) => registry.registerPersona(personaId, agentId),
    checkRequest: (request) => {
      ensureRoster();
      checkRouteRequest(request, view.index, allowUnregistered);
    },
    decide,
    async route(request) {
      const decision = decide(request);
      requireStore();
      return groupCommit.submit(decision);
    },
    async *routeBatch(requests, batchOptions = {}) {
      const chunkSize = batchOptions.chunkSize ?? 1000;
      if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
        throw new TypeError(
          `expected chunkSize to be an integer ≥ 1, got ${chunkSize} (${typeof chunkSize})`,
        );
      }
      const log = batchOptions.log ?? store !== undefined;
      const target = log ? requireStore() : undefined;
      let chunk: Decision[] = [];
      const flush = async (): Promise<readonly Decision[]> => {
        const done = chunk;
        chunk = [];
        return target === undefined ? done : target.appendDecisions(done);
      };
      for (const request of requests) {
        chunk.push(decide(request));
        if (chunk.length >= chunkSize) yield await flush();
      }
      if (chunk.length > 0) yield await flush();
    },
    async recordOutcome(report) {
      checkOutcomeReport(report);
      const decision = await requireStore().getDecision(report.seq);
      // A missing decision is the store's to refuse (unknown_decision), as it appends.
      if (decision !== undefined) checkReporterWasSelected(decision, report.seq, report.agentId);
      const recorded = await requireStore().appendOutcome(report, clock.now());
      learn(recorded);
      return recorded;
    },
    learnOutcome: (outcome) => learn(outcome),
    async restoreLearning() {
      if (learningTouched) {
        throw new TypeError('expected restoreLearning() before any outcome is learned, got a second call');
      }
      let replayed = 0;
      for await (const outcome of requireStore().streamOutcomes()) {
        learn(outcome);
        replayed++;
      }
      learningTouched = true;
      return replayed;
    },
    agentRecord: (agentId) => agentState.record(agentId),
    setAgentLoad: (agentId, inFlight) => agentState.setLoad(agentId, inFlight),
    setAgentOnline: (agentId, online) => agentState.setOnline(agentId, online),
    refusalOf(agentId, bidSats, constraints) {
      ensureRoster();
      const at = view.positionOf.get(agentId);
      const facts = agentState.facts;
      return rejectionOf(
        {
          isRegistered: at !== undefined,
          agentId,
          bidSats,
          capabilityTags: (at === undefined ? undefined : facts.capabilityTags[at]) ?? NO_TAGS,
          inFlight: at === undefined ? 0 : (facts.inFlight[at] as number),
          maxConcurrency: at === undefined ? Number.POSITIVE_INFINITY : (facts.maxConcurrency[at] as number),
          isOffline: at !== undefined && facts.offline[at] === 1,
        },
        constraints,
        true,
      );
    },
    history: (query) => requireStore().queryDecisions(query),
    getDecision: (seq) => requireStore().getDecision(seq),
    stats: async (agentId) => agentStatsFromCounts(await requireStore().agentCounts(agentId)),
    allStats: async () => (await requireStore().listAgentCounts()).map(agentStatsFromCounts),
    export: (streamOptions) => requireStore().streamDecisions(streamOptions),
    verify: (onProgress) => verifyLog(requireStore(), onProgress),
    countDecisions: () => requireStore().countDecisions(),
    whenCompiled: () => compiler.whenCompiled(),
    whenIndexed: () => compiler.whenIndexed(),
    close: async () => {
      stopListening?.();
      view.close();
      compiler.close();
      await store?.close();
    },
  };
}
