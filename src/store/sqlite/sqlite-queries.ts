/**
 * The adapter's SQL, one named statement per operation. Parameters are positional; each header says
 * what they are. The schema is in migrations/.
 */

/** The newest record, for sealing the next one. No parameters. */
export const SELECT_HEAD = 'SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1';

/** (seq, decision_id, task_id, description, ts_ms, policy_key, roster_key, capability, selected_key, reason, hash, bids, confidence) */
export const INSERT_DECISION = `INSERT INTO decisions
  (seq, decision_id, task_id, description, ts_ms, policy_key, roster_key, capability, selected_key, reason, hash, bids,
   confidence)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** (agent_key, seq): the agent bid in the decision without being a member of its roster. */
export const INSERT_CANDIDATE = 'INSERT INTO candidates (agent_key, seq) VALUES (?, ?)';

/** (agent_key, considered, bids, won, winning_bid_sum): adds to the agent's counters. */
export const UPSERT_COUNTERS = `INSERT INTO agent_counters (agent_key, considered, bids, won, winning_bid_sum)
  VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (agent_key) DO UPDATE SET
    considered = considered + excluded.considered,
    bids = bids + excluded.bids,
    won = won + excluded.won,
    winning_bid_sum = winning_bid_sum + excluded.winning_bid_sum`;

/** (agent_id) */
export const INSERT_AGENT_KEY =
  'INSERT INTO agent_keys (agent_id) VALUES (?) ON CONFLICT (agent_id) DO NOTHING';
/** (agent_id) */
export const SELECT_AGENT_KEY = 'SELECT agent_key FROM agent_keys WHERE agent_id = ?';
/** No parameters: the whole (small) table, to refresh the id cache. */
export const SELECT_AGENT_KEYS = 'SELECT agent_key, agent_id FROM agent_keys';

/** (spec) */
export const INSERT_POLICY = 'INSERT INTO policies (spec) VALUES (?) ON CONFLICT (spec) DO NOTHING';
/** (spec) */
export const SELECT_POLICY_KEY = 'SELECT policy_key FROM policies WHERE spec = ?';
/** (policy_key) */
export const SELECT_POLICY = 'SELECT spec FROM policies WHERE policy_key = ?';

/** (members): RETURNING gives the key only when the roster is new. */
export const INSERT_ROSTER =
  'INSERT INTO rosters (members) VALUES (?) ON CONFLICT (members) DO NOTHING RETURNING roster_key';
/** (members) */
export const SELECT_ROSTER_KEY = 'SELECT roster_key FROM rosters WHERE members = ?';
/** (roster_key) */
export const SELECT_ROSTER = 'SELECT members FROM rosters WHERE roster_key = ?';
/** (agent_key, roster_key) */
export const INSERT_ROSTER_MEMBER =
  'INSERT INTO roster_members (agent_key, roster_key) VALUES (?, ?) ON CONFLICT DO NOTHING';
/** (agent_key): the rosters an agent belongs to. */
export const SELECT_ROSTERS_OF = 'SELECT roster_key FROM roster_members WHERE agent_key = ?';

/** Columns of a decision record. */
const DECISION_COLUMNS = `d.seq, d.decision_id, d.task_id, d.description, d.ts_ms, d.policy_key, d.roster_key,
  d.capability, d.selected_key, d.reason, d.hash, d.bids, d.confidence`;

/** The same, with the predecessor's hash looked up: for records read out of order. */
const DECISION_COLUMNS_WITH_PREV = `${DECISION_COLUMNS},
  (SELECT p.hash FROM decisions p WHERE p.seq = d.seq - 1) AS prev_hash`;

/** (seq): the hash of one record, for the first record of a stream. */
export const SELECT_HASH = 'SELECT hash FROM decisions WHERE seq = ?';

/** (first_seq, last_seq): the bid rows of a contiguous range of records logged before migration 0004. */
export const SELECT_BIDS_IN_RANGE = `SELECT seq, bid_order, agent_key, bid_sats, signals, combined, rejection
  FROM bids WHERE seq BETWEEN ? AND ? ORDER BY seq, bid_order`;

/** (json array of seqs): the bid rows of a page of records logged before migration 0004. */
export const SELECT_BIDS_OF = `SELECT seq, bid_order, agent_key, bid_sats, signals, combined, rejection
  FROM bids WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq, bid_order`;

/** (json array of seqs): a page of records by sequence number, newest first. */
export const SELECT_DECISIONS_OF = `SELECT ${DECISION_COLUMNS_WITH_PREV} FROM decisions d
  WHERE d.seq IN (SELECT value FROM json_each(?)) ORDER BY d.seq DESC`;

/**
 * (after_seq, since_ms, page_size): the next page of the export, oldest first. No prev_hash column:
 * in a stream each record's predecessor is the record before it, and a subquery per row cost a
 * sixth of the export's time.
 */
export const SELECT_STREAM_PAGE = `SELECT ${DECISION_COLUMNS} FROM decisions d
  WHERE d.seq > ? AND d.ts_ms >= ? ORDER BY d.seq LIMIT ?`;

/** (since_ms): where an export that starts at a time begins. */
export const SELECT_FIRST_SEQ_SINCE = 'SELECT min(seq) - 1 AS after FROM decisions WHERE ts_ms >= ?';

/** (seq) */
export const SELECT_DECISION = `SELECT ${DECISION_COLUMNS_WITH_PREV} FROM decisions d WHERE d.seq = ?`;

/** (agent_key) */
export const SELECT_COUNTERS =
  'SELECT considered, bids, won, winning_bid_sum FROM agent_counters WHERE agent_key = ?';

/** No parameters. */
export const SELECT_ALL_COUNTERS = `SELECT k.agent_id, c.considered, c.bids, c.won, c.winning_bid_sum
  FROM agent_counters c JOIN agent_keys k ON k.agent_key = c.agent_key ORDER BY k.agent_id`;

/** No parameters. seq is gap-free, so the highest is the count. */
export const COUNT_DECISIONS = 'SELECT coalesce(max(seq), 0) AS n FROM decisions';

/**
 * One page of sequence numbers matching optional filters, newest first. `source` picks how the
 * agent filter is served: through its bids (candidates) or through one roster it belongs to
 * (decisions_by_roster); without an agent, the decisions table itself.
 * Parameters, in order: the source's key (if any), then cursor, task_id, since_ms, until_ms for each
 * filter present, then the limit.
 */
export function selectSeqPage(
  source: 'all' | 'bids' | 'roster',
  filters: { cursor: boolean; taskId: boolean; sinceMs: boolean; untilMs: boolean },
): string {
  const where: string[] = [];
  let from = 'decisions d';
  let seq = 'd.seq';
  if (source === 'bids') {
    from = 'candidates c JOIN decisions d ON d.seq = c.seq';
    seq = 'c.seq';
    where.push('c.agent_key = ?');
  } else if (source === 'roster') {
    where.push('d.roster_key = ?');
  }
  if (filters.cursor) where.push(`${seq} < ?`);
  if (filters.taskId) where.push('d.task_id = ?');
  if (filters.sinceMs) where.push('d.ts_ms >= ?');
  if (filters.untilMs) where.push('d.ts_ms < ?');
  const whereSql = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
  return `SELECT ${seq} AS seq FROM ${from} ${whereSql} ORDER BY ${seq} DESC LIMIT ?`;
}

/** No parameters: SQLite's own check of every table and index. */
export const INTEGRITY_CHECK = 'PRAGMA integrity_check';

/** No parameters. */
export const SELECT_ROSTERS = 'SELECT roster_key, members FROM rosters';

/** No parameters. */
export const SELECT_ROSTER_MEMBERS = 'SELECT agent_key, roster_key FROM roster_members';

/** (seq, agent_key): is the agent a bidder of a decision logged before migration 0004 (bid rows)? */
export const SELECT_LEGACY_BID_OF_AGENT = 'SELECT 1 AS found FROM bids WHERE seq = ? AND agent_key = ?';
/** (seq, agent_key) */
export const SELECT_OUTCOME_OF = 'SELECT outcome_seq FROM outcomes WHERE seq = ? AND agent_key = ?';
/** (seq, agent_key, completed, duration_ms, recorded_ms, result) */
export const INSERT_OUTCOME = `INSERT INTO outcomes (seq, agent_key, completed, duration_ms, recorded_ms, result)
  VALUES (?, ?, ?, ?, ?, ?) RETURNING outcome_seq`;
/** (seq, agent_key): the result of the agent's outcome of a decision (null: none, or no outcome). */
export const SELECT_OUTCOME_RESULT = 'SELECT result FROM outcomes WHERE seq = ? AND agent_key = ?';
/** (after outcome_seq, limit): outcomes in recording order, with their decision's task. */
export const SELECT_OUTCOME_PAGE = `SELECT o.outcome_seq, o.seq, a.agent_id, o.completed, o.duration_ms,
    o.recorded_ms, d.task_id, d.description
  FROM outcomes o JOIN agent_keys a ON a.agent_key = o.agent_key JOIN decisions d ON d.seq = o.seq
  WHERE o.outcome_seq > ? ORDER BY o.outcome_seq LIMIT ?`;
/** (after outcome_seq, limit): every outcome row in recording order, for `verify` (SqliteOutcomes.auditPage). */
export const SELECT_OUTCOME_AUDIT_PAGE = `SELECT o.outcome_seq, o.seq, coalesce(a.agent_id, '#' || o.agent_key) AS agent_id,
    o.completed, o.duration_ms, o.recorded_ms, coalesce(d.task_id, '') AS task_id, coalesce(d.description, '') AS description,
    o.result
  FROM outcomes o LEFT JOIN agent_keys a ON a.agent_key = o.agent_key LEFT JOIN decisions d ON d.seq = o.seq
  WHERE o.outcome_seq > ? ORDER BY o.outcome_seq LIMIT ?`;
/** (seq): the decision's task and its bids blob (null when logged before migration 0004). */
export const SELECT_DECISION_TASK = 'SELECT task_id, description, bids FROM decisions WHERE seq = ?';

/** No parameters: every candidate row, for the integrity check. */
export const SELECT_CANDIDATES = 'SELECT agent_key, seq FROM candidates';
/** No parameters: every bid blob with its roster, for the integrity check. */
export const SELECT_BID_BLOBS = 'SELECT seq, roster_key, bids FROM decisions WHERE bids IS NOT NULL';
/** No parameters: the bid rows of records logged before migration 0004 with their roster, for the integrity check. */
export const SELECT_LEGACY_BIDDERS =
  'SELECT b.agent_key, b.seq, d.roster_key FROM bids b JOIN decisions d ON d.seq = b.seq';
