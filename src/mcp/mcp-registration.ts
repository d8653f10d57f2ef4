import { RouterError } from '../kernel/errors.js';
import type { McpTarget } from '../manifest/manifest.js';
import type { McpRegistration } from '../wire/mcp-dto.js';
import { DEFAULT_TOOL_RATE_SATS } from './tool-manifests.js';

/** A `POST /v1/agents` MCP registration, read: where the server is, and what to call it. */
export interface McpServerRegistration {
  readonly target: McpTarget;
  readonly serverId?: string;
  readonly rateSats: number;
  /** How errors name the server: `mcp_url (http://…)`, `mcp_command (node server.mjs)`. */
  readonly where: string;
}

/** Reads a schema-valid MCP registration: `mcp_url` (an http(s) URL) or `mcp_command`, not both. */
export function readMcpRegistration(body: McpRegistration): McpServerRegistration {
  const hasUrl = body.mcp_url !== undefined;
  if (hasUrl === (body.mcp_command !== undefined)) {
    throw new RouterError('invalid_request', 'body: give mcp_url or mcp_command, not both', {
      details: { where: 'body', field: hasUrl ? 'mcp_command' : 'mcp_url' },
    });
  }
  const common = {
    ...(body.agent_id === undefined ? {} : { serverId: body.agent_id }),
    rateSats: body.rate_sats ?? DEFAULT_TOOL_RATE_SATS,
  };
  if (body.mcp_url !== undefined) {
    const url = body.mcp_url;
    checkHttpUrl(url);
    return { ...common, target: { transport: 'http', url }, where: `mcp_url (${url})` };
  }
  const [command, ...args] = body.mcp_command as string[];
  return {
    ...common,
    target: { transport: 'stdio', command: command as string, args },
    where: `mcp_command (${[command, ...args].join(' ').slice(0, 200)})`,
  };
}

function checkHttpUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badUrl(`must be an absolute URL (got ${JSON.stringify(url.slice(0, 100))})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw badUrl(`must be an http or https URL (got ${parsed.protocol})`);
  }
}

function badUrl(problem: string): RouterError {
  return new RouterError('invalid_request', `body: mcp_url ${problem}`, {
    details: { where: 'body', field: 'mcp_url' },
  });
}
