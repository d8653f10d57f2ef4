import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/kernel/clock.js';
import { createRouter } from '../../src/router/create-router.js';
import { openService } from '../../src/server/open-service.js';
import { createStore } from '../../src/store/create-store.js';

export interface McpTestService {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly db: string;
  close(): Promise<void>;
}

/**
 * The service as `serve` runs it, on a real SQLite log (the persona echo on its roster), listening on
 * a loopback port, with the MCP settings tests need: commands allowed or not, short time limits.
 */
export async function startMcpTestService(options: {
  readonly db: string;
  readonly allowMcpCommands?: boolean;
}): Promise<McpTestService> {
  const store = createStore({ location: options.db });
  const router = createRouter({ store, clock: systemClock });
  router.registerPersona('echo');
  await router.restoreLearning();
  const service = await openService({
    router,
    store,
    clock: systemClock,
    offlineAfterMs: 60_000,
    allowMcpCommands: options.allowMcpCommands ?? false,
    mcpLimits: { connectTimeoutMs: 2_000, requestTimeoutMs: 2_000 },
  });
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`,
    db: options.db,
    async close() {
      await service.close();
      await router.close();
    },
  };
}
