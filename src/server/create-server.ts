import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { EventBus } from '../events/event-bus.js';
import type { Router } from '../router/router.js';
import type { AgentDirectory } from '../service/agent-directory.js';
import type { CardAgents } from '../service/card-agents.js';
import { EventLog } from '../service/event-log.js';
import type { McpServers } from '../service/mcp-servers.js';
import type { TaskService } from '../service/task-service.js';
import type { Store } from '../store/store.js';
import { Auth } from './auth.js';
import { capConnectionsPerAddress, clientErrorHandler } from './connection-guard.js';
import { installCrossSiteGuard } from './cross-site-guard.js';
import { frameworkErrorHandler, installErrorHandling } from './error-handling.js';
import { installHostCheck } from './host-check.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http-limits.js';
import { ServiceMetrics } from './metrics.js';
import { installRateLimits } from './rate-limits.js';
import { a2aEndpointRoutes } from './routes/a2a-endpoint.js';
import { agentRoutes } from './routes/agents.js';
import { cardRoutes } from './routes/cards.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { decisionRoutes } from './routes/decisions.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { mcpEndpointRoutes } from './routes/mcp-endpoint.js';
import { mcpServerRoutes } from './routes/mcp-servers.js';
import { routingRoutes } from './routes/routing.js';
import { taskRoutes } from './routes/tasks.js';
import type { ServiceContext } from './service-context.js';
import type { EventStreamLimits } from './sse/event-stream-limits.js';
import { validatorCompiler } from './validation.js';

export interface ServerOptions {
  readonly router: Router;
  readonly store: Store;
  readonly tasks: TaskService;
  readonly bus: EventBus;
  readonly directory: AgentDirectory;
  /** The A2A agents, registered by their cards. */
  readonly cards: CardAgents;
  /** The MCP servers, registered by where they are. */
  readonly mcpServers: McpServers;
  /** SWARM_ROUTER_ADMIN_TOKEN; without it every endpoint is open (loopback only, see serve). */
  readonly adminToken?: string;
  /** Fastify's logger (pino, JSON lines on stdout) at this level; default none. */
  readonly logLevel?: 'info' | 'warn';
  /** How often registered agents' heartbeats are checked, ms. Default 1000. */
  readonly statusCheckIntervalMs?: number;
  /** Timeouts, connection caps and rate limits (http-limits.ts); each absent one is the default. */
  readonly limits?: Partial<HttpLimits>;
  /**
   * Host names clients reach the service by, besides IP addresses and localhost (host-check.ts):
   * SWARM_ROUTER_ALLOWED_HOSTS and the name serve listens on.
   */
  readonly allowedHosts?: readonly string[];
  /** Origins whose pages may call the API from a browser (CORS); none by default. */
  readonly corsOrigins?: readonly string[];
  /** Caps and page sizes of GET /v1/events (sse/event-stream-limits.ts); each absent one is the default. */
  readonly eventStreams?: Partial<EventStreamLimits>;
}

/**
 * Path parameters are ids of at most 200 characters, each up to 4 UTF-8 bytes written as %XX: room
 * for every id the schemas accept, which then judge the decoded value (find-my-way's default is 100).
 */
const MAX_PATH_PARAM_LENGTH = 200 * 12;

/** Request bodies above this are refused with 413 (payload_too_large). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The HTTP service (DESIGN.md, "HTTP API"): Fastify, every route with a schema, validated by the
 * wire's validators, documented at /v1/openapi.json. Built, not listening: the caller listens
 * (serve) or injects requests (tests).
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const app = Fastify({
    logger: options.logLevel === undefined ? false : { level: options.logLevel },
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    // Node checks request and header timeouts this often (its default, 30 s, would let a slow
    // request live up to 30 s past its limit).
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: 1000 },
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  capConnectionsPerAddress(app.server, limits.connectionsPerAddress);
  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app);
  installHostCheck(app, options.allowedHosts ?? []);
  installCrossSiteGuard(app);
  if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...options.corsOrigins],
      allowedHeaders: ['authorization', 'content-type', 'last-event-id'],
      maxAge: 600,
    });
  }
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'swarm-router',
        description: 'Routes tasks to the best agent in a swarm, explains why, and keeps an audit log.',
        version: '1',
      },
    },
  });
  const auth = new Auth(options.adminToken, options.directory);
  await installRateLimits(app, limits, {
    tokenOf: (request) => auth.tokenOf(request),
    holderOf: (request) => auth.holderOf(request),
  });
  const context: ServiceContext = {
    router: options.router,
    events: new EventLog(options.store),
    tasks: options.tasks,
    bus: options.bus,
    directory: options.directory,
    cards: options.cards,
    mcpServers: options.mcpServers,
    auth,
    metrics: new ServiceMetrics(options.directory, options.tasks, options.bus, options.store),
  };
  healthRoutes(app, context);
  agentRoutes(app, context);
  cardRoutes(app, context);
  a2aEndpointRoutes(app, context, { adminToken: options.adminToken !== undefined });
  mcpServerRoutes(app, context);
  mcpEndpointRoutes(app, context);
  routingRoutes(app, context);
  decisionRoutes(app, context);
  taskRoutes(app, context);
  eventRoutes(app, context, options.eventStreams);
  dashboardRoutes(app);
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Registered agents that stop sending heartbeats go offline within a second, not at the next read.
  const statusCheck = setInterval(
    () => options.directory.refreshStatuses(),
    options.statusCheckIntervalMs ?? 1000,
  );
  statusCheck.unref();
  app.addHook('onClose', async () => clearInterval(statusCheck));
  return app;
}
