import { RouterError } from '../kernel/errors.js';
import type { Bid } from '../policy/decision.js';

/** A task to route now, with the bids already received, in arrival order. */
export interface RouteRequest {
  /** Generated (`task-<uuidv7>`) when omitted. */
  readonly taskId?: string;
  readonly description: string;
  readonly bids: readonly Bid[];
}

/**
 * The checks every route request passes before scoring, whichever edge it came from: bids are
 * integers ≥ 0, one per agent, and (unless the seed's quirk is asked for) from registered agents.
 * Edges validate shapes with the wire schemas; this guards the library API and the rules that need
 * the roster. Returns where each bidder sits in the roster (`agentIndex`), -1 for unregistered ones.
 */
export function checkRouteRequest(
  request: RouteRequest,
  agentIndex: ReadonlyMap<string, number>,
  allowUnregisteredBidders: boolean,
): Int32Array {
  if (typeof request.description !== 'string') {
    throw new RouterError(
      'invalid_request',
      `description must be a string, got ${typeof request.description}`,
      {
        details: { field: 'description' },
      },
    );
  }
  const bids = request.bids;
  // Each bidder's position in the roster (-1: not registered), found here once for the policy too.
  const positions = new Int32Array(bids.length);
  // A set only pays for itself on long bid lists; most tasks get a handful of bids.
  const seen = bids.length > 16 ? new Set<string>() : undefined;
  for (let i = 0; i < bids.length; i++) {
    const { agentId, bidSats } = bids[i] as Bid;
    if (typeof agentId !== 'string' || agentId.length === 0) {
      throw new RouterError('invalid_request', `bids[${i}].agent_id must be a non-empty string`, {
        details: { field: `bids[${i}].agent_id` },
      });
    }
    if (!Number.isSafeInteger(bidSats) || bidSats < 0) {
      throw new RouterError(
        'invalid_request',
        `bids[${i}].bid_sats must be an integer ≥ 0, got ${String(bidSats)}`,
        {
          details: { field: `bids[${i}].bid_sats`, value: bidSats },
        },
      );
    }
    if (seen === undefined ? isEarlierBidder(bids, i, agentId) : seen.has(agentId)) {
      throw new RouterError(
        'duplicate_bid',
        `bids[${i}]: agent '${agentId}' already bid on this task (one bid per agent)`,
        {
          details: { field: `bids[${i}].agent_id`, agentId },
        },
      );
    }
    seen?.add(agentId);
    const position = agentIndex.get(agentId);
    positions[i] = position ?? -1;
    if (position === undefined && !allowUnregisteredBidders) {
      throw new RouterError('unknown_agent', `bids[${i}]: agent '${agentId}' is not registered`, {
        details: { field: `bids[${i}].agent_id`, agentId },
      });
    }
  }
  return positions;
}

function isEarlierBidder(bids: readonly Bid[], index: number, agentId: string): boolean {
  for (let j = 0; j < index; j++) if ((bids[j] as Bid).agentId === agentId) return true;
  return false;
}
