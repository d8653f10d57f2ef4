-- Tasks posted to the service, their auctions' bids, and the events of their lifecycle: everything
-- the task lifecycle needs to survive a restart. `due_ms` is when the service must look at a task by
-- itself (window end, reservation timeout, deadline); null once the task is final.
CREATE TABLE tasks (
  task_id           TEXT PRIMARY KEY,
  description       TEXT NOT NULL,
  constraints       TEXT NOT NULL,   -- JSON: requiredCapabilities, maxBidSats, excludedAgents
  status            TEXT NOT NULL,
  created_ms        INTEGER NOT NULL,
  closes_ms         INTEGER NOT NULL,
  deadline_ms       INTEGER,
  decision_seq      INTEGER,         -- the auction's decision in the audit log
  candidates        TEXT NOT NULL,   -- JSON array of agent ids, best first
  offer_index       INTEGER NOT NULL,
  assigned_agent    TEXT,
  reserved_until_ms INTEGER,
  failures          INTEGER NOT NULL,
  version           INTEGER NOT NULL,
  updated_ms        INTEGER NOT NULL,
  due_ms            INTEGER
) WITHOUT ROWID;
CREATE INDEX tasks_by_due ON tasks (due_ms) WHERE due_ms IS NOT NULL;
CREATE INDEX tasks_by_created ON tasks (created_ms, task_id);
CREATE INDEX tasks_by_status ON tasks (status, created_ms, task_id);

-- One bid per agent per task, in arrival order.
CREATE TABLE task_bids (
  task_id     TEXT NOT NULL,
  agent_id    TEXT NOT NULL,
  bid_sats    INTEGER NOT NULL,
  bid_order   INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  PRIMARY KEY (task_id, agent_id)
) WITHOUT ROWID;

-- What happened to tasks, numbered in commit order: written in the same transaction as the change
-- it describes, read by SSE clients resuming from Last-Event-ID and by per-agent stats.
CREATE TABLE task_events (
  event_id INTEGER PRIMARY KEY,
  kind     TEXT NOT NULL,
  task_id  TEXT NOT NULL,
  agent_id TEXT,
  at_ms    INTEGER NOT NULL,
  data     TEXT NOT NULL             -- JSON object of scalars
);
CREATE INDEX task_events_by_agent ON task_events (agent_id, kind) WHERE agent_id IS NOT NULL;
