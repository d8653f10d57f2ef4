-- A decision's bids move into one blob on its row (record-rows.ts encodeBids), and each bidder gets one
-- tiny row in `candidates`, keyed by agent: agent queries stay exact and indexed, at one B-tree
-- insertion per bid instead of two (a bids row plus its agent index), which was a third of the cost
-- of logging a decision (bench log-personas).
-- Records logged before this migration keep their bids in `bids` (their `bids` blob is null); readers
-- take them from there. Nothing writes to `bids` any more.
ALTER TABLE decisions ADD COLUMN bids BLOB;

CREATE TABLE candidates (
  agent_key INTEGER NOT NULL,
  seq       INTEGER NOT NULL,
  PRIMARY KEY (agent_key, seq)
) WITHOUT ROWID;
INSERT INTO candidates (agent_key, seq) SELECT agent_key, seq FROM bids;
DROP INDEX bids_by_agent;
