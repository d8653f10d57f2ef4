import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The dashboard's files (src/server/web, copied beside the built code), read once at start. */
const FILES = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/dashboard/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { path: '/dashboard/style.css', file: 'style.css', type: 'text/css; charset=utf-8' },
] as const;

/**
 * Defence in depth for a page that shows what agents and clients wrote (names, descriptions, reasons):
 * the dashboard writes text, never markup, and should that ever slip, the page still runs only its own
 * script and reaches only its own origin; no other site may frame it (clickjacking the admin's
 * session) or have a file of it read as another type.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/**
 * The dashboard at `/`: static HTML, CSS and a plain ES module, no build step. It reads the API like
 * any client (tasks, agents, stats, the event stream), so it needs no routes of its own.
 */
export function dashboardRoutes(app: FastifyInstance): void {
  for (const { path, file, type } of FILES) {
    const body = readFileSync(new URL(`../web/${file}`, import.meta.url));
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.type(type).header('cache-control', 'no-cache').headers(SECURITY_HEADERS).send(body),
    );
  }
}
