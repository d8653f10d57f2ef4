-- Each agent's tasks in hand (offered to it or accepted by it), counted as tasks change rather than
-- by a GROUP BY over every such task, which every instance would pay for on each catch-up, however
-- few tasks changed: agent_loads holds the counts, and agent_load_deltas the changes not folded into
-- them yet (fold_agent_load_deltas, under the same fold lock as the counters' deltas). A read is the
-- agents' rows plus the deltas.
--
-- Triggers write the deltas, so that every writer of a task's status or agent counts, whichever
-- statement or instance version it is: decisions, acceptances, outcomes, expiries. They fire only for
-- statements that set status or assigned_agent (a bid's update does not), and only when what the
-- row holds changes.

-- No task may change between the count below and the trigger's creation, or that change would be
-- counted twice or not at all. Writers wait for this migration's commit (a moment) and then fire it.
LOCK TABLE tasks IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE agent_loads (
  agent_id text PRIMARY KEY,
  n        bigint NOT NULL
);

CREATE TABLE agent_load_deltas (
  agent_id text NOT NULL,
  delta    integer NOT NULL
);

INSERT INTO agent_loads (agent_id, n)
SELECT assigned_agent, count(*) FROM tasks
WHERE status IN ('offered', 'accepted') AND assigned_agent IS NOT NULL
GROUP BY assigned_agent;

-- The triggers' function, which CREATE TRIGGER needs: created here as functions/count_agent_load.sql
-- defines it (that file says why), and replaced by that file after the migrations.
CREATE FUNCTION count_agent_load() RETURNS trigger
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

CREATE TRIGGER agent_load_on_insert AFTER INSERT ON tasks FOR EACH ROW
  WHEN (NEW.status IN ('offered', 'accepted') AND NEW.assigned_agent IS NOT NULL)
  EXECUTE FUNCTION count_agent_load();

CREATE TRIGGER agent_load_on_update AFTER UPDATE OF status, assigned_agent ON tasks FOR EACH ROW
  WHEN ((OLD.status IN ('offered', 'accepted') AND OLD.assigned_agent IS NOT NULL)
          IS DISTINCT FROM (NEW.status IN ('offered', 'accepted') AND NEW.assigned_agent IS NOT NULL)
        OR (NEW.status IN ('offered', 'accepted') AND OLD.assigned_agent IS DISTINCT FROM NEW.assigned_agent))
  EXECUTE FUNCTION count_agent_load();

CREATE TRIGGER agent_load_on_delete AFTER DELETE ON tasks FOR EACH ROW
  WHEN (OLD.status IN ('offered', 'accepted') AND OLD.assigned_agent IS NOT NULL)
  EXECUTE FUNCTION count_agent_load();
