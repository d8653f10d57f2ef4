import type { CompiledScorer } from '../scoring/scorer.js';
import {
  type Bid,
  type BidderRecord,
  type PolicyOutcome,
  type PolicySpec,
  recordedConfidence,
} from './decision.js';
import {
  belowThresholdRejection,
  type FilterInput,
  ineligibleSummary,
  type RouteConstraints,
  refusalCounts,
  rejectionOf,
} from './filters.js';
import { NO_BIDS_REASON, noFitReason } from './no-fit-reason.js';
import { formatPython2f } from './seed-format.js';
import { signalEvaluator, type WeightedSignal } from './signal-evaluator.js';
import { isSignalName, SIGNALS, type SignalInput, type SignalName } from './signals.js';

/**
 * The decision pipeline (the k8s scheduler model, STYLE.md §5): hard filters refuse bids, then the
 * capability threshold refuses bids from agents that do not match the task; signals score every bid,
 * configured weights sum them in a fixed order, the best bid that was not refused wins, and the
 * decision says why — for the winner, for every refused bid, and when nobody fits. Pure: the caller
 * passes scores, bids, what is known about the agents, and the task's constraints.
 */
export interface Policy {
  readonly spec: PolicySpec;
  decide(input: DecideInput): PolicyOutcome;
}

export interface DecideInput {
  /** Ids of the registered agents, in registration order. */
  readonly agentIds: readonly string[];
  /** For each bid, its bidder's position in `agentIds`; -1 for a bidder that is not registered. */
  readonly positions: Int32Array;
  /** Capability match of each agent, aligned with `agentIds`. */
  readonly capability: Float64Array;
  /** Bids in arrival order, at most one per agent (the router checks). */
  readonly bids: readonly Bid[];
  /** What is known about the registered agents; without it, nothing is (no limits, no history). */
  readonly roster?: RosterFacts;
  readonly constraints?: RouteConstraints;
  /**
   * The compiled roster that gave `capability`: its confidence (CompiledScorer.confidence) of the
   * selected agent becomes the decision's. Without one, or without confidence, a decision has none.
   */
  readonly scorer?: Pick<CompiledScorer, 'confidence'>;
}

/** Facts about the registered agents, by roster position (the router keeps them current). */
export interface RosterFacts {
  /** Lower-cased capability tags of each manifest. */
  readonly capabilityTags: readonly ReadonlySet<string>[];
  readonly rateSats: ArrayLike<number>;
  /** Infinity where no limit is declared. */
  readonly maxConcurrency: ArrayLike<number>;
  readonly inFlight: ArrayLike<number>;
  /** 1 where the agent is offline. */
  readonly offline: ArrayLike<number>;
  /** Posterior mean success rate of each agent (agent-history.ts). */
  readonly successRate: ArrayLike<number>;
  /** Mean completion time of each agent, ms; NaN when unknown. */
  readonly averageDurationMs: ArrayLike<number>;
  /**
   * False when no agent declares max_concurrency and none is offline: capacity and status filters
   * cannot refuse anyone, and the policy skips them (most of its per-bid cost on large rosters).
   */
  readonly mayRefuse: boolean;
}

export interface PolicyConfig {
  readonly name: string;
  readonly signals: readonly { readonly name: string; readonly weight: number }[];
  /**
   * See PolicySpec.minCapability: a bidder whose match is below it is refused. `auto`: the threshold the compiled roster suggests
   * (CompiledScorer.suggestedMinCapability) where it is above FALLBACK_MIN_CAPABILITY, else that;
   * EXAMPLE_LESS_MIN_CAPABILITY where it suggests none.
   * Default: none.
   */
  readonly minCapability?: number | 'auto';
  /**
   * `seed`: the seed's selection reason, word for word (classic); `explained` (default): every
   * signal of the winner, and how many bids were refused and why; when nothing fits, why not
   * (no-fit-reason.ts).
   */
  readonly reasonStyle?: 'seed' | 'explained';
  /** Refuse bids from agents that are not registered (default true; the seed let them take part). */
  readonly refuseUnregistered?: boolean;
}

/**
 * The seed's `recommend_agent`: combined = capability × 0.6 + bid score × 0.4, highest wins, a tie goes
 * to the earliest bid, unregistered bidders take part with capability 0 (a seed quirk, DESIGN.md).
 */
export const CLASSIC_POLICY: PolicyConfig = Object.freeze({
  name: 'classic',
  signals: Object.freeze([
    Object.freeze({ name: 'capability', weight: 0.6 }),
    Object.freeze({ name: 'bid-band', weight: 0.4 }),
  ]),
  reasonStyle: 'seed',
  refuseUnregistered: false,
});

/**
 * The floor under the threshold an `auto` policy takes from a roster with examples: where the
 * roster's own examples often match nothing (stackexchange6 suggests 0.009), a lower threshold would
 * route tasks no manifest matches at all.
 */
export const FALLBACK_MIN_CAPABILITY = 0.04;

/**
 * The threshold of an `auto` policy when the roster suggests none: its agents have no examples (a
 * tool list, the personas) or too few to estimate from. Such rosters score lower — a task matches a
 * one-line description with a small share of its words — and at FALLBACK_MIN_CAPABILITY they
 * refused 45% of metatool's tasks and 83% of stackexchange6's with its examples removed. Chosen on
 * those and clinc150 without examples (docs/BENCHMARKS.md, Rosters without examples): at 0.02 they
 * keep 87%, 39% and 82% of their tasks and refuse 27%, 82% and 66% of clinc150's out-of-scope
 * queries; at 0.01 a half-weight prefix variant of one word clears it on the personas ("auth" gives
 * Quill, the writer, 0.0104 on "Fix the auth code").
 */
export const EXAMPLE_LESS_MIN_CAPABILITY = 0.02;

/**
 * The default policy. Capability carries most of the weight, because picking an agent that can do
 * the task matters more than anything else; price, track record and spare capacity then separate
 * agents that can; speed breaks near-ties. A bidder whose match is below the roster's threshold is
 * refused, however cheap, reliable, idle or fast: it does not fit the task, and the other signals
 * only choose among agents that do; when no bidder reaches it the answer is "no suitable agent". One
 * absolute threshold cannot serve a six-persona roster and a 150-intent one, so it is
 * `auto` — estimated from the manifests' examples where there are enough (clinc150: 0.167, refusing
 * 62% of the out-of-scope tasks while keeping 95% of in-scope ones; docs/BENCHMARKS.md), never
 * below FALLBACK_MIN_CAPABILITY, and EXAMPLE_LESS_MIN_CAPABILITY where there are none.
 */
export const DEFAULT_POLICY: PolicyConfig = Object.freeze({
  name: 'default',
  signals: Object.freeze([
    Object.freeze({ name: 'capability', weight: 0.6 }),
    Object.freeze({ name: 'bid-received', weight: 0.1 }),
    Object.freeze({ name: 'success', weight: 0.15 }),
    Object.freeze({ name: 'load', weight: 0.1 }),
    Object.freeze({ name: 'speed', weight: 0.05 }),
  ]),
  minCapability: 'auto',
  reasonStyle: 'explained',
  refuseUnregistered: true,
});

export { NO_BIDS_REASON } from './no-fit-reason.js';

const NO_CONSTRAINTS: RouteConstraints = Object.freeze({});
const NO_TAGS: ReadonlySet<string> = new Set();

/**
 * `suggestedMinCapability` is the compiled roster's estimate, read only by a policy whose threshold
 * is `auto`; the spec (and so every decision) records the threshold actually used.
 */
export function createPolicy(
  config: PolicyConfig,
  scorerName: string,
  suggestedMinCapability?: number,
): Policy {
  // Checked once here rather than per decision, as the k8s scheduler framework checks plugin weights.
  if (config.signals.length === 0) throw new TypeError('expected at least one signal, got none');
  const weighted: WeightedSignal[] = [];
  for (const { name, weight } of config.signals) {
    if (!isSignalName(name)) {
      throw new TypeError(`expected a known signal (${Object.keys(SIGNALS).join(', ')}), got '${name}'`);
    }
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new TypeError(
        `expected a positive finite weight for signal '${name}', got ${weight} (${typeof weight})`,
      );
    }
    weighted.push({ name, signal: SIGNALS[name as SignalName], weight });
  }
  const evaluate = signalEvaluator(weighted);
  const signalCount = weighted.length;
  const minCapability =
    config.minCapability === 'auto'
      ? suggestedMinCapability === undefined
        ? EXAMPLE_LESS_MIN_CAPABILITY
        : Math.max(suggestedMinCapability, FALLBACK_MIN_CAPABILITY)
      : config.minCapability;
  if (minCapability !== undefined && !(minCapability >= 0 && minCapability <= 1)) {
    throw new TypeError(`expected minCapability in [0, 1], got ${minCapability} (${typeof minCapability})`);
  }
  const seedReason = config.reasonStyle === 'seed';
  // One string per policy, shared by every refused bidder rather than built per bid.
  const thresholdRejection = minCapability === undefined ? null : belowThresholdRejection(minCapability);
  const refuseUnregistered = config.refuseUnregistered ?? true;
  const names = config.signals.map((s) => s.name);
  const needsHistory = names.includes('success') || names.includes('speed');
  const needsBidRange = names.includes('bid-received');
  const spec: PolicySpec = Object.freeze({
    name: config.name,
    scorer: scorerName,
    signals: Object.freeze(config.signals.map((s) => Object.freeze({ name: s.name, weight: s.weight }))),
    ...(minCapability === undefined ? {} : { minCapability }),
  });

  // One input record per policy, refilled per bid and read by both signals and filters: decide() is
  // synchronous, so none is shared.
  const input: SignalInput & { -readonly [K in keyof FilterInput]: FilterInput[K] } = {
    isRegistered: true,
    agentId: '',
    capabilityTags: NO_TAGS,
    isOffline: false,
    capability: 0,
    bidSats: 0,
    rateSats: 0,
    lowestBidSats: 0,
    highestBidSats: 0,
    successRate: 0.5,
    inFlight: 0,
    maxConcurrency: Number.POSITIVE_INFINITY,
    averageDurationMs: Number.NaN,
    fastestAverageDurationMs: Number.NaN,
  };

  return {
    spec,
    decide({
      agentIds,
      positions,
      capability,
      bids,
      roster,
      constraints,
      scorer,
    }: DecideInput): PolicyOutcome {
      const taskConstraints = constraints ?? NO_CONSTRAINTS;
      const bidders: BidderRecord[] = new Array(bids.length);
      if (needsBidRange) {
        input.lowestBidSats = Number.POSITIVE_INFINITY;
        input.highestBidSats = Number.NEGATIVE_INFINITY;
        for (const bid of bids) {
          input.lowestBidSats = Math.min(input.lowestBidSats, bid.bidSats);
          input.highestBidSats = Math.max(input.highestBidSats, bid.bidSats);
        }
      }
      // Durations are relative to the fastest bidder with a known one, so that is found up front.
      const withHistory = needsHistory && roster !== undefined;
      input.fastestAverageDurationMs = Number.NaN;
      if (withHistory) {
        for (let order = 0; order < bids.length; order++) {
          const position = positions[order] as number;
          if (position < 0) continue;
          const ms = roster.averageDurationMs[position] as number;
          if (ms < input.fastestAverageDurationMs || Number.isNaN(input.fastestAverageDurationMs)) {
            input.fastestAverageDurationMs = ms;
          }
        }
      }
      // Filters can refuse only when the task has constraints, some agent has limits or is offline,
      // or unregistered bidders are refused; otherwise every bid is eligible and they are skipped.
      const filtersApply =
        constraints !== undefined &&
        (constraints.requiredCapabilities !== undefined ||
          constraints.maxBidSats !== undefined ||
          constraints.excludedAgents !== undefined);
      const rosterMayRefuse = roster?.mayRefuse ?? false;

      let best: BidderRecord | undefined;
      let bestPosition = -1;
      let eligible = 0;
      for (let order = 0; order < bids.length; order++) {
        const bid = bids[order] as Bid;
        const position = positions[order] as number;
        // An unregistered bidder (allowed only with the seed's quirk) is scored 0, as `.get(id, 0.0)`.
        const cap = position < 0 ? null : (capability[position] as number);
        input.capability = cap ?? 0;
        input.bidSats = bid.bidSats;
        if (roster !== undefined && position >= 0) {
          input.rateSats = roster.rateSats[position] as number;
          input.inFlight = roster.inFlight[position] as number;
          input.maxConcurrency = roster.maxConcurrency[position] as number;
        } else {
          input.rateSats = 0;
          input.inFlight = 0;
          input.maxConcurrency = Number.POSITIVE_INFINITY;
        }
        if (withHistory && position >= 0) {
          input.successRate = roster.successRate[position] as number;
          input.averageDurationMs = roster.averageDurationMs[position] as number;
        } else {
          input.successRate = 0.5;
          input.averageDurationMs = Number.NaN;
        }

        let rejection: string | null = null;
        if (filtersApply || rosterMayRefuse || (position < 0 && refuseUnregistered)) {
          input.isRegistered = position >= 0;
          input.agentId = bid.agentId;
          input.capabilityTags =
            roster !== undefined && position >= 0 ? (roster.capabilityTags[position] ?? NO_TAGS) : NO_TAGS;
          input.isOffline = roster !== undefined && position >= 0 && roster.offline[position] === 1;
          rejection = rejectionOf(input, taskConstraints, refuseUnregistered);
        }
        // The threshold is a filter on each bidder, not a check of the best match: an agent that does
        // not match the task must not win on price, track record, load or speed.
        if (rejection === null && minCapability !== undefined && input.capability < minCapability) {
          rejection = thresholdRejection;
        }

        const values = new Array<number>(signalCount);
        const combined = evaluate(input, values, bid.agentId);
        const record: BidderRecord = {
          agentId: bid.agentId,
          capability: cap,
          bidSats: bid.bidSats,
          signals: values,
          combined,
          rejection,
        };
        bidders[order] = record;
        if (rejection !== null) continue;
        eligible++;
        // Strictly greater, in arrival order: a tie keeps the earliest bidder, as Python's max() does.
        if (best === undefined || combined > best.combined) {
          best = record;
          bestPosition = position;
        }
      }

      let selected: BidderRecord | null = null;
      let reason: string;
      let confidence: number | null = null;
      if (best === undefined && !seedReason) {
        reason = noFitReason({
          agentIds,
          capability,
          bidders,
          roster,
          constraints: taskConstraints,
          minCapability,
          thresholdRejection,
        });
      } else if (bids.length === 0) {
        reason = NO_BIDS_REASON; // the seed's words
      } else if (best === undefined) {
        reason = ineligibleSummary(
          bids.length,
          bidders.map((b) => b.rejection as string),
        );
      } else {
        selected = best;
        // Only a registered agent was scored, so only its probability is known.
        if (bestPosition >= 0 && scorer?.confidence !== undefined) {
          confidence = recordedConfidence(scorer.confidence(capability, bestPosition));
        }
        reason = seedReason
          ? classicReason(best)
          : explainedReason(best, spec, bidders, eligible, confidence);
      }
      return {
        agentIds,
        capability,
        rosterSize: agentIds.length,
        bidders,
        selectedAgent: selected === null ? null : selected.agentId,
        selectionReason: reason,
        confidence,
      };
    },
  };
}

function classicReason(winner: BidderRecord): string {
  return (
    `Selected ${winner.agentId} with capability_score=${formatPython2f(winner.capability ?? 0)}, ` +
    `bid=${winner.bidSats} sats, combined=${formatPython2f(winner.combined)}`
  );
}

/**
 * "Selected forge (bid 50 sats, confidence 0.83): capability 0.42, bid-received 1.00, …, combined 0.61;
 * 2 of 3 bids eligible (…)". The confidence is shown only where the scorer gives one.
 */
function explainedReason(
  winner: BidderRecord,
  spec: PolicySpec,
  bidders: readonly BidderRecord[],
  eligible: number,
  confidence: number | null,
): string {
  const parts = spec.signals.map((s, i) => `${s.name} ${(winner.signals[i] as number).toFixed(2)}`);
  const sure = confidence === null ? '' : `, confidence ${confidence.toFixed(2)}`;
  let reason = `Selected ${winner.agentId} (bid ${winner.bidSats} sats${sure}): ${parts.join(', ')}, combined ${winner.combined.toFixed(2)}`;
  if (eligible < bidders.length) {
    const refused = bidders.filter((b) => b.rejection !== null).map((b) => b.rejection as string);
    reason += `; ${eligible} of ${bidders.length} bids eligible (${refusalCounts(refused)})`;
  }
  return reason;
}
