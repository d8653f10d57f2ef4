import { basename, extname } from 'node:path';
import { readAgentCard } from '../a2a/agent-card.js';
import { manifestsOfCard } from '../a2a/card-manifests.js';
import type { AgentManifest } from '../manifest/manifest.js';
import { readToolList } from '../mcp/tool-list.js';
import { manifestsOfTools } from '../mcp/tool-manifests.js';
import { agentIdOfCardName } from '../wire/card-dto.js';
import { serverIdOfName } from '../wire/mcp-dto.js';
import { parseJson, readInput } from './input-files.js';

/**
 * The agents `eval --agents` ranks, from any of three files, told apart by their top-level key:
 * - a roster, `{"agents": [...]}` (rate_sats may be omitted);
 * - an MCP tool list, `{"tools": [...]}` as `tools/list` returns it: one entry per tool,
 *   `<server>:<tool>`, the server's id being the file's name (`weather-tools.json` → weather-tools);
 * - an A2A agent card (it has `skills`): one entry per skill, `<agent>:<skill>`, the agent's id from
 *   the card's name.
 * Tool lists and cards are read and mapped exactly as the service reads them (docs/mcp.md, a2a.md).
 */
export async function loadEvalRoster(path: string): Promise<AgentManifest[]> {
  const raw = parseJson(await readInput(path), path);
  if (isObject(raw) && !Object.hasOwn(raw, 'agents')) {
    if (Object.hasOwn(raw, 'tools')) {
      const serverId = serverIdOfName(path === '-' ? 'tools' : basename(path, extname(path)));
      return manifestsOfTools(serverId, readToolList(raw, path), { where: path });
    }
    if (Object.hasOwn(raw, 'skills')) {
      const card = readAgentCard(raw, path);
      return manifestsOfCard(agentIdOfCardName(card.name), card, { where: path });
    }
  }
  // The schema validators are loaded by the command that uses them: start-up time for the rest.
  const { toEvalRoster, validateEvalRosterFile } = await import('../wire/eval-dto.js');
  return toEvalRoster(validateEvalRosterFile(raw, path), path);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
