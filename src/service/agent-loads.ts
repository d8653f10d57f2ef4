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
 * An offer being committed counts too (committing): a decision is made synchronously but committed
 * asynchronously, and another auction closing meanwhile must see the agent's slot as taken, or an
 * agent at its `max_concurrency` less one could be offered two tasks. Reservations are kept apart
 * from the held counts so that a catch-up replacing those does not lose them.
 *
 * A catch-up's read may or may not include a commit of this instance that overlapped it (the read
 * and the commit run on different connections), and the commit's own count may land before or after
 * the read's answer: taking the read as it is for that commit's agents could undercount them (an
 * offer over `max_concurrency`) or overcount them. Their counts are kept as this instance has them,
 * and read again at the next catch-up (reread).
 */
export class AgentLoads {
  readonly #router: Router;
  readonly #held = new Map<string, number>();
  readonly #reserved = new Map<string, number>();
  /** Agents whose load a commit in flight may change (its task's holder before and after it). */
  readonly #committing = new Map<string, number>();
  /** For each catch-up read in progress, the agents whose load a commit changed (or may have) meanwhile. */
  readonly #reads = new Set<Set<string>>();

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

  /**
   * Takes the loads as stored: an agent not in `loads` holds nothing. `keep`: agents whose counts
   * stay as they are (reread).
   */
  replaceAll(loads: ReadonlyMap<string, number>, keep: ReadonlySet<string> = new Set()): void {
    const agents = new Set([...this.#held.keys(), ...loads.keys()]);
    for (const agentId of agents) {
      if (keep.has(agentId)) continue;
      const n = loads.get(agentId) ?? 0;
      if (n > 0) this.#held.set(agentId, n);
      else this.#held.delete(agentId);
      this.#tell(agentId);
    }
  }

  /**
   * A catch-up: takes the loads `read` gives, but for the agents whose load a commit of this
   * instance changed, or may have, while the read ran.
   */
  async reread(read: () => Promise<ReadonlyMap<string, number>>): Promise<void> {
    const touched = new Set(this.#committing.keys());
    this.#reads.add(touched);
    let loads: ReadonlyMap<string, number>;
    try {
      loads = await read();
    } finally {
      this.#reads.delete(touched);
    }
    this.replaceAll(loads, touched);
  }

  /**
   * A change of the task from `before` to `after` is being committed: its new holder, if any, counts
   * one more task until the returned function is called (once), after the commit has been counted.
   */
  committing(before: Task, after: Task): () => void {
    const agents = [before, after].filter(holds).map((task) => task.assignedAgent as string);
    for (const agentId of agents) {
      bump(this.#committing, agentId, 1);
      for (const touched of this.#reads) touched.add(agentId);
    }
    const holder = newHolder(before, after);
    if (holder !== undefined) {
      bump(this.#reserved, holder, 1);
      this.#tell(holder);
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const agentId of agents) bump(this.#committing, agentId, -1);
      if (holder !== undefined) {
        bump(this.#reserved, holder, -1);
        this.#tell(holder);
      }
    };
  }

  /**
   * Runs `fn` (synchronous) with the task not counted against the agent holding it: a retry choosing
   * the next candidate must not count the task against the agent it is leaving, or another skill of
   * the same A2A agent (load-groups.ts) would seem full. An entry removed from the roster keeps its
   * count (at 0 it would leave its agent's load group while still holding the task).
   */
  setAside<T>(task: Task, fn: () => T): T {
    const agentId = task.assignedAgent;
    if (!holds(task) || agentId === null || this.of(agentId) === 0 || !this.#router.registry.has(agentId))
      return fn();
    bump(this.#held, agentId, -1);
    this.#tell(agentId);
    try {
      return fn();
    } finally {
      bump(this.#held, agentId, 1);
      this.#tell(agentId);
    }
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
