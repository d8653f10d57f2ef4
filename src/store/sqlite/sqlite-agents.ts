import type Database from 'better-sqlite3';
import type { AgentManifest } from '../../manifest/manifest.js';
import type { StoredAgent } from '../store.js';

interface AgentRow {
  manifest: string;
  token_hash: Buffer | null;
  registered_ms: number;
  heartbeat_ms: number;
}

const UPSERT = `INSERT INTO agents (agent_id, manifest, token_hash, registered_ms, heartbeat_ms)
  VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (agent_id) DO UPDATE SET manifest = excluded.manifest, token_hash = excluded.token_hash,
    registered_ms = excluded.registered_ms, heartbeat_ms = excluded.heartbeat_ms`;
const HEARTBEAT = 'UPDATE agents SET heartbeat_ms = max(heartbeat_ms, ?) WHERE agent_id = ?';
const DELETE = 'DELETE FROM agents WHERE agent_id = ?';
const SELECT_ALL =
  'SELECT manifest, token_hash, registered_ms, heartbeat_ms FROM agents ORDER BY registered_ms, agent_id';

/** The agents table of the SQLite store. Manifests are stored as validated: written and read by us. */
export class SqliteAgents {
  readonly #statement: (sql: string) => Database.Statement;

  constructor(statement: (sql: string) => Database.Statement) {
    this.#statement = statement;
  }

  save(agent: StoredAgent): void {
    this.#statement(UPSERT).run(
      agent.manifest.agentId,
      JSON.stringify(agent.manifest),
      agent.tokenHash === null ? null : Buffer.from(agent.tokenHash, 'hex'),
      agent.registeredAtMs,
      agent.lastHeartbeatMs,
    );
  }

  heartbeat(agentId: string, atMs: number): boolean {
    return this.#statement(HEARTBEAT).run(atMs, agentId).changes > 0;
  }

  delete(agentId: string): boolean {
    return this.#statement(DELETE).run(agentId).changes > 0;
  }

  list(): StoredAgent[] {
    return (this.#statement(SELECT_ALL).all() as AgentRow[]).map((row) => ({
      manifest: Object.freeze(JSON.parse(row.manifest)) as AgentManifest,
      tokenHash: row.token_hash === null ? null : row.token_hash.toString('hex'),
      registeredAtMs: row.registered_ms,
      lastHeartbeatMs: row.heartbeat_ms,
    }));
  }
}
