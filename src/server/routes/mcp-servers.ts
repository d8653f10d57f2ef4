import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { DirectoryEntry } from '../../service/agent-types.js';
import type { McpServers } from '../../service/mcp-servers.js';
import { toAgentDto } from '../../wire/agent-dto.js';
import { AgentIdSchema } from '../../wire/manifest-dto.js';
import { toMcpServerDto } from '../../wire/mcp-dto.js';
import type { ServiceContext } from '../service-context.js';

/**
 * The MCP servers of the swarm, by the id they were registered under (`POST /v1/agents` with
 * `mcp_url` or `mcp_command`): what they say they are, where they are, their tools' entries, and
 * listing a server's tools again or removing it.
 */
const ServerParamsSchema = Type.Object({ server_id: AgentIdSchema }, { additionalProperties: false });
type ServerParams = { server_id: string };

export function mcpServerDto(
  servers: McpServers,
  serverId: string,
  entries: readonly DirectoryEntry[],
): Record<string, unknown> {
  return toMcpServerDto(serverId, entries, toAgentDto, servers.isConnected(serverId));
}

export function mcpServerRoutes(app: FastifyInstance, { mcpServers, auth }: ServiceContext): void {
  app.get(
    '/v1/mcp-servers',
    { ...auth.guard('reader'), schema: { summary: 'The MCP servers and their tools. {"mcp_servers"}.' } },
    async () => ({
      mcp_servers: [...mcpServers.list()].map(([serverId, entries]) =>
        mcpServerDto(mcpServers, serverId, entries),
      ),
    }),
  );

  app.get(
    '/v1/mcp-servers/:server_id',
    { ...auth.guard('reader'), schema: { summary: 'One MCP server.', params: ServerParamsSchema } },
    async (request) => {
      const { server_id: serverId } = request.params as ServerParams;
      return { mcp_server: mcpServerDto(mcpServers, serverId, mcpServers.entriesOf(serverId)) };
    },
  );

  app.post(
    '/v1/mcp-servers/:server_id/refresh',
    {
      ...auth.guard('admin'),
      schema: {
        summary:
          'List the server’s tools again (connecting again if need be) and apply them: tools added, changed, dropped. {"mcp_server", "added", "changed", "removed"}.',
        params: ServerParamsSchema,
      },
    },
    async (request) => {
      const { server_id: serverId } = request.params as ServerParams;
      const change = await mcpServers.refresh(serverId);
      return {
        mcp_server: mcpServerDto(mcpServers, serverId, change.entries),
        added: change.added,
        changed: change.changed,
        removed: change.removed,
      };
    },
  );

  app.delete(
    '/v1/mcp-servers/:server_id',
    {
      ...auth.guard('admin'),
      schema: {
        summary:
          'Remove an MCP server and its tools (closing the connection; a server the service runs is stopped); their decisions stay in the log.',
        params: ServerParamsSchema,
      },
    },
    async (request, reply) => {
      await mcpServers.remove((request.params as ServerParams).server_id);
      return reply.status(204).send();
    },
  );
}
