import type { AgentManifest } from '../manifest/manifest.js';

/**
 * The group an entry's load is counted in, or undefined for an entry counted alone. An A2A agent's
 * skills are entries of the roster each, but one agent runs them all: its card's `max_concurrency`
 * limits the agent, and every task one skill holds keeps the agent as busy for the others.
 */
export function loadGroupOf(manifest: AgentManifest): string | undefined {
  return manifest.a2a === undefined ? undefined : `a2a:${manifest.a2a.agent}`;
}

/**
 * The group of the agent an entry's id names, for an entry no longer registered: an A2A skill's id
 * is `<agent>:<skill>` (a2a/card-manifests.ts), and an agent's id has no ':' in it.
 */
function groupNamedBy(entryId: string): string | undefined {
  const colon = entryId.indexOf(':');
  return colon > 0 ? `a2a:${entryId.slice(0, colon)}` : undefined;
}

/** Which roster entries share a load group, kept as the roster changes. */
export class LoadGroups {
  readonly #members = new Map<string, Set<string>>();
  readonly #groupOf = new Map<string, string>();
  /**
   * Entries that hold tasks but are not registered and whose agent's group has no member yet: after
   * a restart, the skill a card dropped still holds its tasks while the agent's other skills are not
   * registered yet. They join the group with its first member.
   */
  readonly #waiting = new Map<string, Set<string>>();

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
    const waiting = this.#waiting.get(group);
    if (waiting === undefined) return;
    this.#waiting.delete(group);
    for (const entry of waiting) {
      this.#groupOf.set(entry, group);
      members.add(entry);
    }
  }

  /**
   * An entry that holds tasks and is not registered (no manifest says its group): it counts in the
   * group of the agent its id names, now if that group has members, else once it has one. A skill
   * dropped from its card while holding tasks stays in its group (AgentState.agentRemoved); this
   * finds the group again for one the service learns of from the store, after a restart.
   */
  holdingUnregistered(agentId: string): void {
    if (this.#groupOf.has(agentId)) return;
    const group = groupNamedBy(agentId);
    if (group === undefined) return;
    if (this.#members.has(group)) {
      this.joinGroup(agentId, group);
      return;
    }
    let waiting = this.#waiting.get(group);
    if (waiting === undefined) {
      waiting = new Set();
      this.#waiting.set(group, waiting);
    }
    waiting.add(agentId);
  }

  leave(agentId: string): void {
    const named = groupNamedBy(agentId);
    const waiting = named === undefined ? undefined : this.#waiting.get(named);
    if (waiting?.delete(agentId) === true && waiting.size === 0) this.#waiting.delete(named as string);
    const group = this.#groupOf.get(agentId);
    if (group === undefined) return;
    this.#groupOf.delete(agentId);
    const members = this.#members.get(group);
    members?.delete(agentId);
    if (members?.size === 0) this.#members.delete(group);
  }

  /** Forgets every group (entries waiting for one keep waiting). */
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
