import type pg from 'pg';
import type { PolicySpec } from '../../policy/decision.js';
import { type RecordKeys, type Roster, rosterOf } from '../assemble-records.js';
import { missingPolicy, policyFromSpecText, policySpecText } from '../policy-spec.js';
import { decodeKeys, encodeKeys } from '../record-rows.js';
import { rosterCache } from '../roster-cache.js';
import {
  INSERT_AGENT_KEYS,
  INSERT_POLICY,
  INTERN_ROSTER,
  SELECT_AGENT_IDS_OF,
  SELECT_AGENT_KEY,
  SELECT_AGENT_KEYS_OF,
  SELECT_POLICIES_OF,
  SELECT_POLICY_KEY,
  SELECT_ROSTERS_OF_AGENT,
  SELECT_ROSTERS_OF_KEYS,
} from './pg-queries.js';

type Query = <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<R[]>;

/**
 * The interned agent ids, policies and rosters of the PostgreSQL store, cached per instance. Keys are
 * made in statements of their own, committed before the append that uses them: a key row without a
 * decision is harmless, and no cache entry can outlive a rolled-back transaction. Instances racing to
 * intern the same value get the same key (unique constraints, then a read).
 */
export class PgKeys implements RecordKeys {
  readonly #query: Query;
  readonly #agentKeys = new Map<string, number>();
  readonly #agentIds = new Map<number, string>();
  readonly #policyKeyBySpec = new WeakMap<PolicySpec, number>();
  readonly #policies = new Map<number, PolicySpec>();
  readonly #rosterKeyByIds = new WeakMap<readonly string[], number>();
  // Bounded (roster-cache.ts): a page's rosters are loaded just before its records are assembled,
  // far fewer than the cache holds.
  readonly #rosters = rosterCache<Roster>();
  readonly #rosterMembers = rosterCache<readonly number[]>();

  constructor(query: Query) {
    this.#query = query;
  }

  /** Keys for these agent ids, interning the new ones. */
  async agentKeys(agentIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(agentIds)].filter((id) => !this.#agentKeys.has(id));
    if (missing.length === 0) return;
    await this.#query(INSERT_AGENT_KEYS, [missing]);
    const rows = await this.#query<{ agent_key: number; agent_id: string }>(SELECT_AGENT_KEYS_OF, [missing]);
    for (const row of rows) this.#rememberAgent(row.agent_key, row.agent_id);
  }

  /** The key of an interned agent id (agentKeys first). */
  agentKey(agentId: string): number {
    const key = this.#agentKeys.get(agentId);
    if (key === undefined) throw new Error(`agent id ${agentId} was not interned before use`);
    return key;
  }

  /** The key of an agent id, or undefined if the log has never seen it. */
  async findAgentKey(agentId: string): Promise<number | undefined> {
    const cached = this.#agentKeys.get(agentId);
    if (cached !== undefined) return cached;
    const rows = await this.#query<{ agent_key: number }>(SELECT_AGENT_KEY, [agentId]);
    const key = rows[0]?.agent_key;
    if (key !== undefined) this.#rememberAgent(key, agentId);
    return key;
  }

  agentId(key: number): string {
    return this.#agentIds.get(key) ?? `?missing-agent-key-${key}`;
  }

  async policyKey(policy: PolicySpec): Promise<number> {
    const known = this.#policyKeyBySpec.get(policy);
    if (known !== undefined) return known;
    const spec = policySpecText(policy);
    await this.#query(INSERT_POLICY, [spec]);
    const rows = await this.#query<{ policy_key: number }>(SELECT_POLICY_KEY, [spec]);
    const key = (rows[0] as { policy_key: number }).policy_key;
    this.#policyKeyBySpec.set(policy, key);
    return key;
  }

  /** A policy key known to be cached (policyKey first, or load). */
  cachedPolicyKey(policy: PolicySpec): number {
    const key = this.#policyKeyBySpec.get(policy);
    if (key === undefined) throw new Error('policy was not interned before use');
    return key;
  }

  policy(key: number): PolicySpec {
    return this.#policies.get(key) ?? missingPolicy(key);
  }

  /** The roster's key, interning it (and its members' ids) when new. */
  async rosterKey(agentIds: readonly string[]): Promise<number> {
    const known = this.#rosterKeyByIds.get(agentIds);
    if (known !== undefined) return known;
    await this.agentKeys(agentIds);
    const keys = agentIds.map((id) => this.agentKey(id));
    const members = encodeKeys(keys);
    // A concurrent insert of the same roster is waited for and then not visible to this statement's
    // snapshot (INTERN_ROSTER): the next attempt reads it.
    for (let attempt = 0; ; attempt++) {
      const rows = await this.#query<{ roster_key: number }>(INTERN_ROSTER, [members, keys]);
      const key = rows[0]?.roster_key;
      if (key !== undefined) {
        this.#rosterMembers.set(key, keys);
        this.#rosterKeyByIds.set(agentIds, key);
        return key;
      }
      if (attempt >= 2) throw new Error('could not intern a roster under concurrent inserts');
    }
  }

  /** The key of a roster interned before (rosterKey). */
  cachedRosterKey(agentIds: readonly string[]): number {
    const key = this.#rosterKeyByIds.get(agentIds);
    if (key === undefined) throw new Error('a roster was not interned before use');
    return key;
  }

  roster(key: number): Roster {
    let roster = this.#rosters.get(key);
    if (roster === undefined) {
      roster = rosterOf(this.rosterMembers(key).map((k) => this.agentId(k)));
      this.#rosters.set(key, roster);
    }
    return roster;
  }

  /** A cached roster's agent keys, in registration order (empty when unknown: verify reports it). */
  rosterMembers(key: number): readonly number[] {
    return this.#rosterMembers.get(key) ?? [];
  }

  /** Rosters the agent belongs to (by key); read each time, since other instances add rosters. */
  async rostersOf(agentKey: number): Promise<number[]> {
    const rows = await this.#query<{ roster_key: number }>(SELECT_ROSTERS_OF_AGENT, [agentKey]);
    return rows.map((r) => r.roster_key);
  }

  /** Caches whatever these keys stand for that is not cached yet, so records can be assembled. */
  async load(wanted: { rosters?: Iterable<number>; policies?: Iterable<number>; agents?: Iterable<number> }) {
    const rosters = [...new Set(wanted.rosters ?? [])].filter((k) => !this.#rosterMembers.has(k));
    if (rosters.length > 0) {
      const rows = await this.#query<{ roster_key: number; members: Buffer }>(SELECT_ROSTERS_OF_KEYS, [
        rosters,
      ]);
      for (const row of rows) this.#rosterMembers.set(row.roster_key, decodeKeys(row.members));
    }
    const policies = [...new Set(wanted.policies ?? [])].filter((k) => !this.#policies.has(k));
    if (policies.length > 0) {
      const rows = await this.#query<{ policy_key: number; spec: string }>(SELECT_POLICIES_OF, [policies]);
      for (const row of rows) this.#policies.set(row.policy_key, policyFromSpecText(row.spec));
    }
    const agents = new Set(wanted.agents ?? []);
    for (const key of rosters) for (const member of this.rosterMembers(key)) agents.add(member);
    const unknown = [...agents].filter((k) => !this.#agentIds.has(k));
    if (unknown.length > 0) {
      const rows = await this.#query<{ agent_key: number; agent_id: string }>(SELECT_AGENT_IDS_OF, [unknown]);
      for (const row of rows) this.#rememberAgent(row.agent_key, row.agent_id);
    }
  }

  #rememberAgent(key: number, agentId: string): void {
    this.#agentKeys.set(agentId, key);
    this.#agentIds.set(key, agentId);
  }
}
