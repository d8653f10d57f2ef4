import type Database from 'better-sqlite3';
import type { PolicySpec } from '../../policy/decision.js';
import { type Roster, rosterOf } from '../assemble-records.js';
import { missingPolicy, policyFromSpecText, policySpecText } from '../policy-spec.js';
import { decodeKeys, encodeKeys } from '../record-rows.js';
import { rosterCache } from '../roster-cache.js';
import * as Q from './sqlite-queries.js';

/**
 * The interned tables (agent ids, policy specs, rosters) with caches in front. Keys never change once
 * written, so caching them is safe even while other processes append; a miss goes to the database,
 * which also picks up what other processes interned.
 */
export class SqliteKeys {
  readonly #statement: (sql: string) => Database.Statement;
  readonly #agentKeys = new Map<string, number>();
  readonly #agentIds = new Map<number, string>();
  /** Specs and id lists are shared objects on the write path, so identity is a cheap first lookup. */
  readonly #policyKeyBySpec = new WeakMap<PolicySpec, number>();
  readonly #policies = new Map<number, PolicySpec>();
  readonly #rosterKeyByIds = new WeakMap<readonly string[], number>();
  readonly #rosters = rosterCache<Roster>();
  readonly #rosterMembers = rosterCache<readonly number[]>();
  /**
   * Cache entries made inside the current write transaction. If it rolls back, the rows behind them
   * are gone and their keys may later be given to other ids, so the entries must go too.
   */
  #undo: (() => void)[] | undefined;

  constructor(statement: (sql: string) => Database.Statement) {
    this.#statement = statement;
  }

  /** The key of an agent id, interning it if new. Call inside the append transaction. */
  agentKey(agentId: string): number {
    const cached = this.#agentKeys.get(agentId);
    if (cached !== undefined) return cached;
    this.#statement(Q.INSERT_AGENT_KEY).run(agentId);
    return this.findAgentKey(agentId) as number;
  }

  /** The key of an agent id, or undefined if the log has never seen it. */
  findAgentKey(agentId: string): number | undefined {
    const cached = this.#agentKeys.get(agentId);
    if (cached !== undefined) return cached;
    const row = this.#statement(Q.SELECT_AGENT_KEY).get(agentId) as { agent_key: number } | undefined;
    if (row !== undefined) this.#remember(row.agent_key, agentId);
    return row?.agent_key;
  }

  agentId(key: number): string {
    let id = this.#agentIds.get(key);
    if (id === undefined) {
      for (const row of this.#statement(Q.SELECT_AGENT_KEYS).all() as {
        agent_key: number;
        agent_id: string;
      }[]) {
        this.#remember(row.agent_key, row.agent_id);
      }
      // A dangling key means the file was edited: show it rather than fail, so reads still work and
      // verify names the record (its content no longer matches its hash).
      id = this.#agentIds.get(key) ?? `?missing-agent-key-${key}`;
    }
    return id;
  }

  policyKey(policy: PolicySpec): number {
    const known = this.#policyKeyBySpec.get(policy);
    if (known !== undefined) return known;
    const spec = policySpecText(policy);
    this.#statement(Q.INSERT_POLICY).run(spec);
    const key = (this.#statement(Q.SELECT_POLICY_KEY).get(spec) as { policy_key: number }).policy_key;
    this.#policyKeyBySpec.set(policy, key);
    this.#undo?.push(() => this.#policyKeyBySpec.delete(policy));
    return key;
  }

  policy(key: number): PolicySpec {
    let policy = this.#policies.get(key);
    if (policy === undefined) {
      const row = this.#statement(Q.SELECT_POLICY).get(key) as { spec: string } | undefined;
      policy = row === undefined ? missingPolicy(key) : policyFromSpecText(row.spec);
      this.#policies.set(key, policy);
    }
    return policy;
  }

  /** The key of a roster (registered agents in order), interning it and its members if new. */
  rosterKey(agentIds: readonly string[]): number {
    const known = this.#rosterKeyByIds.get(agentIds);
    if (known !== undefined) return known;
    const keys = agentIds.map((id) => this.agentKey(id));
    const members = encodeKeys(keys);
    const inserted = this.#statement(Q.INSERT_ROSTER).get(members) as { roster_key: number } | undefined;
    let key: number;
    if (inserted === undefined) {
      key = (this.#statement(Q.SELECT_ROSTER_KEY).get(members) as { roster_key: number }).roster_key;
    } else {
      key = inserted.roster_key;
      const addMember = this.#statement(Q.INSERT_ROSTER_MEMBER);
      for (const agentKey of keys) addMember.run(agentKey, key);
    }
    this.#rememberMembers(key, keys);
    this.#rosterKeyByIds.set(agentIds, key);
    this.#undo?.push(() => this.#rosterKeyByIds.delete(agentIds));
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

  /**
   * A roster's agent keys in registration order (distinct: a registry holds each id once). An unknown
   * roster reads as empty, which verify then reports.
   */
  rosterMembers(key: number): readonly number[] {
    let members = this.#rosterMembers.get(key);
    if (members === undefined) {
      const row = this.#statement(Q.SELECT_ROSTER).get(key) as { members: Buffer } | undefined;
      members = row === undefined ? [] : decodeKeys(row.members);
      this.#rememberMembers(key, members);
    }
    return members;
  }

  #rememberMembers(key: number, members: readonly number[]): void {
    this.#rosterMembers.set(key, members);
    this.#undo?.push(() => this.#rosterMembers.delete(key));
  }

  /** Rosters the agent belongs to (by key). */
  rostersOf(agentKey: number): number[] {
    return (this.#statement(Q.SELECT_ROSTERS_OF).all(agentKey) as { roster_key: number }[]).map(
      (r) => r.roster_key,
    );
  }

  /** A write transaction starts: cache entries made from now on may be undone. */
  begin(): void {
    this.#undo = [];
  }

  /** The write transaction committed: its cache entries are now backed by rows. */
  committed(): void {
    this.#undo = undefined;
  }

  /** The write transaction rolled back: forget what it cached. */
  rolledBack(): void {
    for (const undo of (this.#undo ?? []).reverse()) undo();
    this.#undo = undefined;
  }

  #remember(key: number, agentId: string): void {
    if (!this.#agentKeys.has(agentId)) {
      this.#agentKeys.set(agentId, key);
      this.#agentIds.set(key, agentId);
      this.#undo?.push(() => {
        this.#agentKeys.delete(agentId);
        this.#agentIds.delete(key);
      });
    }
  }
}
