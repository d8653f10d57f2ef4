import { randomUUID } from 'node:crypto';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/**
 * Real MCP servers for tests, built with @modelcontextprotocol/sdk:
 * - startMcpTestServer: an McpServer over stateful Streamable HTTP on an ephemeral loopback port,
 *   tools registered with zod schemas; addTool / removeTool change them at runtime, which the SDK
 *   announces to every session with `notifications/tools/list_changed`.
 * - startRawMcpServer: the SDK's low-level Server answering tools/list with whatever pages it is
 *   given, for lists an McpServer would not send (paged, or breaking swarm-router's rules).
 * - MCP_STDIO_SERVER: a script run as a child process (`node mcp-stdio-server.mjs TOOLS.json`)
 *   serving the tools of a JSON file over stdio, and following the file as it changes.
 */

export interface TestTool {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
}

export interface McpTestServer {
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string;
  /** Sessions opened and not closed. */
  sessions(): number;
  addTool(tool: TestTool): void;
  removeTool(name: string): void;
  close(): Promise<void>;
}

export const MCP_STDIO_SERVER = fileURLToPath(new URL('./mcp-stdio-server.mjs', import.meta.url));

interface Session {
  readonly server: McpServer;
  readonly transport: StreamableHTTPServerTransport;
  readonly tools: Map<string, RegisteredTool>;
}

function register(session: Session, tool: TestTool): void {
  const registered = session.server.registerTool(
    tool.name,
    {
      ...(tool.title === undefined ? {} : { title: tool.title }),
      ...(tool.description === undefined ? {} : { description: tool.description }),
      inputSchema: { input: z.string().describe('what to work on') },
      annotations: { readOnlyHint: true },
    },
    async ({ input }) => ({ content: [{ type: 'text', text: `${tool.name}: ${input}` }] }),
  );
  session.tools.set(tool.name, registered);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text === '' ? undefined : JSON.parse(text);
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<HttpServer> {
  const http = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  return new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve(http)));
}

async function closeHttp(http: HttpServer): Promise<void> {
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
}

export async function startMcpTestServer(options: {
  readonly name?: string;
  readonly version?: string;
  readonly tools: readonly TestTool[];
}): Promise<McpTestServer> {
  const tools = new Map(options.tools.map((t) => [t.name, t]));
  const sessions = new Map<string, Session>();
  const http = await listen(async (req, res) => {
    if (!req.url?.startsWith('/mcp')) {
      res.writeHead(404).end();
      return;
    }
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    const id = req.headers['mcp-session-id'];
    let session = typeof id === 'string' ? sessions.get(id) : undefined;
    if (session === undefined) {
      if (req.method !== 'POST' || !isInitializeRequest(body)) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            jsonrpc: '2.0',
            error: { code: -32000, message: 'No valid session' },
            id: null,
          }),
        );
        return;
      }
      const server = new McpServer(
        { name: options.name ?? 'Test Tools', version: options.version ?? '1.0.0' },
        // Declared up front: tools may be added after the session began (sdk-brief, 3.2).
        { capabilities: { tools: { listChanged: true } } },
      );
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sessionId) => {
          sessions.set(sessionId, created);
        },
      });
      const created: Session = { server, transport, tools: new Map() };
      transport.onclose = () => {
        if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
      };
      for (const tool of tools.values()) register(created, tool);
      await server.connect(transport);
      session = created;
    }
    await session.transport.handleRequest(req, res, body);
  });
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    sessions: () => sessions.size,
    addTool(tool) {
      tools.set(tool.name, tool);
      for (const session of sessions.values()) register(session, tool);
    },
    removeTool(name) {
      tools.delete(name);
      for (const session of sessions.values()) {
        session.tools.get(name)?.remove();
        session.tools.delete(name);
      }
    },
    async close() {
      for (const session of sessions.values()) await session.server.close().catch(() => {});
      await closeHttp(http);
    },
  };
}

export interface RawMcpServer {
  readonly url: string;
  /** tools/list requests answered. */
  readonly listed: () => number;
  close(): Promise<void>;
}

/**
 * A stateless MCP server whose tools/list answers are `pages` (page n answers cursor `"n"` and names
 * `"n+1"` as the next while there is one), sent as given: the SDK's low-level Server does not check
 * what a handler returns.
 */
export async function startRawMcpServer(options: {
  readonly name?: string;
  readonly pages: readonly unknown[][];
  /** Name the same cursor forever. */
  readonly loopCursor?: boolean;
  /** Declare no tools capability. */
  readonly withoutTools?: boolean;
}): Promise<RawMcpServer> {
  let listed = 0;
  const build = (): Server => {
    const server = new Server(
      { name: options.name ?? 'Raw Tools', version: '0.1.0' },
      { capabilities: options.withoutTools === true ? { logging: {} } : { tools: {} } },
    );
    if (options.withoutTools !== true) {
      server.setRequestHandler(ListToolsRequestSchema, async (request) => {
        listed++;
        const at = Number(request.params?.cursor ?? 0);
        const next =
          options.loopCursor === true ? '0' : at + 1 < options.pages.length ? String(at + 1) : undefined;
        return {
          tools: (options.pages[at] ?? []) as never[],
          ...(next === undefined ? {} : { nextCursor: next }),
        };
      });
    }
    return server;
  };
  const http = await listen(async (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const body = await readBody(req);
    const server = build();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    listed: () => listed,
    close: () => closeHttp(http),
  };
}
