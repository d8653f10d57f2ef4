-- Agents registered through the service: their manifest, the hash of their token and their last
-- heartbeat, so a restarted service knows them again. Agents of a --roster file are not stored here:
-- the file is their source.
CREATE TABLE agents (
  agent_id      TEXT PRIMARY KEY,
  manifest      TEXT NOT NULL,     -- the validated manifest, as JSON
  token_hash    BLOB,              -- SHA-256 of the agent's token; the token itself is never stored
  registered_ms INTEGER NOT NULL,
  heartbeat_ms  INTEGER NOT NULL   -- registration counts as a heartbeat
) WITHOUT ROWID;
