-- fold_agent_load_deltas(p_fold_lock): adds every committed load delta to agent_loads and deletes it,
-- under the same fold lock as fold_agent_counter_deltas (NULL at once when another transaction holds
-- it). Agents whose count reaches 0 keep their row: the agents are few, and the reader passes over
-- zeros. Answers how many deltas it folded.
CREATE OR REPLACE FUNCTION fold_agent_load_deltas(p_fold_lock bigint) RETURNS integer
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
