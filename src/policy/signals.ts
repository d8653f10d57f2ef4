/**
 * Signals turn what is known about a bidder into a value in [0, 1]; the policy weighs and sums them
 * (the k8s scheduler's score plugins, STYLE.md §5). Each is pure. The runner (policy.ts), not the
 * signal, checks the range.
 *
 * They read one mutable input record that the policy refills for each bidder, rather than building
 * an object per bid: the classic policy runs them up to 1,000 times per task (bench
 * score-synthetic-1000) and allocation was most of its cost.
 */
export interface SignalInput {
  /** The scorer's capability match; 0 for an unregistered bidder (the seed's `.get(id, 0.0)`). */
  capability: number;
  bidSats: number;
  /** The bidder's declared rate (`rate_sats`); 0 when unregistered. */
  rateSats: number;
  /** Lowest and highest bid among this task's bids. */
  lowestBidSats: number;
  highestBidSats: number;
  /** Posterior mean success rate from the bidder's outcomes (the prior when it has none). */
  successRate: number;
  /** Tasks the bidder holds now, and how many it declared it takes at once (Infinity: no limit). */
  inFlight: number;
  maxConcurrency: number;
  /** Its mean completion time, ms (NaN when unknown), and the fastest such mean among the bidders. */
  averageDurationMs: number;
  fastestAverageDurationMs: number;
}

export type Signal = (input: SignalInput) => number;

const clamp01 = (x: number): number => Math.max(0, Math.min(1, x));

export const SIGNALS = {
  capability: (s: SignalInput): number => s.capability,
  /**
   * The seed's bid normalisation: a fixed 10–100 sat band, cheaper is better, clamped to [0, 1]
   * whatever the market (a known limit, DESIGN.md; kept for the classic policy).
   */
  'bid-band': (s: SignalInput): number => Math.max(0, Math.min(1, (100 - s.bidSats) / 90)),
  /** Against the bids received: the cheapest bid is 1, the dearest 0 (all equal: 1). */
  'bid-received': (s: SignalInput): number =>
    s.highestBidSats === s.lowestBidSats
      ? 1
      : (s.highestBidSats - s.bidSats) / (s.highestBidSats - s.lowestBidSats),
  /**
   * Against the bidder's own rate: at or below `rate_sats` is 1, falling to 0 at twice the rate, so
   * an agent asking more than it declared pays for it. A rate of 0 accepts only free bids.
   */
  'bid-rate': (s: SignalInput): number =>
    s.rateSats === 0 ? (s.bidSats === 0 ? 1 : 0) : clamp01(2 - s.bidSats / s.rateSats),
  /** The track record: posterior mean success rate (history.ts), 0.5 for a newcomer by default. */
  success: (s: SignalInput): number => s.successRate,
  /**
   * Spare capacity: 1 − in-flight / max_concurrency; without a declared limit, 1 / (1 + in-flight),
   * so an idle agent is preferred but a busy one is never ruled out.
   */
  load: (s: SignalInput): number =>
    Number.isFinite(s.maxConcurrency) ? clamp01(1 - s.inFlight / s.maxConcurrency) : 1 / (1 + s.inFlight),
  /**
   * Completion time relative to the fastest bidder with a known time: fastest / own, so the fastest
   * is 1 and one twice as slow 0.5. Unknown (no reported durations): 0.5, neither rewarded nor punished.
   */
  speed: (s: SignalInput): number => {
    if (Number.isNaN(s.averageDurationMs)) return 0.5;
    if (s.averageDurationMs <= 0) return 1;
    return clamp01(s.fastestAverageDurationMs / s.averageDurationMs);
  },
} as const satisfies Record<string, Signal>;

export type SignalName = keyof typeof SIGNALS;

export function isSignalName(name: string): name is SignalName {
  return Object.hasOwn(SIGNALS, name);
}
