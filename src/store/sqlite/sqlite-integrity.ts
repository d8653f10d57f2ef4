import type Database from 'better-sqlite3';
import { decodeBids, decodeKeys } from '../record-rows.js';
import { DUE_MS_PROBLEMS, dueMsProblem } from '../task-rows.js';
import * as Q from './sqlite-queries.js';

/**
 * Checks of what the SQLite store keeps beside the records, for `verify` (Store.checkIntegrity): the
 * records themselves are covered by the hash chain; these tables answer queries and must agree with
 * them. One sentence per problem; empty when sound.
 */
export function sqliteIntegrityProblems(statement: (sql: string) => Database.Statement): string[] {
  const problems = (statement(Q.INTEGRITY_CHECK).all() as { integrity_check: string }[])
    .map((r) => r.integrity_check)
    .filter((message) => message !== 'ok')
    .map((message) => `SQLite integrity check: ${message}`);
  const members = rosterMembers(statement);
  const roster = rosterMembershipProblem(members, statement);
  if (roster !== undefined) problems.push(roster);
  const candidates = candidatesProblem(members, statement);
  if (candidates !== undefined) problems.push(candidates);
  for (const row of statement(DUE_MS_PROBLEMS).all(MAX_DUE_PROBLEMS) as Parameters<typeof dueMsProblem>[0][])
    problems.push(dueMsProblem(row));
  return problems;
}

/** Tasks with a due time their state does not make named, at most. */
const MAX_DUE_PROBLEMS = 50;

/** Each roster's members, by roster key, from the rosters table (the source of truth). */
function rosterMembers(statement: (sql: string) => Database.Statement): Map<number, Set<number>> {
  const members = new Map<number, Set<number>>();
  for (const row of statement(Q.SELECT_ROSTERS).all() as { roster_key: number; members: Buffer }[]) {
    members.set(row.roster_key, new Set(decodeKeys(row.members)));
  }
  return members;
}

/** roster_members answers "which rosters was this agent in": exactly the members the rosters list. */
function rosterMembershipProblem(
  members: Map<number, Set<number>>,
  statement: (sql: string) => Database.Statement,
): string | undefined {
  const expected = new Set<string>();
  for (const [rosterKey, agentKeys] of members) {
    for (const agentKey of agentKeys) expected.add(`${agentKey}:${rosterKey}`);
  }
  const actual = new Set(
    (statement(Q.SELECT_ROSTER_MEMBERS).all() as { agent_key: number; roster_key: number }[]).map(
      (r) => `${r.agent_key}:${r.roster_key}`,
    ),
  );
  const missing = [...expected].filter((pair) => !actual.has(pair)).length;
  const extra = [...actual].filter((pair) => !expected.has(pair)).length;
  if (missing === 0 && extra === 0) return undefined;
  return `roster membership index disagrees with the rosters: ${missing} missing, ${extra} extra rows`;
}

/**
 * `candidates` answers "which decisions did this agent bid in without being in its roster": one row
 * per such bid of every record (migration 0007; the roster indexes the others). It can be as long as
 * the log, so it is compared in constant memory, as a count and an order-independent checksum (a sum
 * of mixed 32-bit hashes of the pairs) on each side: any added, removed or altered row changes one of
 * them, short of a deliberate collision.
 */
function candidatesProblem(
  members: Map<number, Set<number>>,
  statement: (sql: string) => Database.Statement,
): string | undefined {
  const expected = { count: 0, sum: 0 };
  const add = (tally: typeof expected, agentKey: number, seq: number): void => {
    tally.count++;
    tally.sum = (tally.sum + mix(agentKey, seq)) % 0x100000000;
  };
  const addOutsider = (agentKey: number, seq: number, rosterKey: number): void => {
    if (members.get(rosterKey)?.has(agentKey) !== true) add(expected, agentKey, seq);
  };
  for (const row of statement(Q.SELECT_BID_BLOBS).iterate() as Iterable<{
    seq: number;
    roster_key: number;
    bids: Buffer;
  }>) {
    for (const bid of decodeBids(row.bids)) addOutsider(bid.agentKey, row.seq, row.roster_key);
  }
  for (const row of statement(Q.SELECT_LEGACY_BIDDERS).iterate() as Iterable<{
    agent_key: number;
    seq: number;
    roster_key: number;
  }>) {
    addOutsider(row.agent_key, row.seq, row.roster_key);
  }
  const actual = { count: 0, sum: 0 };
  for (const row of statement(Q.SELECT_CANDIDATES).iterate() as Iterable<{
    agent_key: number;
    seq: number;
  }>) {
    add(actual, row.agent_key, row.seq);
  }
  if (expected.count === actual.count && expected.sum === actual.sum) return undefined;
  return `bidder index disagrees with the records' bids: ${actual.count} rows for ${expected.count} bids from outside the roster${
    expected.count === actual.count ? ' (same count, different rows)' : ''
  }`;
}

/** A 32-bit mix of a pair (murmur3's finaliser over a combination of both). */
function mix(agentKey: number, seq: number): number {
  let h =
    Math.imul(agentKey ^ 0x9e3779b9, 0x85ebca6b) ^
    Math.imul(seq | 0, 0xc2b2ae35) ^
    Math.floor(seq / 0x100000000);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
