import type { Bid, BidderRecord, PolicyOutcome, PolicySpec } from './decision.js';
import { formatPython2f } from './seed-format.js';
import { isSignalName, SIGNALS, type Signal, type SignalName } from './signals.js';

/**
 * The decision pipeline: score every registered agent, turn each bid into signal values, weigh and sum
 * them in a fixed order, pick the best, and say why. Pure: the caller passes scores, bids and agents.
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
}

export interface PolicyConfig {
  readonly name: string;
  readonly signals: readonly { readonly name: string; readonly weight: number }[];
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
});

export const NO_BIDS_REASON = 'No bids received';

export function createPolicy(config: PolicyConfig, scorerName: string): Policy {
  // Checked once here rather than per decision, as the k8s scheduler framework checks plugin weights.
  if (config.signals.length === 0) throw new TypeError('expected at least one signal, got none');
  const signals: Signal[] = [];
  const weights: number[] = [];
  for (const { name, weight } of config.signals) {
    if (!isSignalName(name)) {
      throw new TypeError(`expected a known signal (${Object.keys(SIGNALS).join(', ')}), got '${name}'`);
    }
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new TypeError(
        `expected a positive finite weight for signal '${name}', got ${weight} (${typeof weight})`,
      );
    }
    signals.push(SIGNALS[name as SignalName]);
    weights.push(weight);
  }
  const spec: PolicySpec = Object.freeze({
    name: config.name,
    scorer: scorerName,
    signals: Object.freeze(config.signals.map((s) => Object.freeze({ name: s.name, weight: s.weight }))),
  });

  return {
    spec,
    decide({ agentIds, positions, capability, bids }: DecideInput): PolicyOutcome {
      const bidders: BidderRecord[] = new Array(bids.length);
      let best: BidderRecord | undefined;
      for (let order = 0; order < bids.length; order++) {
        const bid = bids[order] as Bid;
        const position = positions[order] as number;
        // An unregistered bidder (allowed only with the seed's quirk) is scored 0, as `.get(id, 0.0)`.
        const cap = position < 0 ? null : (capability[position] as number);
        const capabilityOrZero = cap ?? 0;
        const values = new Array<number>(signals.length);
        let combined = 0;
        for (let s = 0; s < signals.length; s++) {
          const value = (signals[s] as Signal)(capabilityOrZero, bid);
          if (!(value >= 0 && value <= 1)) {
            throw new RangeError(
              `signal '${spec.signals[s]?.name}' returned ${value} for ${bid.agentId}, outside [0, 1]`,
            );
          }
          values[s] = value;
          // Summed in spec order so the classic policy reproduces `cap * 0.6 + bid * 0.4` bit for bit.
          combined += value * (weights[s] as number);
        }
        const record = {
          agentId: bid.agentId,
          capability: cap,
          bidSats: bid.bidSats,
          signals: values,
          combined,
        };
        bidders[order] = record;
        // Strictly greater, in arrival order: a tie keeps the earliest bidder, as Python's max() does.
        if (best === undefined || combined > best.combined) {
          best = record;
        }
      }
      if (best === undefined)
        return { agentIds, capability, bidders, selectedAgent: null, selectionReason: NO_BIDS_REASON };
      return {
        agentIds,
        capability,
        bidders,
        selectedAgent: best.agentId,
        selectionReason: classicReason(best),
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
