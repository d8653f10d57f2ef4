import { RouterError } from '../kernel/errors.js';
import type { AgentManifest } from '../manifest/manifest.js';
import type { AgentDirectory } from './agent-directory.js';
import type { DirectoryEntry } from './agent-types.js';

/**
 * Registers every entry of one source (the skills of an A2A card, the tools of an MCP server), or
 * none: an id already taken refuses them all, and a failure midway removes what was registered.
 */
export async function registerAllOrNone(
  directory: AgentDirectory,
  manifests: readonly AgentManifest[],
): Promise<DirectoryEntry[]> {
  const taken = manifests.find((m) => directory.has(m.agentId));
  if (taken !== undefined) {
    throw new RouterError('agent_exists', `agent '${taken.agentId}' is already registered`, {
      details: { agentId: taken.agentId },
    });
  }
  const registered: DirectoryEntry[] = [];
  try {
    for (const manifest of manifests) registered.push(await directory.registerWithoutToken(manifest));
  } catch (error) {
    for (const entry of registered) await directory.remove(entry.manifest.agentId).catch(() => {});
    throw error;
  }
  return registered;
}
