import type { FastifyRequest } from 'fastify';
import type { AgentDirectory } from '../agents/agent-directory.js';
import { hashToken, tokenMatches } from '../agents/agent-token.js';
import { RouterError } from '../kernel/errors.js';

/**
 * Who may do what. Without an admin token (a service on loopback) everything is open. With one
 * (`SWARM_ROUTER_ADMIN_TOKEN`): registration and admin endpoints need it; what an agent does needs
 * that agent's own token (or the admin's), and another agent's token gets 403; reads need any valid
 * token. Tokens are compared as SHA-256 digests in constant time. Roster agents have no token.
 */
export class Auth {
  readonly #adminHash: string | undefined;
  readonly #directory: AgentDirectory;

  constructor(adminToken: string | undefined, directory: AgentDirectory) {
    this.#adminHash = adminToken === undefined ? undefined : hashToken(adminToken);
    this.#directory = directory;
  }

  get enabled(): boolean {
    return this.#adminHash !== undefined;
  }

  requireAdmin(request: FastifyRequest): void {
    if (this.#adminHash === undefined) return;
    if (!this.#isAdmin(bearer(request))) throw unauthorized('this endpoint needs the admin token');
  }

  /** The agent itself, or the admin. */
  requireAgent(request: FastifyRequest, agentId: string): void {
    if (this.#adminHash === undefined) return;
    const token = bearer(request);
    if (this.#isAdmin(token)) return;
    const holder = token === undefined ? undefined : this.#directory.agentOfToken(token);
    if (holder === undefined) throw unauthorized(`this endpoint needs agent '${agentId}''s token`);
    if (holder !== agentId) {
      throw new RouterError('forbidden', `agent '${holder}' cannot act as agent '${agentId}'`, {
        details: { agentId, holder },
      });
    }
  }

  /** Any valid token. */
  requireReader(request: FastifyRequest): void {
    if (this.#adminHash === undefined) return;
    const token = bearer(request);
    if (this.#isAdmin(token)) return;
    if (token === undefined || this.#directory.agentOfToken(token) === undefined) {
      throw unauthorized('this endpoint needs the admin token or an agent token');
    }
  }

  #isAdmin(token: string | undefined): boolean {
    return token !== undefined && this.#adminHash !== undefined && tokenMatches(token, this.#adminHash);
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function unauthorized(message: string): RouterError {
  return new RouterError('unauthorized', `${message} (Authorization: Bearer <token>)`);
}
