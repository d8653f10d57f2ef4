import { RouterError } from '../kernel/errors.js';
import type { AgentManifest, McpTarget } from '../manifest/manifest.js';
import type { AgentDirectory } from './agent-directory.js';
import type { DirectoryEntry } from './agent-types.js';
import { applyEntries, type EntryChange } from './entry-changes.js';
import { registerAllOrNone } from './register-all.js';

/**
 * The MCP servers of a swarm, each registered as the entries of its tools (`<server>:<tool>`,
 * mcp/tool-manifests.ts). A server is added whole or not at all, and its connection is kept open:
 * when it says its tools changed (`notifications/tools/list_changed`) they are listed again and
 * applied as a change of its entries (added, changed, removed), as they are on request. A scheduled
 * check pings each server (a ping answered is every entry's heartbeat) and connects again to a server
 * whose connection is gone: one that exited, one registered through another instance on a shared
 * store, and every server after a restart. Speaking MCP is the edge's job (mcp/mcp-connection.ts),
 * handed in as `connect`.
 */

/** A connection to one MCP server, as the service uses it. */
export interface McpConnection {
  /** The server's id in the swarm when the registration names none (from the name it gives itself). */
  readonly defaultServerId: string;
  /** Lists every tool (all pages) as the entries of server `serverId`, each at `rateSats`. */
  entries(serverId: string, rateSats: number): Promise<AgentManifest[]>;
  ping(): Promise<void>;
  /** Ends the session; a server the service runs is stopped. */
  close(): Promise<void>;
}

export interface McpConnectionEvents {
  /** The server said its tools changed. */
  onToolsChanged(): void;
  /** The connection ended (the server process exited, or close was called). */
  onClosed(): void;
}

/**
 * Connects to the server at `target`; throws a RouterError naming `where` and what went wrong
 * (`mcp_unavailable`: not reached, not MCP, no tools).
 */
export type McpConnector = (
  target: McpTarget,
  events: McpConnectionEvents,
  where: string,
) => Promise<McpConnection>;

export interface McpServersOptions {
  readonly directory: AgentDirectory;
  readonly connect: McpConnector;
  /** Whether a server may be a command the service runs (stdio); otherwise mcp_commands_disabled. */
  readonly allowCommands: boolean;
  /** Told about a change that could not be followed, or a check that failed (reported once a cause). */
  readonly onError?: (serverId: string, error: unknown) => void;
}

export type McpChange = EntryChange;

interface Held {
  serverId: string | undefined;
  connection: McpConnection | undefined;
  /** The server said its tools changed before it was registered: list them once it is. */
  changedEarly: boolean;
  /** A re-list is queued and has not begun: further notices add nothing. */
  relistQueued: boolean;
  /** The last problem reported, so that a server down for an hour is one warning, not hundreds. */
  lastProblem: string | undefined;
}

export class McpServers {
  readonly #directory: AgentDirectory;
  readonly #connect: McpConnector;
  readonly #allowCommands: boolean;
  readonly #onError: (serverId: string, error: unknown) => void;
  readonly #held = new Map<string, Held>();
  /** Each server's operations, one after another: a re-list never races a removal. */
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: McpServersOptions) {
    this.#directory = options.directory;
    this.#connect = options.connect;
    this.#allowCommands = options.allowCommands;
    this.#onError = options.onError ?? (() => {});
  }

  /** The MCP servers and their entries. */
  list(): Map<string, DirectoryEntry[]> {
    return this.#directory.mcpServers();
  }

  entriesOf(serverId: string): DirectoryEntry[] {
    const entries = this.list().get(serverId);
    if (entries === undefined) {
      throw new RouterError('unknown_agent', `no MCP server '${serverId}' is registered`, {
        details: { agentId: serverId },
      });
    }
    return entries;
  }

  /** Whether this instance holds an open connection to the server. */
  isConnected(serverId: string): boolean {
    return this.#held.get(serverId)?.connection !== undefined;
  }

  /**
   * Connects to a new server and registers every one of its tools, or none: an id already taken, a
   * tool list that breaks a rule, or a server that cannot be reached refuses the whole server, and
   * the connection is closed (a server the service started is stopped).
   */
  async add(
    target: McpTarget,
    options: { readonly serverId?: string; readonly rateSats: number; readonly where: string },
  ): Promise<{ serverId: string; entries: DirectoryEntry[] }> {
    this.#requireAllowed(target);
    const held: Held = {
      serverId: undefined,
      connection: undefined,
      changedEarly: false,
      relistQueued: false,
      lastProblem: undefined,
    };
    const connection = await this.#open(target, held, options.where);
    try {
      if (this.#closed) throw closing();
      const serverId = options.serverId ?? connection.defaultServerId;
      if (this.#held.has(serverId) || this.list().has(serverId)) {
        throw new RouterError(
          'agent_exists',
          `MCP server '${serverId}' is already registered (list its tools again with swarm-router agents refresh ${serverId}, or POST /v1/mcp-servers/${serverId}/refresh; or give this one another agent_id, --id on the command line)`,
          { details: { agentId: serverId } },
        );
      }
      // One id, one thing: `swarm-router agents refresh|remove ID` names either.
      if (this.#directory.cardAgents().has(serverId)) {
        throw new RouterError(
          'agent_exists',
          `'${serverId}' is the id of an A2A agent: give this MCP server another agent_id`,
          { details: { agentId: serverId } },
        );
      }
      const manifests = await connection.entries(serverId, options.rateSats);
      if (manifests.length === 0) {
        throw new RouterError('invalid_request', `${options.where}: the server lists no tools`, {
          details: { where: options.where, field: 'tools' },
        });
      }
      const entries = await registerAllOrNone(this.#directory, manifests);
      held.serverId = serverId;
      this.#held.set(serverId, held);
      if (held.changedEarly) this.#followChange(serverId);
      return { serverId, entries };
    } catch (error) {
      held.connection = undefined;
      await connection.close().catch(() => {});
      throw error;
    }
  }

  /** Lists the server's tools again (connecting again if need be) and applies what changed. */
  refresh(serverId: string): Promise<McpChange> {
    this.entriesOf(serverId);
    return this.#serially(serverId, () => this.#relist(serverId));
  }

  /** Removes the server's entries and closes its connection. Resolves to how many entries there were. */
  remove(serverId: string): Promise<number> {
    this.entriesOf(serverId);
    return this.#serially(serverId, async () => {
      const entries = this.entriesOf(serverId);
      for (const entry of entries) await this.#directory.remove(entry.manifest.agentId);
      await this.#forget(serverId);
      return entries.length;
    });
  }

  /**
   * The scheduled check of every server, each in its own queue: a connected server is pinged and its
   * entries heard from; a server without a connection here is connected to and its tools listed
   * again. A server whose entries are gone (removed through another instance) is closed.
   */
  async checkAll(): Promise<void> {
    const servers = this.list();
    const checks = [...servers.keys()].map((serverId) =>
      this.#serially(serverId, () => this.#check(serverId)).then(
        () => this.#recovered(serverId),
        (error: unknown) => this.#report(serverId, error),
      ),
    );
    for (const serverId of this.#held.keys()) {
      if (!servers.has(serverId)) checks.push(this.#serially(serverId, () => this.#forget(serverId)));
    }
    await Promise.allSettled(checks);
  }

  /** Checks every server now (the service's start: connecting again after a restart), then every `everyMs`. */
  start(everyMs: number): void {
    this.#stopTimer();
    if (this.list().size > 0) this.#track(this.checkAll());
    this.#timer = setInterval(() => this.#track(this.checkAll()), everyMs);
    this.#timer.unref();
  }

  /** Stops the checks, waits for what is under way, and closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopTimer();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await Promise.allSettled([...this.#queues.values()]);
    await Promise.allSettled([...this.#held.keys()].map((serverId) => this.#forget(serverId)));
  }

  #requireAllowed(target: McpTarget): void {
    if (target.transport !== 'stdio' || this.#allowCommands) return;
    throw new RouterError(
      'mcp_commands_disabled',
      `this service runs no MCP server command (${target.command}): start it with --allow-mcp-commands to let the admin register servers by command, or reach the server over HTTP (mcp_url)`,
      { details: { command: target.command } },
    );
  }

  async #open(target: McpTarget, held: Held, where: string): Promise<McpConnection> {
    // Notices may come while connecting (a failed handshake closes): they concern no connection yet.
    let connection: McpConnection | undefined;
    connection = await this.#connect(
      target,
      {
        onToolsChanged: () => {
          if (connection === undefined || held.connection !== connection) return;
          if (held.serverId === undefined) held.changedEarly = true;
          else this.#followChange(held.serverId);
        },
        onClosed: () => {
          if (connection !== undefined && held.connection === connection) held.connection = undefined;
        },
      },
      where,
    );
    held.connection = connection;
    return connection;
  }

  /** A notice that the tools changed: one re-list queued, however many notices come meanwhile. */
  #followChange(serverId: string): void {
    const held = this.#held.get(serverId);
    if (held === undefined || held.relistQueued || this.#closed) return;
    held.relistQueued = true;
    this.#track(
      this.#serially(serverId, async () => {
        held.relistQueued = false;
        if (this.list().has(serverId)) await this.#relist(serverId);
      }).then(
        () => this.#recovered(serverId),
        (error: unknown) => this.#report(serverId, error),
      ),
    );
  }

  /**
   * Lists the tools and applies them. A server that now lists no tools is removed: with nothing to
   * route to it would be an entry-less registration the store could not keep.
   */
  async #relist(serverId: string): Promise<McpChange> {
    const current = this.entriesOf(serverId);
    const rateSats = current[0]?.manifest.rateSats ?? 0;
    const connection = await this.#connection(serverId, current);
    const manifests = await connection.entries(serverId, rateSats);
    if (manifests.length === 0) {
      for (const entry of current) await this.#directory.remove(entry.manifest.agentId);
      await this.#forget(serverId);
      return { added: [], changed: [], removed: current.map((e) => e.manifest.agentId), entries: [] };
    }
    return applyEntries(this.#directory, current, manifests);
  }

  async #check(serverId: string): Promise<void> {
    const connection = this.#held.get(serverId)?.connection;
    if (connection === undefined) {
      await this.#relist(serverId);
      return;
    }
    try {
      await connection.ping();
    } catch (error) {
      await this.#disconnect(serverId);
      throw error;
    }
    await this.#directory.heartbeatAll(this.entriesOf(serverId).map((entry) => entry.manifest.agentId));
  }

  /** The open connection to a registered server, opened again from its entries' reach if need be. */
  async #connection(serverId: string, entries: readonly DirectoryEntry[]): Promise<McpConnection> {
    let held = this.#held.get(serverId);
    if (held?.connection !== undefined) return held.connection;
    const reach = entries[0]?.manifest.mcp;
    if (reach === undefined) throw new TypeError(`expected the entries of MCP server '${serverId}'`);
    const target: McpTarget =
      reach.transport === 'http'
        ? { transport: 'http', url: reach.url }
        : { transport: 'stdio', command: reach.command, args: reach.args };
    if (held === undefined) {
      // Held before anything can fail, so that a server that stays down is reported once.
      held = {
        serverId,
        connection: undefined,
        changedEarly: false,
        relistQueued: false,
        lastProblem: undefined,
      };
      this.#held.set(serverId, held);
    }
    this.#requireAllowed(target);
    if (this.#closed) throw closing();
    const where = `MCP server '${serverId}' (${target.transport === 'http' ? target.url : target.command})`;
    return this.#open(target, held, where);
  }

  async #disconnect(serverId: string): Promise<void> {
    const held = this.#held.get(serverId);
    const connection = held?.connection;
    if (held === undefined || connection === undefined) return;
    held.connection = undefined;
    await connection.close().catch(() => {});
  }

  async #forget(serverId: string): Promise<void> {
    await this.#disconnect(serverId);
    this.#held.delete(serverId);
  }

  #report(serverId: string, error: unknown): void {
    const problem = (error as Error)?.message ?? String(error);
    const held = this.#held.get(serverId);
    if (held !== undefined) {
      if (held.lastProblem === problem) return;
      held.lastProblem = problem;
    }
    this.#onError(serverId, error);
  }

  #recovered(serverId: string): void {
    const held = this.#held.get(serverId);
    if (held !== undefined) held.lastProblem = undefined;
  }

  #serially<T>(serverId: string, work: () => Promise<T>): Promise<T> {
    const before = this.#queues.get(serverId) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.then(
      () => {},
      () => {},
    );
    this.#queues.set(serverId, settled);
    void settled.then(() => {
      if (this.#queues.get(serverId) === settled) this.#queues.delete(serverId);
    });
    return run;
  }

  #track(work: Promise<unknown>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function closing(): RouterError {
  return new RouterError('mcp_unavailable', 'the service is closing: no MCP server is connected now', {
    details: {},
  });
}
