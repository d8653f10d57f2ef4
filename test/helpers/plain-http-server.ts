import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/**
 * Plain node:http servers for tests that play a hostile or broken peer (slow, endless, not JSON):
 * `serve(handler)` listens on a free loopback port and resolves to its base URL (no trailing slash);
 * each is closed, its connections cut, after the test.
 */
export function plainServers(): (handler: Parameters<typeof createServer>[1]) => Promise<string> {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  return async (handler) => {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
}
