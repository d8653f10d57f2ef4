import { DEFAULT_SCORER } from '../scoring/scorer-registry.js';

/**
 * The CLI's configuration: defaults < SWARM_ROUTER_* environment < flags. This module is the only
 * reader of process.env; everything else receives a frozen Config.
 */
export interface Config {
  /**
   * Audit log location: a SQLite file, or a `postgres://` URL. Default `./data/swarm-router.db`; env
   * SWARM_ROUTER_DB, then DATABASE_URL (the usual name on platforms that provision PostgreSQL).
   */
  readonly db: string;
  /** Roster file, or `personas` for the six built-in personas. Default `personas`; env SWARM_ROUTER_ROSTER. */
  readonly roster: string;
  /** Scorer name. Default `default`; env SWARM_ROUTER_SCORER. */
  readonly scorer: string;
  /**
   * A related-terms file for the default scorer (wire/related-terms-dto.ts), or '' for the built-in
   * table alone. Default ''; env SWARM_ROUTER_RELATED.
   */
  readonly related: string;
  /** Bid normalisation of the default policy: received, band or rate. Default received; env SWARM_ROUTER_BID_NORMALISATION. */
  readonly bidNormalisation: string;
  /** The default policy's "no suitable agent" threshold, or '' for its default. Env SWARM_ROUTER_MIN_CAPABILITY. */
  readonly minCapability: string;
  /**
   * How many best-matching non-bidders a decision keeps the score of on a larger roster, or '' for the
   * scorer's default (20; every agent with classic). Env SWARM_ROUTER_CANDIDATES_KEPT.
   */
  readonly candidatesKept: string;
  /**
   * The default scorer's semantic channel (word vectors shipped in the package): `on` or `off`.
   * Default on; env SWARM_ROUTER_SEMANTIC.
   */
  readonly semantic: string;
  /**
   * The service's admin token, or '' for none (then it listens on loopback only). Env
   * SWARM_ROUTER_ADMIN_TOKEN only: a flag would show it in the process list.
   */
  readonly adminToken: string;
  /**
   * Host names clients reach the service by, comma-separated, besides IP addresses and localhost
   * (server/host-check.ts). Default ''; env SWARM_ROUTER_ALLOWED_HOSTS.
   */
  readonly allowedHosts: string;
  /** Origins whose pages may call the API (CORS), comma-separated; default '' (none). Env SWARM_ROUTER_CORS_ORIGINS. */
  readonly corsOrigins: string;
  /** Requests per window for each token or address, `3000/10s`, or `off`. Env SWARM_ROUTER_RATE_LIMIT. */
  readonly rateLimit: string;
  /** Requests with a wrong token per window for each address, `30/1m`, or `off`. Env SWARM_ROUTER_FAILED_TOKEN_LIMIT. */
  readonly failedTokenLimit: string;
  /** Changes of one agent's manifest per window, `10/1m`, or `off`. Env SWARM_ROUTER_MANIFEST_CHANGE_LIMIT. */
  readonly manifestChangeLimit: string;
}

export const DEFAULT_CONFIG: Config = Object.freeze({
  db: './data/swarm-router.db',
  roster: 'personas',
  scorer: DEFAULT_SCORER,
  related: '',
  bidNormalisation: 'received',
  minCapability: '',
  candidatesKept: '',
  semantic: 'on',
  adminToken: '',
  allowedHosts: '',
  corsOrigins: '',
  rateLimit: '3000/10s',
  failedTokenLimit: '30/1m',
  manifestChangeLimit: '10/1m',
});

export type ConfigFlags = { readonly [K in keyof Config]?: Config[K] | undefined };

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const pick = (key: keyof Config, envName: string): string =>
    flags[key] ?? nonEmpty(env[envName]) ?? DEFAULT_CONFIG[key];
  return Object.freeze({
    db: flags.db ?? nonEmpty(env.SWARM_ROUTER_DB) ?? nonEmpty(env.DATABASE_URL) ?? DEFAULT_CONFIG.db,
    roster: pick('roster', 'SWARM_ROUTER_ROSTER'),
    scorer: pick('scorer', 'SWARM_ROUTER_SCORER'),
    related: pick('related', 'SWARM_ROUTER_RELATED'),
    bidNormalisation: pick('bidNormalisation', 'SWARM_ROUTER_BID_NORMALISATION'),
    minCapability: pick('minCapability', 'SWARM_ROUTER_MIN_CAPABILITY'),
    candidatesKept: pick('candidatesKept', 'SWARM_ROUTER_CANDIDATES_KEPT'),
    semantic: pick('semantic', 'SWARM_ROUTER_SEMANTIC'),
    adminToken: nonEmpty(env.SWARM_ROUTER_ADMIN_TOKEN) ?? DEFAULT_CONFIG.adminToken,
    allowedHosts: pick('allowedHosts', 'SWARM_ROUTER_ALLOWED_HOSTS'),
    corsOrigins: pick('corsOrigins', 'SWARM_ROUTER_CORS_ORIGINS'),
    rateLimit: pick('rateLimit', 'SWARM_ROUTER_RATE_LIMIT'),
    failedTokenLimit: pick('failedTokenLimit', 'SWARM_ROUTER_FAILED_TOKEN_LIMIT'),
    manifestChangeLimit: pick('manifestChangeLimit', 'SWARM_ROUTER_MANIFEST_CHANGE_LIMIT'),
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
