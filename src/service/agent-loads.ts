import type { Router } from '../router/router.js';
import type { Task } from '../tasks/task.js';

/** Whether the task is held by an agent (offered to it or accepted): what counts towards its load. */
export const holds = (task: Task): boolean =>
  (task.status === 'offered' || task.status === 'accepted') && task.assignedAgent !== null;

/** The agent a change hands the task to, when it did not hold it before the change. */
export function newHolder(before: Task, after: Task): string | undefined {
  if (!holds(after)) return undefined;
  return holds(before) && before.assignedAgent === after.assignedAgent
    ? undefined
    : (after.assignedAgent as string);
}

/**
 * How many tasks each agent holds (offered to it or accepted), as this instance knows it: kept as
 * commits change it and re-read from the store on a catch-up, and told to the router, whose load
 * signal and capacity filter read it. The router keeps loads by agent id, registered now or not.
 *
 * An offer being committed counts too (reserve): a decision is made synchronously but committed
 * asynchronously, and another auction closing meanwhile must see the agent's slot as taken, or an
 * agent at its `max_concurrency` less one could be offered two tasks. Reservations are kept apart
 * from the held counts so that a catch-up replacing those does not lose them.
 */
export class AgentLoads {
  readonly #router: Router;
  readonly #held = new Map<string, number>();
  readonly #reserved = new Map<string, number>();

  constructor(router: Router) {
    this.#router = router;
  }

  /** Tasks the agent holds now (reservations not counted). */
  of(agentId: string): number {
    return this.#held.get(agentId) ?? 0;
  }

  /** One task more (1) or fewer (−1) for the agent. */
  add(agentId: string, delta: number): void {
    bump(this.#held, agentId, delta);
    this.#tell(agentId);
  }

  /** Takes the loads as stored: an agent not in `loads` holds nothing. */
  replaceAll(loads: ReadonlyMap<string, number>): void {
    const agents = new Set([...this.#held.keys(), ...loads.keys()]);
    this.#held.clear();
    for (const [agentId, n] of loads) if (n > 0) this.#held.set(agentId, n);
    for (const agentId of agents) this.#tell(agentId);
  }

  /** Counts one more task for the agent until the returned release is called (once). */
  reserve(agentId: string): () => void {
    bump(this.#reserved, agentId, 1);
    this.#tell(agentId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      bump(this.#reserved, agentId, -1);
      this.#tell(agentId);
    };
  }

  #tell(agentId: string): void {
    this.#router.setAgentLoad(agentId, this.of(agentId) + (this.#reserved.get(agentId) ?? 0));
  }
}

/** counts[agentId] += delta, never below 0; an entry at 0 is removed. */
function bump(counts: Map<string, number>, agentId: string, delta: number): void {
  const n = Math.max(0, (counts.get(agentId) ?? 0) + delta);
  if (n === 0) counts.delete(agentId);
  else counts.set(agentId, n);
}
