import { manifestFromPersona } from '../manifest/agent-registry.js';
import type { AgentManifest } from '../manifest/manifest.js';
import { PERSONAS } from '../manifest/personas.js';
import { readAgentsFile } from './agents-file.js';

/** `--roster stored`: the agents a service stored in the audit log (read by open-router.ts). */
export const STORED_ROSTER = 'stored';

/**
 * `--roster personas` (the six built-in personas), `none` (agents come only through the service's
 * API) or a file, validated whole before use: a roster (rate_sats required), an MCP tool list or an
 * A2A agent card (agents-file.ts). `stored` is not a file: open-router.ts reads it from the store.
 */
export async function loadRoster(roster: string): Promise<AgentManifest[]> {
  if (roster === 'none') return [];
  if (roster === 'personas') return PERSONAS.map((p) => manifestFromPersona(p, p.personaId));
  return readAgentsFile(roster, async (raw, where) => {
    // The schema validator is loaded only for a roster file: start-up time the personas do not need.
    const { toRoster, validateRosterFile } = await import('../wire/manifest-dto.js');
    return toRoster(validateRosterFile(raw, where), where);
  });
}
