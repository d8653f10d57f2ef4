import type { AgentDirectory } from '../agents/agent-directory.js';
import type { Router } from '../router/router.js';
import type { Auth } from './auth.js';
import type { ServiceMetrics } from './metrics.js';

/** What every route of the service works with; built once by createServer. */
export interface ServiceContext {
  readonly router: Router;
  readonly directory: AgentDirectory;
  readonly auth: Auth;
  readonly metrics: ServiceMetrics;
}
