import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The dashboard's files (src/server/web, copied beside the built code), read once at start. */
const FILES = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/dashboard/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { path: '/dashboard/style.css', file: 'style.css', type: 'text/css; charset=utf-8' },
] as const;

/**
 * The dashboard at `/`: static HTML, CSS and a plain ES module, no build step. It reads the API like
 * any client (tasks, agents, stats, the event stream), so it needs no routes of its own.
 */
export function dashboardRoutes(app: FastifyInstance): void {
  for (const { path, file, type } of FILES) {
    const body = readFileSync(new URL(`../web/${file}`, import.meta.url));
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.type(type).header('cache-control', 'no-cache').send(body),
    );
  }
}
