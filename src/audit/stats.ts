import type { AgentCounts } from '../store/store.js';

/** Per-agent routing statistics, derived from the store's counters. */
export interface AgentStats {
  readonly agentId: string;
  readonly tasksWon: number;
  /** Decisions in which the agent was scored or bid. */
  readonly tasksConsidered: number;
  readonly bids: number;
  /** tasksWon / tasksConsidered, 0 when never considered (the seed's definition). */
  readonly winRate: number;
  /** Mean of the agent's winning bids in sats; null when it never won. */
  readonly avgWinningBidSats: number | null;
}

export function agentStatsFromCounts(counts: AgentCounts): AgentStats {
  return {
    agentId: counts.agentId,
    tasksWon: counts.won,
    tasksConsidered: counts.considered,
    bids: counts.bids,
    winRate: counts.considered > 0 ? counts.won / counts.considered : 0,
    avgWinningBidSats: counts.won > 0 ? counts.winningBidSatsSum / counts.won : null,
  };
}
