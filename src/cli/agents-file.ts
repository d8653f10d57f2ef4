import { basename, extname } from 'node:path';
import { readAgentCard } from '../a2a/agent-card.js';
import { manifestsOfCard } from '../a2a/card-manifests.js';
import { RouterError } from '../kernel/errors.js';
import type { AgentManifest } from '../manifest/manifest.js';
import { readToolList } from '../mcp/tool-list.js';
import { manifestsOfTools } from '../mcp/tool-manifests.js';
import { agentIdOfCardName } from '../wire/card-dto.js';
import { serverIdOfName } from '../wire/mcp-dto.js';
import { parseJson, readInput } from './input-files.js';

/**
 * The three kinds of file that name agents (`--roster`, `eval --agents`), told apart by their
 * top-level key, in this order:
 * - a roster, `{"agents": [...]}`;
 * - an MCP tool list, `{"tools": [...]}` as `tools/list` returns it: one entry per tool,
 *   `<server>:<tool>`, the server's id being the file's name (`weather-tools.json` → weather-tools);
 * - an A2A agent card (it has `skills`): one entry per skill, `<agent>:<skill>`, the agent's id from
 *   the card's name.
 */
export type AgentsFileKind = 'roster' | 'tools' | 'card';

const KINDS: readonly (readonly [key: string, kind: AgentsFileKind])[] = [
  ['agents', 'roster'],
  ['tools', 'tools'],
  ['skills', 'card'],
];

/** Which kind of agents file `raw` (parsed JSON) is; anything else is refused, naming the file. */
export function agentsFileKind(raw: unknown, where: string): AgentsFileKind {
  if (isObject(raw)) {
    for (const [key, kind] of KINDS) if (Object.hasOwn(raw, key)) return kind;
  }
  throw new RouterError(
    'invalid_request',
    `${where}: expected a roster ({"agents": [...]}), an MCP tool list ({"tools": [...]}) or an A2A agent card (with "skills"), found ${describeTop(raw)}`,
    { details: { where } },
  );
}

/**
 * The entries of an agents file of any kind. Tool lists and cards are read and mapped exactly as the
 * service reads them (docs/mcp.md, a2a.md), at the rate it gives them when none is set: a tool's 0,
 * a card's own (its rate extension) or 50. A roster is read by `readRoster`, since the commands
 * differ on what it must hold (eval lets rate_sats be omitted).
 */
export async function readAgentsFile(
  path: string,
  readRoster: (raw: unknown, where: string) => Promise<AgentManifest[]>,
): Promise<AgentManifest[]> {
  const raw = parseJson(await readInput(path), path);
  switch (agentsFileKind(raw, path)) {
    case 'tools': {
      const serverId = serverIdOfName(path === '-' ? 'tools' : basename(path, extname(path)));
      return manifestsOfTools(serverId, readToolList(raw, path), { where: path });
    }
    case 'card': {
      const card = readAgentCard(raw, path);
      return manifestsOfCard(agentIdOfCardName(card.name), card, { where: path });
    }
    case 'roster':
      return readRoster(raw, path);
  }
}

/** What a file that is none of the kinds holds at its top, to say so. */
function describeTop(raw: unknown): string {
  if (Array.isArray(raw)) return 'an array';
  if (!isObject(raw)) return raw === null ? 'null' : `a ${typeof raw}`;
  const keys = Object.keys(raw);
  if (keys.length === 0) return 'an empty object';
  const shown = keys.slice(0, 5).map((key) => JSON.stringify(key.slice(0, 40)));
  return `an object with the keys ${shown.join(', ')}${keys.length > 5 ? ` and ${keys.length - 5} more` : ''}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
