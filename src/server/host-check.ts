import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { RouterError } from '../kernel/errors.js';

/**
 * Refuses requests whose Host header names a host the service does not answer to. A page in the
 * user's browser can make its own domain resolve to 127.0.0.1 (DNS rebinding) and then talk to the
 * service as same-origin: the one thing it cannot change is the Host header, which still carries its
 * domain. So a request is served only when its Host is an IP address (nobody rebinds a literal),
 * `localhost` or a name under it, the host the service was told to listen on, or one of
 * `allowedHosts` (SWARM_ROUTER_ALLOWED_HOSTS: the names clients use to reach it). The port is not
 * checked: it does not help an attacker who cannot choose the name.
 */
export function installHostCheck(app: FastifyInstance, allowedHosts: readonly string[]): void {
  const allowed = new Set(allowedHosts.map((host) => hostnameOf(host)));
  app.addHook('onRequest', async (request) => {
    const header = request.headers.host;
    // No browser sends a request without Host (HTTP/1.1 requires it); HTTP/1.0 tools may.
    if (header === undefined || header === '') return;
    const hostname = hostnameOf(header);
    if (isIP(hostname) !== 0 || hostname === 'localhost' || hostname.endsWith('.localhost')) return;
    if (allowed.has(hostname)) return;
    throw new RouterError(
      'host_not_allowed',
      `Host '${header.slice(0, 100)}' is not one this service answers to; reach it by its IP address or localhost, or add the name to SWARM_ROUTER_ALLOWED_HOSTS`,
    );
  });
}

/** `Example.COM:7070` → `example.com`; `[::1]:7070` → `::1`. */
function hostnameOf(host: string): string {
  const text = host.trim().toLowerCase();
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    return end === -1 ? text : text.slice(1, end);
  }
  const colon = text.indexOf(':');
  // One colon: a name or IPv4 with a port. More: a bare IPv6 address, which Host never carries.
  const name = colon !== -1 && text.indexOf(':', colon + 1) === -1 ? text.slice(0, colon) : text;
  // `example.com.` is the same name as `example.com`.
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
