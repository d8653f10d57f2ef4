import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { packageVersion } from '../kernel/package-version.js';
import type { AgentManifest } from '../manifest/manifest.js';
import type { Router } from '../router/router.js';
import { defaultAnalyzer } from '../scoring/text/analyzer.js';

/**
 * swarm-router as an MCP server: one tool, `find_tools`, that ranks the roster for a task by the
 * router's capability match and answers the best k with their scores and why. The pool is the
 * roster's MCP tools when it has any (what an MCP client can go and call), else every agent. Entries
 * the policy would refuse whatever the task (offline: their server is not reached; at capacity) and
 * entries with no match at all are left out. Served over stdio by `swarm-router mcp` and over
 * Streamable HTTP at `/mcp` by `serve` (docs/mcp.md).
 */

export const DEFAULT_FOUND_TOOLS = 5;
export const MAX_FOUND_TOOLS = 50;
export const MAX_FIND_TASK_LENGTH = 10_000;
/** Words of the task a reason names at most. */
const REASON_WORDS = 5;
/** Characters of an entry's description an answer carries. */
const DESCRIPTION_CHARS = 300;

/** One entry of a find_tools answer, best first. */
export interface FoundTool {
  readonly rank: number;
  readonly agent_id: string;
  /** The router's capability match, in [0, 1] (rounded to 4 places). */
  readonly capability: number;
  readonly reason: string;
  /** For a tool of an MCP server: the server's id in the swarm and the tool's name there. */
  readonly server?: string;
  readonly tool?: string;
  readonly title?: string;
  readonly description?: string;
}

/** The best `k` entries of the pool for `task`, ranked by capability match (ties: roster order). */
export function findTools(router: Router, task: string, k: number): FoundTool[] {
  const roster = router.registry.list();
  const tools = roster.filter((m) => m.mcp !== undefined);
  const pool = tools.length > 0 ? tools : roster;
  if (pool.length === 0) return [];
  // Every entry of the pool "bids" 0, as in eval: the decision scores them all and logs nothing.
  const decision = router.decide({
    description: task,
    bids: pool.map((m) => ({ agentId: m.agentId, bidSats: 0 })),
  });
  const ranked = decision.bidders
    .map((bidder, position) => ({ bidder, position }))
    .filter(({ bidder }) => (bidder.capability ?? 0) > 0)
    .sort((a, b) => (b.bidder.capability ?? 0) - (a.bidder.capability ?? 0) || a.position - b.position);
  const found: FoundTool[] = [];
  for (const { bidder } of ranked) {
    if (found.length === k) break;
    if (router.refusalOf(bidder.agentId, 0, {}) !== null) continue;
    const manifest = router.registry.get(bidder.agentId);
    if (manifest === undefined) continue;
    found.push(foundTool(found.length + 1, manifest, bidder.capability ?? 0, task));
  }
  return found;
}

function foundTool(rank: number, manifest: AgentManifest, capability: number, task: string): FoundTool {
  const tool = manifest.mcp;
  const description = manifest.description ?? '';
  return {
    rank,
    agent_id: manifest.agentId,
    capability: Math.round(capability * 10_000) / 10_000,
    reason: reasonFor(manifest, task),
    ...(tool === undefined ? {} : { server: tool.server, tool: tool.tool }),
    ...(tool?.title === undefined ? {} : { title: tool.title }),
    ...(description === ''
      ? {}
      : {
          description:
            description.length > DESCRIPTION_CHARS
              ? `${description.slice(0, DESCRIPTION_CHARS)}…`
              : description,
        }),
  };
}

/**
 * Why an entry matched, in one line: the task's words that it shares (as the analyzer sees them:
 * "forecasts" meets "forecast"), or, when none, that the match came another way.
 */
function reasonFor(manifest: AgentManifest, task: string): string {
  const own = new Set(
    defaultAnalyzer.terms(
      [
        manifest.agentId.replace(/[_.:]+/g, ' '),
        manifest.agentName,
        ...manifest.capabilities,
        ...manifest.keywords,
        manifest.description ?? '',
        ...(manifest.examples ?? []),
      ].join('\n'),
    ),
  );
  const shared: string[] = [];
  for (const word of new Set(task.toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [])) {
    if (defaultAnalyzer.terms(word).some((term) => own.has(term))) shared.push(word);
    if (shared.length === REASON_WORDS) break;
  }
  if (shared.length === 0)
    return 'no word of the task in its name or description: matched by related terms or past outcomes';
  return `matches ${shared.map((w) => `"${w}"`).join(', ')} in its name, capabilities or description`;
}

const FoundToolShape = z.object({
  rank: z.number().int(),
  agent_id: z.string(),
  capability: z.number(),
  reason: z.string(),
  server: z.string().optional(),
  tool: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
});

/**
 * An MCP server with the find_tools tool over this router. Input is checked by its zod schema (the
 * SDK answers a call that breaks it with an error result naming the field, not a crash).
 */
export function findToolsServer(router: Router): McpServer {
  const server = new McpServer({ name: 'swarm-router', version: packageVersion() });
  server.registerTool(
    'find_tools',
    {
      title: 'Find tools',
      description:
        'Find the tools of this swarm (its MCP servers’ tools, or its agents when it has none) that best match a task, best first, each with its capability match in [0, 1] and why it matched.',
      inputSchema: {
        task: z
          .string()
          .trim()
          .min(1, 'task must not be empty')
          .max(MAX_FIND_TASK_LENGTH, `task must be at most ${MAX_FIND_TASK_LENGTH} characters`)
          .describe('the task, in plain words'),
        k: z
          .number()
          .int()
          .min(1)
          .max(MAX_FOUND_TOOLS)
          .default(DEFAULT_FOUND_TOOLS)
          .describe(`how many to return, 1 to ${MAX_FOUND_TOOLS} (default ${DEFAULT_FOUND_TOOLS})`),
      },
      outputSchema: { task: z.string(), tools: z.array(FoundToolShape) },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ task, k }) => {
      const answer = { task, tools: findTools(router, task, k) };
      return { content: [{ type: 'text', text: JSON.stringify(answer) }], structuredContent: answer };
    },
  );
  return server;
}
