-- The audit log. A decision is one row; its bids (the seed's "candidate agents") are rows indexed by
-- agent; the agents it scored are a roster, interned, whose members are rows indexed by agent. Both
-- make agent queries exact and indexed. Per-agent counters are kept in the same transaction as each
-- append.

-- Agent ids are interned: rows store a small integer instead of the id text.
CREATE TABLE agent_keys (
  agent_key INTEGER PRIMARY KEY,
  agent_id  TEXT NOT NULL UNIQUE
);

-- Policy specs (name, scorer, signals and weights), interned the same way.
CREATE TABLE policies (
  policy_key INTEGER PRIMARY KEY,
  spec       TEXT NOT NULL UNIQUE
);

-- The agents registered when a decision was made, in registration order. A swarm's roster changes
-- rarely, so thousands of decisions share one row, and a 1,000-agent roster costs one row, not 1,000.
CREATE TABLE rosters (
  roster_key INTEGER PRIMARY KEY,
  members    BLOB NOT NULL UNIQUE     -- agent keys, int32 little-endian, in registration order
);
CREATE TABLE roster_members (
  agent_key  INTEGER NOT NULL,
  roster_key INTEGER NOT NULL,
  PRIMARY KEY (agent_key, roster_key)
) WITHOUT ROWID;

CREATE TABLE decisions (
  seq          INTEGER PRIMARY KEY,  -- gap-free log position, from 1; the rowid, so ordering is exact
  decision_id  BLOB NOT NULL,        -- UUIDv7, 16 bytes
  task_id      TEXT NOT NULL,
  description  TEXT NOT NULL,        -- full text
  ts_ms        INTEGER NOT NULL,     -- epoch milliseconds from the injected clock
  policy_key   INTEGER NOT NULL REFERENCES policies (policy_key),
  roster_key   INTEGER NOT NULL REFERENCES rosters (roster_key),
  capability   BLOB NOT NULL,        -- non-zero capability scores: (uint32 roster position, float64) LE pairs
  selected_key INTEGER REFERENCES agent_keys (agent_key),
  reason       TEXT NOT NULL,
  hash         BLOB NOT NULL         -- SHA-256 chained to the previous record (chain/hash-chain.ts)
);
-- Index entries carry the rowid, so these also serve ORDER BY seq within a task, time range or roster.
CREATE INDEX decisions_by_task ON decisions (task_id);
CREATE INDEX decisions_by_time ON decisions (ts_ms);
CREATE INDEX decisions_by_roster ON decisions (roster_key);

CREATE TABLE bids (
  seq       INTEGER NOT NULL,        -- the decision
  bid_order INTEGER NOT NULL,        -- arrival order, from 0
  agent_key INTEGER NOT NULL,
  bid_sats  INTEGER NOT NULL,
  signals   BLOB NOT NULL,           -- float64 little-endian, one per policy signal
  combined  REAL NOT NULL,
  PRIMARY KEY (seq, bid_order)
) WITHOUT ROWID;
CREATE INDEX bids_by_agent ON bids (agent_key, seq);

CREATE TABLE agent_counters (
  agent_key       INTEGER PRIMARY KEY,
  considered      INTEGER NOT NULL,  -- decisions in which the agent was scored or bid
  bids            INTEGER NOT NULL,
  won             INTEGER NOT NULL,
  winning_bid_sum INTEGER NOT NULL
);
