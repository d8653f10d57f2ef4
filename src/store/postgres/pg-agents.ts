import type { AgentManifest } from '../../manifest/manifest.js';
import type { StoredAgent } from '../store.js';
import type { PgQueryable } from './pg-queryable.js';

/** An agents row as the SELECTs read it. */
export interface AgentRow {
  manifest: string;
  token_hash: Buffer | null;
  registered_ms: number;
  heartbeat_ms: number;
}

/*
 * Every change of an agent tells the other instances in its own commit: the statement's NOTIFY (on
 * the schema's channel, with the change's payload) is sent by PostgreSQL when, and only if, the
 * change commits, before the writer's answer, so another instance hears of it about as soon as the
 * writer's client does. Agent changes are rare (registrations, manifest edits, removals): unlike
 * commits of tasks (PgNotifications.announce), their NOTIFY's database-wide commit lock costs nothing
 * that matters. Heartbeats are not announced: frequent, and read with the agents every second.
 * Each statement runs in one implicit transaction; its SELECT returns a row only when a row changed.
 * Each change also adds its row of ledger_pending, sealed into the ledger soon after
 * commit (pg-ledger.ts); a heartbeat is not sealed (chain/ledger-entry.ts says why).
 */
const ADD = `WITH added AS (
    INSERT INTO agents (agent_id, manifest, token_hash, registered_ms, heartbeat_ms)
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING agent_id
  ), pending AS (
    INSERT INTO ledger_pending (kind, subject) SELECT 'agent', agent_id FROM added
  ) SELECT pg_notify($6, $7) FROM added`;
const UPDATE_MANIFEST = `WITH updated AS (
    UPDATE agents SET manifest = $2 WHERE agent_id = $1 RETURNING agent_id
  ), pending AS (
    INSERT INTO ledger_pending (kind, subject) SELECT 'agent', agent_id FROM updated
  ) SELECT pg_notify($3, $4) FROM updated`;
const DELETE = `WITH deleted AS (
    DELETE FROM agents WHERE agent_id = $1 RETURNING agent_id
  ), pending AS (
    INSERT INTO ledger_pending (kind, subject) SELECT 'agent_removed', agent_id FROM deleted
  ) SELECT pg_notify($2, $3) FROM deleted`;
const HEARTBEAT = 'UPDATE agents SET heartbeat_ms = greatest(heartbeat_ms, $1) WHERE agent_id = $2';
const HEARTBEATS =
  'UPDATE agents SET heartbeat_ms = greatest(heartbeat_ms, $1) WHERE agent_id = ANY($2::text[]) RETURNING agent_id';
const COLUMNS = 'manifest, token_hash, registered_ms, heartbeat_ms';
const SELECT_ONE = `SELECT ${COLUMNS} FROM agents WHERE agent_id = $1`;
const SELECT_BY_TOKEN = `SELECT ${COLUMNS} FROM agents WHERE token_hash = $1`;
const SELECT_HOLDERS = `SELECT encode(token_hash, 'hex') AS token_hash, agent_id FROM agents
  WHERE token_hash = ANY ($1::bytea[])`;
const SELECT_ALL = `SELECT ${COLUMNS} FROM agents ORDER BY registered_ms, agent_id`;

/** The payload that announces a change of an agent: JSON, so any id fits; a commit's is a bare id. */
export function agentChangePayload(instanceId: string, agentId: string): string {
  return JSON.stringify({ instance: instanceId, agent: agentId });
}

/** The announcement's instance and agent, or undefined when the payload announces something else. */
export function parseAgentChange(
  payload: string | undefined,
): { instance: string; agent: string } | undefined {
  if (payload === undefined || !payload.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(payload) as { instance?: unknown; agent?: unknown };
    if (typeof parsed.instance !== 'string' || typeof parsed.agent !== 'string') return undefined;
    return { instance: parsed.instance, agent: parsed.agent };
  } catch {
    return undefined;
  }
}

/**
 * The agents table of the PostgreSQL store (Store's agent methods). `channel` and `instanceId` name
 * the NOTIFY that announces each change to the other instances (PostgresStore.watchCommits).
 */
export class PgAgents {
  readonly #channel: string;
  readonly #instanceId: string;

  constructor(channel: string, instanceId: string) {
    this.#channel = channel;
    this.#instanceId = instanceId;
  }

  async add(db: PgQueryable, agent: StoredAgent): Promise<boolean> {
    const agentId = agent.manifest.agentId;
    const result = await db.query(ADD, [
      agentId,
      JSON.stringify(agent.manifest),
      agent.tokenHash === null ? null : Buffer.from(agent.tokenHash, 'hex'),
      agent.registeredAtMs,
      agent.lastHeartbeatMs,
      this.#channel,
      agentChangePayload(this.#instanceId, agentId),
    ]);
    return result.rows.length > 0;
  }

  async updateManifest(db: PgQueryable, manifest: AgentManifest): Promise<boolean> {
    const result = await db.query(UPDATE_MANIFEST, [
      manifest.agentId,
      JSON.stringify(manifest),
      this.#channel,
      agentChangePayload(this.#instanceId, manifest.agentId),
    ]);
    return result.rows.length > 0;
  }

  async heartbeat(db: PgQueryable, agentId: string, atMs: number): Promise<boolean> {
    return ((await db.query(HEARTBEAT, [atMs, agentId])).rowCount ?? 0) > 0;
  }

  async heartbeats(db: PgQueryable, agentIds: readonly string[], atMs: number): Promise<Set<string>> {
    const result = await db.query<{ agent_id: string }>(HEARTBEATS, [atMs, agentIds]);
    return new Set(result.rows.map((row) => row.agent_id));
  }

  async delete(db: PgQueryable, agentId: string): Promise<boolean> {
    const result = await db.query(DELETE, [
      agentId,
      this.#channel,
      agentChangePayload(this.#instanceId, agentId),
    ]);
    return result.rows.length > 0;
  }

  async get(db: PgQueryable, agentId: string): Promise<StoredAgent | undefined> {
    const row = (await db.query<AgentRow>(SELECT_ONE, [agentId])).rows[0];
    return row === undefined ? undefined : storedAgent(row);
  }

  async byTokenHash(db: PgQueryable, tokenHash: string): Promise<StoredAgent | undefined> {
    const row = (await db.query<AgentRow>(SELECT_BY_TOKEN, [Buffer.from(tokenHash, 'hex')])).rows[0];
    return row === undefined ? undefined : storedAgent(row);
  }

  /** The agents holding these token hashes (hex), by hash: one indexed read for a batch of requests. */
  async tokenHolders(db: PgQueryable, tokenHashes: readonly string[]): Promise<Map<string, string>> {
    const hashes = tokenHashes.map((hash) => Buffer.from(hash, 'hex'));
    const rows = (await db.query<{ token_hash: string; agent_id: string }>(SELECT_HOLDERS, [hashes])).rows;
    return new Map(rows.map((row) => [row.token_hash, row.agent_id]));
  }

  async list(db: PgQueryable): Promise<StoredAgent[]> {
    return (await db.query<AgentRow>(SELECT_ALL)).rows.map(storedAgent);
  }
}

export function storedAgent(row: AgentRow): StoredAgent {
  return {
    manifest: Object.freeze(JSON.parse(row.manifest)) as AgentManifest,
    tokenHash: row.token_hash === null ? null : row.token_hash.toString('hex'),
    registeredAtMs: row.registered_ms,
    lastHeartbeatMs: row.heartbeat_ms,
  };
}
