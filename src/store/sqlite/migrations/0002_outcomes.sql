-- Outcomes: what happened after a decision, one row per agent that tried the task. The router learns
-- from them (text evidence, success rates) and rebuilds what it learned from this table at start.
CREATE TABLE outcomes (
  outcome_seq  INTEGER PRIMARY KEY,  -- recording order, from 1
  seq          INTEGER NOT NULL REFERENCES decisions (seq),
  agent_key    INTEGER NOT NULL REFERENCES agent_keys (agent_key),
  completed    INTEGER NOT NULL,     -- 1 completed, 0 failed
  duration_ms  REAL,                 -- null when the agent did not say
  recorded_ms  INTEGER NOT NULL,     -- epoch milliseconds from the injected clock
  UNIQUE (seq, agent_key)            -- one outcome per agent per decision
);
