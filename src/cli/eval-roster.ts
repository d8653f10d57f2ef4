import type { AgentManifest } from '../manifest/manifest.js';
import { readAgentsFile } from './agents-file.js';

/**
 * The agents `eval --agents` ranks: a roster (rate_sats may be omitted, since eval ranks on
 * capability alone), an MCP tool list or an A2A agent card (agents-file.ts).
 */
export function loadEvalRoster(path: string): Promise<AgentManifest[]> {
  return readAgentsFile(path, async (raw, where) => {
    // The schema validators are loaded by the command that uses them: start-up time for the rest.
    const { toEvalRoster, validateEvalRosterFile } = await import('../wire/eval-dto.js');
    return toEvalRoster(validateEvalRosterFile(raw, where), where);
  });
}
