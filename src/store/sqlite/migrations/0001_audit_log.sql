-- The audit log: one row per decision, its candidates as rows indexed by agent, and per-agent
-- counters kept up to date in the same transaction as each append.

-- Agent ids are interned: a candidate row stores a small integer instead of the id text.
CREATE TABLE agent_keys (
  agent_key INTEGER PRIMARY KEY,
  agent_id  TEXT NOT NULL UNIQUE
);

-- Policy specs (name, scorer, signals and weights) are interned the same way.
CREATE TABLE policies (
  policy_key INTEGER PRIMARY KEY,
  spec       TEXT NOT NULL UNIQUE
);

CREATE TABLE decisions (
  seq          INTEGER PRIMARY KEY,  -- gap-free log position, from 1; the rowid, so ordering is exact
  decision_id  BLOB NOT NULL,        -- UUIDv7, 16 bytes
  task_id      TEXT NOT NULL,
  description  TEXT NOT NULL,        -- full text
  ts_ms        INTEGER NOT NULL,     -- epoch milliseconds from the injected clock
  policy_key   INTEGER NOT NULL REFERENCES policies (policy_key),
  selected_key INTEGER REFERENCES agent_keys (agent_key),
  reason       TEXT NOT NULL,
  hash         BLOB NOT NULL         -- SHA-256 chained to the previous record (audit/hash-chain.ts)
);
-- Index entries carry the rowid, so these also serve ORDER BY seq within a task or a time range.
CREATE INDEX decisions_by_task ON decisions (task_id);
CREATE INDEX decisions_by_time ON decisions (ts_ms);

CREATE TABLE candidates (
  seq        INTEGER NOT NULL,       -- the decision
  pos        INTEGER NOT NULL,       -- registered agents in registration order, then unregistered bidders
  agent_key  INTEGER NOT NULL,
  capability REAL,                   -- NULL: not registered when the decision was made
  bid_sats   INTEGER,                -- NULL: did not bid
  bid_order  INTEGER,                -- arrival order of the bid, from 0
  signals    BLOB,                   -- float64 little-endian, one per policy signal, bidders only
  combined   REAL,
  PRIMARY KEY (seq, pos)
) WITHOUT ROWID;
CREATE INDEX candidates_by_agent ON candidates (agent_key, seq);

CREATE TABLE agent_counters (
  agent_key          INTEGER PRIMARY KEY,
  considered         INTEGER NOT NULL,
  bids               INTEGER NOT NULL,
  won                INTEGER NOT NULL,
  winning_bid_sum    INTEGER NOT NULL
);
