import type { EventBus } from '../events/event-bus.js';
import type { Router } from '../router/router.js';
import type { AgentDirectory } from '../service/agent-directory.js';
import type { CardAgents } from '../service/card-agents.js';
import type { EventLog } from '../service/event-log.js';
import type { McpServers } from '../service/mcp-servers.js';
import type { TaskService } from '../service/task-service.js';
import type { Auth } from './auth.js';
import type { ServiceMetrics } from './metrics.js';

/** What every route of the service works with; built once by createServer. */
export interface ServiceContext {
  readonly router: Router;
  readonly events: EventLog;
  readonly tasks: TaskService;
  readonly bus: EventBus;
  readonly directory: AgentDirectory;
  readonly cards: CardAgents;
  readonly mcpServers: McpServers;
  readonly auth: Auth;
  readonly metrics: ServiceMetrics;
}
