-- lock_tasks_in_order(p_task_ids, p_wait): locks tasks' rows for the rest of the transaction, in
-- task_id order, and returns the tasks that exist with their versions. Every batch (add_bids,
-- commit_decisions) locks through this function, in this one order, so two batches sharing tasks wait
-- for each other but never deadlock.
--
-- Without p_wait (what the store passes) the rows are tried without waiting first, inside an
-- exception block: a row held by another transaction rolls back only that block, whose row locks go
-- with it, so the wait that follows takes the rows in task_id order holding none of them. Before it
-- waits, the function tells its client with a notice (client_min_messages is set for its run, so a
-- connection's own setting cannot hide it): its detail is the number of entries of p_task_ids, the
-- writes the caller's batch holds up (one per bid in add_bids, one per decision in commit_decisions),
-- and its hint the tag pg-lock-wait.ts counts by. A wait is thus counted without a failed statement
-- in PostgreSQL's log. The block costs a subtransaction per call. p_wait true waits at once and tells
-- nobody.
--
-- Its statements are planned once per connection (plan_cache_mode), on the primary key: a plan made
-- while the table was nearly empty would scan it whole.
CREATE OR REPLACE FUNCTION lock_tasks_in_order(p_task_ids text[], p_wait boolean)
RETURNS TABLE (task_id text, version integer)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off
  SET client_min_messages = notice AS $$
DECLARE
  locked_ids text[];
  locked_versions integer[];
BEGIN
  IF p_wait THEN
    RETURN QUERY SELECT t.task_id, t.version FROM tasks t WHERE t.task_id = ANY (p_task_ids)
      ORDER BY t.task_id FOR UPDATE;
    RETURN;
  END IF;
  -- Gathered into arrays rather than returned as found: rows returned before a failure would stay in
  -- the function's answer after the block is rolled back.
  BEGIN
    SELECT array_agg(l.task_id ORDER BY l.task_id), array_agg(l.version ORDER BY l.task_id)
      INTO locked_ids, locked_versions
      FROM (SELECT t.task_id, t.version FROM tasks t WHERE t.task_id = ANY (p_task_ids)
            ORDER BY t.task_id FOR UPDATE NOWAIT) AS l;
  EXCEPTION WHEN lock_not_available THEN
    RAISE NOTICE 'swarm-router: waiting for a task row held by another transaction'
      USING DETAIL = cardinality(p_task_ids)::text, HINT = 'swarm-router:row-lock-wait';
    SELECT array_agg(l.task_id ORDER BY l.task_id), array_agg(l.version ORDER BY l.task_id)
      INTO locked_ids, locked_versions
      FROM (SELECT t.task_id, t.version FROM tasks t WHERE t.task_id = ANY (p_task_ids)
            ORDER BY t.task_id FOR UPDATE) AS l;
  END;
  RETURN QUERY SELECT u.task_id, u.version FROM unnest(locked_ids, locked_versions) AS u (task_id, version);
END
$$;
