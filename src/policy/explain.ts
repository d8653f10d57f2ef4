import type { Decision } from './decision.js';

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
  /** Why a hard filter refused the bid; null when it was eligible. */
  readonly rejection: string | null;
}

/**
 * The bidders of a decision, best first, with each signal's contribution. Built from the stored values
 * and weights only, so a decision read back from the log explains itself exactly as it was made.
 */
export function rankCandidates(decision: Decision): readonly RankedCandidate[] {
  const order = decision.bidders.map((_, i) => i);
  // Eligible bids first, then refused ones; within each, best first, and equal scores keep arrival
  // order (the policy's tie rule).
  const refused = (i: number): number => (decision.bidders[i]?.rejection == null ? 0 : 1);
  order.sort(
    (a, b) =>
      refused(a) - refused(b) ||
      (decision.bidders[b]?.combined as number) - (decision.bidders[a]?.combined as number) ||
      a - b,
  );
  return order.map((index, i) => {
    const c = decision.bidders[index] as Decision['bidders'][number];
    return {
      rank: i + 1,
      agentId: c.agentId,
      capability: c.capability,
      bidSats: c.bidSats,
      combined: c.combined,
      rejection: c.rejection ?? null,
      breakdown: decision.policy.signals.map((s, k) => {
        const value = c.signals[k] as number;
        return { signal: s.name, value, weight: s.weight, contribution: value * s.weight };
      }),
    };
  });
}

/** Registered agents that did not bid, with their capability match, in registration order. */
export function idleAgents(
  decision: Decision,
): readonly { readonly agentId: string; readonly capability: number }[] {
  const bidding = new Set(decision.bidders.map((b) => b.agentId));
  const idle: { agentId: string; capability: number }[] = [];
  decision.agentIds.forEach((agentId, i) => {
    if (!bidding.has(agentId)) idle.push({ agentId, capability: decision.capability[i] as number });
  });
  return idle;
}
