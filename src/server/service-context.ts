import type { AgentDirectory } from '../agents/agent-directory.js';
import type { EventBus } from '../events/event-bus.js';
import type { Router } from '../router/router.js';
import type { TaskService } from '../router/task-service.js';
import type { Store } from '../store/store.js';
import type { Auth } from './auth.js';
import type { ServiceMetrics } from './metrics.js';

/** What every route of the service works with; built once by createServer. */
export interface ServiceContext {
  readonly router: Router;
  readonly store: Store;
  readonly tasks: TaskService;
  readonly bus: EventBus;
  readonly directory: AgentDirectory;
  readonly auth: Auth;
  readonly metrics: ServiceMetrics;
}
