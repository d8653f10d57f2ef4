/**
 * Hard filters, applied before any signal (the k8s scheduler's filter plugins, STYLE.md §5): a bid
 * that fails one takes no part in the choice, and its decision says why. Checked in this order; the
 * first failure is the reason given.
 */

/** What the filters know about one bidder. */
export interface FilterInput {
  /** False for a bidder that is not in the roster. */
  readonly isRegistered: boolean;
  readonly agentId: string;
  /** Lower-cased capability tags of the bidder's manifest. */
  readonly capabilityTags: ReadonlySet<string>;
  readonly bidSats: number;
  readonly inFlight: number;
  /** Infinity when the manifest declares no limit. */
  readonly maxConcurrency: number;
  readonly isOffline: boolean;
}

/** The task's own constraints, from the route request. */
export interface RouteConstraints {
  /** Capability tags the agent must declare (case-insensitive, exact tag). */
  readonly requiredCapabilities?: readonly string[];
  /** Bids above this many sats are refused. */
  readonly maxBidSats?: number;
  /** Agents that must not get this task (for example those that already failed it). */
  readonly excludedAgents?: readonly string[];
}

/**
 * The reason a bidder was filtered out, or null when it passes. Reasons are short phrases that read
 * after a count ("2 bid above max_bid_sats"), so the nobody-eligible summary can group them.
 */
export function rejectionOf(
  bidder: FilterInput,
  constraints: RouteConstraints,
  refuseUnregistered: boolean,
): string | null {
  if (!bidder.isRegistered) return refuseUnregistered ? 'are not registered' : null;
  for (const tag of constraints.requiredCapabilities ?? []) {
    if (!bidder.capabilityTags.has(tag.trim().toLowerCase())) return `lack capability ${tag.trim()}`;
  }
  if (constraints.maxBidSats !== undefined && bidder.bidSats > constraints.maxBidSats) {
    return 'bid above max_bid_sats';
  }
  if (bidder.inFlight >= bidder.maxConcurrency) return 'are at capacity';
  if (bidder.isOffline) return 'are offline';
  if (constraints.excludedAgents !== undefined && isExcluded(constraints.excludedAgents, bidder.agentId)) {
    return 'are excluded';
  }
  return null;
}

/**
 * The refusal of a bidder whose capability match is below the policy's threshold: checked after the
 * hard filters, so it is the reason only for a bidder that passed them. Built once per policy.
 */
export function belowThresholdRejection(minCapability: number): string {
  return `are below the capability threshold ${minCapability}`;
}

/**
 * "4 lack capability security, 2 bid above max_bid_sats": refusal reasons, grouped and counted, in
 * the order each first appears. `noteOf` may add a parenthesis to a group ("(best forge 0.020)").
 */
export function refusalCounts(
  reasons: readonly string[],
  noteOf?: (reason: string) => string | undefined,
): string {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts]
    .map(([reason, count]) => {
      const note = noteOf?.(reason);
      return `${count} ${count === 1 ? singular(reason) : reason}${note === undefined ? '' : ` (${note})`}`;
    })
    .join(', ');
}

/** "0 of 6 agents eligible: 4 lack capability security, 2 bid above max_bid_sats". */
export function ineligibleSummary(bidders: number, reasons: readonly string[]): string {
  return `0 of ${bidders} ${bidders === 1 ? 'agent' : 'agents'} eligible: ${refusalCounts(reasons)}`;
}

/** "are offline" → "is offline", "lack capability x" → "lacks capability x", for a count of one. */
export function singular(reason: string): string {
  if (reason.startsWith('are ')) return `is ${reason.slice(4)}`;
  if (reason.startsWith('lack ')) return `lacks ${reason.slice(5)}`;
  if (reason.startsWith('bid ')) return `bids ${reason.slice(4)}`;
  return reason;
}

/** Each request's excluded agents as a set, made once per list (the request's own array). */
const excludedSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * Whether the list excludes the agent: a short list is scanned, a long one looked up in a set made at
 * its first use. A scan for every bidder took a decision of 1,000 bids with 10,000 exclusions from
 * 0.6 ms to 10 ms.
 */
function isExcluded(list: readonly string[], agentId: string): boolean {
  if (list.length <= 16) return list.includes(agentId);
  let set = excludedSets.get(list);
  if (set === undefined) {
    set = new Set(list);
    excludedSets.set(list, set);
  }
  return set.has(agentId);
}
