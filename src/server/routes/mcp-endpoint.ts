import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { findToolsServer } from '../../mcp/find-tools.js';
import type { ServiceContext } from '../service-context.js';

/**
 * The swarm as an MCP server at `/mcp` (Streamable HTTP, stateless: one server and transport per
 * request, answers as JSON): its one tool, find_tools, ranks the roster for a task (mcp/find-tools.ts).
 * Stateless because find_tools changes nothing and pushes nothing: no session to keep, so GET (a
 * stream of notices) and DELETE (ending a session) answer 405. Reads need a reader's token, as every
 * read of the API does; the service's host check, rate limits and body limit apply as to any route.
 */
export function mcpEndpointRoutes(app: FastifyInstance, { router, auth }: ServiceContext): void {
  app.post(
    '/mcp',
    {
      ...auth.guard('reader'),
      schema: {
        summary:
          'MCP over Streamable HTTP (JSON-RPC, stateless): the tool find_tools ranks the swarm’s tools for a task ({"task", "k"?}).',
      },
    },
    async (request, reply) => {
      const server = findToolsServer(router);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      // The SDK writes the answer on the raw response.
      reply.hijack();
      await transport.handleRequest(request.raw, reply.raw, request.body);
    },
  );

  const notAllowed = async (_request: unknown, reply: FastifyReply) =>
    reply
      .status(405)
      .header('allow', 'POST')
      .send({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless (POST only)' },
        id: null,
      });
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      ...auth.guard('reader'),
      schema: { summary: 'Not allowed (405): the MCP endpoint keeps no sessions.' },
      handler: notAllowed,
    });
  }
}
