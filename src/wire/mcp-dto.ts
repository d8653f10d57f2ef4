import { type Static, Type } from '@sinclair/typebox';
import type { AgentManifest, McpReach } from '../manifest/manifest.js';
import type { DirectoryEntry } from '../service/agent-types.js';
import { SourceIdSchema, slugOfName } from './source-id.js';

/**
 * `POST /v1/agents` with an MCP server: reached over Streamable HTTP at `mcp_url`, or run by the
 * service as `mcp_command` (the program and its arguments; no shell) and spoken to over its standard
 * input and output. `agent_id` names the server in this swarm (by default from its `serverInfo.name`);
 * its tools become entries `<agent_id>:<tool name>`. `rate_sats` is each entry's price (default 0).
 */
export const McpRegistrationSchema = Type.Object(
  {
    mcp_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2_000 })),
    mcp_command: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 4_000 }), { minItems: 1, maxItems: 100 }),
    ),
    agent_id: Type.Optional(SourceIdSchema),
    rate_sats: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);
export type McpRegistration = Static<typeof McpRegistrationSchema>;

/** The keys that say a registration is an MCP server's. */
export const MCP_KEYS = ['mcp_url', 'mcp_command'];

/** A server id from a name: lower case, words joined by dashes ("Weather Tools" → weather-tools). */
export function serverIdOfName(name: string): string {
  return slugOfName(name, 'mcp-server');
}

/** Where an entry's server is, as the service shows it. */
function reachDto(reach: McpReach): Record<string, unknown> {
  return reach.transport === 'http'
    ? { transport: 'http', url: reach.url }
    : { transport: 'stdio', command: [reach.command, ...reach.args] };
}

/** The `mcp` field of an entry that is a tool of an MCP server. */
export function toolReachDto(reach: McpReach): Record<string, unknown> {
  return {
    server: reach.server,
    tool: reach.tool,
    ...(reach.title === undefined ? {} : { title: reach.title }),
  };
}

/** An MCP server as the service shows it: what it says it is, where it is, and its tools' entries. */
export function toMcpServerDto(
  serverId: string,
  entries: readonly DirectoryEntry[],
  toAgentDto: (entry: DirectoryEntry) => Record<string, unknown>,
  connected: boolean,
): Record<string, unknown> {
  const reach = entries[0]?.manifest.mcp;
  return {
    server_id: serverId,
    name: reach?.serverName ?? serverId,
    version: reach?.serverVersion ?? '',
    ...(reach === undefined ? {} : reachDto(reach)),
    connected,
    tools: entries.map(toAgentDto),
  };
}

/**
 * The tool and its server, named as the server lists the tool, when the selected entry is a tool of
 * an MCP server (`selected_tool` of `POST /v1/route` and `swarm-router route`).
 */
export function selectedTool(
  selected: AgentManifest | undefined,
): { readonly server: string; readonly tool: string } | undefined {
  const reach = selected?.mcp;
  return reach === undefined ? undefined : { server: reach.server, tool: reach.tool };
}

/**
 * A decision record (the log's JSON text) as `POST /v1/route` answers it: when the selected entry is
 * a tool of an MCP server, with `"selected_tool": {"server", "tool"}` after the record's fields. The
 * logged record itself is unchanged.
 */
export function withSelectedTool(record: string, selected: AgentManifest | undefined): string {
  const tool = selectedTool(selected);
  if (tool === undefined) return record;
  return `${record.slice(0, -1)},"selected_tool":${JSON.stringify(tool)}}`;
}
