/**
 * A routing decision: the domain record that the router produces, the store keeps and the audit
 * chain seals. It holds everything needed to explain the decision later from the log alone.
 */

/** One signal of the policy, with the weight it carries in the combined score. */
export interface SignalWeight {
  readonly name: string;
  readonly weight: number;
}

/** The scoring rule a decision was made under; stored with every decision. */
export interface PolicySpec {
  /** Policy preset name, e.g. `classic`. */
  readonly name: string;
  /** Scorer that produced the capability values. */
  readonly scorer: string;
  /** The signals in the order their contributions are summed. */
  readonly signals: readonly SignalWeight[];
  /**
   * A bidder whose capability match is below this is refused, whatever its other signals; when every
   * bidder is, the answer is "no suitable agent". Absent (classic): any match will do. Decisions
   * logged before the threshold refused bidders applied it to the best match among eligible bids
   * only; their records keep what was decided then.
   */
  readonly minCapability?: number;
}

export interface Bid {
  readonly agentId: string;
  readonly bidSats: number;
}

/** A bid as the policy judged it. Its position in `bidders` is its arrival order. */
export interface BidderRecord {
  readonly agentId: string;
  /** Capability match in [0, 1]; null when the bidder was not registered at decision time. */
  readonly capability: number | null;
  readonly bidSats: number;
  /** Each policy signal's value in [0, 1], in PolicySpec order. */
  readonly signals: readonly number[];
  /** Weighted sum of the signals. */
  readonly combined: number;
  /**
   * Why a hard filter refused the bid (e.g. "bid above max_bid_sats"), or null when it was eligible.
   * A refused bid still carries its signal values, so the log shows what it would have scored.
   */
  readonly rejection: string | null;
}

/**
 * What the policy decides, before the router gives it an identity and the store a place.
 *
 * Every registered agent is scored; the scores are kept column-wise (ids and scores side by side)
 * rather than as one object per agent, because with 1,000 registered agents the objects cost more than
 * the scoring (bench `score-synthetic-1000`). A decision keeps the scores of at most its bidders and
 * the best-matching others (kept-candidates.ts), so its size does not grow with the roster.
 */
export interface PolicyOutcome {
  /**
   * The agents whose match the decision keeps, in registration order: the whole roster when it has
   * no more agents than a decision keeps (the array may then be shared between decisions), else every
   * registered bidder and the best-matching others.
   */
  readonly agentIds: readonly string[];
  /** Capability match of each of `agentIds`, aligned with it. */
  readonly capability: ArrayLike<number>;
  /** How many registered agents were scored: agentIds.length when the roster was kept whole. */
  readonly rosterSize: number;
  /** The bids in arrival order, registered or not. */
  readonly bidders: readonly BidderRecord[];
  readonly selectedAgent: string | null;
  readonly selectionReason: string;
  /**
   * The probability that the selected agent is the right one for the task, as the scorer estimated it
   * (CompiledScorer.confidence), rounded to CONFIDENCE_DECIMALS so that it hashes the same on every
   * platform; null when nothing was selected, the scorer gives no confidence, or the decision was
   * logged before decisions carried one.
   */
  readonly confidence: number | null;
}

/** Decimal places a decision's confidence is rounded to. */
export const CONFIDENCE_DECIMALS = 3;

/** A probability as a decision records it: rounded to CONFIDENCE_DECIMALS, clamped to [0, 1]. */
export function recordedConfidence(p: number): number | null {
  if (Number.isNaN(p)) return null;
  const scale = 10 ** CONFIDENCE_DECIMALS;
  return Math.round(Math.min(Math.max(p, 0), 1) * scale) / scale;
}

export interface Decision extends PolicyOutcome {
  readonly decisionId: string;
  readonly taskId: string;
  /** The full task text (the seed cut it to 100 characters; we keep it whole). */
  readonly description: string;
  readonly timestampMs: number;
  readonly policy: PolicySpec;
}

/** The previous hash of the first record of every audit log. */
export const GENESIS_HASH = '0'.repeat(64);

/** A decision as the audit log holds it: its place in the log and its link in the hash chain. */
export interface LoggedDecision extends Decision {
  /** Strictly increasing, gap-free position in the log, from 1. */
  readonly seq: number;
  /** SHA-256 (hex) of the previous record's hash and this record's canonical form. */
  readonly hash: string;
  /** The previous record's hash; 64 zeros for the first record. */
  readonly prevHash: string;
}
