import type { FastifyInstance } from 'fastify';
import { A2aDispatcher } from '../a2a/a2a-dispatcher.js';
import { readCardAgain } from '../a2a/card-entries.js';
import { EventBus } from '../events/event-bus.js';
import type { Clock } from '../kernel/clock.js';
import { type McpConnectionLimits, mcpConnector } from '../mcp/mcp-connection.js';
import type { Router } from '../router/router.js';
import { AgentDirectory } from '../service/agent-directory.js';
import { CardAgents } from '../service/card-agents.js';
import { type ClusterSyncOptions, startClusterSync } from '../service/cluster-sync.js';
import { HouseBids } from '../service/house-bids.js';
import { McpServers } from '../service/mcp-servers.js';
import { TaskService, type TaskServiceSettings } from '../service/task-service.js';
import type { Store } from '../store/store.js';
import { createServer } from './create-server.js';
import type { HttpLimits } from './http-limits.js';
import type { EventStreamLimits } from './sse/event-stream-limits.js';

export interface ServiceOptions {
  readonly router: Router;
  readonly store: Store;
  readonly clock: Clock;
  readonly adminToken?: string;
  readonly logLevel?: 'info' | 'warn';
  /** A registered agent without a heartbeat for this long is offline, ms. */
  readonly offlineAfterMs: number;
  readonly taskSettings?: Partial<TaskServiceSettings>;
  /**
   * Run the lifecycle's timers (auction windows, reservations, deadlines). Default true; tests with a
   * fake clock turn them off and call `tasks.runDue()` themselves.
   */
  readonly runTimers?: boolean;
  /** Caps and page sizes of GET /v1/events; each absent one is the default (docs/http-api.md, "Events"). */
  readonly eventStreams?: Partial<EventStreamLimits>;
  /** Timeouts, connection caps and rate limits (server/http-limits.ts). */
  readonly limits?: Partial<HttpLimits>;
  /** Host names clients use besides IP addresses and localhost (server/host-check.ts). */
  readonly allowedHosts?: readonly string[];
  /** Origins whose pages may call the API (CORS); none by default. */
  readonly corsOrigins?: readonly string[];
  /**
   * How often the cards of A2A agents registered from a URL are read again, ms; a card read is their
   * skills' heartbeat. Default: a third of `offlineAfterMs`, so that one failed read leaves them online.
   */
  readonly cardRefreshMs?: number;
  /** Longest an A2A agent may work on a task it took before it is canceled and failed, ms (a2a-dispatcher.ts). */
  readonly a2aWorkTimeoutMs?: number;
  /**
   * Let the admin register MCP servers by command (`mcp_command`): the service then runs programs it
   * is told to, as its own user. Off by default (docs/security.md, "MCP servers").
   */
  readonly allowMcpCommands?: boolean;
  /** How often MCP servers are pinged (and connected to again), ms. Default: as cardRefreshMs. */
  readonly mcpCheckMs?: number;
  /** Time limits of MCP connections; each absent one is mcp-connection.ts's default. */
  readonly mcpLimits?: Partial<McpConnectionLimits>;
  /** How this instance follows the others on a shared store; each absent one is cluster-sync.ts's default. */
  readonly clusterSync?: Pick<ClusterSyncOptions, 'agentsEveryMs' | 'minGapMs' | 'wakeGapMs'>;
}

export interface Service {
  readonly app: FastifyInstance;
  readonly tasks: TaskService;
  readonly bus: EventBus;
  readonly directory: AgentDirectory;
  readonly cards: CardAgents;
  readonly mcpServers: McpServers;
  /** Stops the timers, ends open streams, waits for requests in flight. The router stays open. */
  close(): Promise<void>;
}

/**
 * Everything `serve` runs on one router and store: the agent directory, the task lifecycle, the event
 * bus and the HTTP app (built, not listening). What was due while the service was down (auctions whose
 * window passed, reservations past their time) is handled as soon as the timers start.
 */
export async function openService(options: ServiceOptions): Promise<Service> {
  const { router, store, clock } = options;
  const directory = await AgentDirectory.open({
    router,
    store,
    clock,
    offlineAfterMs: options.offlineAfterMs,
  });
  const cards = new CardAgents({
    directory,
    readCard: readCardAgain,
    onRefreshError: (agentId, error) =>
      process.emitWarning(
        `reading the card of A2A agent '${agentId}' again failed: ${(error as Error).message}`,
      ),
  });
  const mcpServers = new McpServers({
    directory,
    connect: mcpConnector(options.mcpLimits),
    allowCommands: options.allowMcpCommands ?? false,
    onError: (serverId, error) =>
      process.emitWarning(`MCP server '${serverId}': ${(error as Error).message}`),
  });
  const bus = new EventBus();
  // A2A skills do not bid: the router bids for them at their rate when a task is posted.
  const houseBids = new HouseBids({ router, directory });
  const tasks = await TaskService.open({
    router,
    store,
    clock,
    events: bus,
    // Only skills the policy would take: one it would refuse leaves its place to the next.
    houseBids: (description, constraints) =>
      houseBids.biddersFor(
        description,
        (agentId, bidSats) => router.refusalOf(agentId, bidSats, constraints) === null,
      ),
    ...(options.taskSettings === undefined ? {} : { settings: options.taskSettings }),
  });
  const app = await createServer({
    router,
    store,
    tasks,
    bus,
    directory,
    cards,
    mcpServers,
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    ...(options.eventStreams === undefined ? {} : { eventStreams: options.eventStreams }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
  });
  // A2A skills: the router sends them what they win.
  const dispatcher = new A2aDispatcher({
    bus,
    tasks,
    directory,
    clock,
    ...(options.a2aWorkTimeoutMs === undefined ? {} : { workTimeoutMs: options.a2aWorkTimeoutMs }),
    onError: (taskId, agentId, error) =>
      process.emitWarning(
        `sending task ${taskId} to A2A agent '${agentId}' failed: ${(error as Error).message}`,
      ),
  });
  // The roster's first index is built in slices before anything decides: built by the first
  // decision, it held the event loop for the whole roster (0.9 s for 30 manifests at the wire's limits).
  await router.whenIndexed();
  dispatcher.start();
  if (options.runTimers ?? true) {
    tasks.start();
    const refreshMs = options.cardRefreshMs ?? Math.max(1_000, Math.floor(options.offlineAfterMs / 3));
    cards.start(refreshMs);
    mcpServers.start(options.mcpCheckMs ?? refreshMs);
  }
  // Several instances on one store: follow what the others commit (nothing to do on SQLite).
  const stopSync = await startClusterSync({ store, directory, tasks, bus, ...options.clusterSync });
  return {
    app,
    tasks,
    bus,
    directory,
    cards,
    mcpServers,
    async close() {
      await dispatcher.stop();
      await cards.stop();
      await mcpServers.close();
      await stopSync();
      await tasks.stop();
      await app.close();
    },
  };
}
