import type { BidderRecord } from './decision.js';
import { type RouteConstraints, refusalCounts, rejectionOf } from './filters.js';

/**
 * Why a decision selected nobody, in words a person can act on (the k8s scheduler's FitError
 * diagnosis, STYLE.md §5): a required capability no registered agent declares; no bids, and whether
 * any agent could have taken the task; or every bid refused, counted by reason. Built only for
 * decisions without a winner, so its cost (a pass over the roster at most) is off the common path.
 */

export const NO_BIDS_REASON = 'No bids received';
export const NO_SUITABLE_AGENT = 'No suitable agent';

/** What the filters know of each registered agent, by roster position (RosterFacts has these). */
export interface RosterFilterFacts {
  /** Lower-cased capability tags of each manifest. */
  readonly capabilityTags: readonly ReadonlySet<string>[];
  readonly maxConcurrency: ArrayLike<number>;
  readonly inFlight: ArrayLike<number>;
  /** 1 where the agent is offline. */
  readonly offline: ArrayLike<number>;
}

export interface NoFitInput {
  /** The registered agents, in registration order. */
  readonly agentIds: readonly string[];
  /** Capability match of each of `agentIds`, aligned with it. */
  readonly capability: ArrayLike<number>;
  /** Every bid as the policy judged it: each one refused. */
  readonly bidders: readonly BidderRecord[];
  /** Undefined when nothing is known about the agents: then only the bids can be explained. */
  readonly roster: RosterFilterFacts | undefined;
  readonly constraints: RouteConstraints;
  readonly minCapability: number | undefined;
  /** The rejection the policy gives a bidder below `minCapability` (belowThresholdRejection). */
  readonly thresholdRejection: string | null;
}

const NO_TAGS: ReadonlySet<string> = new Set();

/**
 * "No suitable agent: no agent declares the capability `baking`", "No bids received, and none of the
 * 3 agents fits: 2 are offline, 1 is below the capability threshold 0.02 (forge 0.016)", "No suitable
 * agent: 3 agents were refused: 2 are below the capability threshold 0.02 (best forge 0.016), 1 bids
 * above max_bid_sats".
 */
export function noFitReason(input: NoFitInput): string {
  const undeclared = undeclaredCapabilities(input.constraints, input.roster);
  if (undeclared.length > 0) {
    const what = undeclared.length === 1 ? 'the capability' : 'the capabilities';
    return `${NO_SUITABLE_AGENT}: no agent declares ${what} ${undeclared.map((t) => `\`${t}\``).join(', ')}`;
  }
  if (input.bidders.length === 0) return noBidsReason(input);
  const n = input.bidders.length;
  const refused = input.bidders.map((b) => ({
    agentId: b.agentId,
    capability: b.capability ?? 0,
    rejection: b.rejection as string,
  }));
  return `${NO_SUITABLE_AGENT}: ${n} ${n === 1 ? 'agent was' : 'agents were'} refused: ${counted(refused, input.thresholdRejection)}`;
}

/** Required tags (as written, trimmed) that no registered agent declares; none without roster facts. */
function undeclaredCapabilities(
  constraints: RouteConstraints,
  roster: RosterFilterFacts | undefined,
): string[] {
  const required = constraints.requiredCapabilities;
  if (required === undefined || required.length === 0 || roster === undefined) return [];
  const undeclared: string[] = [];
  const seen = new Set<string>();
  for (const raw of required) {
    const tag = raw.trim().toLowerCase();
    if (seen.has(tag)) continue;
    seen.add(tag);
    if (!roster.capabilityTags.some((tags) => tags.has(tag))) undeclared.push(raw.trim());
  }
  return undeclared;
}

/**
 * No bids: when every registered agent would have been refused (the same filters and threshold a
 * bid meets), say why; when some agent could have taken the task, the answer is simply no bids.
 */
function noBidsReason(input: NoFitInput): string {
  const { roster, agentIds } = input;
  if (roster === undefined) return NO_BIDS_REASON;
  if (agentIds.length === 0) return `${NO_BIDS_REASON}: no agent is registered`;
  const refused: Refused[] = [];
  for (let i = 0; i < agentIds.length; i++) {
    const agentId = agentIds[i] as string;
    const capability = input.capability[i] as number;
    const rejection =
      rejectionOf(
        {
          isRegistered: true,
          agentId,
          capabilityTags: roster.capabilityTags[i] ?? NO_TAGS,
          // No bid to weigh against max_bid_sats: 0 passes any ceiling.
          bidSats: 0,
          inFlight: roster.inFlight[i] as number,
          maxConcurrency: roster.maxConcurrency[i] as number,
          isOffline: roster.offline[i] === 1,
        },
        input.constraints,
        true,
      ) ??
      (input.minCapability !== undefined && capability < input.minCapability
        ? input.thresholdRejection
        : null);
    if (rejection === null) return NO_BIDS_REASON; // this one could have bid and won
    refused.push({ agentId, capability, rejection });
  }
  const n = agentIds.length;
  const nobody = n === 1 ? 'the only agent does not fit' : `none of the ${n} agents fits`;
  return `${NO_BIDS_REASON}, and ${nobody}: ${counted(refused, input.thresholdRejection)}`;
}

interface Refused {
  readonly agentId: string;
  readonly capability: number;
  readonly rejection: string;
}

/** The refusals counted by reason, the threshold's group naming its best match. */
function counted(refused: readonly Refused[], thresholdRejection: string | null): string {
  let best: Refused | undefined;
  let below = 0;
  for (const r of refused) {
    if (r.rejection !== thresholdRejection) continue;
    below++;
    if (best === undefined || r.capability > best.capability) best = r;
  }
  return refusalCounts(
    refused.map((r) => r.rejection),
    (reason) =>
      reason === thresholdRejection && best !== undefined
        ? `${below === 1 ? '' : 'best '}${best.agentId} ${best.capability.toFixed(3)}`
        : undefined,
  );
}
