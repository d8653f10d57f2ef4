import type { AgentManifest } from '../../src/manifest/manifest.js';

/** A valid manifest with empty tags and a rate of 10, and whatever fields a test sets. */
export const agent = (agentId: string, fields: Partial<AgentManifest> = {}): AgentManifest => ({
  agentId,
  agentName: agentId,
  capabilities: [],
  keywords: [],
  rateSats: 10,
  ...fields,
});
