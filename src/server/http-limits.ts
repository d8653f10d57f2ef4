/**
 * What one client may cost the service over HTTP. Every figure bounds a way a client, hostile or
 * careless, could hold the service's time, memory or file descriptors; docs/security.md ("Limits on input", "Time and connections") lists them.
 */
export interface HttpLimits {
  /** Whole request, headers and body, ms: a body that trickles in is cut off (408). */
  readonly requestTimeoutMs: number;
  /** Headers alone, ms. */
  readonly headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this, ms. */
  readonly keepAliveTimeoutMs: number;
  /** A connection with no traffic either way (a client that stopped reading) is closed after this, ms. */
  readonly idleTimeoutMs: number;
  /** Open connections from one remote address; more are closed as they arrive. */
  readonly connectionsPerAddress: number;
  /**
   * Requests per window for each client: an agent's or the admin's token when it is valid, the remote
   * address otherwise. null: no limit.
   */
  readonly rateLimit: RateLimit | null;
  /**
   * Requests per window carrying a token that is not valid, for each remote address: guessing tokens
   * is slow. null: no limit beyond rateLimit.
   */
  readonly failedTokenLimit: RateLimit | null;
  /**
   * Changes of one agent's manifest (PATCH) per window, whoever makes them: each compiles the roster
   * again. null: no limit beyond rateLimit.
   */
  readonly manifestChanges: RateLimit | null;
}

export interface RateLimit {
  readonly max: number;
  readonly windowMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  connectionsPerAddress: 256,
  rateLimit: { max: 3_000, windowMs: 10_000 },
  failedTokenLimit: { max: 30, windowMs: 60_000 },
  manifestChanges: { max: 10, windowMs: 60_000 },
};

/**
 * `"3000/10s"`, `"50/1m"`, `"off"` (as in SWARM_ROUTER_RATE_LIMIT): a RateLimit, null for off, or
 * undefined when the text is not one of these.
 */
export function parseRateLimit(text: string): RateLimit | null | undefined {
  if (text.trim().toLowerCase() === 'off') return null;
  const match = /^\s*([0-9]{1,9})\s*\/\s*([0-9]{0,6})\s*(ms|s|m|h)\s*$/i.exec(text);
  if (match === null) return undefined;
  const max = Number(match[1]);
  const count = match[2] === '' ? 1 : Number(match[2]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[3] as string).toLowerCase() as 'ms'];
  const windowMs = count * unit;
  if (max < 1 || windowMs < 1) return undefined;
  return { max, windowMs };
}
