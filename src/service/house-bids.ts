import type { EventBus } from '../events/event-bus.js';
import type { TaskEvent } from '../events/task-event.js';
import { RouterError } from '../kernel/errors.js';
import type { Router } from '../router/router.js';
import type { AgentDirectory } from './agent-directory.js';
import type { TaskService } from './task-service.js';

/**
 * Bids for the agents that do not bid themselves: the skills of A2A agents, whose cards state a rate
 * (card-agents.ts). When a task is posted, the skills that match it best (at most `perTask`, each
 * with a match above zero and not refused by the policy's threshold) bid their rate, as an agent of
 * the swarm would; the auction then decides among every bid as usual. A bid is the router's, made
 * for the skill: the decision shows it as that skill's bid, and the docs say so (a2a.md).
 */

export const HOUSE_BIDS_PER_TASK = 3;

export interface HouseBidsOptions {
  readonly bus: EventBus;
  readonly router: Router;
  readonly directory: AgentDirectory;
  readonly tasks: TaskService;
  readonly perTask?: number;
  readonly onError?: (taskId: string, error: unknown) => void;
}

export class HouseBids {
  readonly #options: HouseBidsOptions;
  #unsubscribe: (() => void) | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: HouseBidsOptions) {
    this.#options = options;
  }

  start(): void {
    this.#unsubscribe ??= this.#options.bus.subscribe((events) => {
      for (const event of events) if (event.kind === 'task:posted') this.#track(this.#bidFor(event));
    });
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** The skills that would bid on a task of this text now, best match first. */
  biddersFor(description: string): { agentId: string; bidSats: number }[] {
    const { router, directory } = this.#options;
    if (![...directory.cardAgents().keys()].length) return [];
    // The policy's own view of the task, unlogged: every agent's match, kept for the best of them.
    const seen = router.decide({ description, bids: [] });
    const ranked: { agentId: string; match: number }[] = [];
    for (let i = 0; i < seen.agentIds.length; i++) {
      const agentId = seen.agentIds[i] as string;
      const match = seen.capability[i] as number;
      if (match > 0 && router.registry.get(agentId)?.a2a !== undefined) ranked.push({ agentId, match });
    }
    ranked.sort((a, b) => b.match - a.match);
    return ranked.slice(0, this.#options.perTask ?? HOUSE_BIDS_PER_TASK).map(({ agentId }) => ({
      agentId,
      bidSats: router.registry.get(agentId)?.rateSats ?? 0,
    }));
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  async #bidFor(event: TaskEvent): Promise<void> {
    const description = event.data.description;
    if (typeof description !== 'string') return;
    for (const bid of this.biddersFor(description)) {
      try {
        await this.#options.tasks.bid(event.taskId, bid.agentId, bid.bidSats);
      } catch (error) {
        // Refused (offline, at capacity, above the task's price) or too late: like any bidder's.
        if (
          error instanceof RouterError &&
          ['not_eligible', 'wrong_state', 'unknown_agent'].includes(error.code)
        ) {
          continue;
        }
        this.#options.onError?.(event.taskId, error);
      }
    }
  }
}
