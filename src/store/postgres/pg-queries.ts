import { DUE_MS_PROBLEMS } from '../task-rows.js';

/**
 * The PostgreSQL adapter's SQL for the decision log, its keys, outcomes, counters and checks, one
 * named statement per operation (the tasks', events', agents' and ledger's statements head their own
 * modules). Parameters are positional; each header says what they are. The schema is in migrations/,
 * the functions the statements call in functions/.
 */

/** (lock key): takes a transaction's advisory lock if free; `got` says whether it did. */
export const TRY_XACT_LOCK = 'SELECT pg_try_advisory_xact_lock($1) AS got';
/** (lock key): takes a transaction's advisory lock, waiting for it. */
export const XACT_LOCK = 'SELECT pg_advisory_xact_lock($1)';

/** The newest record, for sealing the next one. No parameters. */
export const SELECT_HEAD = 'SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1';

/**
 * Decisions (seq … bids, confidence: thirteen arrays, a decision's columns), their outside bidders (agent_key, seq)
 * and the agents' counter deltas (agent_key, considered, bids, won, winning_bid_sum), in one statement:
 * one round trip while the chain lock is held. The deltas are folded in later (PgCounters).
 */
export const INSERT_DECISIONS = `WITH d AS (
         INSERT INTO decisions (seq, decision_id, task_id, description, ts_ms, policy_key, roster_key, capability,
           selected_key, reason, hash, bids, confidence)
         SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::text[], $4::text[], $5::bigint[], $6::integer[],
           $7::integer[], $8::bytea[], $9::integer[], $10::text[], $11::bytea[], $12::bytea[], $13::float8[])
       ), c AS (
         INSERT INTO candidates (agent_key, seq) SELECT * FROM unnest($14::integer[], $15::bigint[])
       )
       INSERT INTO agent_counter_deltas (agent_key, considered, bids, won, winning_bid_sum)
       SELECT * FROM unnest($16::integer[], $17::bigint[], $18::bigint[], $19::bigint[], $20::bigint[])`;

/** Columns of a decision record (record-rows.ts DecisionRow), `d` naming its row. */
const DECISION_COLUMNS = `d.seq, d.decision_id, d.task_id, d.description, d.ts_ms, d.policy_key, d.roster_key,
  d.capability, d.selected_key, d.reason, d.hash, d.bids, d.confidence`;
/** The same, with the predecessor's hash looked up: for records read out of order. */
const DECISION_COLUMNS_WITH_PREV = `${DECISION_COLUMNS},
  (SELECT p.hash FROM decisions p WHERE p.seq = d.seq - 1) AS prev_hash`;

/** (seqs): a page of records by sequence number, newest first. */
export const SELECT_DECISIONS_OF = `SELECT ${DECISION_COLUMNS_WITH_PREV} FROM decisions d WHERE d.seq = ANY($1::bigint[]) ORDER BY d.seq DESC`;
/** (seq): one record. */
export const SELECT_DECISION = `SELECT ${DECISION_COLUMNS_WITH_PREV} FROM decisions d WHERE d.seq = $1`;

/** Where queryDecisions reads a page of seqs from: every record, an agent's outside bids, a roster's records. */
export const DECISION_SOURCES = {
  all: 'decisions d',
  bids: 'candidates c JOIN decisions d ON d.seq = c.seq',
  roster: 'decisions d',
} as const;

/**
 * The seqs of a page of records, newest first: from one of DECISION_SOURCES, where every clause holds
 * (each with its own parameter), at most as many as parameter `$limitParam`.
 */
export function selectDecisionSeqs(from: string, clauses: readonly string[], limitParam: number): string {
  return `SELECT d.seq FROM ${from} ${clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`}
          ORDER BY d.seq DESC LIMIT $${limitParam}`;
}

/** (since_ms): the seq before the first record at or after since_ms (null: none). */
export const SELECT_STREAM_START = 'SELECT min(seq) - 1 AS after FROM decisions WHERE ts_ms >= $1';
/**
 * (after_seq, since_ms, page_size): the next page of an export, oldest first. No prev_hash column: in
 * a stream each record's predecessor is the record before it.
 */
export const SELECT_STREAM_PAGE = `SELECT ${DECISION_COLUMNS} FROM decisions d WHERE d.seq > $1 AND d.ts_ms >= $2 ORDER BY d.seq LIMIT $3`;
/** (seq): the hash of one record, for the first record of a stream. */
export const SELECT_HASH = 'SELECT hash FROM decisions WHERE seq = $1';
/** No parameters: the newest seq (`n`), 0 when none. */
export const COUNT_DECISIONS = 'SELECT coalesce(max(seq), 0)::bigint AS n FROM decisions';

/** (seq): what an outcome needs of its decision. */
export const SELECT_DECIDED = 'SELECT task_id, description, bids FROM decisions WHERE seq = $1';
/**
 * (seq, agent_key, completed, duration_ms, recorded_ms): an outcome with its pending row for the
 * ledger, in one statement; no row when the agent already reported that decision's outcome.
 */
export const INSERT_OUTCOME = `WITH inserted AS (
           INSERT INTO outcomes (seq, agent_key, completed, duration_ms, recorded_ms, result) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (seq, agent_key) DO NOTHING RETURNING outcome_seq
         ), pending AS (
           INSERT INTO ledger_pending (kind, subject) SELECT 'outcome', outcome_seq::text FROM inserted
         )
         SELECT outcome_seq FROM inserted`;
/** (after_outcome_seq, page_size): the next page of outcomes (pg-outcome-rows.ts OutcomeRow), oldest first. */
export const SELECT_OUTCOMES_AFTER = `SELECT o.outcome_seq, o.seq, a.agent_id, o.completed, o.duration_ms, o.recorded_ms, d.task_id, d.description
               FROM outcomes o JOIN agent_keys a ON a.agent_key = o.agent_key JOIN decisions d ON d.seq = o.seq
               WHERE o.outcome_seq > $1 ORDER BY o.outcome_seq LIMIT $2`;
/** (seq, agent key): the result of the agent's outcome of a decision (null: none, or no outcome). */
export const SELECT_OUTCOME_RESULT = 'SELECT result FROM outcomes WHERE seq = $1 AND agent_key = $2';
/** No parameters: the newest outcome_seq (`n`), 0 when none. */
export const LAST_OUTCOME_SEQ = 'SELECT coalesce(max(outcome_seq), 0)::bigint AS n FROM outcomes';

/**
 * The agents' counters as rows to sum per agent: the folded ones and the deltas not folded yet. One
 * statement reads both in one snapshot, which a fold changes whole or not at all.
 */
const COUNTERS_WITH_DELTAS = `SELECT agent_key, considered, bids, won, winning_bid_sum FROM agent_counters
  UNION ALL SELECT agent_key, considered, bids, won, winning_bid_sum FROM agent_counter_deltas`;
/** Their sums, as columns of the counters' names, over COUNTERS_WITH_DELTAS taken as `c`. */
const COUNTER_SUMS = `sum(c.considered)::bigint AS considered, sum(c.bids)::bigint AS bids,
  sum(c.won)::bigint AS won, sum(c.winning_bid_sum)::bigint AS winning_bid_sum`;
/** (agent_key): one agent's counters; every sum null when it has none. */
export const SELECT_AGENT_COUNTS = `SELECT ${COUNTER_SUMS} FROM (${COUNTERS_WITH_DELTAS}) AS c WHERE c.agent_key = $1`;
/** No parameters: every agent's counters, by agent id. */
export const SELECT_ALL_AGENT_COUNTS = `SELECT k.agent_id, ${COUNTER_SUMS}
            FROM (${COUNTERS_WITH_DELTAS}) AS c JOIN agent_keys k ON k.agent_key = c.agent_key
            GROUP BY k.agent_id ORDER BY k.agent_id`;

/** (fold lock key): one fold of the counters' deltas and the loads' (functions/), under the fold lock. */
export const FOLD_DELTAS = 'SELECT fold_agent_counter_deltas($1), fold_agent_load_deltas($1)';
/** No parameters: the queues' tables vacuumed, each passed over while another holds a lock on it. */
export const VACUUM_QUEUES = 'VACUUM (SKIP_LOCKED) agent_counter_deltas, agent_load_deltas, ledger_pending';

/**
 * Each agent's tasks in hand as rows to sum per agent: agent_loads and the deltas not folded yet, with
 * `deltas` 1 on a delta's row. One statement reads both in one snapshot.
 */
const LOADS_WITH_DELTAS = `SELECT agent_id, n, 0 AS deltas FROM agent_loads
  UNION ALL SELECT agent_id, delta, 1 FROM agent_load_deltas`;
/** The same counts from the tasks themselves, what the loads must equal (`verify`). */
const LOADS_FROM_TASKS = `SELECT assigned_agent AS agent_id, count(*) AS n FROM tasks
  WHERE status IN ('offered', 'accepted') AND assigned_agent IS NOT NULL GROUP BY assigned_agent`;
/** No parameters: each agent's tasks in hand (`n`) and how many deltas its sum took in (`deltas`). */
export const SELECT_LOADS = `SELECT agent_id, sum(n)::bigint AS n, sum(deltas)::bigint AS deltas
         FROM (${LOADS_WITH_DELTAS}) AS x GROUP BY agent_id`;
/** No parameters: the agents whose counted tasks in hand differ from a count of the tasks. */
export const SELECT_LOAD_PROBLEMS = `WITH counted AS (
           SELECT agent_id, sum(n)::bigint AS n FROM (${LOADS_WITH_DELTAS}) AS x GROUP BY agent_id
         ), held AS (${LOADS_FROM_TASKS})
         SELECT agent_id, coalesce(c.n, 0) AS counted, coalesce(h.n, 0) AS held
         FROM counted c FULL JOIN held h USING (agent_id)
         WHERE coalesce(c.n, 0) <> coalesce(h.n, 0)
         ORDER BY agent_id`;
/** No parameters: the open auctions (`n`), counted by an index scan (functions/count_open_tasks.sql). */
export const COUNT_OPEN_TASKS = 'SELECT count_open_tasks() AS n';

/**
 * No parameters: how many rows roster_members lacks (`missing`) and holds besides (`extra`) against
 * the members each roster lists (int32 little-endian agent keys).
 */
export const SELECT_MEMBERSHIP_DIFFERENCES = `WITH expected AS (
             SELECT r.roster_key, get_byte(r.members, i * 4) | (get_byte(r.members, i * 4 + 1) << 8)
               | (get_byte(r.members, i * 4 + 2) << 16) | (get_byte(r.members, i * 4 + 3) << 24) AS agent_key
             FROM rosters r, generate_series(0, length(r.members) / 4 - 1) AS i
           )
           SELECT
             (SELECT count(*) FROM expected e WHERE NOT EXISTS (
                SELECT 1 FROM roster_members m WHERE m.roster_key = e.roster_key AND m.agent_key = e.agent_key)) AS missing,
             (SELECT count(*) FROM roster_members m WHERE NOT EXISTS (
                SELECT 1 FROM expected e WHERE e.roster_key = m.roster_key AND e.agent_key = m.agent_key)) AS extra`;
/** No parameters: every membership row. */
export const SELECT_ALL_ROSTER_MEMBERS = 'SELECT agent_key, roster_key FROM roster_members';
/** (after_seq, page_size): the next page of records' bids with their rosters, oldest first. */
export const SELECT_BIDS_PAGE =
  'SELECT seq, roster_key, bids FROM decisions WHERE seq > $1 ORDER BY seq LIMIT $2';
/** No parameters: every row of the bidder index. */
export const SELECT_ALL_CANDIDATES = 'SELECT agent_key, seq FROM candidates';
/** (limit): tasks whose due_ms is not the one their state implies (task-rows.ts DUE_MS_PROBLEMS). */
export const SELECT_DUE_MS_PROBLEMS = DUE_MS_PROBLEMS.replace('?', '$1');

/** (agent ids): interns those not interned yet. */
export const INSERT_AGENT_KEYS =
  'INSERT INTO agent_keys (agent_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING';
/** (agent ids) */
export const SELECT_AGENT_KEYS_OF =
  'SELECT agent_key, agent_id FROM agent_keys WHERE agent_id = ANY($1::text[])';
/** (agent id) */
export const SELECT_AGENT_KEY = 'SELECT agent_key FROM agent_keys WHERE agent_id = $1';
/** (agent keys) */
export const SELECT_AGENT_IDS_OF =
  'SELECT agent_key, agent_id FROM agent_keys WHERE agent_key = ANY($1::integer[])';
/** (spec) */
export const INSERT_POLICY = 'INSERT INTO policies (spec) VALUES ($1) ON CONFLICT DO NOTHING';
/** (spec) */
export const SELECT_POLICY_KEY = 'SELECT policy_key FROM policies WHERE spec = $1';
/** (policy keys) */
export const SELECT_POLICIES_OF =
  'SELECT policy_key, spec FROM policies WHERE policy_key = ANY($1::integer[])';
/**
 * (members, agent keys): the roster row and its membership rows in one statement, so neither exists
 * without the other, and the roster's key, whether inserted now or found. A concurrent insert of the
 * same roster is waited for and then not visible to this statement's snapshot: no row then.
 */
export const INTERN_ROSTER = `WITH inserted AS (
           INSERT INTO rosters (members) VALUES ($1) ON CONFLICT DO NOTHING RETURNING roster_key
         ), members AS (
           INSERT INTO roster_members (agent_key, roster_key)
           SELECT k, inserted.roster_key FROM inserted, unnest($2::integer[]) AS k ON CONFLICT DO NOTHING
         )
         SELECT roster_key FROM inserted UNION ALL SELECT roster_key FROM rosters WHERE members = $1`;
/** (roster keys) */
export const SELECT_ROSTERS_OF_KEYS =
  'SELECT roster_key, members FROM rosters WHERE roster_key = ANY($1::integer[])';
/** (agent key): the rosters an agent belongs to. */
export const SELECT_ROSTERS_OF_AGENT = 'SELECT roster_key FROM roster_members WHERE agent_key = $1';

/** (channel, payload): a NOTIFY. */
export const NOTIFY = 'SELECT pg_notify($1, $2)';
