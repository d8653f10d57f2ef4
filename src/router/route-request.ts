import { RouterError } from '../kernel/errors.js';
import type { Bid } from '../policy/decision.js';
import type { RouteConstraints } from '../policy/filters.js';

/**
 * A task to route now, with the bids already received, in arrival order, and the task's own hard
 * constraints (required capability tags, a bid ceiling, agents to leave out).
 */
export interface RouteRequest extends RouteConstraints {
  /** Generated (`task-<uuidv7>`) when omitted. */
  readonly taskId?: string;
  readonly description: string;
  readonly bids: readonly Bid[];
}

/**
 * The roster as the request check needs it: each agent's position, and a stamp per position that
 * marks "already bid on the request being checked". Stamping with a generation number instead of
 * building a set per request matters when every one of 1,000 agents bids (bench score-synthetic-1000).
 * One instance per router; checks are synchronous, so one scratch array serves them all.
 */
export class RosterIndex {
  /** The roster's positions, kept current by its owner (roster-view.ts). */
  readonly positionOf: ReadonlyMap<string, number>;
  #stamps = new Int32Array(16);
  #generation = 0;
  #positions = new Int32Array(16);

  constructor(positionOf: ReadonlyMap<string, number>) {
    this.positionOf = positionOf;
  }

  /** Starts a new request: every earlier stamp becomes stale. */
  nextGeneration(): number {
    if (++this.#generation === 0x7fffffff) {
      this.#stamps.fill(0);
      this.#generation = 1;
    }
    return this.#generation;
  }

  /**
   * Scratch for the bidders' positions of the request being checked, at least `bids` long: valid
   * until the next check, which is all a synchronous decision needs, and one allocation fewer per
   * decision (bench score-personas).
   */
  positionsFor(bids: number): Int32Array {
    if (this.#positions.length < bids)
      this.#positions = new Int32Array(Math.max(bids, this.#positions.length * 2));
    return this.#positions;
  }

  /** Marks a position for this generation; false if it was already marked. */
  mark(position: number, generation: number): boolean {
    if (position >= this.#stamps.length) {
      // The roster grew: the stamps made so far (this request's among them) move to a larger array.
      const larger = new Int32Array(Math.max(position + 1, this.#stamps.length * 2));
      larger.set(this.#stamps);
      this.#stamps = larger;
    }
    if (this.#stamps[position] === generation) return false;
    this.#stamps[position] = generation;
    return true;
  }
}

/**
 * The checks every route request passes before scoring, whichever edge it came from: bids are
 * integers ≥ 0, one per agent, and (unless the seed's quirk is asked for) from registered agents.
 * Edges validate shapes with the wire schemas; this guards the library API and the rules that need
 * the roster. Returns where each bidder sits in the roster, -1 for unregistered ones: the first
 * `bids.length` entries of the roster's scratch, overwritten by the next check.
 */
export function checkRouteRequest(
  request: RouteRequest,
  roster: RosterIndex,
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
  const maxBid = request.maxBidSats;
  if (maxBid !== undefined && (!Number.isSafeInteger(maxBid) || maxBid < 0)) {
    throw new RouterError('invalid_request', `max_bid_sats must be an integer ≥ 0, got ${String(maxBid)}`, {
      details: { field: 'max_bid_sats' },
    });
  }
  // Checked one by one rather than through a list of pairs: this runs for every request.
  if (request.requiredCapabilities !== undefined) {
    checkTagList('required_capabilities', request.requiredCapabilities);
  }
  if (request.excludedAgents !== undefined) checkTagList('exclude', request.excludedAgents);
  const bids = request.bids;
  const positions = roster.positionsFor(bids.length);
  const generation = roster.nextGeneration();
  let unregistered: Set<string> | undefined;
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
    const position = roster.positionOf.get(agentId);
    let isFirstBid: boolean;
    if (position === undefined) {
      if (!allowUnregisteredBidders) {
        throw new RouterError('unknown_agent', `bids[${i}]: agent '${agentId}' is not registered`, {
          details: { field: `bids[${i}].agent_id`, agentId },
        });
      }
      unregistered ??= new Set();
      isFirstBid = !unregistered.has(agentId);
      unregistered.add(agentId);
    } else {
      isFirstBid = roster.mark(position, generation);
    }
    if (!isFirstBid) {
      throw new RouterError(
        'duplicate_bid',
        `bids[${i}]: agent '${agentId}' already bid on this task (one bid per agent)`,
        {
          details: { field: `bids[${i}].agent_id`, agentId },
        },
      );
    }
    positions[i] = position ?? -1;
  }
  return positions;
}

function checkTagList(field: string, list: readonly string[]): void {
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || x.trim() === '')) {
    throw new RouterError('invalid_request', `${field} must be a list of non-empty strings`, {
      details: { field },
    });
  }
}
