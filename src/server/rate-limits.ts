import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RouterError } from '../kernel/errors.js';
import { normalizeId } from '../wire/unicode-text.js';
import type { HttpLimits, RateLimit } from './http-limits.js';

/** Whose allowance a request spends. */
export interface RateLimitIdentity {
  /** The request's bearer token, if any. */
  tokenOf(request: FastifyRequest): string | undefined;
  /** A stable name for the holder of the request's token (`admin`, `agent:forge`), undefined when it is not valid. */
  holderOf(request: FastifyRequest): Promise<string | undefined>;
}

/**
 * Rate limits (@fastify/rate-limit, checked first thing on every request, before auth and body
 * parsing, in an app-wide hook): each valid token has its own allowance, so agents sharing a host do not starve each other;
 * requests without a valid token spend their remote address's; and requests with a token that is not
 * valid spend a much smaller allowance of their address, so guessing tokens is slow. Over the limit:
 * 429 `rate_limited` with Retry-After.
 */
export async function installRateLimits(
  app: FastifyInstance,
  limits: Pick<HttpLimits, 'rateLimit' | 'failedTokenLimit' | 'manifestChanges'>,
  identity: RateLimitIdentity,
): Promise<void> {
  const { rateLimit: general, failedTokenLimit: failed, manifestChanges } = limits;
  if (general === null && failed === null && manifestChanges === null) return;
  const unlimited = { max: Number.MAX_SAFE_INTEGER, windowMs: 60_000 };
  // The plugin asks for the key, the allowance and the window separately: one lookup serves all three.
  const keys = new WeakMap<FastifyRequest, Promise<Spender>>();
  const spent = new WeakMap<FastifyRequest, Spender>();
  const keyOf = (request: FastifyRequest): Promise<Spender> => {
    let spender = keys.get(request);
    if (spender === undefined) {
      spender = spenderOf(request).then((found) => {
        spent.set(request, found);
        return found;
      });
      keys.set(request, spender);
    }
    return spender;
  };
  const spenderOf = async (request: FastifyRequest): Promise<Spender> => {
    const token = identity.tokenOf(request);
    if (token === undefined) {
      return { key: `address ${request.ip}`, who: `address ${request.ip}`, allowance: general ?? unlimited };
    }
    const holder = await identity.holderOf(request);
    if (holder === undefined) {
      return {
        key: `bad-token ${request.ip}`,
        who: `address ${request.ip} with tokens that are not valid`,
        allowance: failed ?? general ?? unlimited,
      };
    }
    return { key: `token ${holder}`, who: 'this token', allowance: general ?? unlimited };
  };
  await app.register(rateLimit, {
    // Not the plugin's per-route hook, which runs after the route's own (auth among them): the limit
    // must come first, or a wrong token would be answered 401 without ever spending an allowance.
    global: false,
    // The plugin's in-memory store: per instance, which is what a per-process allowance means.
    keyGenerator: async (request) => (await keyOf(request)).key,
    max: async (request) => (await keyOf(request)).allowance.max,
    timeWindow: async (request) => (await keyOf(request)).allowance.windowMs,
    errorResponseBuilder: (request, context) => {
      // Asked only after the key was made, so the lookup is done; its result is in the request.
      const { who, allowance } = spent.get(request) ?? {
        who: 'this client',
        allowance: general ?? unlimited,
      };
      return new RouterError(
        'rate_limited',
        `too many requests from ${who}: at most ${allowance.max} in ${allowance.windowMs / 1000} s; retry in ${context.after}`,
      );
    },
  });
  if (general !== null || failed !== null) app.addHook('onRequest', app.rateLimit());
  if (manifestChanges !== null) limitManifestChanges(app, manifestChanges);
}

/**
 * Changing a manifest is the dearest thing an agent can ask for (a body of up to 1 MiB analysed,
 * stored, sealed, and the roster compiled again), and agents rarely need it: each agent's manifest
 * may change `allowance.max` times per window, whoever asks (its own token or the admin's), so that
 * one agent cannot keep the service compiling. Registering and removing need the admin token.
 */
function limitManifestChanges(app: FastifyInstance, allowance: RateLimit): void {
  const check = app.createRateLimit({
    keyGenerator: (request) => `manifest ${normalizeId((request.params as { agent_id: string }).agent_id)}`,
    max: allowance.max,
    timeWindow: allowance.windowMs,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'PATCH' || request.routeOptions.url !== '/v1/agents/:agent_id') return;
    const limit = await check(request);
    if (limit.isAllowed || !limit.isExceeded) return;
    reply.header('retry-after', limit.ttlInSeconds);
    throw new RouterError(
      'rate_limited',
      `agent '${normalizeId((request.params as { agent_id: string }).agent_id)}' may change its manifest at most ${allowance.max} times in ${allowance.windowMs / 1000} s; retry in ${limit.ttlInSeconds} s`,
    );
  });
}

/** Who spends a request's allowance, and how much it has. */
interface Spender {
  readonly key: string;
  /** For the 429's message. */
  readonly who: string;
  readonly allowance: RateLimit;
}
