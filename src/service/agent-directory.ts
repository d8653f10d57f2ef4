import type { Clock } from '../kernel/clock.js';
import { RouterError } from '../kernel/errors.js';
import type { AgentManifest } from '../manifest/manifest.js';
import type { Router } from '../router/router.js';
import type { Store, StoredAgent } from '../store/store.js';
import { agentExists, STALE_REFUSALS, unknownAgent } from './agent-errors.js';
import { type AgentPageQuery, AgentPages } from './agent-pages.js';
import { couldBeAgentToken, hashToken, newAgentToken } from './agent-token.js';
import type { DirectoryEntry } from './agent-types.js';
import { TokenIndex } from './token-index.js';

export type { AgentSource, AgentStatus, DirectoryEntry } from './agent-types.js';

export interface AgentDirectoryOptions {
  readonly router: Router;
  readonly store: Store;
  readonly clock: Clock;
  /** A registered agent that has not sent a heartbeat for this long is offline. */
  readonly offlineAfterMs: number;
}

interface Registered {
  stored: StoredAgent;
  /** The manifest as JSON, to compare a re-read copy with by one stringify, not two. */
  manifestJson: string;
  online: boolean;
}

/** A read of one agent that raced a change made here is read again at most this many times. */
const MAX_READS = 3;

/** Marks of recent changes kept at most (AgentDirectory.#changedAt). */
const MAX_MARKS = 100_000;

/**
 * A full re-read (sync) takes the stored agents this many at a time, then lets the event loop run:
 * comparing 10,000 agents' manifests in one go held it for tens of milliseconds every second.
 */
const SYNC_SLICE = 500;

/**
 * The registered agents, kept in memory and read through from the store. Several instances may share
 * one store (PostgreSQL), each with its own copy, so what this instance holds may be behind what the
 * store says. The rules that make the instances agree (docs/postgresql.md, "Agents agree"):
 * - A miss is read from the store before anyone is told no: an unknown agent id or token hash is
 *   looked up (and adopted when found) before a 404 or 401, and a refusal that a stale copy could have
 *   caused (offline, lacking a capability) is retried once after re-reading the agent (retryIfStale).
 * - Writes are conditional in the store, never blind: registering inserts (taken: agent_exists, even
 *   when another instance took the id a moment ago), and an update, heartbeat or removal of an agent
 *   that is gone answers unknown_agent and drops the copy, so nothing removed comes back.
 * - An update merges onto the agent as stored, not onto this instance's copy.
 * - A token is honoured only while the store says it is the agent's: on a store shared by several
 *   instances each request's token is checked against it (Store.tokenHolder, one small indexed read,
 *   batched with the other requests' on PostgreSQL), so an agent removed, or registered again with a
 *   new token, through another instance a moment ago cannot act here with the old token.
 * - A copy that is still held (a removal, an update or a new token made elsewhere) is replaced when
 *   the store announces the change (refresh, called by cluster-sync on PostgreSQL's notification,
 *   sent in the change's own commit) and at the latest at the next full re-read (sync).
 */
export class AgentDirectory {
  readonly #router: Router;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #offlineAfterMs: number;
  /** Whether other instances change agents in the same store: then each token is checked in it. */
  readonly #sharedStore: boolean;
  readonly #pages: AgentPages;
  readonly #registered = new Map<string, Registered>();
  /** How many of the registered entries are skills of A2A agents (hasCardAgents). */
  #skillEntries = 0;
  readonly #tokens = new TokenIndex();
  /** Reads of one agent (`id:…`) or token hash (`token:…`) in flight, shared by whoever asks meanwhile. */
  readonly #reads = new Map<string, Promise<unknown>>();
  /**
   * When (a count of changes) this instance last changed an agent or took a newer copy of it, by id:
   * a read of the store begun before then may be older than what is held, and is not taken. Kept for
   * two full re-reads (sync), longer than any read of one agent takes.
   */
  readonly #changedAt = new Map<string, number>();
  #generation = 0;
  /** Where the previous full re-read began: marks from before it are dropped after the next. */
  #previousSyncFrom = 0;

  private constructor(options: AgentDirectoryOptions) {
    this.#router = options.router;
    this.#store = options.store;
    this.#clock = options.clock;
    this.#offlineAfterMs = options.offlineAfterMs;
    this.#sharedStore = options.store.shared !== undefined;
    this.#pages = new AgentPages(options.router.registry);
  }

  /**
   * Loads the stored agents into the router (the roster file's agents, registered before, stay as
   * they are: a stored agent with the same id is left out, the file wins) and works out who is online.
   */
  static async open(options: AgentDirectoryOptions): Promise<AgentDirectory> {
    const directory = new AgentDirectory(options);
    for (const stored of await options.store.listAgents()) directory.#apply(stored.manifest.agentId, stored);
    return directory;
  }

  /**
   * Registers a new agent; resolves once it is stored, with its token (the only time it is shown).
   * The store decides whether the id is free, so two instances cannot both register one id.
   */
  async register(manifest: AgentManifest): Promise<{ entry: DirectoryEntry; token: string }> {
    const token = newAgentToken();
    return { entry: await this.#register(manifest, hashToken(token)), token };
  }

  /**
   * Registers an entry that no agent acts as (a skill of an A2A agent, reached by the router): it
   * has no token, so nothing but the service changes it.
   */
  registerWithoutToken(manifest: AgentManifest): Promise<DirectoryEntry> {
    return this.#register(manifest, null);
  }

  async #register(manifest: AgentManifest, tokenHash: string | null): Promise<DirectoryEntry> {
    const agentId = manifest.agentId;
    if (this.#isRoster(agentId)) throw agentExists(agentId);
    const now = this.#clock.now();
    const stored: StoredAgent = {
      manifest,
      tokenHash,
      registeredAtMs: now,
      lastHeartbeatMs: now,
    };
    this.#mark(agentId);
    if (!(await this.#store.addAgent(stored))) {
      await this.refresh(agentId); // registered by another instance: know it here too
      throw agentExists(agentId);
    }
    this.#applyOwn(agentId, stored);
    return this.#entry(agentId);
  }

  /** Whether this instance holds an agent (registered or from the roster) of that id. */
  has(agentId: string): boolean {
    return this.#router.registry.has(agentId);
  }

  /** Whether this instance holds any skill of an A2A agent: a counter, no pass over the agents. */
  hasCardAgents(): boolean {
    return this.#skillEntries > 0;
  }

  /**
   * The registered entries that belong to a source (an A2A agent's skills, an MCP server's tools),
   * grouped by the source's id as `sourceOf` reads it from a manifest (undefined: no source), in
   * registration order. A pass over every registered agent: for admin operations and scheduled
   * checks, not for routing.
   */
  entriesBySource(sourceOf: (manifest: AgentManifest) => string | undefined): Map<string, DirectoryEntry[]> {
    const bySource = new Map<string, DirectoryEntry[]>();
    for (const [agentId, registered] of this.#registered) {
      const source = sourceOf(registered.stored.manifest);
      if (source === undefined) continue;
      const entries = bySource.get(source) ?? [];
      entries.push(this.#entry(agentId));
      bySource.set(source, entries);
    }
    return bySource;
  }

  /** The entries of the A2A agents, by agent id (their skills). */
  cardAgents(): Map<string, DirectoryEntry[]> {
    return this.entriesBySource((manifest) => manifest.a2a?.agent);
  }

  /** The entries of the MCP servers, by server id (their tools). */
  mcpServers(): Map<string, DirectoryEntry[]> {
    return this.entriesBySource((manifest) => manifest.mcp?.server);
  }

  /**
   * Changes a registered agent's manifest (same id, same token): `change` gets the manifest as stored
   * now, whichever instance wrote it last, and returns the new one.
   */
  async update(agentId: string, change: (current: AgentManifest) => AgentManifest): Promise<DirectoryEntry> {
    this.#requireManaged(agentId);
    this.#mark(agentId);
    const current = await this.#store.getAgent(agentId);
    if (current === undefined) throw this.#gone(agentId);
    const manifest = change(current.manifest);
    if (manifest.agentId !== agentId) {
      throw new TypeError(`expected a manifest of agent '${agentId}', got one of '${manifest.agentId}'`);
    }
    this.#mark(agentId);
    if (!(await this.#store.updateAgentManifest(manifest))) throw this.#gone(agentId);
    this.#applyOwn(agentId, { ...current, manifest });
    return this.#entry(agentId);
  }

  /** Removes a registered agent; its decisions stay in the log. */
  async remove(agentId: string): Promise<void> {
    this.#requireManaged(agentId);
    this.#mark(agentId);
    const removed = await this.#store.deleteAgent(agentId);
    this.#applyOwn(agentId, undefined);
    if (!removed) throw unknownAgent(agentId);
  }

  /** Records a heartbeat: a registered agent is online again at once. Roster agents need none. */
  async heartbeat(agentId: string): Promise<DirectoryEntry> {
    if (this.#isRoster(agentId)) return this.#entry(agentId);
    const now = this.#clock.now();
    if (!(await this.#store.recordHeartbeat(agentId, now))) throw this.#gone(agentId);
    if (!(await this.#heard(agentId, now))) throw unknownAgent(agentId);
    return this.#entry(agentId);
  }

  /** heartbeat for many agents in one write (an MCP server's tools); copies of those gone are dropped. */
  async heartbeatAll(agentIds: readonly string[]): Promise<void> {
    const registered = agentIds.filter((agentId) => !this.#isRoster(agentId));
    if (registered.length === 0) return;
    const [from, now] = [this.#generation, this.#clock.now()];
    const stored = await this.#store.recordHeartbeats(registered, now);
    for (const id of registered)
      stored.has(id) ? await this.#heard(id, now) : this.#applyRead(id, undefined, from);
  }

  /** A stored heartbeat at `now`, applied here (the agent is online again); false for one unknown. */
  async #heard(agentId: string, now: number): Promise<boolean> {
    // Registered through another instance and not known here yet: read it (heartbeat included).
    if (!this.#registered.has(agentId)) await this.refresh(agentId);
    const current = this.#registered.get(agentId);
    if (current === undefined) return false;
    current.stored = { ...current.stored, lastHeartbeatMs: Math.max(now, current.stored.lastHeartbeatMs) };
    this.#setOnline(agentId, current, true);
    return true;
  }

  /**
   * Catches up with agents registered, changed, removed and heard from through other instances on the
   * same store: their manifests and heartbeats are read from it. A change made here while the read
   * was in flight wins; the next sync sees it stored.
   */
  async sync(): Promise<void> {
    const from = this.#generation;
    const stored = await this.#store.listAgents();
    this.#tokens.forgetUnknown();
    const seen = new Set<string>();
    for (let at = 0; at < stored.length; at += SYNC_SLICE) {
      if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      for (const agent of stored.slice(at, at + SYNC_SLICE)) {
        seen.add(agent.manifest.agentId);
        this.#applyRead(agent.manifest.agentId, agent, from);
      }
    }
    for (const agentId of [...this.#registered.keys()]) {
      if (!seen.has(agentId)) this.#applyRead(agentId, undefined, from);
    }
    for (const [agentId, at] of this.#changedAt) {
      if (at <= this.#previousSyncFrom) this.#changedAt.delete(agentId);
    }
    this.#previousSyncFrom = from;
    this.refreshStatuses();
  }

  /**
   * Re-reads one registered agent from the store and takes what it says (registered, changed or gone
   * since this instance last looked). Resolves to whether anything changed here. Roster agents are
   * not read: the file is their source.
   */
  refresh(agentId: string): Promise<boolean> {
    if (this.#isRoster(agentId)) return Promise.resolve(false);
    return this.#shared(`id:${agentId}`, async () => {
      for (let read = 0; read < MAX_READS; read++) {
        const from = this.#generation;
        const stored = await this.#store.getAgent(agentId);
        if (!this.#changedSince(agentId, from)) return this.#applyRead(agentId, stored, from);
      }
      return false; // changed here all along: what this instance holds is newer than what it read
    });
  }

  /**
   * Makes sure an agent the store knows is known here: read through on a miss, nothing to do on a hit
   * (no database read on the bid path). Call before an action that checks the router's registry.
   */
  async resolve(agentId: string): Promise<void> {
    if (!this.#router.registry.has(agentId)) await this.refresh(agentId);
  }

  /** The agent as the store has it now (a roster agent as the file had it); unknown_agent if none. */
  async fresh(agentId: string): Promise<DirectoryEntry> {
    await this.refresh(agentId);
    return this.#entry(agentId);
  }

  /**
   * Runs an action of the agent; when it is refused in a way a stale copy of the agent could explain
   * (unknown, offline, not eligible), re-reads the agent and, if the store knew better, runs it once
   * more. A refusal that stands costs one read of the agent.
   */
  async retryIfStale<T>(agentId: string, act: () => Promise<T>): Promise<T> {
    try {
      return await act();
    } catch (error) {
      if (!(error instanceof RouterError && STALE_REFUSALS.has(error.code))) throw error;
      if (!(await this.refresh(agentId))) throw error;
      return act();
    }
  }

  /**
   * The registered agent whose token this is, if any: to tell "another agent's token" (403) apart.
   * One map lookup by the token's hash, and on a shared store one check that the store still says
   * so; a hash not known here is looked up in the store (the agent may have been registered through
   * another instance) and, when the store does not know it either, remembered as unknown (TokenIndex).
   */
  async agentOfToken(token: string): Promise<string | undefined> {
    const tokenHash = hashToken(token);
    let holder = this.#tokens.agentOf(tokenHash);
    if (holder !== undefined && this.#sharedStore) {
      // Not joined to another request's check: a read begun before this request could predate a
      // removal that was acknowledged before this request came.
      if ((await this.#store.tokenHolder(tokenHash)) === holder) return holder;
      await this.refresh(holder); // removed, or given a new token, through another instance
      holder = this.#tokens.agentOf(tokenHash);
    }
    if (holder !== undefined || this.#tokens.isKnownUnknown(tokenHash)) return holder;
    if (!couldBeAgentToken(token)) return undefined;
    return this.#shared(`token:${tokenHash}`, async () => {
      for (let read = 0; read < MAX_READS; read++) {
        const from = this.#generation;
        const stored = await this.#store.agentByTokenHash(tokenHash);
        if (stored === undefined) {
          this.#tokens.rememberUnknown(tokenHash);
          break;
        }
        if (this.#applyRead(stored.manifest.agentId, stored, from)) break;
        if (!this.#changedSince(stored.manifest.agentId, from)) break; // nothing to change
      }
      return this.#tokens.agentOf(tokenHash);
    });
  }

  /** Marks registered agents whose last heartbeat is too old offline (and back online). */
  refreshStatuses(): void {
    const now = this.#clock.now();
    for (const [agentId, current] of this.#registered) {
      this.#setOnline(agentId, current, this.#isFresh(current.stored, now));
    }
  }

  /** How many agents are online and offline (registered agents by their last heartbeat; roster agents online). */
  statusCounts(): { online: number; offline: number } {
    this.refreshStatuses();
    let offline = 0;
    for (const current of this.#registered.values()) if (!current.online) offline++;
    return { online: this.#router.registry.size - offline, offline };
  }

  /** The agent as this instance holds it (no read): unknown_agent if it holds none. */
  get(agentId: string): DirectoryEntry {
    return this.#entry(agentId);
  }

  /** A page of agents by id, optionally those a search matches (agent-pages.ts). */
  page(query: AgentPageQuery): { entries: DirectoryEntry[]; nextCursor: string | null; total: number } {
    const { manifests, nextCursor, total } = this.#pages.page(query);
    return { entries: manifests.map((m) => this.#entry(m.agentId)), nextCursor, total };
  }

  /**
   * Makes this instance hold what the store holds for one agent (`stored`, or undefined: none), and
   * says whether that changed anything. A roster agent's id is left to the roster. A heartbeat only
   * moves forward: this instance may have recorded a later one than the copy read.
   */
  #apply(agentId: string, stored: StoredAgent | undefined): boolean {
    const current = this.#registered.get(agentId);
    if (stored === undefined) {
      if (current === undefined) return false;
      this.#countSkill(current.stored.manifest, undefined);
      this.#router.registry.unregister(agentId);
      this.#registered.delete(agentId);
      this.#tokens.delete(agentId);
      return true;
    }
    if (current === undefined) {
      if (this.#router.registry.has(agentId)) return false; // the roster file's agent wins, as at open
      this.#countSkill(undefined, stored.manifest);
      this.#router.registerAgent(stored.manifest);
      const online = this.#isFresh(stored, this.#clock.now());
      this.#registered.set(agentId, { stored, manifestJson: JSON.stringify(stored.manifest), online });
      this.#tokens.set(agentId, stored.tokenHash);
      this.#router.setAgentOnline(agentId, online);
      return true;
    }
    const manifestJson = JSON.stringify(stored.manifest);
    const manifestChanged = manifestJson !== current.manifestJson;
    const tokenChanged = current.stored.tokenHash !== stored.tokenHash;
    const lastHeartbeatMs = Math.max(stored.lastHeartbeatMs, current.stored.lastHeartbeatMs);
    const heartbeatMoved = lastHeartbeatMs !== current.stored.lastHeartbeatMs;
    const reregistered = current.stored.registeredAtMs !== stored.registeredAtMs;
    if (manifestChanged) {
      this.#countSkill(current.stored.manifest, stored.manifest);
      this.#router.registerAgent(stored.manifest);
    }
    if (tokenChanged) this.#tokens.set(agentId, stored.tokenHash);
    current.stored = { ...stored, lastHeartbeatMs };
    current.manifestJson = manifestJson;
    if (heartbeatMoved) this.#setOnline(agentId, current, this.#isFresh(current.stored, this.#clock.now()));
    return manifestChanged || tokenChanged || heartbeatMoved || reregistered;
  }

  #countSkill(before: AgentManifest | undefined, after: AgentManifest | undefined): void {
    this.#skillEntries += (after?.a2a === undefined ? 0 : 1) - (before?.a2a === undefined ? 0 : 1);
  }

  /** The agent is gone from the store (removed through another instance): drop it here too. */
  #gone(agentId: string): RouterError {
    this.#applyOwn(agentId, undefined);
    return unknownAgent(agentId);
  }

  /** This instance is changing the agent, or has just taken a newer copy of it. */
  #mark(agentId: string): void {
    // Newest last, so that the oldest mark is the first to go when there are too many (no sync on
    // a store of one instance prunes them).
    this.#changedAt.delete(agentId);
    this.#changedAt.set(agentId, ++this.#generation);
    if (this.#changedAt.size > MAX_MARKS) {
      const oldest = this.#changedAt.keys().next().value;
      if (oldest !== undefined) this.#changedAt.delete(oldest);
    }
  }

  #changedSince(agentId: string, generation: number): boolean {
    return (this.#changedAt.get(agentId) ?? 0) > generation;
  }

  /** Takes what this instance itself just wrote to the store (or found gone). */
  #applyOwn(agentId: string, stored: StoredAgent | undefined): void {
    this.#mark(agentId);
    this.#apply(agentId, stored);
  }

  /**
   * Takes what a read begun at generation `from` found, unless this instance changed the agent or
   * took a newer copy since; says whether anything changed here.
   */
  #applyRead(agentId: string, stored: StoredAgent | undefined, from: number): boolean {
    if (this.#changedSince(agentId, from)) return false;
    if (!this.#apply(agentId, stored)) return false;
    this.#mark(agentId);
    return true;
  }

  #isFresh(stored: StoredAgent, now: number): boolean {
    return now - stored.lastHeartbeatMs <= this.#offlineAfterMs;
  }

  #isRoster(agentId: string): boolean {
    return !this.#registered.has(agentId) && this.#router.registry.has(agentId);
  }

  #requireManaged(agentId: string): void {
    if (!this.#isRoster(agentId)) return;
    throw new RouterError(
      'agent_not_managed',
      `agent '${agentId}' comes from the roster file the service started with; change it there`,
      { details: { agentId } },
    );
  }

  /** One read for everyone who asks the same while it is in flight (a burst of one agent's bids). */
  #shared<T>(key: string, read: () => Promise<T>): Promise<T> {
    const inFlight = this.#reads.get(key);
    if (inFlight !== undefined) return inFlight as Promise<T>;
    const reading = read().finally(() => this.#reads.delete(key));
    this.#reads.set(key, reading);
    return reading;
  }

  #setOnline(agentId: string, current: Registered, online: boolean): void {
    if (current.online === online) return;
    current.online = online;
    this.#router.setAgentOnline(agentId, online);
  }

  #entry(agentId: string): DirectoryEntry {
    const manifest = this.#router.registry.get(agentId);
    if (manifest === undefined) throw unknownAgent(agentId);
    const registered = this.#registered.get(agentId);
    if (registered === undefined) return { manifest, source: 'roster', status: 'online' };
    // The status as of now, for this agent alone: reads show it without a pass over every agent.
    this.#setOnline(agentId, registered, this.#isFresh(registered.stored, this.#clock.now()));
    return {
      manifest,
      source: 'registered',
      status: registered.online ? 'online' : 'offline',
      registeredAtMs: registered.stored.registeredAtMs,
      lastHeartbeatMs: registered.stored.lastHeartbeatMs,
    };
  }
}
