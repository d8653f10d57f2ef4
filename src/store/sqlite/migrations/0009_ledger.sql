-- The ledger: a second hash chain, of every change to the rows routing reads that a decision record
-- does not hold (agents, tasks and their bids, task events, outcomes), each entry anchored to the
-- decision chain's head when it was sealed (src/chain/ledger-entry.ts). Entries are written in the
-- transaction of the change they describe. Its first entry, `origin`, is written by the store right
-- after this migration, in its transaction, followed by every row an older version had written, as
-- found: from then on those rows are tamper-evident too, and what happened to them before is
-- reported as unsealed by `verify`.
CREATE TABLE ledger (
  entry_seq   INTEGER PRIMARY KEY,  -- gap-free, from 1
  kind        TEXT NOT NULL,        -- origin, agent, agent_removed, task, bid, event, outcome
  subject     TEXT NOT NULL,        -- agent id, task id, event id or outcome seq
  body        TEXT NOT NULL,        -- the row as written: canonical JSON (ledger-entry.ts)
  anchor_seq  INTEGER NOT NULL,     -- the decision chain's head when sealed (0: none)
  anchor_hash BLOB NOT NULL,        -- and its hash
  hash        BLOB NOT NULL         -- SHA-256 chained to the previous entry
);
