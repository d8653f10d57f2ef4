import type { Bid } from './decision.js';

/**
 * Signals turn what is known about a bidder into a value in [0, 1]; the policy weighs and sums them.
 * Each is pure. The runner (policy.ts), not the signal, checks the range. Arguments rather than an
 * input object: the policy calls them for every bid, 1,000 times per task on some workloads.
 *
 * @param capability the bidder's capability match; 0 for an unregistered bidder (the seed's
 *   `.get(id, 0.0)`)
 */
export type Signal = (capability: number, bid: Bid) => number;

export const SIGNALS = {
  capability: (capability: number): number => capability,
  /**
   * The seed's bid normalisation: a fixed 10–100 sat band, cheaper is better, clamped to [0, 1]
   * whatever the market (a known limit, DESIGN.md; kept for the classic policy).
   */
  'bid-band': (_capability: number, bid: Bid): number => Math.max(0, Math.min(1, (100 - bid.bidSats) / 90)),
} as const satisfies Record<string, Signal>;

export type SignalName = keyof typeof SIGNALS;

export function isSignalName(name: string): name is SignalName {
  return Object.hasOwn(SIGNALS, name);
}
