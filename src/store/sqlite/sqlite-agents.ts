import type Database from 'better-sqlite3';
import type { AgentManifest } from '../../manifest/manifest.js';
import type { StoredAgent } from '../store.js';

interface AgentRow {
  manifest: string;
  token_hash: Buffer | null;
  registered_ms: number;
  heartbeat_ms: number;
}

const INSERT = `INSERT INTO agents (agent_id, manifest, token_hash, registered_ms, heartbeat_ms)
  VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`;
const UPDATE_MANIFEST = 'UPDATE agents SET manifest = ? WHERE agent_id = ?';
const HEARTBEAT = 'UPDATE agents SET heartbeat_ms = max(heartbeat_ms, ?) WHERE agent_id = ?';
const DELETE = 'DELETE FROM agents WHERE agent_id = ?';
const COLUMNS = 'manifest, token_hash, registered_ms, heartbeat_ms';
const SELECT_ONE = `SELECT ${COLUMNS} FROM agents WHERE agent_id = ?`;
const SELECT_BY_TOKEN = `SELECT ${COLUMNS} FROM agents WHERE token_hash = ?`;
const SELECT_HOLDER = 'SELECT agent_id FROM agents WHERE token_hash = ?';
const SELECT_ALL = `SELECT ${COLUMNS} FROM agents ORDER BY registered_ms, agent_id`;

/** The agents table of the SQLite store. Manifests are stored as validated: written and read by us. */
export class SqliteAgents {
  readonly #statement: (sql: string) => Database.Statement;

  constructor(statement: (sql: string) => Database.Statement) {
    this.#statement = statement;
  }

  /** False when the id (or the token hash) is taken: nothing is written. */
  add(agent: StoredAgent): boolean {
    return (
      this.#statement(INSERT).run(
        agent.manifest.agentId,
        JSON.stringify(agent.manifest),
        agent.tokenHash === null ? null : Buffer.from(agent.tokenHash, 'hex'),
        agent.registeredAtMs,
        agent.lastHeartbeatMs,
      ).changes > 0
    );
  }

  updateManifest(manifest: AgentManifest): boolean {
    return this.#statement(UPDATE_MANIFEST).run(JSON.stringify(manifest), manifest.agentId).changes > 0;
  }

  heartbeat(agentId: string, atMs: number): boolean {
    return this.#statement(HEARTBEAT).run(atMs, agentId).changes > 0;
  }

  delete(agentId: string): boolean {
    return this.#statement(DELETE).run(agentId).changes > 0;
  }

  get(agentId: string): StoredAgent | undefined {
    const row = this.#statement(SELECT_ONE).get(agentId) as AgentRow | undefined;
    return row === undefined ? undefined : storedAgent(row);
  }

  byTokenHash(tokenHash: string): StoredAgent | undefined {
    const row = this.#statement(SELECT_BY_TOKEN).get(Buffer.from(tokenHash, 'hex')) as AgentRow | undefined;
    return row === undefined ? undefined : storedAgent(row);
  }

  tokenHolder(tokenHash: string): string | undefined {
    const row = this.#statement(SELECT_HOLDER).get(Buffer.from(tokenHash, 'hex')) as
      | { agent_id: string }
      | undefined;
    return row?.agent_id;
  }

  list(): StoredAgent[] {
    return (this.#statement(SELECT_ALL).all() as AgentRow[]).map(storedAgent);
  }
}

function storedAgent(row: AgentRow): StoredAgent {
  return {
    manifest: Object.freeze(JSON.parse(row.manifest)) as AgentManifest,
    tokenHash: row.token_hash === null ? null : row.token_hash.toString('hex'),
    registeredAtMs: row.registered_ms,
    lastHeartbeatMs: row.heartbeat_ms,
  };
}
