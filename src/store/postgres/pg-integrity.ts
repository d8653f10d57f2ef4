import { decodeBids } from '../record-rows.js';
import { dueMsProblem } from '../task-rows.js';
import {
  SELECT_ALL_CANDIDATES,
  SELECT_ALL_ROSTER_MEMBERS,
  SELECT_BIDS_PAGE,
  SELECT_DUE_MS_PROBLEMS,
  SELECT_LOAD_PROBLEMS,
  SELECT_MEMBERSHIP_DIFFERENCES,
} from './pg-queries.js';
import type { PgQueryable } from './pg-queryable.js';

/** Decisions read per page when the bidder index is compared with the records' bids. */
const BIDS_PAGE_SIZE = 5000;

/** Tasks with a wrong due time named at most. */
const DUE_MS_PROBLEMS_NAMED = 50;

/**
 * What `verify` finds wrong in the PostgreSQL store's derived data (Store.checkIntegrity): the
 * indexes the log keeps beside its records (roster membership, the bidder index), the counted tasks in
 * hand, and the tasks' due times; each problem a sentence.
 */
export async function pgIntegrityProblems(db: PgQueryable): Promise<string[]> {
  const problems: string[] = [];
  // roster_members must list exactly the members of each roster.
  const membership = (await db.query<{ missing: number; extra: number }>(SELECT_MEMBERSHIP_DIFFERENCES))
    .rows[0] as { missing: number; extra: number };
  if (membership.missing > 0 || membership.extra > 0) {
    problems.push(
      `roster membership index disagrees with the rosters: ${membership.missing} missing, ${membership.extra} extra rows`,
    );
  }
  problems.push(...(await bidderIndexProblems(db)));
  problems.push(...(await loadProblems(db)));
  const due = await db.query<{ task_id: string; due_ms: number | null; expected: number | null }>(
    SELECT_DUE_MS_PROBLEMS,
    [DUE_MS_PROBLEMS_NAMED],
  );
  problems.push(...due.rows.map(dueMsProblem));
  return problems;
}

/**
 * candidates must hold exactly the bids from outside each decision's roster; compared page by page in
 * constant memory.
 */
async function bidderIndexProblems(db: PgQueryable): Promise<string[]> {
  const members = new Map<number, Set<number>>();
  for (const row of (await db.query<{ agent_key: number; roster_key: number }>(SELECT_ALL_ROSTER_MEMBERS))
    .rows) {
    let set = members.get(row.roster_key);
    if (set === undefined) {
      set = new Set();
      members.set(row.roster_key, set);
    }
    set.add(row.agent_key);
  }
  const expected = new Set<string>();
  let after = 0;
  for (;;) {
    const rows = (
      await db.query<{ seq: number; roster_key: number; bids: Buffer }>(SELECT_BIDS_PAGE, [
        after,
        BIDS_PAGE_SIZE,
      ])
    ).rows;
    if (rows.length === 0) break;
    for (const row of rows) {
      for (const bid of decodeBids(row.bids)) {
        if (members.get(row.roster_key)?.has(bid.agentKey) !== true)
          expected.add(`${bid.agentKey}:${row.seq}`);
      }
    }
    after = (rows.at(-1) as { seq: number }).seq;
  }
  const actual = (await db.query<{ agent_key: number; seq: number }>(SELECT_ALL_CANDIDATES)).rows;
  const differ =
    actual.length !== expected.size || actual.some((r) => !expected.has(`${r.agent_key}:${r.seq}`));
  if (!differ) return [];
  return [
    `bidder index disagrees with the records' bids: ${actual.length} rows for ${expected.size} bids from outside the roster${
      actual.length === expected.size ? ' (same count, different rows)' : ''
    }`,
  ];
}

/**
 * Each agent's counted tasks in hand against a count of the tasks themselves: the counts are kept
 * beside the tasks, by a trigger, and scoring trusts them.
 */
async function loadProblems(db: PgQueryable): Promise<string[]> {
  const rows = (await db.query<{ agent_id: string; counted: number; held: number }>(SELECT_LOAD_PROBLEMS))
    .rows;
  return rows.map((r) => `tasks in hand for ${r.agent_id} counted as ${r.counted} (the tasks say ${r.held})`);
}
