import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { RouterError } from '../kernel/errors.js';
import { limitedFetch } from '../kernel/limited-fetch.js';
import type { McpTarget } from '../manifest/manifest.js';
import type { McpConnection, McpConnectionEvents, McpConnector } from '../service/mcp-servers.js';
import { serverIdOfName } from '../wire/mcp-dto.js';
import { checkNames, invalidTool, MAX_TOOLS_PER_SERVER, type ReadTool, readToolPage } from './tool-list.js';
import { manifestsOfTools } from './tool-manifests.js';

/**
 * Connections to MCP servers with @modelcontextprotocol/sdk's client: over Streamable HTTP, or over
 * the standard input and output of a command the service runs. The server is outside the service's
 * control, so every exchange has a time limit, an HTTP answer a size limit (a command's messages:
 * the SDK's 10 MB), and the tool list is read raw and checked here (tool-list.ts) rather than by the
 * SDK's schema, so that a bad list is refused naming the field. A command runs without a shell, in
 * the service's working directory, with the SDK's short list of inherited environment variables
 * (HOME, LOGNAME, PATH, SHELL, TERM, USER): the service's own secrets are not handed to it.
 */

export interface McpConnectionLimits {
  /** The handshake (starting a command included), ms. */
  readonly connectTimeoutMs: number;
  /** One request (a page of tools, a ping), ms. */
  readonly requestTimeoutMs: number;
  /** A whole tool list, every page, ms. */
  readonly listTimeoutMs: number;
}

export const DEFAULT_MCP_LIMITS: McpConnectionLimits = {
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
  listTimeoutMs: 30_000,
};

/** Pages of tools/list read at most: more than MAX_TOOLS_PER_SERVER tools, or a server paging on forever. */
const MAX_PAGES = 200;
/** Largest HTTP answer read from a server (one JSON answer or one request's event stream). */
const MAX_HTTP_ANSWER_BYTES = 10 * 1024 * 1024;
/** What is kept of a command's standard error, to say why it failed. */
const STDERR_TAIL_CHARS = 1_000;

/** A tools/list result as sent: tool-list.ts checks it. */
const RawResult = z.object({}).passthrough();

export function mcpConnector(limits: Partial<McpConnectionLimits> = {}): McpConnector {
  const settings = { ...DEFAULT_MCP_LIMITS, ...limits };
  return (target, events, where) => connect(target, events, where, settings);
}

async function connect(
  target: McpTarget,
  events: McpConnectionEvents,
  where: string,
  limits: McpConnectionLimits,
): Promise<McpConnection> {
  const client = new Client({ name: 'swarm-router', version: '1' }, { capabilities: {} });
  let stderrTail = '';
  let transport: Transport;
  if (target.transport === 'http') {
    transport = new StreamableHTTPClientTransport(new URL(target.url), { fetch: cappedFetch });
  } else {
    const stdio = new StdioClientTransport({
      command: target.command,
      args: [...target.args],
      stderr: 'pipe',
    });
    stdio.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_CHARS);
    });
    transport = stdio;
  }
  const unavailable = (what: string, error?: unknown): RouterError => {
    const said =
      stderrTail.trim() === '' ? '' : `; it wrote: ${JSON.stringify(stderrTail.trim().slice(-300))}`;
    return new RouterError(
      'mcp_unavailable',
      `${where}: ${what}${error === undefined ? '' : ` (${reasonOf(error)})`}${said}`,
      { details: { where }, cause: error },
    );
  };
  let closed = false;
  client.onclose = () => {
    closed = true;
    events.onClosed();
  };
  // Transport trouble surfaces as the failure of the request it breaks; nothing to do here.
  client.onerror = () => {};
  try {
    await client.connect(transport, { timeout: limits.connectTimeoutMs });
  } catch (error) {
    await client.close().catch(() => {});
    throw unavailable(
      target.transport === 'http' ? 'no MCP server answered' : 'the command did not start an MCP server',
      error,
    );
  }
  if (client.getServerCapabilities()?.tools === undefined) {
    await client.close().catch(() => {});
    throw unavailable('the server offers no tools (its capabilities declare none)');
  }
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => events.onToolsChanged());
  const info = client.getServerVersion();
  const serverName = info?.name ?? '';
  const serverVersion = info?.version ?? '';

  const listTools = async (): Promise<ReadTool[]> => {
    const tools: ReadTool[] = [];
    const seen = new Map<string, number>();
    const deadline = Date.now() + limits.listTimeoutMs;
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      if (page === MAX_PAGES) {
        throw invalidTool(where, 'nextCursor', `still names a next page after ${MAX_PAGES} pages`);
      }
      const timeout = Math.min(limits.requestTimeoutMs, deadline - Date.now());
      if (timeout <= 0) throw unavailable(`did not list its tools within ${limits.listTimeoutMs} ms`);
      if (closed) throw unavailable('the connection is closed');
      let raw: unknown;
      try {
        raw = await client.request(
          { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
          RawResult,
          { timeout },
        );
      } catch (error) {
        throw unavailable('did not list its tools', error);
      }
      const read = readToolPage(raw, where, tools.length);
      checkNames(read.tools, where, tools.length, seen);
      tools.push(...read.tools);
      if (tools.length > MAX_TOOLS_PER_SERVER) {
        throw invalidTool(where, 'tools', `lists more than ${MAX_TOOLS_PER_SERVER} tools`);
      }
      if (read.nextCursor === undefined) return tools;
      if (read.nextCursor === cursor) {
        throw invalidTool(where, 'nextCursor', `names the page just read again (${JSON.stringify(cursor)})`);
      }
      cursor = read.nextCursor;
    }
  };

  return {
    defaultServerId: serverIdOfName(serverName),
    async entries(serverId, rateSats) {
      return manifestsOfTools(serverId, await listTools(), {
        where,
        rateSats,
        reach: { target, serverName, serverVersion },
      });
    },
    async ping() {
      try {
        await client.ping({ timeout: limits.requestTimeoutMs });
      } catch (error) {
        throw unavailable('did not answer a ping', error);
      }
    },
    async close() {
      if (transport instanceof StreamableHTTPClientTransport && !closed) {
        // Ends the session at the server; a server that does not answer in time is simply left.
        await Promise.race([
          transport.terminateSession().catch(() => {}),
          new Promise((resolve) => setTimeout(resolve, 1_000).unref()),
        ]);
      }
      await client.close();
    },
  };
}

/**
 * What went wrong, in a few words: the error's message (cut: a web server's 404 page can be long),
 * the HTTP status a server answered with, and the code of a refused connection.
 */
function reasonOf(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  message = message.length > 200 ? `${message.slice(0, 200)}…` : message;
  if (error instanceof StreamableHTTPError && typeof error.code === 'number' && error.code > 0) {
    return `HTTP ${error.code}: ${message}`;
  }
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && !message.includes(code) ? `${message}: ${code}` : message;
}

/**
 * fetch with each answer to a request cut at MAX_HTTP_ANSWER_BYTES (the stream fails past it). The
 * standing event stream (GET) is left alone: it lasts as long as the session and carries notices.
 */
const limited = limitedFetch(MAX_HTTP_ANSWER_BYTES);
const cappedFetch: typeof fetch = (input, init) =>
  (init?.method ?? 'GET').toUpperCase() === 'GET' ? fetch(input, init) : limited(input, init);
