import type { AgentManifest } from '../manifest/manifest.js';

/**
 * The group an entry's load is counted in, or undefined for an entry counted alone. An A2A agent's
 * skills are entries of the roster each, but one agent runs them all: its card's `max_concurrency`
 * limits the agent, and every task one skill holds keeps the agent as busy for the others.
 */
export function loadGroupOf(manifest: AgentManifest): string | undefined {
  return manifest.a2a === undefined ? undefined : `a2a:${manifest.a2a.agent}`;
}

/** Which roster entries share a load group, kept as the roster changes. */
export class LoadGroups {
  readonly #members = new Map<string, Set<string>>();
  readonly #groupOf = new Map<string, string>();

  /** The entry joins its manifest's group (or none), leaving the one it was in. */
  join(manifest: AgentManifest): void {
    this.joinGroup(manifest.agentId, loadGroupOf(manifest));
  }

  /** The entry joins this group (or none), leaving the one it was in. */
  joinGroup(agentId: string, group: string | undefined): void {
    this.leave(agentId);
    if (group === undefined) return;
    this.#groupOf.set(agentId, group);
    let members = this.#members.get(group);
    if (members === undefined) {
      members = new Set();
      this.#members.set(group, members);
    }
    members.add(agentId);
  }

  groupOf(agentId: string): string | undefined {
    return this.#groupOf.get(agentId);
  }

  leave(agentId: string): void {
    const group = this.#groupOf.get(agentId);
    if (group === undefined) return;
    this.#groupOf.delete(agentId);
    const members = this.#members.get(group);
    members?.delete(agentId);
    if (members?.size === 0) this.#members.delete(group);
  }

  clear(): void {
    this.#members.clear();
    this.#groupOf.clear();
  }

  /** The entries whose load moves with this one's: its group's, or itself alone. */
  sharing(agentId: string): Iterable<string> {
    const group = this.#groupOf.get(agentId);
    return group === undefined ? [agentId] : (this.#members.get(group) as Set<string>);
  }

  /** Every group's members (entries counted alone are not listed). */
  groups(): Iterable<ReadonlySet<string>> {
    return this.#members.values();
  }
}
