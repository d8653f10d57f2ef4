/**
 * The adapter's SQL, one named statement per operation. Parameters are positional; each header
 * says what they are. The schema is in migrations/.
 */

/** The newest record, for sealing the next one. No parameters. */
export const SELECT_HEAD = 'SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1';

/** (seq, decision_id, task_id, description, ts_ms, policy_key, selected_key, reason, hash) */
export const INSERT_DECISION = `INSERT INTO decisions
  (seq, decision_id, task_id, description, ts_ms, policy_key, selected_key, reason, hash)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** (seq, pos, agent_key, capability, bid_sats, bid_order, signals, combined) */
export const INSERT_CANDIDATE = `INSERT INTO candidates
  (seq, pos, agent_key, capability, bid_sats, bid_order, signals, combined)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

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
/** No parameters. */
export const SELECT_POLICIES = 'SELECT policy_key, spec FROM policies';

/** Columns of a decision record, with its predecessor's hash for the chain. */
export const DECISION_COLUMNS = `d.seq, d.decision_id, d.task_id, d.description, d.ts_ms, d.policy_key,
  d.selected_key, d.reason, d.hash, (SELECT p.hash FROM decisions p WHERE p.seq = d.seq - 1) AS prev_hash`;

/** (first_seq, last_seq): candidates of a contiguous range of records. */
export const SELECT_CANDIDATES_IN_RANGE =
  'SELECT * FROM candidates WHERE seq BETWEEN ? AND ? ORDER BY seq, pos';

/** (json array of seqs): candidates of a page of records. */
export const SELECT_CANDIDATES_OF = `SELECT * FROM candidates
  WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq, pos`;

/** (after_seq, since_ms, page_size): the next page of the export, oldest first. */
export const SELECT_STREAM_PAGE = `SELECT ${DECISION_COLUMNS} FROM decisions d
  WHERE d.seq > ? AND d.ts_ms >= ? ORDER BY d.seq LIMIT ?`;

/** (since_ms): where an export that starts at a time begins. */
export const SELECT_FIRST_SEQ_SINCE = 'SELECT min(seq) - 1 AS after FROM decisions WHERE ts_ms >= ?';

/** (seq) */
export const SELECT_DECISION = `SELECT ${DECISION_COLUMNS} FROM decisions d WHERE d.seq = ?`;

/** (agent_key) */
export const SELECT_COUNTERS = `SELECT considered, bids, won, winning_bid_sum FROM agent_counters WHERE agent_key = ?`;

/** No parameters. */
export const SELECT_ALL_COUNTERS = `SELECT k.agent_id, c.considered, c.bids, c.won, c.winning_bid_sum
  FROM agent_counters c JOIN agent_keys k ON k.agent_key = c.agent_key ORDER BY k.agent_id`;

/** No parameters. */
export const COUNT_DECISIONS = 'SELECT coalesce(max(seq), 0) AS n FROM decisions'; // seq is gap-free
