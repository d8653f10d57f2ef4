import { manifestFromPersona } from '../manifest/agent-registry.js';
import type { AgentManifest } from '../manifest/manifest.js';
import { PERSONAS } from '../manifest/personas.js';
import { parseJson, readInput } from './input-files.js';

/**
 * `--roster personas` (the six built-in personas), `none` (agents come only through the service's
 * API) or a roster file, validated whole before use.
 */
export async function loadRoster(roster: string): Promise<AgentManifest[]> {
  if (roster === 'none') return [];
  if (roster === 'personas') return PERSONAS.map((p) => manifestFromPersona(p, p.personaId));
  // The schema validator is loaded only for a roster file: start-up time the personas do not need.
  const { toRoster, validateRosterFile } = await import('../wire/manifest-dto.js');
  const file = validateRosterFile(parseJson(await readInput(roster), roster), roster);
  return toRoster(file, roster);
}
