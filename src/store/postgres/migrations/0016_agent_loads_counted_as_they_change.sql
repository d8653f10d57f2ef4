-- Each agent's tasks in hand (offered to it or accepted by it) counted as tasks change, rather than
-- by a GROUP BY over every such task. Every instance reads the loads on each catch-up, once a second
-- (cluster-sync.ts), and the GROUP BY cost about 1 µs per task in hand (20 ms at 19,000,
-- bench:scale): a deployment whose agents hold many long-running tasks paid that on every instance,
-- every second, however few tasks changed. The read is now the agents' rows plus the deltas not
-- yet folded.
--
-- A trigger writes the deltas, so that every writer of a task's status or agent counts, whichever
-- statement or instance version it is: decisions, acceptances, outcomes, expiries. It fires only for
-- statements that set status or assigned_agent (a bid's update does not), and only when what the
-- row holds changes. Deltas are inserted into a table without a unique index, so concurrent writers
-- never wait for one another; fold_agent_load_deltas folds them into agent_loads under the same
-- fold lock as the counters' deltas (migration 0011), and a reader's snapshot sees a fold whole or
-- not at all.

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

-- The search path is the migration's, this schema's, whoever's statement fires the trigger: an
-- operator's UPDATE of this schema's tasks from a session set elsewhere counts here, not into the
-- agent_load_deltas of whatever schema that session finds first. It costs about 2 µs a call.
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

-- Adds every committed load delta to agent_loads and deletes it, unless another transaction holds
-- p_fold_lock (then NULL at once, as fold_agent_counter_deltas). Agents whose count reaches 0 keep
-- their row: the agents are few, and the reader passes over zeros.
CREATE FUNCTION fold_agent_load_deltas(p_fold_lock bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  folded integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(p_fold_lock) THEN
    RETURN NULL;
  END IF;
  WITH gone AS (
    DELETE FROM agent_load_deltas RETURNING *
  ), sums AS (
    SELECT agent_id, sum(delta) AS delta, count(*) AS deltas FROM gone GROUP BY agent_id
  ), added AS (
    INSERT INTO agent_loads (agent_id, n)
    SELECT agent_id, delta FROM sums
    ON CONFLICT (agent_id) DO UPDATE SET n = agent_loads.n + excluded.n
  )
  SELECT coalesce(sum(deltas), 0) INTO folded FROM sums;
  RETURN folded;
END
$$;
