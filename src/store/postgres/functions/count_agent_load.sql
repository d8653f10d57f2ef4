-- count_agent_load(): the function of the triggers on tasks (agent_load_on_insert, _on_update,
-- _on_delete) that count each agent's tasks in hand (offered to it or accepted by it) as tasks
-- change, whichever statement or instance writes them: each change of what a row holds adds a delta
-- (−1 for the old holder, +1 for the new) to agent_load_deltas, which fold_agent_load_deltas folds
-- into agent_loads. Deltas are inserted into a table without a unique index, so concurrent writers
-- never wait for one another.
--
-- The search path is the one it was created with, this schema's, whoever's statement fires the
-- trigger: an operator's UPDATE of this schema's tasks from a session set elsewhere counts here, not
-- into the agent_load_deltas of whatever schema that session finds first.
CREATE OR REPLACE FUNCTION count_agent_load() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status IN ('offered', 'accepted') AND OLD.assigned_agent IS NOT NULL THEN
    INSERT INTO agent_load_deltas (agent_id, delta) VALUES (OLD.assigned_agent, -1);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status IN ('offered', 'accepted') AND NEW.assigned_agent IS NOT NULL THEN
    INSERT INTO agent_load_deltas (agent_id, delta) VALUES (NEW.assigned_agent, 1);
  END IF;
  RETURN NULL;
END
$$;
