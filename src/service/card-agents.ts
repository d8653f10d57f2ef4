import { RouterError } from '../kernel/errors.js';
import type { AgentManifest } from '../manifest/manifest.js';
import type { AgentDirectory } from './agent-directory.js';
import type { DirectoryEntry } from './agent-types.js';
import { applyEntries, type EntryChange } from './entry-changes.js';
import { registerAllOrNone } from './register-all.js';

/**
 * The A2A agents of a swarm, each registered as the entries of its card's skills (`<agent>:<skill>`,
 * a2a/card-manifests.ts). An agent is added whole or not at all, and a card read again is applied as
 * a change of its entries: skills added, changed and dropped, the rest untouched (their decisions,
 * counters and learning stay theirs). Reading a card (fetching, checking, mapping) is the edge's job,
 * handed in as `readCard`; a card read successfully counts as every entry's heartbeat.
 */

/**
 * Reads the card at `url` into the entries of agent `agentId`, at `rateSats` when the card states no
 * rate; throws a RouterError naming what was wrong.
 */
export type CardReader = (agentId: string, url: string, rateSats: number) => Promise<AgentManifest[]>;

export interface CardAgentsOptions {
  readonly directory: AgentDirectory;
  readonly readCard: CardReader;
  /**
   * Told about a scheduled refresh that failed, once until the card can be read again or fails
   * otherwise (an agent that is gone would be reported at every pass); its entries go offline if
   * failures last.
   */
  readonly onRefreshError?: (agentId: string, error: unknown) => void;
}

export type CardChange = EntryChange;

export class CardAgents {
  readonly #directory: AgentDirectory;
  readonly #readCard: CardReader;
  readonly #onRefreshError: (agentId: string, error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  /** The last failure reported for each agent whose scheduled refreshes are failing. */
  readonly #failing = new Map<string, string>();

  constructor(options: CardAgentsOptions) {
    this.#directory = options.directory;
    this.#readCard = options.readCard;
    this.#onRefreshError = options.onRefreshError ?? (() => {});
  }

  /** The A2A agents and their entries. */
  list(): Map<string, DirectoryEntry[]> {
    return this.#directory.cardAgents();
  }

  entriesOf(agentId: string): DirectoryEntry[] {
    const entries = this.list().get(agentId);
    if (entries === undefined) {
      throw new RouterError('unknown_agent', `no A2A agent '${agentId}' is registered`, {
        details: { agentId },
      });
    }
    return entries;
  }

  /** Registers every entry of a new agent, or none: an id already taken refuses the whole card. */
  async add(agentId: string, manifests: readonly AgentManifest[]): Promise<DirectoryEntry[]> {
    if (this.list().has(agentId)) {
      throw new RouterError(
        'agent_exists',
        `A2A agent '${agentId}' is already registered (read its card again with POST /v1/cards/${agentId}/refresh)`,
        { details: { agentId } },
      );
    }
    // One id, one thing: `swarm-router agents refresh|remove ID` names either.
    if (this.#directory.mcpServers().has(agentId)) {
      throw new RouterError(
        'agent_exists',
        `'${agentId}' is the id of an MCP server: give this A2A agent another agent_id`,
        { details: { agentId } },
      );
    }
    return registerAllOrNone(this.#directory, manifests);
  }

  /** Reads the agent's card again from where it was read and applies what changed. */
  async refresh(agentId: string): Promise<CardChange> {
    const entries = this.entriesOf(agentId);
    const first = entries[0]?.manifest;
    const cardUrl = first?.a2a?.cardUrl;
    if (first === undefined || cardUrl === undefined) {
      throw new RouterError(
        'invalid_request',
        `A2A agent '${agentId}' was registered with an inline card: there is no URL to read it from again (remove it and post the new card)`,
        { details: { agentId } },
      );
    }
    // A rate given at registration stands for a card that states none.
    return this.apply(agentId, await this.#readCard(agentId, cardUrl, first.rateSats));
  }

  /** Makes the agent's entries those of `manifests`, each counted as heard from now. */
  apply(agentId: string, manifests: readonly AgentManifest[]): Promise<CardChange> {
    return applyEntries(this.#directory, this.entriesOf(agentId), manifests);
  }

  /** Removes the agent's entries; their decisions stay in the log. Resolves to how many there were. */
  async remove(agentId: string): Promise<number> {
    this.#failing.delete(agentId);
    const entries = this.entriesOf(agentId);
    for (const entry of entries) await this.#directory.remove(entry.manifest.agentId);
    return entries.length;
  }

  /** Reads every card that came from a URL, one after another; a failure is reported and skipped. */
  refreshAll(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        for (const [agentId, entries] of this.list()) {
          if (entries[0]?.manifest.a2a?.cardUrl === undefined) continue;
          try {
            await this.refresh(agentId);
            this.#failing.delete(agentId);
          } catch (error) {
            const problem = String((error as Error)?.message ?? error);
            if (this.#failing.get(agentId) === problem) continue;
            this.#failing.set(agentId, problem);
            this.#onRefreshError(agentId, error);
          }
        }
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /** Refreshes every card every `everyMs`, a pass at a time. */
  start(everyMs: number): void {
    this.stop();
    this.#timer = setInterval(() => void this.refreshAll(), everyMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#refreshing;
  }
}
