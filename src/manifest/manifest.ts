/**
 * An agent's capability manifest, in the core's camelCase form. Manifests are validated once at the
 * edge (wire/manifest-dto.ts) and are readonly from then on.
 */
export interface AgentManifest {
  readonly agentId: string;
  readonly agentName: string;
  /** Capability tags, trimmed, in declared order (order matters to the classic scorer's sums). */
  readonly capabilities: readonly string[];
  /** Trigger words, trimmed, in declared order; duplicates are kept because the seed counts them. */
  readonly keywords: readonly string[];
  /** The agent's base rate in satoshis. */
  readonly rateSats: number;
  readonly description?: string;
  readonly examples?: readonly string[];
  /** How many tasks the agent takes at once; unset means no limit is declared. */
  readonly maxConcurrency?: number;
  /** Set on the entries of an A2A agent, one per skill of its card: how the router reaches it. */
  readonly a2a?: A2aReach;
  /** Set on the entries of an MCP server, one per tool it lists: which tool, and how to reach the server. */
  readonly mcp?: McpReach;
}

/**
 * A skill of an A2A agent, as its roster entry keeps it: whose skill it is, and where the agent
 * answers (from its card, which is re-read on a schedule and on request).
 */
export interface A2aReach {
  /** The A2A agent's id in this swarm; its entries' ids are `<agent>:<skill>`. */
  readonly agent: string;
  readonly skill: string;
  readonly skillName: string;
  /** Where the card was read from; absent when it was posted inline. */
  readonly cardUrl?: string;
  /** The card's name and version, and the protocol version of its shape ('1.0', or a 0.x one). */
  readonly cardName: string;
  readonly cardVersion: string;
  readonly protocolVersion: string;
  /** Where the agent answers, preferred first. */
  readonly endpoints: readonly A2aEndpoint[];
  readonly streaming: boolean;
}

/** One place an A2A agent answers, as its card lists it. */
export interface A2aEndpoint {
  readonly url: string;
  /** The transport: JSONRPC, HTTP+JSON or GRPC. */
  readonly binding: string;
  /** The A2A protocol version spoken there: '1.0', or '0.3' for 0.x agents. */
  readonly protocolVersion: string;
}

/**
 * How an MCP server is reached: a Streamable HTTP endpoint, or a command the service runs and speaks
 * to over its standard input and output.
 */
export type McpTarget =
  | { readonly transport: 'http'; readonly url: string }
  | { readonly transport: 'stdio'; readonly command: string; readonly args: readonly string[] };

/**
 * A tool of an MCP server, as its roster entry keeps it: whose tool it is, its name as the server
 * lists it, and where the server is (kept so the service can connect again after a restart).
 */
export type McpReach = McpTarget & {
  /** The server's id in this swarm; its entries' ids are `<server>:<tool>`. */
  readonly server: string;
  /** The tool's name, as the server lists it (the entry id's tool part is its NFC form). */
  readonly tool: string;
  readonly title?: string;
  /** The server's own name and version, from its `serverInfo`. */
  readonly serverName: string;
  readonly serverVersion: string;
};

/** Longest agent id accepted anywhere (wire schemas, registry). */
export const MAX_AGENT_ID_LENGTH = 200;
