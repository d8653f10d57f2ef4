-- Agents looked up by their token's hash: an instance that does not know a token (registered through
-- another instance a moment ago) asks the store (AgentDirectory.agentOfToken) before it answers 401,
-- so a wrong token costs one index lookup, not a scan of every agent. Unique: a token opens one agent.
-- Agents without a token (NULL) may be many.
CREATE UNIQUE INDEX agents_token_hash ON agents (token_hash);
