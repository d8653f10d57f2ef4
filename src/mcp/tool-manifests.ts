import { RouterError } from '../kernel/errors.js';
import { type AgentManifest, MAX_AGENT_ID_LENGTH, type McpTarget } from '../manifest/manifest.js';
import { ID_NORMAL_FORM } from '../wire/unicode-text.js';
import type { ReadTool } from './tool-list.js';

/**
 * An MCP server is routed tool by tool: each tool it lists is one entry of the roster, so the
 * scorers, the learning and the audit log work at tool level unchanged, and a decision's winner
 * names both the server and the tool (`weather:get_forecast`). The mapping (docs/mcp.md):
 * - id: the server's id, a colon and the tool's name (in Unicode NFC, as every id); tool names carry
 *   no colon (tool-list.ts);
 * - capabilities: the words of the tool's name (`get_weather_forecast`, `getWeatherForecast` →
 *   get, weather, forecast), since a tool's name is what its author chose to call its job;
 * - name: its title (`title`, else `annotations.title`), else its name;
 * - description: the title and the description;
 * - no keywords, no examples (a tool list has none), and the rate given at registration (default 0).
 * The behaviour hints of `annotations` (read-only, destructive, …) say how a tool acts, not what it
 * is for, and are not mapped.
 */

export const TOOL_SEPARATOR = ':';

/** The rate of a tool's entry unless the registration sets one: an MCP tool states no price. */
export const DEFAULT_TOOL_RATE_SATS = 0;

export function toolEntryId(serverId: string, toolName: string): string {
  return `${serverId}${TOOL_SEPARATOR}${toolName.normalize(ID_NORMAL_FORM)}`;
}

/** The words of a tool's name, lower case, each once, in order: camelCase and snake_case split. */
export function wordsOfToolName(name: string): string[] {
  const words = name
    .replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .map((word) => word.toLowerCase())
    .filter((word) => word !== '');
  const distinct = [...new Set(words)];
  // A name without letters or digits (only punctuation) is still a tag of its own.
  return distinct.length > 0 ? distinct : [name.trim()];
}

/** Where a server's entries reach it, and what it says it is; absent for a tool list read from a file. */
export interface ToolServerReach {
  readonly target: McpTarget;
  readonly serverName: string;
  readonly serverVersion: string;
}

/** The roster entries of a server's tools, one per tool, in the list's order. */
export function manifestsOfTools(
  serverId: string,
  tools: readonly ReadTool[],
  options: { readonly where: string; readonly rateSats?: number; readonly reach?: ToolServerReach },
): AgentManifest[] {
  return tools.map((tool, i): AgentManifest => {
    const entryId = toolEntryId(serverId, tool.name);
    if ([...entryId].length > MAX_AGENT_ID_LENGTH) {
      throw new RouterError(
        'invalid_request',
        `${options.where}: tools[${i}].name '${tool.name.slice(0, 60)}' makes the entry id '${entryId.slice(0, 60)}…' longer than ${MAX_AGENT_ID_LENGTH} characters (give the server a shorter id)`,
        { details: { where: options.where, field: `tools[${i}].name` } },
      );
    }
    const description = [tool.title ?? '', tool.description]
      .map((text) => text.trim())
      .filter((text) => text !== '')
      .join(' — ')
      .slice(0, 10_000);
    const reach = options.reach;
    return {
      agentId: entryId,
      agentName: (tool.title ?? tool.name).slice(0, 200),
      capabilities: wordsOfToolName(tool.name),
      keywords: [],
      rateSats: options.rateSats ?? DEFAULT_TOOL_RATE_SATS,
      ...(description === '' ? {} : { description }),
      ...(reach === undefined
        ? {}
        : {
            mcp: {
              ...reach.target,
              server: serverId,
              tool: tool.name,
              ...(tool.title === undefined ? {} : { title: tool.title }),
              serverName: reach.serverName,
              serverVersion: reach.serverVersion,
            },
          }),
    };
  });
}
