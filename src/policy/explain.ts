import type { CandidateRecord, Decision } from './decision.js';

/** One signal's part in a candidate's combined score. */
export interface SignalContribution {
  readonly signal: string;
  readonly value: number;
  readonly weight: number;
  /** value × weight: exactly the addend the policy summed. */
  readonly contribution: number;
}

export interface RankedCandidate {
  readonly rank: number;
  readonly agentId: string;
  readonly capability: number | null;
  readonly bidSats: number;
  readonly combined: number;
  readonly breakdown: readonly SignalContribution[];
}

/**
 * The bidders of a decision, best first, with each signal's contribution. Built from the stored values
 * and weights only, so a decision read back from the log explains itself exactly as it was made.
 */
export function rankCandidates(decision: Decision): readonly RankedCandidate[] {
  const bidders = decision.candidates.filter(isBidder);
  bidders.sort((a, b) => b.combined - a.combined || a.bidOrder - b.bidOrder);
  return bidders.map((c, i) => ({
    rank: i + 1,
    agentId: c.agentId,
    capability: c.capability,
    bidSats: c.bidSats,
    combined: c.combined,
    breakdown: decision.policy.signals.map((s, k) => {
      const value = c.signals[k] as number;
      return { signal: s.name, value, weight: s.weight, contribution: value * s.weight };
    }),
  }));
}

type Bidder = CandidateRecord & {
  readonly bidSats: number;
  readonly bidOrder: number;
  readonly signals: readonly number[];
  readonly combined: number;
};

export function isBidder(candidate: CandidateRecord): candidate is Bidder {
  return candidate.bidOrder !== null;
}
