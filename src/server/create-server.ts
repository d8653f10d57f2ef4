import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AgentDirectory } from '../agents/agent-directory.js';
import type { EventBus } from '../events/event-bus.js';
import type { Router } from '../router/router.js';
import type { TaskService } from '../router/task-service.js';
import type { Store } from '../store/store.js';
import { Auth } from './auth.js';
import { installErrorHandling } from './error-handling.js';
import { ServiceMetrics } from './metrics.js';
import { agentRoutes } from './routes/agents.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { decisionRoutes } from './routes/decisions.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { routingRoutes } from './routes/routing.js';
import { taskRoutes } from './routes/tasks.js';
import type { ServiceContext } from './service-context.js';
import { validatorCompiler } from './validation.js';

export interface ServerOptions {
  readonly router: Router;
  readonly store: Store;
  readonly tasks: TaskService;
  readonly bus: EventBus;
  readonly directory: AgentDirectory;
  /** SWARM_ROUTER_ADMIN_TOKEN; without it every endpoint is open (loopback only, see serve). */
  readonly adminToken?: string;
  /** Fastify's logger (pino, JSON lines on stdout) at this level; default none. */
  readonly logLevel?: 'info' | 'warn';
  /** How often registered agents' heartbeats are checked, ms. Default 1000. */
  readonly statusCheckIntervalMs?: number;
}

/** Request bodies above this are refused with 413 (payload_too_large). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The HTTP service (DESIGN.md, "HTTP API"): Fastify, every route with a schema, validated by the
 * wire's validators, documented at /v1/openapi.json. Built, not listening: the caller listens
 * (serve) or injects requests (tests).
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logLevel === undefined ? false : { level: options.logLevel },
    bodyLimit: BODY_LIMIT_BYTES,
  });
  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'swarm-router',
        description: 'Routes tasks to the best agent in a swarm, explains why, and keeps an audit log.',
        version: '1',
      },
    },
  });
  const context: ServiceContext = {
    router: options.router,
    store: options.store,
    tasks: options.tasks,
    bus: options.bus,
    directory: options.directory,
    auth: new Auth(options.adminToken, options.directory),
    metrics: new ServiceMetrics(options.directory, options.tasks, options.bus, options.store),
  };
  healthRoutes(app, context);
  agentRoutes(app, context);
  routingRoutes(app, context);
  decisionRoutes(app, context);
  taskRoutes(app, context);
  eventRoutes(app, context);
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
