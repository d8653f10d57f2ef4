import type { AgentManifest } from '../manifest/manifest.js';

/**
 * The agents a service knows, and how it knows them:
 * - `roster`: from the `--roster` file the service started with; always online, changed in the file;
 * - `registered`: through the API; kept in the store (manifest, token hash, last heartbeat), so a
 *   restarted service knows them again, and offline once they miss heartbeats for `offlineAfterMs`.
 * The router's registry holds both kinds; this directory adds what the service needs beside it.
 */
export type AgentSource = 'roster' | 'registered';
export type AgentStatus = 'online' | 'offline';

export interface DirectoryEntry {
  readonly manifest: AgentManifest;
  readonly source: AgentSource;
  readonly status: AgentStatus;
  /** Registered agents only. */
  readonly registeredAtMs?: number;
  readonly lastHeartbeatMs?: number;
}
