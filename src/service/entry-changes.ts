import type { AgentManifest } from '../manifest/manifest.js';
import type { AgentDirectory } from './agent-directory.js';
import type { DirectoryEntry } from './agent-types.js';

/** What applying a new read of a source (an A2A agent's card, an MCP server's tools) changed among its entries. */
export interface EntryChange {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly entries: readonly DirectoryEntry[];
}

/**
 * Makes a source's entries (`current`) those of `manifests`: new ones registered, changed ones
 * updated, missing ones removed, the rest untouched (their decisions, counters and learning stay
 * theirs). Every entry read is counted as heard from now.
 */
export async function applyEntries(
  directory: AgentDirectory,
  current: readonly DirectoryEntry[],
  manifests: readonly AgentManifest[],
): Promise<EntryChange> {
  const before = new Map(current.map((e) => [e.manifest.agentId, e.manifest]));
  const added: string[] = [];
  const changed: string[] = [];
  for (const manifest of manifests) {
    const was = before.get(manifest.agentId);
    before.delete(manifest.agentId);
    if (was === undefined) {
      await directory.registerWithoutToken(manifest);
      added.push(manifest.agentId);
      continue;
    }
    if (JSON.stringify(was) !== JSON.stringify(manifest)) {
      await directory.update(manifest.agentId, () => manifest);
      changed.push(manifest.agentId);
    }
    await directory.heartbeat(manifest.agentId);
  }
  const removed = [...before.keys()];
  for (const entryId of removed) await directory.remove(entryId);
  return { added, changed, removed, entries: manifests.map((m) => directory.get(m.agentId)) };
}
