/**
 * Which of the scored agents a decision keeps. Scoring covers the whole roster, but a record that held
 * every agent's score would grow with the roster (178 KB a decision at 50,000 tools). So a decision
 * keeps every registered bidder (the bids are what it judged, and the per-agent counters count a
 * bidder as considered) and the `keep` best-matching others with a match above zero; ties go to the
 * earlier-registered agent, as the policy's do. A roster of at most `keep` agents is kept whole, as
 * decisions always were, so small swarms' records do not change.
 */

/** The default number of best-matching non-bidders a decision keeps beside its bidders. */
export const DEFAULT_CANDIDATES_KEPT = 20;

export interface KeptCandidates {
  /** The kept agents, in registration order. The roster's own array when it is kept whole. */
  readonly agentIds: readonly string[];
  /** Their capability match, aligned with agentIds. */
  readonly capability: ArrayLike<number>;
}

/**
 * @param bidderPositions each bid's bidder's position in agentIds; -1 for an unregistered bidder
 */
export function keepCandidates(
  agentIds: readonly string[],
  capability: ArrayLike<number>,
  bidderPositions: ArrayLike<number>,
  keep: number,
): KeptCandidates {
  const n = agentIds.length;
  if (n <= keep) return { agentIds, capability };
  // Bidders marked in a scratch array rather than a Set: this runs at every decision, and hashing
  // ~70 bidders and sorting them with a comparator was a third of a decision at 1,000 agents.
  if (bidding.length < n) bidding = new Uint8Array(n);
  const positions = new Int32Array(bidderPositions.length + Math.max(0, keep));
  let count = 0;
  try {
    for (let i = 0; i < bidderPositions.length; i++) {
      const position = bidderPositions[i] as number;
      if (position >= 0 && bidding[position] === 0) {
        bidding[position] = 1;
        positions[count++] = position;
      }
    }
    for (const position of bestPositions(capability, bidding, keep)) positions[count++] = position;
  } finally {
    for (let i = 0; i < bidderPositions.length; i++) {
      const position = bidderPositions[i] as number;
      if (position >= 0) bidding[position] = 0;
    }
  }
  const kept = positions.subarray(0, count).sort();
  const ids = new Array<string>(count);
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = kept[i] as number;
    ids[i] = agentIds[at] as string;
    scores[i] = capability[at] as number;
  }
  return { agentIds: ids, capability: scores };
}

/** Which roster positions bid in the decision under way (1), all 0 between decisions. */
let bidding = new Uint8Array(0);

/**
 * The positions of the `keep` highest non-zero scores outside `skip`, earlier positions first on ties:
 * one pass with a min-heap of `keep` entries, so the cost is O(n log keep), not a sort of the roster.
 * Once the heap is full, a score that does not beat its weakest is passed over with one comparison:
 * the pass runs over every agent of every decision.
 */
function bestPositions(capability: ArrayLike<number>, skip: Uint8Array, keep: number): number[] {
  const heap: number[] = []; // positions; the root is the weakest kept: lowest score, then latest
  if (keep <= 0) return heap;
  const weaker = (a: number, b: number): boolean => {
    const sa = capability[a] as number;
    const sb = capability[b] as number;
    return sa < sb || (sa === sb && a > b);
  };
  const siftDown = (): void => {
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let weakest = at;
      if (left < heap.length && weaker(heap[left] as number, heap[weakest] as number)) weakest = left;
      if (right < heap.length && weaker(heap[right] as number, heap[weakest] as number)) weakest = right;
      if (weakest === at) return;
      [heap[at], heap[weakest]] = [heap[weakest] as number, heap[at] as number];
      at = weakest;
    }
  };
  let floor = 0; // a score must be above this to enter: 0, then the weakest kept once the heap is full
  for (let position = 0; position < capability.length; position++) {
    const score = capability[position] as number;
    // Equal scores never replace the root: it was seen first, so it wins the tie.
    if (!(score > floor) || skip[position] === 1) continue;
    if (heap.length < keep) {
      heap.push(position);
      for (let at = heap.length - 1; at > 0; ) {
        const parent = (at - 1) >> 1;
        if (!weaker(heap[at] as number, heap[parent] as number)) break;
        [heap[at], heap[parent]] = [heap[parent] as number, heap[at] as number];
        at = parent;
      }
    } else {
      heap[0] = position;
      siftDown();
    }
    if (heap.length === keep) floor = capability[heap[0] as number] as number;
  }
  return heap;
}
