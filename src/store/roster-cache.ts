import { LRUCache } from 'lru-cache';

/**
 * The rosters a store's interning caches hold, bounded by their members. A decision kept whole
 * rosters while it held every agent's score, and those are few; since decisions keep only their best
 * candidates (kept-candidates.ts), nearly every decision on a large swarm names its own small roster,
 * and an unbounded cache would grow with the log.
 */
const MEMBERS_CACHED = 2_000_000;

export function rosterCache<
  V extends { readonly length: number } | { readonly agentIds: { readonly length: number } },
>(): LRUCache<number, V> {
  return new LRUCache<number, V>({
    maxSize: MEMBERS_CACHED,
    sizeCalculation: (value) => 1 + ('agentIds' in value ? value.agentIds.length : value.length),
  });
}
