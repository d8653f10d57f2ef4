import type { AgentStats } from '../audit/stats.js';

export interface AgentStatsDto {
  readonly agent_id: string;
  readonly tasks_won: number;
  readonly tasks_considered: number;
  readonly bids: number;
  readonly win_rate: number;
  readonly avg_winning_bid_sats: number | null;
}

export function toAgentStatsDto(stats: AgentStats): AgentStatsDto {
  return {
    agent_id: stats.agentId,
    tasks_won: stats.tasksWon,
    tasks_considered: stats.tasksConsidered,
    bids: stats.bids,
    win_rate: stats.winRate,
    avg_winning_bid_sats: stats.avgWinningBidSats,
  };
}
