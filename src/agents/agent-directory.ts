import type { Clock } from '../kernel/clock.js';
import { RouterError } from '../kernel/errors.js';
import type { AgentManifest } from '../manifest/manifest.js';
import type { Router } from '../router/router.js';
import type { Store, StoredAgent } from '../store/store.js';
import { digestMatches, hashToken, newAgentToken } from './agent-token.js';

/**
 * The agents a service knows, and how it knows them:
 * - `roster`: from the `--roster` file the service started with; always online, changed in the file;
 * - `registered`: through the API; kept in the store (manifest, token hash, last heartbeat), so a
 *   restarted service knows them again, and offline once they miss heartbeats for `offlineAfterMs`.
 * The router's registry holds both kinds; this directory adds what the service needs beside it.
 */
export type AgentSource = 'roster' | 'registered';
export type AgentStatus = 'online' | 'offline';

export interface DirectoryEntry {
  readonly manifest: AgentManifest;
  readonly source: AgentSource;
  readonly status: AgentStatus;
  /** Registered agents only. */
  readonly registeredAtMs?: number;
  readonly lastHeartbeatMs?: number;
}

export interface AgentDirectoryOptions {
  readonly router: Router;
  readonly store: Store;
  readonly clock: Clock;
  /** A registered agent that has not sent a heartbeat for this long is offline. */
  readonly offlineAfterMs: number;
}

interface Registered {
  stored: StoredAgent;
  online: boolean;
}

export class AgentDirectory {
  readonly #router: Router;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #offlineAfterMs: number;
  readonly #registered = new Map<string, Registered>();
  /** Bumped by every change made here, so a sync that read the store before it does not undo it. */
  #localChanges = 0;

  private constructor(options: AgentDirectoryOptions) {
    this.#router = options.router;
    this.#store = options.store;
    this.#clock = options.clock;
    this.#offlineAfterMs = options.offlineAfterMs;
  }

  /**
   * Loads the stored agents into the router (the roster file's agents, registered before, stay as
   * they are: a stored agent with the same id is left out, the file wins) and works out who is online.
   */
  static async open(options: AgentDirectoryOptions): Promise<AgentDirectory> {
    const directory = new AgentDirectory(options);
    for (const stored of await options.store.listAgents()) {
      if (options.router.registry.has(stored.manifest.agentId)) continue;
      options.router.registerAgent(stored.manifest);
      directory.#registered.set(stored.manifest.agentId, { stored, online: true });
    }
    directory.refreshStatuses();
    return directory;
  }

  /** Registers a new agent; resolves once it is stored, with its token (the only time it is shown). */
  async register(manifest: AgentManifest): Promise<{ entry: DirectoryEntry; token: string }> {
    const agentId = manifest.agentId;
    if (this.#router.registry.has(agentId)) {
      throw new RouterError(
        'agent_exists',
        `agent '${agentId}' is already registered (change it with PATCH /v1/agents/${agentId})`,
        { details: { agentId } },
      );
    }
    const token = newAgentToken();
    const now = this.#clock.now();
    const stored: StoredAgent = {
      manifest,
      tokenHash: hashToken(token),
      registeredAtMs: now,
      lastHeartbeatMs: now,
    };
    this.#localChanges++;
    await this.#store.saveAgent(stored);
    this.#router.registerAgent(manifest);
    this.#registered.set(agentId, { stored, online: true });
    return { entry: this.#entry(agentId), token };
  }

  /** Replaces a registered agent's manifest (same id, same token). */
  async update(manifest: AgentManifest): Promise<DirectoryEntry> {
    const current = this.#managed(manifest.agentId);
    const stored: StoredAgent = { ...current.stored, manifest };
    this.#localChanges++;
    await this.#store.saveAgent(stored);
    this.#router.registerAgent(manifest);
    current.stored = stored;
    return this.#entry(manifest.agentId);
  }

  /** Removes a registered agent; its decisions stay in the log. */
  async remove(agentId: string): Promise<void> {
    this.#managed(agentId);
    this.#localChanges++;
    await this.#store.deleteAgent(agentId);
    this.#router.registry.unregister(agentId);
    this.#registered.delete(agentId);
  }

  /** Records a heartbeat: a registered agent is online again at once. Roster agents need none. */
  async heartbeat(agentId: string): Promise<DirectoryEntry> {
    const current = this.#registered.get(agentId);
    if (current === undefined) return this.#entry(agentId); // unknown_agent, or a roster agent
    const now = this.#clock.now();
    await this.#store.recordHeartbeat(agentId, now);
    current.stored = { ...current.stored, lastHeartbeatMs: Math.max(now, current.stored.lastHeartbeatMs) };
    this.#setOnline(agentId, current, true);
    return this.#entry(agentId);
  }

  /**
   * Catches up with agents registered, changed, removed and heard from through other instances on the
   * same store: their manifests and heartbeats are read from it. A change made here while the read
   * was in flight wins; the next sync sees it stored.
   */
  async sync(): Promise<void> {
    const changesBefore = this.#localChanges;
    const stored = await this.#store.listAgents();
    if (this.#localChanges !== changesBefore) return;
    const seen = new Set<string>();
    for (const agent of stored) {
      const agentId = agent.manifest.agentId;
      seen.add(agentId);
      const current = this.#registered.get(agentId);
      if (current === undefined) {
        if (this.#router.registry.has(agentId)) continue; // the roster file's agent wins, as at open
        this.#router.registerAgent(agent.manifest);
        this.#registered.set(agentId, { stored: agent, online: true });
        continue;
      }
      if (JSON.stringify(current.stored.manifest) !== JSON.stringify(agent.manifest)) {
        this.#router.registerAgent(agent.manifest);
      }
      current.stored = {
        ...agent,
        lastHeartbeatMs: Math.max(agent.lastHeartbeatMs, current.stored.lastHeartbeatMs),
      };
    }
    for (const agentId of [...this.#registered.keys()]) {
      if (seen.has(agentId)) continue;
      this.#router.registry.unregister(agentId);
      this.#registered.delete(agentId);
    }
    this.refreshStatuses();
  }

  /** The registered agent whose token this is, if any: to tell "another agent's token" (403) apart. */
  agentOfToken(token: string): string | undefined {
    const digest = Buffer.from(hashToken(token), 'hex');
    for (const [agentId, { stored }] of this.#registered) {
      if (stored.tokenHash !== null && digestMatches(digest, stored.tokenHash)) return agentId;
    }
    return undefined;
  }

  /** Marks registered agents whose last heartbeat is too old offline (and back online). */
  refreshStatuses(): void {
    const now = this.#clock.now();
    for (const [agentId, current] of this.#registered) {
      this.#setOnline(agentId, current, now - current.stored.lastHeartbeatMs <= this.#offlineAfterMs);
    }
  }

  get(agentId: string): DirectoryEntry {
    return this.#entry(agentId);
  }

  list(): DirectoryEntry[] {
    return this.#router.registry.list().map((manifest) => this.#entry(manifest.agentId));
  }

  #setOnline(agentId: string, current: Registered, online: boolean): void {
    if (current.online === online) return;
    current.online = online;
    this.#router.setAgentOnline(agentId, online);
  }

  #managed(agentId: string): Registered {
    const current = this.#registered.get(agentId);
    if (current !== undefined) return current;
    if (this.#router.registry.has(agentId)) {
      throw new RouterError(
        'agent_not_managed',
        `agent '${agentId}' comes from the roster file the service started with; change it there`,
        { details: { agentId } },
      );
    }
    throw unknownAgent(agentId);
  }

  #entry(agentId: string): DirectoryEntry {
    const manifest = this.#router.registry.get(agentId);
    if (manifest === undefined) throw unknownAgent(agentId);
    const registered = this.#registered.get(agentId);
    if (registered === undefined) return { manifest, source: 'roster', status: 'online' };
    return {
      manifest,
      source: 'registered',
      status: registered.online ? 'online' : 'offline',
      registeredAtMs: registered.stored.registeredAtMs,
      lastHeartbeatMs: registered.stored.lastHeartbeatMs,
    };
  }
}

function unknownAgent(agentId: string): RouterError {
  return new RouterError('unknown_agent', `agent '${agentId}' is not registered`, {
    details: { agentId },
  });
}
