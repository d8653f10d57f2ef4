import type {
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
  preValidationAsyncHookHandler,
} from 'fastify';
import { requireStrongAdminToken } from '../config/admin-token.js';
import { RouterError } from '../kernel/errors.js';
import type { AgentDirectory } from '../service/agent-directory.js';
import { hashToken, tokenMatches } from '../service/agent-token.js';
import { normalizeId } from '../wire/unicode-text.js';

/**
 * What a route needs of its caller:
 * - `public`: nothing (health, metrics, the dashboard's files, the OpenAPI document);
 * - `reader`: any valid token, the admin's or an agent's;
 * - `admin`: the admin token;
 * - `{ actingAs }`: the token of the agent the request acts as, or the admin token; another agent's
 *   token is refused with 403. `actingAs` reads the agent's id from the request's path or body: it is
 *   called before validation (when it may return anything) and after.
 */
export type Access =
  | 'public'
  | 'reader'
  | 'admin'
  | { readonly actingAs: (request: FastifyRequest) => unknown };

/** Route options that make a route check its Access (spread into the route's options). */
export interface Guard {
  readonly onRequest: onRequestAsyncHookHandler;
  readonly preValidation?: preValidationAsyncHookHandler;
  readonly preHandler?: preHandlerAsyncHookHandler;
}

/** Who a request's token says it comes from: the admin, an agent (its id), or anyone (no admin token). */
type Caller = Holder | { readonly anyone: true };
/** Whose token a request carries, when it is a valid one. */
type Holder = { readonly admin: true } | { readonly agentId: string };

/**
 * Who may do what. Without an admin token (a service on loopback) everything is open. With one
 * (`SWARM_ROUTER_ADMIN_TOKEN`, at least 32 characters): registration and admin endpoints need it; what
 * an agent does needs that agent's own token (or the admin's), and another agent's token gets 403;
 * reads need any valid token. Tokens are compared as SHA-256 digests (the admin's in constant time;
 * agents' by a map lookup of the digest, TokenIndex). Roster agents have no token.
 *
 * The token is checked in an `onRequest` hook, before the body is even parsed, so a request without
 * the token it needs gets 401 whatever its body. Which agent it acts as is checked once the body is
 * parsed, before it is validated, when the id is a string (in its normal form, NFC, as validation
 * will make it): another agent's token gets 403 whatever else is wrong. It is checked again on the
 * validated request (`preHandler`), which also makes sure this instance knows that agent if the store
 * does (AgentDirectory.resolve).
 */
export class Auth {
  readonly #adminHash: string | undefined;
  readonly #directory: AgentDirectory;
  readonly #callers = new WeakMap<FastifyRequest, Caller>();
  readonly #holders = new WeakMap<FastifyRequest, Promise<Holder | undefined>>();

  /** Throws `weak_admin_token` for an admin token that is too short to be safe (config/admin-token.ts). */
  constructor(adminToken: string | undefined, directory: AgentDirectory) {
    if (adminToken !== undefined) requireStrongAdminToken(adminToken);
    this.#adminHash = adminToken === undefined ? undefined : hashToken(adminToken);
    this.#directory = directory;
  }

  get enabled(): boolean {
    return this.#adminHash !== undefined;
  }

  /** The hooks that enforce `access` on one route: `{ ...auth.guard('reader'), schema, … }`. */
  guard(access: Access): Guard {
    const onRequest: onRequestAsyncHookHandler = async (request) => {
      if (access !== 'public') this.#callers.set(request, await this.#authenticate(request, access));
    };
    if (typeof access !== 'object') return { onRequest };
    const preValidation: preValidationAsyncHookHandler = async (request) => {
      const named = access.actingAs(request);
      if (typeof named === 'string') this.#requireActingAsItself(request, normalizeId(named));
    };
    const preHandler: preHandlerAsyncHookHandler = async (request) => {
      const agentId = access.actingAs(request) as string;
      this.#requireActingAsItself(request, agentId);
      // Registered through another instance a moment ago: known here before the handler looks.
      await this.#directory.resolve(agentId);
    };
    return { onRequest, preValidation, preHandler };
  }

  /** The request's bearer token, if it has one. */
  tokenOf(request: FastifyRequest): string | undefined {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }

  /**
   * `admin`, or `agent:<id>` for a registered agent's token; undefined for no token or one that opens
   * nothing. Looked up once per request: the rate limiter and the guard both ask.
   */
  async holderOf(request: FastifyRequest): Promise<string | undefined> {
    const holder = await this.#holderOf(request);
    if (holder === undefined) return undefined;
    return 'admin' in holder ? 'admin' : `agent:${holder.agentId}`;
  }

  #holderOf(request: FastifyRequest): Promise<Holder | undefined> {
    let holder = this.#holders.get(request);
    if (holder === undefined) {
      holder = this.#lookUp(this.tokenOf(request));
      this.#holders.set(request, holder);
    }
    return holder;
  }

  async #lookUp(token: string | undefined): Promise<Holder | undefined> {
    if (token === undefined) return undefined;
    if (this.#isAdmin(token)) return { admin: true };
    const agentId = await this.#directory.agentOfToken(token);
    return agentId === undefined ? undefined : { agentId };
  }

  async #authenticate(request: FastifyRequest, access: Exclude<Access, 'public'>): Promise<Caller> {
    if (this.#adminHash === undefined) return { anyone: true };
    const holder = await this.#holderOf(request);
    if (holder !== undefined && 'admin' in holder) return holder;
    if (access === 'admin') throw unauthorized('this endpoint needs the admin token');
    if (holder !== undefined) return holder;
    throw unauthorized(
      access === 'reader'
        ? 'this endpoint needs the admin token or an agent token'
        : "this endpoint needs the agent's own token (or the admin token)",
    );
  }

  /** 403 when the caller is an agent other than `agentId` (the admin, or anyone on an open service, may). */
  #requireActingAsItself(request: FastifyRequest, agentId: string): void {
    const caller = this.#callers.get(request);
    if (caller === undefined || !('agentId' in caller) || caller.agentId === agentId) return;
    throw new RouterError('forbidden', `agent '${caller.agentId}' cannot act as agent '${agentId}'`, {
      details: { agentId, holder: caller.agentId },
    });
  }

  #isAdmin(token: string): boolean {
    return this.#adminHash !== undefined && tokenMatches(token, this.#adminHash);
  }
}

function unauthorized(message: string): RouterError {
  return new RouterError('unauthorized', `${message} (Authorization: Bearer <token>)`);
}
