import type { Router } from '../router/router.js';

/**
 * How many tasks each agent holds (offered to it or accepted), as this instance knows it: kept as
 * commits change it and re-read from the store on a catch-up, and told to the router, whose load
 * signal scores with it. The router keeps loads by agent id, registered now or not.
 */
export class AgentLoads {
  readonly #router: Router;
  readonly #inFlight = new Map<string, number>();

  constructor(router: Router) {
    this.#router = router;
  }

  /** Tasks the agent holds now. */
  of(agentId: string): number {
    return this.#inFlight.get(agentId) ?? 0;
  }

  /** One task more (1) or fewer (−1) for the agent. */
  add(agentId: string, delta: number): void {
    this.#set(agentId, Math.max(0, this.of(agentId) + delta));
  }

  /** Takes the loads as stored: an agent not in `loads` holds nothing. */
  replaceAll(loads: ReadonlyMap<string, number>): void {
    for (const agentId of [...this.#inFlight.keys()]) if (!loads.has(agentId)) this.#set(agentId, 0);
    for (const [agentId, n] of loads) this.#set(agentId, n);
  }

  #set(agentId: string, n: number): void {
    if (n === 0) this.#inFlight.delete(agentId);
    else this.#inFlight.set(agentId, n);
    this.#router.setAgentLoad(agentId, n);
  }
}
