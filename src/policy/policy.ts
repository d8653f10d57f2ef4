import type { AgentManifest } from '../manifest/manifest.js';
import type { Bid, CandidateRecord, PolicyOutcome, PolicySpec } from './decision.js';
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
  /** The registered agents, in registration order. */
  readonly agents: readonly AgentManifest[];
  /** Capability match of each agent, aligned with `agents`. */
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
    decide({ agents, capability, bids }: DecideInput): PolicyOutcome {
      const bidIndex = new Map<string, number>();
      for (let i = 0; i < bids.length; i++) bidIndex.set((bids[i] as Bid).agentId, i);

      const candidates: CandidateRecord[] = [];
      let best: CandidateRecord | undefined;
      const consider = (agentId: string, cap: number | null, bidOrder: number | undefined): void => {
        if (bidOrder === undefined) {
          candidates.push({
            agentId,
            capability: cap,
            bidSats: null,
            bidOrder: null,
            signals: null,
            combined: null,
          });
          return;
        }
        const bid = bids[bidOrder] as Bid;
        const values = new Array<number>(signals.length);
        let combined = 0;
        for (let s = 0; s < signals.length; s++) {
          const value = (signals[s] as Signal)({ capability: cap ?? 0, bid });
          if (!(value >= 0 && value <= 1)) {
            throw new RangeError(
              `signal '${spec.signals[s]?.name}' returned ${value} for ${agentId}, outside [0, 1]`,
            );
          }
          values[s] = value;
          // Summed in spec order so the classic policy reproduces `cap * 0.6 + bid * 0.4` bit for bit.
          combined += value * (weights[s] as number);
        }
        const record = {
          agentId,
          capability: cap,
          bidSats: bid.bidSats,
          bidOrder,
          signals: values,
          combined,
        };
        candidates.push(record);
        // Strictly greater, and earlier bids first: a tie keeps the earliest bidder, as Python's max() does.
        if (
          best === undefined ||
          combined > (best.combined as number) ||
          (combined === best.combined && bidOrder < (best.bidOrder as number))
        ) {
          best = record;
        }
      };

      for (let a = 0; a < agents.length; a++) {
        const agentId = (agents[a] as AgentManifest).agentId;
        consider(agentId, capability[a] as number, bidIndex.get(agentId));
        bidIndex.delete(agentId);
      }
      // Whatever is left bid without being registered; a Map iterates in insertion (= bid) order.
      for (const [agentId, bidOrder] of bidIndex) {
        consider(agentId, null, bidOrder);
      }

      if (best === undefined) return { candidates, selectedAgent: null, selectionReason: NO_BIDS_REASON };
      return { candidates, selectedAgent: best.agentId, selectionReason: classicReason(best) };
    },
  };
}

function classicReason(winner: CandidateRecord): string {
  return (
    `Selected ${winner.agentId} with capability_score=${formatPython2f(winner.capability ?? 0)}, ` +
    `bid=${winner.bidSats} sats, combined=${formatPython2f(winner.combined as number)}`
  );
}
