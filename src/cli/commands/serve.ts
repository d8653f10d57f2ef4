import { isIP } from 'node:net';
import type { Command } from 'commander';
import { requireStrongAdminToken } from '../../config/admin-token.js';
import { type Config, loadConfig } from '../../config/config.js';
import { systemClock } from '../../kernel/clock.js';
import { RouterError } from '../../kernel/errors.js';
import { type HttpLimits, parseRateLimit } from '../../server/http-limits.js';
import { displayLocation } from '../../store/create-store.js';
import { startTracing } from '../../telemetry/tracing.js';
import { badArgument } from '../cli-error.js';
import type { DemoSwarm } from '../demo-swarm.js';
import { type CliIo, write } from '../io.js';
import { openRouterAndStore } from '../open-router.js';
import { STORED_ROSTER } from '../roster.js';
import {
  candidatesKeptOption,
  dbOption,
  minCapabilityOption,
  rosterOption,
  scorerOption,
  semanticOption,
} from '../shared-options.js';

interface ServeFlags {
  readonly host: string;
  readonly port: string;
  readonly db?: string;
  readonly roster?: string;
  readonly scorer?: string;
  readonly minCapability?: string;
  readonly candidatesKept?: string;
  readonly semantic?: string;
  readonly offlineAfterMs: string;
  readonly logRequests?: boolean;
  readonly demo?: boolean;
  readonly reservationMs: string;
  readonly maxAttempts: string;
  readonly rateLimit?: string;
  readonly allowMcpCommands?: boolean;
}

/** Resolves when the server has closed (SIGTERM or SIGINT). */
export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description(
      'run the HTTP service (API under /v1, the dashboard at /, /metrics, /healthz) on the audit log',
    )
    .option(
      '--host <address>',
      'address to listen on; beyond loopback needs SWARM_ROUTER_ADMIN_TOKEN',
      '127.0.0.1',
    )
    .option('--port <n>', 'port to listen on (0: any free port)', '7070')
    .addOption(dbOption())
    .addOption(rosterOption('serve'))
    .addOption(scorerOption())
    .addOption(minCapabilityOption())
    .addOption(candidatesKeptOption())
    .addOption(semanticOption())
    .option(
      '--offline-after-ms <n>',
      'a registered agent without a heartbeat for this long is offline',
      '30000',
    )
    .option('--reservation-ms <n>', 'how long the winner of an auction has to accept, ms', '30000')
    .option('--max-attempts <n>', 'failed attempts after which a task is failed, not re-offered', '3')
    .option(
      '--demo',
      'simulate the six personas as agents over HTTP (they bid, accept and complete) and post sample tasks',
    )
    .option(
      '--rate-limit <n/window|off>',
      'requests per window for each token, or address without one, e.g. 3000/10s (env SWARM_ROUTER_RATE_LIMIT)',
    )
    .option('--log-requests', 'a JSON log line per request on stdout (default: warnings and errors only)')
    .option(
      '--allow-mcp-commands',
      'let the admin register MCP servers by command (POST /v1/agents {"mcp_command"}): the service runs them as its own user',
    )
    .action(async (flags: ServeFlags) => {
      const port = integerFlag('--port', flags.port, 0, 65_535);
      const offlineAfterMs = integerFlag('--offline-after-ms', flags.offlineAfterMs, 1, 2 ** 31 - 1);
      const reservationMs = integerFlag('--reservation-ms', flags.reservationMs, 1, 2 ** 31 - 1);
      const maxAttempts = integerFlag('--max-attempts', flags.maxAttempts, 1, 1000);
      const loaded = loadConfig(
        {
          db: flags.db,
          roster:
            flags.roster ??
            (flags.demo === true && io.env.SWARM_ROUTER_ROSTER === undefined ? 'none' : undefined),
          scorer: flags.scorer,
          minCapability: flags.minCapability,
          candidatesKept: flags.candidatesKept,
          semantic: flags.semantic,
          rateLimit: flags.rateLimit,
        },
        io.env,
      );
      // serve always reads the agents it stored: `stored` (from a shell that sets it for route and mcp)
      // asks for those alone, which is what `none` starts with.
      const config = loaded.roster === STORED_ROSTER ? { ...loaded, roster: 'none' } : loaded;
      const http = httpSettings(config, flags.host);
      const adminToken = config.adminToken === '' ? undefined : config.adminToken;
      // Before anything is opened: a weak admin token is a reason not to start at all.
      if (adminToken !== undefined) requireStrongAdminToken(adminToken);
      if (adminToken === undefined && !isLoopback(flags.host)) {
        throw new RouterError(
          'unsafe_bind',
          `refusing to listen on ${flags.host} without an admin token: anyone who can reach it could register agents and read the log. Set SWARM_ROUTER_ADMIN_TOKEN, or listen on 127.0.0.1`,
          { details: { host: flags.host } },
        );
      }
      // Spans go out over OTLP only when OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set (docs/http-api.md, "Traces").
      const tracing = await startTracing(io.env);
      const { router, store } = await openRouterAndStore({
        config,
        // No roster change (POST/PATCH /v1/agents) may hold the event loop while it is compiled,
        // nor a write while SQLite copies its log into the database file.
        backgroundCompile: true,
        checkpoints: 'worker',
      });
      if (store === undefined) throw new TypeError('expected a store for the service');
      // The HTTP stack (fastify and its plugins, metrics) is loaded only by the command that serves:
      // it was most of every other command's start-up.
      const { openService } = await import('../../server/open-service.js');
      const service = await openService({
        router,
        store,
        clock: systemClock,
        offlineAfterMs,
        taskSettings: { reservationMs, maxAttempts },
        ...(adminToken === undefined ? {} : { adminToken }),
        logLevel: flags.logRequests === true ? 'info' : 'warn',
        allowMcpCommands: flags.allowMcpCommands === true,
        ...http,
      });
      const { app } = service;
      let demo: DemoSwarm | undefined;
      // The demo's agents stop, in-flight requests finish, then the store closes: nothing
      // acknowledged is lost.
      const stopAll = () =>
        (demo?.stop() ?? Promise.resolve())
          .then(() => service.close())
          .then(() => router.close())
          .then(() => tracing.shutdown()); // what is still buffered is sent
      const closed = new Promise<void>((resolve) => {
        const shutDown = () => void stopAll().then(resolve);
        process.once('SIGTERM', shutDown);
        process.once('SIGINT', shutDown);
      });
      let address: string;
      try {
        address = await app.listen({ host: flags.host, port });
      } catch (error) {
        // Opened but not listening: close it all, or its timers would keep the process up for ever.
        await stopAll();
        throw cannotListen(error, flags.host, port);
      }
      if (flags.demo === true) {
        const { startDemoSwarm } = await import('../demo-swarm.js');
        demo = await startDemoSwarm({
          baseUrl: address,
          ...(adminToken === undefined ? {} : { adminToken }),
          onError: (error) => void write(io.stderr, `swarm-router demo: ${String(error)}\n`),
        });
      }
      await write(
        io.stderr,
        `swarm-router: listening on ${address} — dashboard ${address}/ (audit log ${displayLocation(config.db)}; ` +
          `${router.registry.size} agents${demo === undefined ? '' : ', simulated by --demo'}; ` +
          `${adminToken === undefined ? 'no admin token: open to this machine only' : 'admin token required'})\n`,
      );
      if (tracing.endpoint !== undefined) {
        await write(
          io.stderr,
          `swarm-router: traces go to ${withoutCredentials(tracing.endpoint)} (OTLP/HTTP)\n`,
        );
      }
      await closed;
    });
}

/** The service's HTTP limits and the names it answers to, from the configuration; bad text is refused by name. */
function httpSettings(
  config: Config,
  host: string,
): { limits: Partial<HttpLimits>; allowedHosts: string[]; corsOrigins: string[] } {
  const limit = (name: string, text: string) => {
    const parsed = parseRateLimit(text);
    if (parsed === undefined)
      throw badArgument(name, 'a count per window such as 3000/10s or 50/1m, or off', text);
    return parsed;
  };
  const list = (text: string) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  return {
    limits: {
      rateLimit: limit('--rate-limit (SWARM_ROUTER_RATE_LIMIT)', config.rateLimit),
      failedTokenLimit: limit('SWARM_ROUTER_FAILED_TOKEN_LIMIT', config.failedTokenLimit),
      manifestChanges: limit('SWARM_ROUTER_MANIFEST_CHANGE_LIMIT', config.manifestChangeLimit),
    },
    // A name given to --host is one clients use.
    allowedHosts: [...list(config.allowedHosts), ...(isIP(host) === 0 ? [host] : [])],
    corsOrigins: list(config.corsOrigins),
  };
}

function integerFlag(option: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badArgument(option, `an integer from ${min} to ${max}`, text);
  }
  return value;
}

/** A URL as it may be printed: any user name and password in it left out. */
function withoutCredentials(text: string): string {
  const url = new URL(text);
  url.username = '';
  url.password = '';
  return url.href;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** The RouterError for a listen that failed: what the system said, and what to do about it. */
function cannotListen(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  const why =
    code === 'EADDRINUSE'
      ? `port ${port} is in use by another process (stop it, or pass another --port)`
      : code === 'EADDRNOTAVAIL'
        ? `${host} is not an address of this machine`
        : code === 'EACCES'
          ? `port ${port} needs privileges this process lacks (pass a port above 1023)`
          : undefined;
  if (why === undefined) return error;
  return new RouterError('cannot_listen', `cannot listen on ${host}:${port}: ${why}`, {
    details: { host, port, code },
    cause: error,
  });
}
