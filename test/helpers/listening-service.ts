import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/kernel/clock.js';
import { createRouter } from '../../src/router/create-router.js';
import type { Router } from '../../src/router/router.js';
import type { HttpLimits } from '../../src/server/http-limits.js';
import { openService, type Service } from '../../src/server/open-service.js';
import type { TaskServiceSettings } from '../../src/service/task-service.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';

export interface ListeningService {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly service: Service;
  readonly router: Router;
  readonly store: Store;
  close(): Promise<void>;
}

/**
 * The service as `serve` runs it, on a real SQLite log, listening on a free loopback port: for tests
 * that need what injected requests skip (sockets, Node's parser, timeouts, connection limits).
 */
export async function startListeningService(options: {
  db: string;
  adminToken?: string;
  roster?: readonly string[];
  limits?: Partial<HttpLimits>;
  allowedHosts?: readonly string[];
  taskSettings?: Partial<TaskServiceSettings>;
  /** How often A2A cards are read again, ms (open-service.ts's default otherwise). */
  cardRefreshMs?: number;
}): Promise<ListeningService> {
  const store = createStore({ location: options.db });
  const clock = systemClock;
  const router = createRouter({ store, clock });
  for (const persona of options.roster ?? ['echo', 'forge', 'quill']) router.registerPersona(persona);
  await router.restoreLearning();
  const service = await openService({
    router,
    store,
    clock,
    offlineAfterMs: 60_000,
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
    ...(options.taskSettings === undefined ? {} : { taskSettings: options.taskSettings }),
    ...(options.cardRefreshMs === undefined ? {} : { cardRefreshMs: options.cardRefreshMs }),
  });
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = service.app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    service,
    router,
    store,
    async close() {
      await service.close();
      await router.close();
    },
  };
}
