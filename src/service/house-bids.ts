import type { Router } from '../router/router.js';
import type { AgentDirectory } from './agent-directory.js';

/**
 * Bids for the agents that do not bid themselves: the skills of A2A agents, whose cards state a rate
 * (card-agents.ts). When a task is posted (TaskService's `houseBids`), the skills that match it best
 * (at most `perTask`, each matching at least the policy's capability threshold, and above zero) bid their rate, as an agent of the swarm would;
 * the auction then decides among every bid as usual. Such entries never bid themselves, so an auction
 * does not wait for them. A bid is the router's, made for the skill (a2a.md says so).
 */

export const HOUSE_BIDS_PER_TASK = 3;

export interface HouseBidsOptions {
  readonly router: Router;
  readonly directory: AgentDirectory;
  readonly perTask?: number;
}

export class HouseBids {
  readonly #options: HouseBidsOptions;

  constructor(options: HouseBidsOptions) {
    this.#options = options;
  }

  /**
   * The skills that bid on a task of this text, best match first, at their rates: of those that
   * `eligible` lets bid (the task's constraints, the policy's other filters), so that one the policy
   * would refuse leaves its place to the next.
   */
  biddersFor(
    description: string,
    eligible: (agentId: string, bidSats: number) => boolean = () => true,
  ): { agentId: string; bidSats: number }[] {
    const { router, directory } = this.#options;
    if (!directory.hasCardAgents()) return [];
    // The policy's own view of the task, unlogged: the best-matching agents and their match.
    const seen = router.decide({ description, bids: [] });
    // A match below the policy's threshold would only be refused: such a skill does not bid.
    const threshold = Math.max(Number.MIN_VALUE, seen.policy.minCapability ?? 0);
    const ranked: { agentId: string; match: number; bidSats: number }[] = [];
    for (let i = 0; i < seen.agentIds.length; i++) {
      const agentId = seen.agentIds[i] as string;
      const match = seen.capability[i] as number;
      const manifest = match >= threshold ? router.registry.get(agentId) : undefined;
      if (manifest?.a2a !== undefined && eligible(agentId, manifest.rateSats)) {
        ranked.push({ agentId, match, bidSats: manifest.rateSats });
      }
    }
    ranked.sort((a, b) => b.match - a.match);
    return ranked
      .slice(0, this.#options.perTask ?? HOUSE_BIDS_PER_TASK)
      .map(({ agentId, bidSats }) => ({ agentId, bidSats }));
  }
}
