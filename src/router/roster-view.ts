import type { AgentRegistry, RegistryChange } from '../manifest/agent-registry.js';
import type { AgentManifest } from '../manifest/manifest.js';
import type { AgentState } from './agent-state.js';
import { RosterIndex } from './route-request.js';

/**
 * More changes than this waiting at once are caught up with by a rebuild: a removal moves every
 * agent after it, so a burst of them one by one would cost more than the whole roster once.
 */
const REBUILD_ABOVE_CHANGES = 256;

/**
 * The roster as decisions see it — ids in registration order, each agent's position, and the policy's
 * facts (AgentState) — kept in step with the registry change by change. Rebuilding all of it at every
 * change held the event loop for 15–25 ms at 10,000 agents (80 ms and more at 50,000) after every
 * registration or update; one change now costs what it touches (a removal moves the positions after
 * it).
 */
export class RosterView {
  readonly #registry: AgentRegistry;
  readonly #state: AgentState;
  readonly #ids: string[] = [];
  readonly #manifests: AgentManifest[] = [];
  readonly #positionOf = new Map<string, number>();
  readonly #pending: RegistryChange[] = [];
  #version = -1;
  /** A frozen copy of the ids for the current version, made when asked for. */
  #frozen: readonly string[] | undefined;
  readonly index: RosterIndex;
  readonly #stopListening: () => void;

  constructor(registry: AgentRegistry, state: AgentState) {
    this.#registry = registry;
    this.#state = state;
    this.index = new RosterIndex(this.#positionOf);
    this.#stopListening = registry.onChange((change) => {
      if (this.#pending.length <= REBUILD_ABOVE_CHANGES) this.#pending.push(change);
    });
  }

  /** The registry version the view shows; -1 before the first catchUp. */
  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#ids.length;
  }

  get positionOf(): ReadonlyMap<string, number> {
    return this.#positionOf;
  }

  /**
   * The ids in registration order, for reading now: the array changes with the roster. A decision
   * that keeps it (a roster of at most candidatesKept agents) takes frozenIds() instead.
   */
  get liveIds(): readonly string[] {
    return this.#ids;
  }

  /** The ids as of this version, frozen: shared by every decision made under it. */
  frozenIds(): readonly string[] {
    this.#frozen ??= Object.freeze([...this.#ids]);
    return this.#frozen;
  }

  /** The manifests in registration order, as of now (a copy). */
  manifests(): readonly AgentManifest[] {
    return [...this.#manifests];
  }

  /** Applies the registry's changes since the last call; false if there were none. */
  catchUp(): boolean {
    const version = this.#registry.version;
    if (version === this.#version) return false;
    if (this.#version < 0 || this.#pending.length > REBUILD_ABOVE_CHANGES) this.#rebuild();
    else for (const change of this.#pending) this.#apply(change);
    this.#pending.length = 0;
    this.#version = version;
    this.#frozen = undefined;
    return true;
  }

  close(): void {
    this.#stopListening();
  }

  #rebuild(): void {
    const agents = this.#registry.list();
    this.#ids.length = 0;
    this.#manifests.length = 0;
    this.#positionOf.clear();
    for (let i = 0; i < agents.length; i++) {
      const agent = agents[i] as AgentManifest;
      this.#ids.push(agent.agentId);
      this.#manifests.push(agent);
      this.#positionOf.set(agent.agentId, i);
    }
    this.#state.useRoster(agents, this.#positionOf);
  }

  #apply(change: RegistryChange): void {
    if (change.kind === 'added') {
      const { manifest } = change;
      this.#positionOf.set(manifest.agentId, this.#ids.length);
      this.#ids.push(manifest.agentId);
      this.#manifests.push(manifest);
      this.#state.agentAdded(manifest);
    } else if (change.kind === 'replaced') {
      const at = this.#positionOf.get(change.manifest.agentId) as number;
      const previous = this.#manifests[at] as AgentManifest;
      this.#manifests[at] = change.manifest;
      this.#state.agentReplaced(previous, change.manifest, at);
    } else {
      const at = this.#positionOf.get(change.agentId) as number;
      const previous = this.#manifests[at] as AgentManifest;
      this.#ids.splice(at, 1);
      this.#manifests.splice(at, 1);
      this.#positionOf.delete(change.agentId);
      for (let i = at; i < this.#ids.length; i++) this.#positionOf.set(this.#ids[i] as string, i);
      this.#state.agentRemoved(previous, at);
    }
  }
}
